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
//!   `entries`. Every entry is attempted, in order, and its `result` set to 0 or the negative
//!   errno a write would have failed with; the call returns how many were sent.
//!
//! A later version that needs more fields adds a struct of a new size, hence a new ioctl number
//! (the size is part of it): the old numbers keep their meaning.

use crate::command::{
    is_valid_signal,
    Command,
    ParseError, //
};
use core::mem::size_of;

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
}

/// `_IOW(MAGIC, nr, size)` in the encoding of x86 and arm64 (and the kernel's generic one); the
/// module checks at build time that its architecture agrees.
const fn iow(nr: u32, size: usize) -> u32 {
    (1 << 30) | ((size as u32) << 16) | (MAGIC << 8) | nr
}

/// `SIGNALCONF_QUEUE`.
pub const QUEUE: u32 = iow(1, size_of::<Entry>());
/// `SIGNALCONF_QUEUE_MANY`.
pub const QUEUE_MANY: u32 = iow(2, size_of::<Many>());

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
        (self.reserved == 0 && (1..=MAX_ENTRIES).contains(&self.count))
            .then_some(self.count as usize)
    }
}
