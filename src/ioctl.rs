// SPDX-License-Identifier: GPL-2.0

//! The device's ioctls, declared for C in `signal_example.h` and mirrored in `user/src/uapi.rs`:
//! `SIGNALCONF_QUEUE`, one `{pid, signal, value, flags}` entry, the same as a write of that
//! command; and `SIGNALCONF_QUEUE_MANY`, up to 1024 entries in one call, each attempted in order
//! and given its own result (0 or the negative errno a write would fail with), returning how many
//! were sent and saying how many were attempted. Entries are copied in chunks on the stack:
//! nothing is allocated.
//!
//! A call that has attempted an entry never fails as a whole: it may have sent signals, and a
//! caller that retried after an error would send them twice. So before a chunk's entries are
//! sent, their results are known to be writable; and a call that stops early (unreadable
//! entries, a signal to handle) reports how far it got.

use core::mem::size_of;
use kernel::{
    ioctl::{
        _IOW,
        _IOWR, //
    },
    prelude::*,
    transmute::{
        AsBytes,
        FromBytes, //
    },
    uaccess::{
        UserPtr,
        UserSlice, //
    },
};

use crate::{
    command::Command,
    execute::execute,
    signal::{
        self,
        Writer, //
    },
    uapi::{
        Entry,
        Many,
        ManyV0_2,
        MAGIC,
        OUTPUT_OFFSET,
        QUEUE_MANY_NR,
        QUEUE_NR,
        RESULT_OFFSET, //
    },
};

/// `SIGNALCONF_QUEUE`.
const QUEUE: u32 = _IOW::<Entry>(MAGIC, QUEUE_NR);
/// `SIGNALCONF_QUEUE_MANY`.
const QUEUE_MANY: u32 = _IOWR::<Many>(MAGIC, QUEUE_MANY_NR);
/// 0.2.0's `SIGNALCONF_QUEUE_MANY`, for programs built against that header.
const QUEUE_MANY_V0_2: u32 = _IOW::<ManyV0_2>(MAGIC, QUEUE_MANY_NR);

// SAFETY: `Entry` is `repr(C)`, made of integers only, without padding (`uapi` asserts its
// size): any bit pattern is a valid value, and every byte is initialised.
unsafe impl FromBytes for Entry {}
// SAFETY: as for `FromBytes`.
unsafe impl AsBytes for Entry {}
// SAFETY: `Many` is `repr(C)`, made of integers only, without padding (`uapi` asserts its size).
unsafe impl FromBytes for Many {}
// SAFETY: as for `Many`.
unsafe impl FromBytes for ManyV0_2 {}

/// Carries out the ioctl `cmd` with the argument `arg`; `ENOTTY` for a command it does not know.
pub(crate) fn dispatch(cmd: u32, arg: usize) -> Result<isize> {
    match cmd {
        QUEUE => queue(arg).map(|()| 0),
        QUEUE_MANY => queue_many(arg, true),
        QUEUE_MANY_V0_2 => queue_many(arg, false),
        _ => Err(ENOTTY),
    }
}

/// The command of an entry, or why it has none.
fn command_of(entry: &Entry) -> Result<Command> {
    entry.command().map_err(|_| EINVAL)
}

/// `SIGNALCONF_QUEUE`: the entry at `arg`, carried out as a write of the same command would be.
fn queue(arg: usize) -> Result {
    execute(
        &Writer::current(),
        read_at::<Entry>(arg).and_then(|entry| command_of(&entry)),
    )
}

/// `SIGNALCONF_QUEUE_MANY` (with `outputs`, the `attempted` and `sent` fields of `Many`) or
/// 0.2.0's (`ManyV0_2`, without them): returns how many entries were sent. A call that attempted
/// no entry fails, and counts as one failed command, as a malformed write does. So does 0.2.0's
/// call when it stopped early, whatever it sent, as it always did: its callers cannot be told how
/// far it got (the new call is the fix).
fn queue_many(arg: usize, outputs: bool) -> Result<isize> {
    let writer = Writer::current();
    let started = start_many(arg, outputs);
    let (progress, stop) = match started {
        Ok((entries, count)) => queue_entries(&writer, entries, count, outputs),
        Err(e) => (Progress::default(), Some(e)),
    };
    if let Some(error) = stop.filter(|_| progress.attempted == 0 || !outputs) {
        let _ = execute(&writer, Err(error));
        return Err(error);
    }
    if outputs {
        // It was written when the call started: it fails only if another thread unmapped it since,
        // and then the signals are sent all the same.
        let _ = write_at(
            arg.wrapping_add(OUTPUT_OFFSET),
            &[progress.attempted, progress.sent],
        );
    }
    Ok(progress.sent as isize)
}

/// Reads the argument of `SIGNALCONF_QUEUE_MANY` at `arg` (`Many` if `outputs`, else `ManyV0_2`)
/// and, for `Many`, sets its outputs to 0, so that they are known to be writable before anything
/// is sent. Returns the user address of the entries and their number.
fn start_many(arg: usize, outputs: bool) -> Result<(usize, usize)> {
    let (entries, count) = if outputs {
        let many = read_at::<Many>(arg)?;
        (many.entries, many.count())
    } else {
        let many = read_at::<ManyV0_2>(arg)?;
        (many.entries, many.count())
    };
    let count = count.ok_or(EINVAL)?;
    let entries = usize::try_from(entries).map_err(|_| EFAULT)?;
    if outputs {
        write_at(arg.wrapping_add(OUTPUT_OFFSET), &[0u32, 0])?;
    }
    Ok((entries, count))
}

/// How far a `SIGNALCONF_QUEUE_MANY` got.
#[derive(Default)]
struct Progress {
    /// Entries attempted, from the first; each one's result is written.
    attempted: u32,
    /// Of those, the ones sent.
    sent: u32,
}

/// Attempts `writer`'s `count` entries at the user address `entries` in order, each counted and
/// given its result; returns how far it got, and why it stopped before the end, if it did. With
/// `interruptible`, it also stops between chunks when the caller has a signal to handle (one
/// that kills it included); 0.2.0's call, whose callers cannot be told how far it got, does not.
fn queue_entries(
    writer: &Writer,
    entries: usize,
    count: usize,
    interruptible: bool,
) -> (Progress, Option<Error>) {
    const CHUNK: usize = 16;
    let mut reader =
        UserSlice::new(UserPtr::from_addr(entries), count * size_of::<Entry>()).reader();
    // (No overflow: the entries were readable, so their addresses are valid.)
    let result_addr =
        |index: usize| entries.wrapping_add(index * size_of::<Entry>() + RESULT_OFFSET);
    let mut chunk = [Entry::default(); CHUNK];
    let mut progress = Progress::default();
    while (progress.attempted as usize) < count {
        let done = progress.attempted as usize;
        if done > 0 {
            // Up to 1024 signals in one call: let others run between chunks, and let a caller
            // with a signal to handle (or being killed) have it.
            cond_resched();
            if interruptible && signal::signal_pending() {
                return (progress, Some(EINTR));
            }
        }
        let chunk = &mut chunk[..CHUNK.min(count - done)];
        if let Err(e) = reader.read_slice(chunk.as_bytes_mut()) {
            return (progress, Some(e));
        }
        // The chunk's results lie in at most two pages (the chunk is 384 bytes), those of its
        // first and last entries: if these two can be written (with the values they hold), so
        // can every result of the chunk, and no entry is sent without its result.
        let last = chunk.len() - 1;
        if write_at(result_addr(done), &chunk[0].result)
            .and_then(|()| write_at(result_addr(done + last), &chunk[last].result))
            .is_err()
        {
            return (progress, Some(EFAULT));
        }
        for entry in chunk.iter() {
            let result = execute(writer, command_of(entry));
            progress.attempted += 1;
            progress.sent += u32::from(result.is_ok());
            let code = result.err().map_or(0, |e| e.to_errno());
            if let Err(e) = write_at(result_addr(progress.attempted as usize - 1), &code) {
                // Another thread unmapped or write-protected the entries since the check above.
                return (progress, Some(e));
            }
        }
    }
    (progress, None)
}

/// Reads a `T` from the user address `addr`.
fn read_at<T: FromBytes>(addr: usize) -> Result<T> {
    UserSlice::new(UserPtr::from_addr(addr), size_of::<T>())
        .reader()
        .read()
}

/// Writes `value` to the user address `addr`, and nothing around it.
fn write_at<T: AsBytes>(addr: usize, value: &T) -> Result {
    UserSlice::new(UserPtr::from_addr(addr), size_of::<T>())
        .writer()
        .write(value)
}

/// `cond_resched()`, which the `kernel` crate does not bind: lets another task run if one should,
/// where preemption does not already. As the C macro: the sleeping-in-atomic-context check, then
/// `_cond_resched()`, which follows the kernel's preemption model, chosen at boot with
/// `PREEMPT_DYNAMIC` (its static call where the architecture selects `HAVE_PREEMPT_DYNAMIC_CALL`,
/// x86; its static key where it selects `HAVE_PREEMPT_DYNAMIC_KEY`: arm64, riscv, loongarch,
/// powerpc), `__cond_resched()` without preemption, nothing with full preemption.
#[track_caller]
fn cond_resched() {
    #[cfg(CONFIG_DEBUG_ATOMIC_SLEEP)]
    {
        let caller = core::panic::Location::caller();
        // SAFETY: `file` is a NUL-terminated string that outlives the call (the caller's file).
        unsafe {
            kernel::bindings::__might_resched(
                kernel::file_from_location(caller).as_char_ptr(),
                caller.line() as i32,
                0,
            )
        };
    }
    // The task may sleep in each: this runs in an ioctl, in process context, with no lock held
    // and no RCU read-side critical section open.
    #[cfg(all(CONFIG_PREEMPT_DYNAMIC, CONFIG_HAVE_PREEMPT_DYNAMIC_CALL))]
    // SAFETY: the task may sleep (above). The static call's trampoline is what a C module's
    // `static_call_mod(cond_resched)()` calls, and the kernel exports it for that.
    unsafe {
        kernel::bindings::__SCT__cond_resched()
    };
    #[cfg(all(
        CONFIG_PREEMPT_DYNAMIC,
        CONFIG_HAVE_PREEMPT_DYNAMIC_KEY,
        not(CONFIG_HAVE_PREEMPT_DYNAMIC_CALL)
    ))]
    // SAFETY: the task may sleep (above).
    unsafe {
        kernel::bindings::dynamic_cond_resched()
    };
    #[cfg(not(CONFIG_PREEMPTION))]
    // SAFETY: the task may sleep (above).
    unsafe {
        kernel::bindings::__cond_resched()
    };
}
