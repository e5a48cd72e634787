//! The ways of sending a signal that the benchmark compares.

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
}
