/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ioctls of /dev/signalconfpid (signal-example). A write of "PID [sig=N] [value=V]" does
 * the same as SIGNALCONF_QUEUE; SIGNALCONF_QUEUE_MANY sends many signals in one call.
 *
 * Errors, per call or per entry (entry.result = -errno): EINVAL (PID not positive, signal not
 * 1..64 or 0, unknown flag; for QUEUE_MANY also count 0 or over SIGNALCONF_MAX_ENTRIES, or
 * reserved not 0), ESRCH (no such process), EPERM (kill(2)'s rule refuses it, or a kernel
 * thread), EAGAIN (the target's real-time signal queue is full). Per call: EFAULT (a pointer
 * cannot be read or written), ENOTTY (an unknown command, or a struct of another size).
 *
 * Versioned by size: the size of the struct is part of each ioctl number, so a later, larger
 * struct gets a number of its own and these keep their meaning.
 */
#ifndef _UAPI_SIGNAL_EXAMPLE_H
#define _UAPI_SIGNAL_EXAMPLE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SIGNALCONF_IOC_MAGIC 0xE6

/* entry.signal: the module's `signal` parameter. */
#define SIGNALCONF_DEFAULT_SIGNAL 0
/* entry.flags: send the module's `value` parameter, not entry.value. */
#define SIGNALCONF_FLAG_DEFAULT_VALUE (1U << 0)
/* The most entries one SIGNALCONF_QUEUE_MANY takes. */
#define SIGNALCONF_MAX_ENTRIES 1024

struct signalconf_entry {
	__s32 pid;	/* the target, in the caller's PID namespace */
	__u32 signal;	/* 1..64, or SIGNALCONF_DEFAULT_SIGNAL */
	__u64 value;	/* si_value */
	__u32 flags;	/* SIGNALCONF_FLAG_DEFAULT_VALUE or 0 */
	__s32 result;	/* QUEUE_MANY sets it: 0, or -errno; ignored on input */
};

struct signalconf_many {
	__u64 entries;	/* user address of `count` struct signalconf_entry */
	__u32 count;	/* 1..SIGNALCONF_MAX_ENTRIES */
	__u32 reserved;	/* must be 0 */
};

/* Returns 0, or -1 with errno. */
#define SIGNALCONF_QUEUE _IOW(SIGNALCONF_IOC_MAGIC, 1, struct signalconf_entry)
/* Returns how many entries were sent (each entry's result says why the others were not). */
#define SIGNALCONF_QUEUE_MANY _IOW(SIGNALCONF_IOC_MAGIC, 2, struct signalconf_many)

#endif /* _UAPI_SIGNAL_EXAMPLE_H */
