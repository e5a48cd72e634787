// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth-insmod N MODULE.ko: loads MODULE.ko with finit_module(2) while the N-th fault-injection
 * point that this thread reaches fails (/proc/thread-self/fail-nth, CONFIG_FAULT_INJECTION; with
 * failslab, each slab allocation is one). Setting it and loading are the only two system calls
 * in between, so the count starts in the load. Prints one line: `loaded` or the errno's name
 * (ENOMEM, ...), then `injected` if the N-th point was reached, else `not-reached`.
 * Exit status 0 unless the tool itself failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char count[16], left[16] = "";
	int module, fail_nth, len;
	long rc;
	int err;

	if (argc != 3 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s N MODULE.ko (N > 0)\n", argv[0]);
		return 2;
	}
	module = open(argv[2], O_RDONLY | O_CLOEXEC);
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (module < 0 || fail_nth < 0) {
		perror(module < 0 ? argv[2] : "/proc/thread-self/fail-nth");
		return 2;
	}
	len = snprintf(count, sizeof(count), "%d", atoi(argv[1]));
	if (write(fail_nth, count, len) != len) {
		perror("write fail-nth");
		return 2;
	}
	rc = syscall(SYS_finit_module, module, "", 0);
	err = errno;
	/* What is left of the count: 0 once the fault was injected. */
	if (pread(fail_nth, left, sizeof(left) - 1, 0) <= 0) {
		perror("read fail-nth");
		return 2;
	}
	printf("%s %s\n", rc == 0 ? "loaded" : strerrorname_np(err),
	       atoi(left) == 0 ? "injected" : "not-reached");
	return 0;
}
