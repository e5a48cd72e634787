//! The ways of sending a signal that the benchmark compares.

use std::io;

use clap::ValueEnum;
use serde::Serialize;

/// Serialised as its name (`Debugfs`, ...), which `bench/report` looks up.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug, Serialize)]
pub(crate) enum Method {
    /// A write of the PID to the debugfs file (whichever module provides it).
    Debugfs,
    /// A write of the PID to the module's device.
    Device,
    /// `SIGNALCONF_QUEUE` on the module's device.
    Ioctl,
    /// `SIGNALCONF_QUEUE_MANY` on the module's device, one call for all targets (`fanout` only).
    Many,
    Sigqueue,
    Pidfd,
    /// `rt_tgsigqueueinfo(2)` to the target's main thread (`pthread_sigqueue(3)`): one system
    /// call, thread-directed with an `SI_QUEUE` payload, as the module sends: this path's limit.
    Tgsigqueue,
    Kill,
    /// A system call that does nothing (an unknown number: `ENOSYS`), a floor (`self` only).
    Nosys,
    /// An ioctl the device refuses after the whole dispatch (an unknown command: `ENOTTY`), a
    /// floor (`self` only).
    Enotty,
    /// An empty write to the debugfs file, refused by the module (`EINVAL`), a floor (`self` only).
    Einval,
}

impl Method {
    /// Whether the method sends a signal; a floor makes a call that is refused (`floor.rs`).
    pub(crate) fn signals(self) -> bool {
        !matches!(self, Method::Nosys | Method::Enotty | Method::Einval)
    }
}

/// An error unless every one of `methods` sends a signal: `bench` needs a receiver to get them.
pub(crate) fn signalling_only(methods: &[Method], bench: &str) -> io::Result<()> {
    match methods.iter().find(|m| !m.signals()) {
        Some(floor) => Err(io::Error::other(format!(
            "{bench}: {floor:?} sends no signal (a floor: self only)"
        ))),
        None => Ok(()),
    }
}
