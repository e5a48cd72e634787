// SPDX-License-Identifier: GPL-2.0

//! What the module has done since it was loaded, over both files and the ioctls, and the debugfs
//! file `signal_example/stats` that shows it.
//!
//! The counters are lock-free and kept per slot of CPUs: reading never blocks a sender (so one
//! read is not a snapshot across counters), and counting shares no cache line between CPUs.

use kernel::{
    cpu::CpuId,
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

/// How many slots the counters are spread over: a CPU counts in slot `cpu % SHARDS`.
const SHARDS: usize = 64;

/// The counts of the commands carried out on the CPUs of one slot, on a cache line of their own
/// (128 bytes: the largest L1 line of the architectures Linux runs Rust on), so that CPUs that
/// count at once never write the same line.
#[repr(align(128))]
struct Shard {
    /// Commands sent, then failures by errno: one slot per `COUNTED_ERRORS` entry, then one for
    /// any other errno.
    counts: [Atomic<u64>; COUNTED_ERRORS.len() + 2],
}

/// The module's counters.
///
/// Only what cannot be derived is counted: `writes` is `sent` plus all failures. Each count is
/// kept per slot of CPUs and summed when read, so that counting writes no cache line that other
/// CPUs write (a shared counter's line would move from CPU to CPU with every signal). The last
/// command is one word for all: a plain store, the one shared write per command.
pub(crate) struct Stats {
    shards: [Shard; SHARDS],
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
            shards: [const {
                Shard {
                    counts: [const { Atomic::new(0) }; COUNTED_ERRORS.len() + 2],
                }
            }; SHARDS],
            last: Atomic::new(0),
        }
    }

    /// Counts one command, sent unless `error`.
    pub(crate) fn record(&self, target: i32, error: Option<&Error>) {
        let (slot, code) = match error {
            None => (0, 0),
            Some(e) => {
                let slot = COUNTED_ERRORS
                    .iter()
                    .position(|(counted, _)| counted == e)
                    .unwrap_or(COUNTED_ERRORS.len());
                (1 + slot, e.to_errno())
            }
        };
        // A task that moves to another CPU meanwhile counts in the slot it read: still once.
        let shard = &self.shards[CpuId::current().as_u32() as usize % SHARDS];
        shard.counts[slot].fetch_add(1, Relaxed);
        self.last.store(
            u64::from(target as u32) << 32 | u64::from(code as u32),
            Relaxed,
        );
    }

    /// The count of slot `slot` over all CPUs.
    fn count(&self, slot: usize) -> u64 {
        self.shards
            .iter()
            .map(|shard| shard.counts[slot].load(Relaxed))
            .sum()
    }

    /// Commands counted: sent or failed.
    pub(crate) fn writes(&self) -> u64 {
        self.sent() + self.failures().map(|(_, count)| count).sum::<u64>()
    }

    /// Commands sent.
    pub(crate) fn sent(&self) -> u64 {
        self.count(0)
    }

    /// Failed commands by errno: each of `COUNTED_ERRORS` by name, then `other`.
    pub(crate) fn failures(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        (0..=COUNTED_ERRORS.len()).map(|slot| {
            let name = COUNTED_ERRORS.get(slot).map_or("other", |(_, name)| *name);
            (name, self.count(1 + slot))
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
        // A static: the counters' 8 KiB would crowd a kernel stack. (It keeps its counts if the
        // suite is run again, so the test compares what it adds.)
        static COUNTED: Stats = Stats::new();
        let stats = &COUNTED;
        let failures = || {
            let mut counts = [0u64; 7];
            for (slot, (_, count)) in stats.failures().enumerate() {
                counts[slot] = count;
            }
            counts
        };
        let (writes, sent, before) = (stats.writes(), stats.sent(), failures());
        stats.record(7, None);
        stats.record(8, Some(&ESRCH));
        stats.record(0, Some(&EINVAL));
        stats.record(-5, Some(&ENOMEM));
        assert_eq!(stats.writes() - writes, 4);
        assert_eq!(stats.sent() - sent, 1);
        let added: [u64; 7] = core::array::from_fn(|slot| failures()[slot] - before[slot]);
        assert_eq!(added, [1, 0, 1, 0, 0, 0, 1]);
        assert_eq!(stats.last(), (-5, ENOMEM.to_errno()));
        stats.record(9, None);
        assert_eq!(stats.last(), (9, 0));
    }
}
