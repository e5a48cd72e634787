// SPDX-License-Identifier: GPL-2.0
/*
 * signal-blocker: a process that blocks signal 44 and then waits for a signal it does not block
 * (SIGTERM, SIGKILL), which ends it. It prints "ready" once 44 is blocked: from then on every
 * signal 44 sent to it stays pending, until its queue is full (RLIMIT_SIGPENDING) and a sender
 * gets EAGAIN. (A C program, not a Python line: a Python start costs seconds in the test kernel
 * under TCG.) Exit status 1 if blocking or printing failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define SIGNAL 44

int main(void)
{
	sigset_t blocked;

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGNAL);
	if (sigprocmask(SIG_BLOCK, &blocked, NULL)) {
		perror("signal-blocker: sigprocmask");
		return 1;
	}
	if (puts("ready") == EOF || fflush(stdout)) {
		perror("signal-blocker: stdout");
		return 1;
	}
	for (;;)
		pause();
}
