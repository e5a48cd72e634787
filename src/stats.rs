// SPDX-License-Identifier: GPL-2.0

//! What the module has done since it was loaded, over both files and the ioctls, and the debugfs
//! file `signal_example/stats` that shows it.
//!
//! The counters are lock-free: reading never blocks a sender (so one read is not a snapshot
//! across counters).

use kernel::{
    prelude::*,
    seq_file::SeqFile,
    seq_print,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

use crate::debugfs;

/// The errors `stats` counts by name; any other is counted as `other`.
const COUNTED_ERRORS: [(Error, &str); 6] = [
    (EINVAL, "EINVAL"),
    (EFAULT, "EFAULT"),
    (ESRCH, "ESRCH"),
    (EPERM, "EPERM"),
    (EAGAIN, "EAGAIN"),
    (EACCES, "EACCES"),
];

/// The module's counters.
///
/// Only what cannot be derived is counted: `writes` is `sent` plus all failures.
pub(crate) struct Stats {
    sent: Atomic<u64>,
    /// Failures by errno: one slot per `COUNTED_ERRORS` entry, then one for any other errno.
    failures: [Atomic<u64>; COUNTED_ERRORS.len() + 1],
    /// The last command's target PID (high half; 0 if unparsed) and result (low half: 0 or a
    /// negative errno), in one word so that a reader never pairs one command's target with
    /// another's result.
    last: Atomic<u64>,
}

/// The statistics of this module.
pub(crate) static STATS: Stats = Stats::new();

impl Stats {
    pub(crate) const fn new() -> Self {
        Self {
            sent: Atomic::new(0),
            failures: [const { Atomic::new(0) }; COUNTED_ERRORS.len() + 1],
            last: Atomic::new(0),
        }
    }

    /// Counts one command, sent unless `error`.
    pub(crate) fn record(&self, target: i32, error: Option<&Error>) {
        let code = match error {
            None => {
                self.sent.fetch_add(1, Relaxed);
                0
            }
            Some(e) => {
                let slot = COUNTED_ERRORS
                    .iter()
                    .position(|(counted, _)| counted == e)
                    .unwrap_or(COUNTED_ERRORS.len());
                self.failures[slot].fetch_add(1, Relaxed);
                e.to_errno()
            }
        };
        self.last.store(
            u64::from(target as u32) << 32 | u64::from(code as u32),
            Relaxed,
        );
    }

    /// Commands counted: sent or failed.
    pub(crate) fn writes(&self) -> u64 {
        self.sent() + self.failures().map(|(_, count)| count).sum::<u64>()
    }

    /// Commands sent.
    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(Relaxed)
    }

    /// Failed commands by errno: each of `COUNTED_ERRORS` by name, then `other`.
    pub(crate) fn failures(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.failures.iter().enumerate().map(|(slot, count)| {
            let name = COUNTED_ERRORS.get(slot).map_or("other", |(_, name)| *name);
            (name, count.load(Relaxed))
        })
    }

    /// The last command's target and result (0 or a negative errno).
    pub(crate) fn last(&self) -> (i32, i32) {
        let last = self.last.load(Relaxed);
        ((last >> 32) as i32, last as u32 as i32)
    }
}

/// `signal_example/stats`: one `name value` pair per line.
pub(crate) struct StatsFile;

#[vtable]
impl debugfs::Handler for StatsFile {
    fn show(m: &SeqFile) -> Result {
        seq_print!(m, "writes {}\n", STATS.writes());
        seq_print!(m, "sent {}\n", STATS.sent());
        for (name, count) in STATS.failures() {
            seq_print!(m, "failed_{} {}\n", name, count);
        }
        let (target, result) = STATS.last();
        seq_print!(m, "last_target {}\nlast_result {}\n", target, result);
        Ok(())
    }
}

#[kernel::macros::kunit_tests(signal_example_stats)]
mod tests {
    use super::*;

    #[test]
    fn stats_count_by_errno_and_pair_target_with_result() {
        let stats = Stats::new();
        stats.record(7, None);
        stats.record(8, Some(&ESRCH));
        stats.record(0, Some(&EINVAL));
        stats.record(-5, Some(&ENOMEM));
        assert_eq!(stats.writes(), 4);
        assert_eq!(stats.sent(), 1);
        let mut failures = [0u64; 7];
        for (slot, (_, count)) in stats.failures().enumerate() {
            failures[slot] = count;
        }
        assert_eq!(failures, [1, 0, 1, 0, 0, 0, 1]);
        assert_eq!(stats.last(), (-5, ENOMEM.to_errno()));
        stats.record(9, None);
        assert_eq!(stats.last(), (9, 0));
    }
}
