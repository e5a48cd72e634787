//! `signal-bench`: measures how fast a write to `signalconfpid` (the debugfs file or the device),
//! or the device's `SIGNALCONF_QUEUE` ioctl, becomes a delivered signal, side by side with
//! `sigqueue(3)`, `pidfd_send_signal(2)`, `rt_tgsigqueueinfo(2)`, `kill(2)` and the BPF kfunc
//! `bpf_send_signal_task()`, and the floors (an empty system call, a refused ioctl, a refused
//! write). Run by `make bench` inside
//! the test VM; each run prints one JSON object per method (and figure) on stdout, one a line.
//!
//! * `self`: a process signals itself; its `SA_SIGINFO` handler must have run once per signal
//!   when the sending call returns (checked). Reports ns per signal.
//! * `pingpong`: two processes answer each other's signal (`sigwaitinfo`); reports one-way
//!   latencies (half a round trip), p50 and p99, and can write every sample to a file.
//!
//! Both alternate between the methods in batches and report, per method, the median over batches
//! of its figure and of its ratio to `sigqueue` in the same batch: on a shared host, speed drifts
//! over seconds, and comparing neighbouring batches cancels the drift.
//! * `throughput`: one writer sends M signals to one receiver as fast as the queue allows,
//!   retrying `EAGAIN`; the receiver must get exactly M (checked). Reports signals per second,
//!   alternating between the methods batch by batch (a new receiver for every batch).
//! * `fanout`: one sender notifies N waiting receivers per round, one signal each: a loop of
//!   calls, or (`many`) one `SIGNALCONF_QUEUE_MANY` for all of them. Every receiver checks that it
//!   got the sender's payload and acknowledges it, and the sender waits for all N before the next
//!   round: none lost, none twice (checked). Reports, per delivered signal, the sender's time
//!   until all N are sent (`fanout-N`: the receivers it wakes may preempt it), its CPU time for
//!   that (`fanout-N-cpu`: what notifying costs the sender alone), and the time until all N
//!   acknowledged.

mod args;
mod bpf;
mod btf;
mod fanout;
mod floor;
mod method;
mod os;
mod output;
mod pingpong;
mod self_round_trip;
mod sender;
mod siginfo;
mod stats;
mod throughput;

use std::process::ExitCode;

use clap::Parser;

use args::{Args, Bench};
use fanout::fanout;
use pingpong::pingpong;
use self_round_trip::self_round_trip;
use sender::Files;
use throughput::throughput;

const SIGNAL: i32 = 44;
const VALUE: u64 = 1234;

fn main() -> ExitCode {
    let args = Args::parse();
    let files = Files {
        debugfs: args.path,
        device: args.device,
    };
    let result = match args.bench {
        Bench::SelfRoundTrip {
            methods,
            batches,
            batch,
        } => self_round_trip(&methods, &files, batches as usize, batch),
        Bench::Pingpong {
            methods,
            batches,
            batch,
            samples,
        } => pingpong(
            &methods,
            &files,
            batches as usize,
            batch as usize,
            samples.as_deref(),
        ),
        Bench::Throughput {
            methods,
            batches,
            count,
        } => throughput(&methods, &files, batches as usize, count.into()),
        Bench::Fanout {
            methods,
            receivers,
            batches,
            rounds,
        } => fanout(
            &methods,
            &files,
            receivers,
            batches as usize,
            rounds as usize,
        ),
    };
    match result {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("signal-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
