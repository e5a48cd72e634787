//! The command line: which benchmark, which methods, how many batches.

use clap::{Parser, Subcommand};
use signal_example_user::Device;

use crate::method::Method;

#[derive(Parser)]
#[command(about = "Benchmark signal delivery: debugfs module vs sigqueue, pidfd_send_signal, kill")]
pub(crate) struct Args {
    /// The module's debugfs file.
    #[arg(long, default_value = "/sys/kernel/debug/signalconfpid", global = true)]
    pub(crate) path: String,
    /// The module's device (the `device` and `ioctl` methods).
    #[arg(long, default_value = Device::PATH, global = true)]
    pub(crate) device: String,
    #[command(subcommand)]
    pub(crate) bench: Bench,
}

#[derive(Subcommand)]
pub(crate) enum Bench {
    /// Self round trip: signal ourselves, alternating between methods in batches.
    #[command(name = "self")]
    SelfRoundTrip {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
        batches: u32,
        /// Signals per batch.
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
        batch: u64,
    },
    /// Cross-process ping-pong latency, alternating between methods in batches.
    Pingpong {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
        batches: u32,
        /// Round trips per batch.
        #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u32).range(1..))]
        batch: u32,
        /// Append each method's one-way latencies (ns, one per line) to PREFIX.METHOD.txt.
        #[arg(long)]
        samples: Option<String>,
    },
    /// One writer, one receiver, M signals per batch, alternating between methods in batches.
    Throughput {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
        batches: u32,
        /// Signals per batch (M).
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
    },
    /// One sender, N waiting receivers, one signal each per round, alternating between methods.
    Fanout {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        /// Receivers (N).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..))]
        receivers: u8,
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
        batches: u32,
        /// Rounds per batch (N signals each).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        rounds: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_of_zero_are_refused() {
        for args in [
            &["self", "--methods", "sigqueue", "--batches", "0"][..],
            &["self", "--methods", "sigqueue", "--batch", "0"],
            &["pingpong", "--methods", "sigqueue", "--batches", "0"],
            &["pingpong", "--methods", "sigqueue", "--batch", "0"],
            &["throughput", "--methods", "sigqueue", "--batches", "0"],
            &["throughput", "--methods", "sigqueue", "--count", "0"],
            &["fanout", "--methods", "sigqueue", "--receivers", "0"],
            &[
                "fanout",
                "--methods",
                "sigqueue",
                "--receivers",
                "1",
                "--batches",
                "0",
            ],
            &[
                "fanout",
                "--methods",
                "sigqueue",
                "--receivers",
                "1",
                "--rounds",
                "0",
            ],
        ] {
            let parsed =
                Args::try_parse_from(std::iter::once("signal-bench").chain(args.iter().copied()));
            let error = parsed
                .err()
                .unwrap_or_else(|| panic!("{args:?} was accepted"));
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{args:?}"
            );
        }
    }
}
