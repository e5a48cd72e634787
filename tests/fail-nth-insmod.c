// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth-insmod MODULE.ko: the fault-injection case's loader. Reads commands from stdin, one per
 * line, and answers each with one line on stdout:
 *   N       loads MODULE.ko with finit_module(2) while the N-th fault-injection point that this
 *           thread reaches fails (/proc/thread-self/fail-nth, CONFIG_FAULT_INJECTION; with
 *           failslab, each slab allocation is one): `loaded` or the errno's name (ENOMEM, ...),
 *           then `injected` if the N-th point was reached, else `not-reached`. Setting the count
 *           and loading are the only two system calls in between, so the count starts in the
 *           load; it is set back to 0 (off) after it.
 *   unload  unloads signal_example (delete_module(2)): `unloaded` or the errno's name.
 * One process for all the loads of a case: under KASAN and TCG, starting a program cost more than
 * a load that fails. Exit status 0 at the end of stdin, 2 if the tool itself failed (a read
 * error, a command it does not know or one too long).
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

/* Writes `count` to fail-nth; 0 or -1 with errno. */
static int set_fail_nth(int fail_nth, const char *count)
{
	ssize_t len = strlen(count);

	return write(fail_nth, count, len) == len ? 0 : -1;
}

int main(int argc, char **argv)
{
	char command[32], left[16], *end;
	int module, fail_nth;
	long rc;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE.ko (commands on stdin: N > 0, or unload)\n", argv[0]);
		return 2;
	}
	module = open(argv[1], O_RDONLY | O_CLOEXEC);
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (module < 0 || fail_nth < 0) {
		perror(module < 0 ? argv[1] : "/proc/thread-self/fail-nth");
		return 2;
	}
	while (fgets(command, sizeof(command), stdin)) {
		end = strchr(command, '\n');
		if (!end) {
			fprintf(stderr, "a command line longer than %zu bytes, or without its newline\n",
				sizeof(command) - 2);
			return 2;
		}
		*end = '\0';
		if (!strcmp(command, "unload")) {
			rc = syscall(SYS_delete_module, "signal_example", O_NONBLOCK);
			printf("%s\n", rc == 0 ? "unloaded" : errno_name(errno));
		} else if (atoi(command) > 0) {
			if (set_fail_nth(fail_nth, command)) {
				perror("write fail-nth");
				return 2;
			}
			rc = syscall(SYS_finit_module, module, "", 0);
			err = errno;
			/* What is left of the count: 0 once the fault was injected. */
			memset(left, 0, sizeof(left));
			if (pread(fail_nth, left, sizeof(left) - 1, 0) <= 0 || set_fail_nth(fail_nth, "0")) {
				perror("fail-nth");
				return 2;
			}
			printf("%s %s\n", rc == 0 ? "loaded" : errno_name(err),
			       atoi(left) == 0 ? "injected" : "not-reached");
		} else {
			fprintf(stderr, "unknown command: %s\n", command);
			return 2;
		}
		fflush(stdout);
	}
	if (ferror(stdin)) {
		perror("stdin");
		return 2;
	}
	return 0;
}
