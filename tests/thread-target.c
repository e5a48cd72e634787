// SPDX-License-Identifier: GPL-2.0
/*
 * thread-target METHOD: which thread of a two-threaded process a signal sent by METHOD reaches.
 *
 * Both threads block signal 44 (the usual pattern: every thread blocks it, one worker takes it
 * with sigwaitinfo). The main thread sends signal 44 with the payload 1234 to this process by
 * METHOD, then the worker takes what it can without waiting (sigtimedwait with a zero timeout:
 * a thread can take a signal pending for itself or for the process, never one pending for
 * another thread), then the main thread looks at its own pending set. Nothing depends on time:
 * the signal is queued before the send returns.
 *
 * METHOD: sigqueue-pid (sigqueue(3) to the PID), write-pid and write-tid (a write of the PID, or
 * of the worker's thread ID, to /dev/signalconfpid), ioctl-pid and ioctl-tid (SIGNALCONF_QUEUE).
 * Prints `METHOD worker-got N main-pending N` (N: 0 or 1); exit status 0 unless a step failed
 * or the worker took a signal without SI_QUEUE and the payload.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "../signal_example.h"

#define SIGNAL 44
#define VALUE 1234
#define DEVICE "/dev/signalconfpid"

static pthread_barrier_t sent;
static pid_t worker_tid;
static pthread_barrier_t started;
static int worker_got;

static void *worker(void *unused)
{
	const struct timespec now = { 0, 0 };
	sigset_t set;
	siginfo_t info;

	(void)unused;
	worker_tid = gettid();
	pthread_barrier_wait(&started);
	pthread_barrier_wait(&sent);
	sigemptyset(&set);
	sigaddset(&set, SIGNAL);
	if (sigtimedwait(&set, &info, &now) == SIGNAL) {
		if (info.si_code != SI_QUEUE || info.si_int != VALUE) {
			fprintf(stderr, "worker: si_code %d si_int %d\n", info.si_code, info.si_int);
			exit(1);
		}
		worker_got = 1;
	}
	return NULL;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

/* Sends SIGNAL with VALUE to `target` by `method` ("write" or "ioctl"). */
static void send_through_device(const char *method, pid_t target)
{
	int fd = open(DEVICE, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		fail(DEVICE);
	if (!strcmp(method, "write")) {
		char command[64];
		int len = snprintf(command, sizeof(command), "%d sig=%d value=%d", target, SIGNAL, VALUE);

		if (write(fd, command, len) != len)
			fail("write");
	} else {
		struct signalconf_entry entry = { .pid = target, .signal = SIGNAL, .value = VALUE };

		if (ioctl(fd, SIGNALCONF_QUEUE, &entry))
			fail("SIGNALCONF_QUEUE");
	}
	close(fd);
}

int main(int argc, char **argv)
{
	char method[16];
	const char *target;
	pthread_t thread;
	sigset_t set;

	if (argc != 2 || sscanf(argv[1], "%15[a-z]-", method) != 1 || !(target = strchr(argv[1], '-'))) {
		fprintf(stderr, "usage: thread-target sigqueue-pid|write-pid|write-tid|ioctl-pid|ioctl-tid\n");
		return 2;
	}
	target++;
	sigemptyset(&set);
	sigaddset(&set, SIGNAL);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		fail("pthread_sigmask");
	if (pthread_barrier_init(&started, NULL, 2) || pthread_barrier_init(&sent, NULL, 2) ||
	    pthread_create(&thread, NULL, worker, NULL))
		fail("pthread_barrier_init, pthread_create");
	pthread_barrier_wait(&started);

	if (!strcmp(argv[1], "sigqueue-pid")) {
		if (sigqueue(getpid(), SIGNAL, (union sigval){ .sival_int = VALUE }))
			fail("sigqueue");
	} else if ((!strcmp(method, "write") || !strcmp(method, "ioctl")) &&
		   (!strcmp(target, "pid") || !strcmp(target, "tid"))) {
		send_through_device(method, !strcmp(target, "pid") ? getpid() : worker_tid);
	} else {
		fprintf(stderr, "thread-target: unknown method %s\n", argv[1]);
		return 2;
	}

	pthread_barrier_wait(&sent);
	pthread_join(thread, NULL);
	if (sigpending(&set))
		fail("sigpending");
	printf("%s worker-got %d main-pending %d\n", argv[1], worker_got, sigismember(&set, SIGNAL));
	return 0;
}
