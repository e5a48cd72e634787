/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ioctls of /dev/signalconfpid (signal-example). SIGNALCONF_QUEUE does what a write of
 * "PID [sig=N] [value=V]" does (a write is also refused, EACCES, unless made with the
 * credentials that opened the file; the ioctls are not); SIGNALCONF_QUEUE_MANY sends many
 * signals in one call.
 *
 * Which thread: the signal is queued to the thread whose ID entry.pid is, as rt_tgsigqueueinfo(2)
 * and pthread_sigqueue(3) do, not to the process as sigqueue(3) does. A PID is its process's
 * main thread's ID: if the main thread blocks the signal, it stays pending there, and no other
 * thread (sigwaitinfo in a worker, say) can take it. A multithreaded program names the thread
 * that takes the signal (gettid(2)).
 *
 * The payload: si_code is SI_QUEUE and si_value holds entry.value, whose low 32 bits si_int
 * reads on little-endian machines (x86, arm64, riscv, ...); on big-endian 64-bit ones (s390x,
 * ppc64, sparc64) si_int reads its high 32 bits: read si_ptr there, or send the value << 32.
 * A 32-bit kernel carries 32 bits: a value outside -2^31..2^32-1 is EINVAL there; a 32-bit
 * program on a 64-bit kernel receives si_int only.
 *
 * Errors, per call or per entry (entry.result = -errno): EINVAL (PID not positive, signal not
 * 1..64 or 0, unknown flag, value that does not fit; for QUEUE_MANY also count 0 or over
 * SIGNALCONF_MAX_ENTRIES, or reserved not 0), ESRCH (no such thread, or it is exiting: also a
 * PID whose main thread has called pthread_exit() while other threads run on, which sigqueue(3)
 * still reaches), EPERM (kill(2)'s rule refuses it, or a kernel thread), EAGAIN (the target's
 * real-time signal queue is full). Per call: EFAULT (the argument cannot be read or written),
 * ENOTTY (an unknown command). A signal to handle never fails a call (no EINTR): it is looked for
 * only after an entry was attempted, and then the call succeeds, saying how far it got.
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

/*
 * SIGNALCONF_QUEUE_MANY attempts the entries in order and sets each attempted one's result. It
 * stops early only when the entries cannot be read or their results written, or the caller has
 * a signal to handle (or is being killed: checked every 16 entries); `attempted` then says how
 * far it got: results are valid for exactly the first
 * `attempted` entries, and the others were not sent. It fails as a whole (-1 with errno, nothing
 * sent, nothing written but the outputs) only if no entry was attempted. So a caller that retries
 * resumes at entries + attempted and never sends a signal twice. Before an entry is sent, its
 * result can be written: only another thread that unmaps or write-protects the array during the
 * call can leave a sent entry without its result.
 */
struct signalconf_many {
	__u64 entries;		/* user address of `count` struct signalconf_entry */
	__u32 count;		/* 1..SIGNALCONF_MAX_ENTRIES */
	__u32 reserved;		/* must be 0 */
	__u32 attempted;	/* out: entries attempted, from the first */
	__u32 sent;		/* out: of those, how many were sent */
};

/* Returns 0, or -1 with errno. */
#define SIGNALCONF_QUEUE _IOW(SIGNALCONF_IOC_MAGIC, 1, struct signalconf_entry)
/* Returns how many entries were sent (each attempted entry's result says why the others were not). */
#define SIGNALCONF_QUEUE_MANY _IOWR(SIGNALCONF_IOC_MAGIC, 2, struct signalconf_many)

/*
 * 0.2.0's SIGNALCONF_QUEUE_MANY (a 16-byte struct signalconf_many without the outputs) is still
 * taken, for programs built against that header, and behaves as it did: a call that stopped early
 * fails (EFAULT) whatever it sent. Use SIGNALCONF_QUEUE_MANY.
 */

#endif /* _UAPI_SIGNAL_EXAMPLE_H */
