// SPDX-License-Identifier: GPL-2.0

//! Every command, written or from an ioctl entry, ends here: [`execute`] fills in the module's
//! defaults (the parameters, which [`load_defaults`] reads and checks once, at load), sends the
//! signal ([`signal::queue_signal`]) and counts the outcome. Nothing else counts.

use kernel::{
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

use crate::{
    command::{
        is_valid_signal,
        sigval_word,
        Command, //
    },
    compat,
    module_parameters,
    signal::{
        self,
        Writer, //
    },
    stats::STATS, //
};

/// What a command sends when it names no signal or value: the module parameters, read and
/// checked once, by [`load_defaults`] at load time, before either file exists. (Parameters
/// cannot change afterwards: they are not in sysfs.)
static DEFAULT_SIGNAL: Atomic<u32> = Atomic::new(0);
static DEFAULT_VALUE: Atomic<u64> = Atomic::new(0);

/// Reads and checks the module parameters, and makes them the defaults of every command; returns
/// them (signal, value). `EINVAL`, said in the log, if `signal` is not a signal number or `value`
/// does not fit in `si_value` (a 32-bit kernel).
pub(crate) fn load_defaults() -> Result<(u32, u64)> {
    let param = compat::param(&module_parameters::signal);
    let Some(signal) = u32::try_from(param).ok().filter(|&n| is_valid_signal(n)) else {
        pr_err!("signal={param} is not a signal number (1..=64)\n");
        return Err(EINVAL);
    };
    // The payload travels as a 64-bit pattern: negative values wrap on purpose.
    let value = compat::param(&module_parameters::value) as u64;
    if sigval_word(value, usize::BITS).is_none() {
        pr_err!(
            "value={} does not fit in si_value on this kernel\n",
            value as i64
        );
        return Err(EINVAL);
    }
    // Relaxed: registering a file, which comes later, orders these stores before any command.
    DEFAULT_SIGNAL.store(signal, Relaxed);
    DEFAULT_VALUE.store(value, Relaxed);
    Ok((signal, value))
}

/// Carries out a command of `writer`, written or from an ioctl entry, and counts it: `command` is
/// what was parsed, or why there is nothing to carry out (counted as a failure without a target).
/// The defaults fill in what the command leaves out.
pub(crate) fn execute(writer: &Writer, command: Result<Command>) -> Result {
    let result = command.and_then(|command| {
        signal::queue_signal(
            writer,
            command.pid,
            command
                .signal
                .unwrap_or_else(|| DEFAULT_SIGNAL.load(Relaxed)),
            command.value.unwrap_or_else(|| DEFAULT_VALUE.load(Relaxed)),
        )
    });
    STATS.record(
        command.map_or(0, |command| command.pid),
        result.as_ref().err(),
    );
    result
}
