// SPDX-License-Identifier: GPL-2.0
/*
 * Where the time of a write to signalconfpid goes, measured from userspace in the test VM by
 * subtraction (the test kernel has no tracer): batches of the same length alternate between
 *   getpid       a system call that does nothing: the entry/exit floor
 *   write-einval a write the module rejects at once ("x"): VFS write path + copy + parse
 *   write-esrch  a write naming no process: + PID lookup
 *   write-self   a write naming ourselves, signal blocked: + task reference + send_sig_info()
 *   rt_sigqueueinfo  the same signal to ourselves, blocked (one system call, no glibc extras)
 * and the median ns per call of each is printed. The signal is blocked and the queue drained with
 * sigtimedwait every batch, so delivery is not part of it.
 *
 * Usage (as root, module loaded): write-cost [BATCHES]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SIG 44
#define BATCH 200
enum { GETPID, EINVAL_W, ESRCH_W, SELF_W, SIGQUEUE, METHODS };
static const char *names[] = { "getpid", "write-einval", "write-esrch", "write-self", "rt_sigqueueinfo" };

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int batches = argc > 1 ? atoi(argv[1]) : 50;
	int fd = open("/sys/kernel/debug/signalconfpid", O_WRONLY);
	pid_t me = getpid();
	char self[32];
	siginfo_t info;
	sigset_t set;
	double *ns[METHODS];

	if (fd < 0) {
		perror("open signalconfpid");
		return 1;
	}
	snprintf(self, sizeof(self), "%d\n", me);
	sigemptyset(&set);
	sigaddset(&set, SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&info, 0, sizeof(info));
	info.si_signo = SIG;
	info.si_code = SI_QUEUE;
	info.si_pid = me;
	info.si_uid = getuid();
	for (int m = 0; m < METHODS; m++)
		ns[m] = calloc(batches, sizeof(double));

	for (int b = 0; b < batches; b++) {
		for (int m = 0; m < METHODS; m++) {
			double start = now_ns();
			for (int i = 0; i < BATCH; i++) {
				switch (m) {
				case GETPID: syscall(SYS_getpid); break;
				case EINVAL_W: write(fd, "x", 1); break;
				case ESRCH_W: write(fd, "2147483647", 10); break;
				case SELF_W: write(fd, self, strlen(self)); break;
				case SIGQUEUE: syscall(SYS_rt_sigqueueinfo, me, SIG, &info); break;
				}
			}
			ns[m][b] = (now_ns() - start) / BATCH;
			/* Drain what was queued so that RLIMIT_SIGPENDING is never reached. */
			struct timespec zero = { 0, 0 };
			while (sigtimedwait(&set, NULL, &zero) == SIG)
				;
		}
	}
	for (int m = 0; m < METHODS; m++) {
		qsort(ns[m], batches, sizeof(double), cmp);
		printf("%-16s %8.0f ns/call (median of %d batches of %d)\n", names[m],
		       ns[m][batches / 2], batches, BATCH);
	}
	return 0;
}
