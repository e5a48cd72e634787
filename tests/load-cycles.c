// SPDX-License-Identifier: GPL-2.0
/*
 * load-cycles N MODULE.ko PID: N times, loads MODULE.ko (finit_module(2)), writes three commands
 * to /sys/kernel/debug/signalconfpid (a PID that does not exist: ESRCH; "x": EINVAL; PID: a
 * signal queued to that process), reads /sys/kernel/debug/signal_example/stats and unloads the
 * module (delete_module(2)). One process does it all, so a cycle costs what the kernel does, not
 * two program starts. Prints a line at the end; exit status 1 at the first unexpected result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "errno-name.h"

#define CONFPID "/sys/kernel/debug/signalconfpid"
#define STATS "/sys/kernel/debug/signal_example/stats"

/* Writes `command` to signalconfpid in one write(2); returns 0 or the errno. */
static int send_command(const char *command)
{
	int fd = open(CONFPID, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, command, strlen(command)) < 0)
		err = errno;
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	char target[32], stats[512];
	int cycles, module, fd, err;

	if (argc != 4 || (cycles = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: %s N MODULE.ko PID\n", argv[0]);
		return 2;
	}
	module = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (module < 0) {
		perror(argv[2]);
		return 2;
	}
	snprintf(target, sizeof(target), "%s\n", argv[3]);
	for (int i = 1; i <= cycles; i++) {
		if (syscall(SYS_finit_module, module, "", 0) != 0) {
			fprintf(stderr, "cycle %d: load: %s\n", i, errno_name(errno));
			return 1;
		}
		if ((err = send_command("2147483647\n")) != ESRCH || (err = send_command("x")) != EINVAL ||
		    (err = send_command(target)) != 0) {
			fprintf(stderr, "cycle %d: write: %s\n", i, err ? errno_name(err) : "no error");
			return 1;
		}
		fd = open(STATS, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, stats, sizeof(stats)) <= 0) {
			fprintf(stderr, "cycle %d: %s: %s\n", i, STATS, errno_name(errno));
			return 1;
		}
		close(fd);
		if (syscall(SYS_delete_module, "signal_example", O_NONBLOCK) != 0) {
			fprintf(stderr, "cycle %d: unload: %s\n", i, errno_name(errno));
			return 1;
		}
	}
	printf("%d cycles: load, ESRCH, EINVAL, a queued signal, stats read, unload\n", cycles);
	return 0;
}
