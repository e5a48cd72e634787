// SPDX-License-Identifier: GPL-2.0

//! The binary interface of `/dev/signalconfpid`: its ioctls, the Rust mirror of
//! `signal_example.h`.
//!
//! Like `command.rs`, this file is compiled into the kernel module and into the host crate
//! (`core` only), so the layout and the rules the module applies are the ones `cargo test`
//! checks against the C header.
//!
//! * `SIGNALCONF_QUEUE` takes one [`Entry`]: the same meaning, errors, permission rule and
//!   statistics as a write of `PID sig=N value=V`; its `result` is ignored.
//! * `SIGNALCONF_QUEUE_MANY` takes a [`Many`]: `count` entries (`1..=MAX_ENTRIES`) at
//!   `entries`. Entries are attempted in order, and each attempted one's `result` set to 0 or the
//!   negative errno a write would have failed with. The call sets `attempted` and `sent` and
//!   returns `sent`. It stops early only if the entries cannot be read or their results written,
//!   or the caller has a signal to handle; then `attempted` says how far it got. It fails as a
//!   whole (-1, nothing sent, nothing written but the outputs) only if no entry was attempted.
//! * The number of 0.2.0's `SIGNALCONF_QUEUE_MANY`, with the 16-byte [`ManyV0_2`], is still
//!   taken, for programs built against that header, as it was: without `attempted` and `sent`, a
//!   call that stopped early fails whatever it sent.
//!
//! The ioctl numbers are not here: each side computes them with its architecture's `_IOW` and
//! `_IOWR` (the module with the kernel's, the host crate with nix's), whose encoding differs
//! between architectures.
//!
//! A later version that needs more fields adds a struct of a new size, hence a new ioctl number
//! (the size is part of it): the old numbers keep their meaning.

use crate::command::{
    is_valid_signal,
    Command,
    ParseError, //
};

/// The ioctl type byte of the device (free in the kernel's `ioctl-number.rst`).
pub const MAGIC: u32 = 0xE6;

/// `Entry::signal` for the module's `signal` parameter.
pub const DEFAULT_SIGNAL: u32 = 0;

/// `Entry::flags`: send the module's `value` parameter instead of `Entry::value`.
pub const FLAG_DEFAULT_VALUE: u32 = 1 << 0;

/// The most entries one `SIGNALCONF_QUEUE_MANY` takes.
pub const MAX_ENTRIES: u32 = 1024;

/// One signal to send: `struct signalconf_entry`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Entry {
    /// The target, in the caller's PID namespace.
    pub pid: i32,
    /// `1..=64`, or [`DEFAULT_SIGNAL`].
    pub signal: u32,
    /// The payload for `si_value`.
    pub value: u64,
    /// [`FLAG_DEFAULT_VALUE`] or 0; other bits are refused (`EINVAL`), so that they can get a
    /// meaning later.
    pub flags: u32,
    /// Out (`SIGNALCONF_QUEUE_MANY`): 0 if sent, else the negative errno.
    pub result: i32,
}

/// The argument of `SIGNALCONF_QUEUE_MANY`: `struct signalconf_many`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Many {
    /// The user address of the first of `count` [`Entry`]s.
    pub entries: u64,
    /// How many entries: `1..=MAX_ENTRIES`.
    pub count: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: how many entries, from the first, were attempted (their `result`s are set).
    pub attempted: u32,
    /// Out: how many of those were sent (the call's return value).
    pub sent: u32,
}

/// The argument of 0.2.0's `SIGNALCONF_QUEUE_MANY`: [`Many`] without its outputs.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ManyV0_2 {
    /// The user address of the first of `count` [`Entry`]s.
    pub entries: u64,
    /// How many entries: `1..=MAX_ENTRIES`.
    pub count: u32,
    /// Must be 0.
    pub reserved: u32,
}

/// The `nr` of `SIGNALCONF_QUEUE` in its ioctl number (`_IOW(MAGIC, 1, Entry)`).
pub const QUEUE_NR: u32 = 1;
/// The `nr` of `SIGNALCONF_QUEUE_MANY` (`_IOWR(MAGIC, 2, Many)`) and of 0.2.0's
/// (`_IOW(MAGIC, 2, ManyV0_2)`): the direction and the size tell them apart.
pub const QUEUE_MANY_NR: u32 = 2;

/// The byte offset of [`Entry::result`], the one field the module writes back.
pub const RESULT_OFFSET: usize = 20;
/// The byte offset of [`Many::attempted`] and [`Many::sent`], the fields the module writes back.
pub const OUTPUT_OFFSET: usize = 16;

// The layout the C header has on every architecture (the host tests compare it with the C
// compiler's, for this target and clang's for i386): no padding, so that every byte copied is a field.
const _: () = {
    use core::mem::{
        offset_of,
        size_of, //
    };
    assert!(size_of::<Entry>() == 24 && offset_of!(Entry, result) == RESULT_OFFSET);
    assert!(size_of::<Many>() == 24 && offset_of!(Many, attempted) == OUTPUT_OFFSET);
    assert!(offset_of!(Many, sent) == OUTPUT_OFFSET + 4 && size_of::<ManyV0_2>() == 16);
};

impl Entry {
    /// The command this entry stands for, checked as a written one would be: the PID positive,
    /// the signal valid (or the default), no unknown flag. `None` fields take the module's
    /// defaults.
    pub fn command(&self) -> Result<Command, ParseError> {
        if self.pid <= 0 {
            return Err(ParseError::BadPid);
        }
        let signal = match self.signal {
            DEFAULT_SIGNAL => None,
            n if is_valid_signal(n) => Some(n),
            _ => return Err(ParseError::BadSignal),
        };
        let value = match self.flags {
            0 => Some(self.value),
            FLAG_DEFAULT_VALUE => None,
            _ => return Err(ParseError::UnknownKey),
        };
        Ok(Command {
            pid: self.pid,
            signal,
            value,
        })
    }
}

impl Many {
    /// The number of entries, if it is within `1..=MAX_ENTRIES` and `reserved` is 0.
    pub fn count(&self) -> Option<usize> {
        entry_count(self.count, self.reserved)
    }
}

impl ManyV0_2 {
    /// The number of entries, if it is within `1..=MAX_ENTRIES` and `reserved` is 0.
    pub fn count(&self) -> Option<usize> {
        entry_count(self.count, self.reserved)
    }
}

fn entry_count(count: u32, reserved: u32) -> Option<usize> {
    (reserved == 0 && (1..=MAX_ENTRIES).contains(&count)).then_some(count as usize)
}
