// SPDX-License-Identifier: GPL-2.0

//! The device's ioctls, declared for C in `signal_example.h` and mirrored in `user/src/uapi.rs`:
//! `SIGNALCONF_QUEUE`, one `{pid, signal, value, flags}` entry, the same as a write of that
//! command; and `SIGNALCONF_QUEUE_MANY`, up to 1024 entries in one call, each attempted and given
//! its own result (0 or the negative errno a write would fail with), returning how many were
//! sent. Entries are copied in chunks on the stack: nothing is allocated.

use core::mem::size_of;
use kernel::{
    ioctl::_IOW,
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
    signal,
    uapi::{
        self,
        Entry,
        Many, //
    },
};

// The ioctl numbers of `uapi` are computed as on x86 and arm64: this architecture must agree.
const _: () = assert!(uapi::QUEUE == _IOW::<Entry>(uapi::MAGIC, 1));
const _: () = assert!(uapi::QUEUE_MANY == _IOW::<Many>(uapi::MAGIC, 2));
// No padding, so that every byte copied from userspace is a field (see the `FromBytes` impls).
const _: () = assert!(size_of::<Entry>() == 24 && size_of::<Many>() == 16);

// SAFETY: `Entry` is `repr(C)`, made of integers only, without padding (asserted above): any bit
// pattern is a valid value, and every byte is initialised.
unsafe impl FromBytes for Entry {}
// SAFETY: as for `FromBytes`.
unsafe impl AsBytes for Entry {}
// SAFETY: `Many` is `repr(C)`, made of integers only, without padding (asserted above).
unsafe impl FromBytes for Many {}

/// Carries out the ioctl `cmd` with the argument `arg`; `ENOTTY` for a command it does not know.
pub(crate) fn dispatch(cmd: u32, arg: usize) -> Result<isize> {
    let arg = UserPtr::from_addr(arg);
    match cmd {
        uapi::QUEUE => queue(arg).map(|()| 0),
        uapi::QUEUE_MANY => queue_many(arg),
        _ => Err(ENOTTY),
    }
}

/// The command of an entry, or why it has none.
fn command_of(entry: &Entry) -> Result<Command> {
    entry.command().map_err(|_| EINVAL)
}

/// `SIGNALCONF_QUEUE`: the entry at `arg`, carried out as a write of the same command would be.
fn queue(arg: UserPtr) -> Result {
    let entry = UserSlice::new(arg, size_of::<Entry>())
        .reader()
        .read::<Entry>();
    signal::execute(entry.and_then(|entry| command_of(&entry)))
}

/// `SIGNALCONF_QUEUE_MANY`: every entry attempted, each counted and given its result; returns
/// how many were sent. A call refused as a whole (its header unreadable or malformed) counts once,
/// as a malformed write does.
fn queue_many(arg: UserPtr) -> Result<isize> {
    queue_entries(arg).inspect_err(|e| {
        // Counted as one command that failed (whatever the entries before it did).
        let _ = signal::execute(Err(*e));
    })
}

/// Every entry of the `Many` at `arg` attempted, each counted and given its result.
fn queue_entries(arg: UserPtr) -> Result<isize> {
    const CHUNK: usize = 16;
    let many = UserSlice::new(arg, size_of::<Many>())
        .reader()
        .read::<Many>()?;
    let count = many.count().ok_or(EINVAL)?;
    let entries = UserSlice::new(
        UserPtr::from_addr(usize::try_from(many.entries).map_err(|_| EFAULT)?),
        count * size_of::<Entry>(),
    );
    let (mut reader, mut writer) = entries.reader_writer();
    let mut chunk = [Entry::default(); CHUNK];
    let mut sent = 0;
    let mut done = 0;
    while done < count {
        let chunk = &mut chunk[..CHUNK.min(count - done)];
        reader.read_slice(chunk.as_bytes_mut())?;
        for entry in chunk.iter_mut() {
            entry.result = match signal::execute(command_of(entry)) {
                Ok(()) => {
                    sent += 1;
                    0
                }
                Err(e) => e.to_errno(),
            };
        }
        writer.write_slice(chunk.as_bytes())?;
        done += chunk.len();
    }
    Ok(sent)
}
