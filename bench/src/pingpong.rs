//! `pingpong`: two processes answer each other's signal.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::time::Instant;

use crate::method::{signalling_only, Method};
use crate::os::{block_signal, fork_child, wait_child, wait_signal};
use crate::output::{json_lines, summarise, Figure, PingpongSummary};
use crate::sender::{Files, Sender};
use crate::stats::{median, percentile};

pub(crate) fn pingpong(
    methods: &[Method],
    files: &Files,
    batches: usize,
    batch: usize,
    samples: Option<&str>,
) -> io::Result<Vec<String>> {
    signalling_only(methods, "pingpong")?;
    let set = block_signal()?;
    // SAFETY: trivial getter.
    let parent = unsafe { libc::getpid() };
    let child_methods = methods.to_vec();
    let files_for_child = files.clone();
    // Both sides follow the same schedule: batch after batch, each method in turn.
    let child = fork_child(move || {
        let mut senders = child_methods
            .iter()
            .map(|&m| Sender::new(m, &files_for_child, parent))
            .collect::<io::Result<Vec<_>>>()?;
        for _ in 0..batches {
            for sender in &mut senders {
                for _ in 0..batch {
                    wait_signal(&set)?;
                    while !sender.send()? {}
                }
            }
        }
        Ok(())
    })?;
    let mut senders = methods
        .iter()
        .map(|&m| Sender::new(m, files, child))
        .collect::<io::Result<Vec<_>>>()?;
    let mut one_way = vec![Vec::with_capacity(batches * batch); methods.len()];
    let mut batch_p50 = vec![Vec::with_capacity(batches); methods.len()];
    for _ in 0..batches {
        for ((sender, all), p50s) in senders.iter_mut().zip(&mut one_way).zip(&mut batch_p50) {
            let this_batch = (0..batch)
                .map(|_| {
                    let start = Instant::now();
                    while !sender.send()? {}
                    wait_signal(&set)?;
                    Ok(start.elapsed().as_nanos() as f64 / 2.0)
                })
                .collect::<io::Result<Vec<f64>>>()?;
            all.extend_from_slice(&this_batch);
            // A batch of no round trips has no median.
            p50s.extend(median(&this_batch));
        }
    }
    wait_child(child)?;
    if let Some(prefix) = samples {
        for (method, values) in methods.iter().zip(&one_way) {
            let path = format!("{prefix}.{method:?}.txt");
            let mut file = OpenOptions::new().create(true).append(true).open(path)?;
            let text: String = values.iter().map(|ns| format!("{ns:.0}\n")).collect();
            file.write_all(text.as_bytes())?;
        }
    }
    let summaries: Vec<PingpongSummary> = summarise("pingpong", methods, &batch_p50, Figure::P50Ns)
        .into_iter()
        .zip(&one_way)
        .map(|(summary, values)| PingpongSummary {
            summary,
            p99_ns: percentile(values, 0.99),
        })
        .collect();
    json_lines(&summaries)
}
