//! The ways of sending a signal that the benchmark compares.

use std::io;

use clap::ValueEnum;
use serde::Serialize;

use crate::bpf::Scope;

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
    /// `bpf_send_signal_task()` to the target's thread (`PIDTYPE_PID`), from a BPF program run
    /// with `BPF_PROG_TEST_RUN` (`bpf.rs`).
    BpfThread,
    /// `bpf_send_signal_task()` to the target's process (`PIDTYPE_TGID`), as `kill(2)` sends.
    BpfProcess,
}

impl Method {
    /// Whether the method sends a signal; a floor makes a call that is refused (`floor.rs`).
    pub(crate) fn signals(self) -> bool {
        !matches!(self, Method::Nosys | Method::Enotty | Method::Einval)
    }

    /// The BPF program's scope, for `bpf_send_signal_task()`'s methods.
    pub(crate) fn bpf_scope(self) -> Option<Scope> {
        match self {
            Method::BpfThread => Some(Scope::Thread),
            Method::BpfProcess => Some(Scope::Process),
            _ => None,
        }
    }

    /// The `si_code` and `si_pid` that a receiver gets from `sender` by this method: the
    /// kernel's own for `bpf_send_signal_task()`, the sender's `SI_QUEUE` for the others that
    /// carry a payload.
    pub(crate) fn sender_fields(self, sender: i32) -> (i32, i32) {
        match self.bpf_scope() {
            Some(_) => (libc::SI_KERNEL, 0),
            None => (libc::SI_QUEUE, sender),
        }
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
