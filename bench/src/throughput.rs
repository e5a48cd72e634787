//! `throughput`: one writer floods one receiver.

use std::io;
use std::time::{Duration, Instant};

use crate::method::{signalling_only, Method};
use crate::os::{block_signal, fork_child, signal_pending, wait_child, wait_signal};
use crate::output::{json_lines, summarise, Figure, ThroughputSummary};
use crate::sender::{Files, Sender};

/// One batch of `throughput`: a new receiver takes exactly `count` signals from one sender.
/// Returns signals per second and how many sends met a full queue (`EAGAIN`, retried).
fn throughput_batch(method: Method, files: &Files, count: u64) -> io::Result<(f64, u64)> {
    let set = block_signal()?;
    let receiver = fork_child(move || {
        for _ in 0..count {
            wait_signal(&set)?;
        }
        // Anything beyond `count` would be a duplicate: there must be none pending.
        if signal_pending() {
            return Err(io::Error::other("received more signals than were accepted"));
        }
        Ok(())
    })?;
    let mut sender = Sender::new(method, files, receiver)?;
    let start = Instant::now();
    let mut eagain = 0u64;
    for _ in 0..count {
        while !sender.send()? {
            eagain += 1;
            std::thread::yield_now();
        }
    }
    // The receiver exits once it has taken exactly `count` signals: nothing was lost.
    wait_child(receiver)?;
    let rate = count as f64 / start.elapsed().max(Duration::from_nanos(1)).as_secs_f64();
    Ok((rate, eagain))
}

pub(crate) fn throughput(
    methods: &[Method],
    files: &Files,
    batches: usize,
    count: u64,
) -> io::Result<Vec<String>> {
    signalling_only(methods, "throughput")?;
    let mut figures = vec![Vec::with_capacity(batches); methods.len()];
    let mut eagain = vec![0u64; methods.len()];
    for _ in 0..batches {
        for (i, &method) in methods.iter().enumerate() {
            let (rate, full) = throughput_batch(method, files, count)?;
            figures[i].push(rate);
            eagain[i] += full;
        }
    }
    // Both came from a `u32`: no overflow.
    let accepted = count * batches as u64;
    let summaries: Vec<ThroughputSummary> =
        summarise("throughput", methods, &figures, Figure::SignalsPerS)
            .into_iter()
            .zip(eagain)
            .map(|(summary, eagain)| ThroughputSummary {
                summary,
                accepted,
                received: accepted,
                eagain,
            })
            .collect();
    json_lines(&summaries)
}
