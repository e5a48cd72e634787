//! `fanout`: one sender notifies N waiting receivers per round.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

use signal_example_user::{device, uapi::Entry, Device};

use crate::bpf::SignalProgram;
use crate::method::Method;
use crate::os::{block_signal, check, fork_child, signal_pending, thread_cpu_ns, Children};
use crate::output::{json_lines, summarise, FanoutSummary, Figure};
use crate::sender::{Files, Sender};
use crate::stats::median;
use crate::{SIGNAL, VALUE};

/// One signal to each of many targets by one method.
enum FanOut {
    /// One call per target.
    Each(Vec<Sender>),
    /// One `SIGNALCONF_QUEUE_MANY` for all targets.
    Many { device: Device, entries: Vec<Entry> },
    /// One run of a BPF program that signals all targets.
    Bpf(SignalProgram),
}

impl FanOut {
    fn new(method: Method, files: &Files, targets: &[i32]) -> io::Result<Self> {
        if !matches!(
            method,
            Method::Many
                | Method::Ioctl
                | Method::Sigqueue
                | Method::Pidfd
                | Method::BpfThread
                | Method::BpfProcess
        ) {
            return Err(io::Error::other(format!(
                "fanout: {method:?} carries no payload of the sender's"
            )));
        }
        if let Some(scope) = method.bpf_scope() {
            return Ok(FanOut::Bpf(SignalProgram::new(targets, scope)?));
        }
        Ok(match method {
            Method::Many => FanOut::Many {
                device: files.open_device()?,
                entries: targets
                    .iter()
                    .map(|&pid| device::entry(pid, Some(SIGNAL as u32), Some(VALUE)))
                    .collect(),
            },
            _ => FanOut::Each(
                targets
                    .iter()
                    .map(|&pid| Sender::new(method, files, pid))
                    .collect::<io::Result<_>>()?,
            ),
        })
    }

    /// Sends one signal with payload `value` to every target; each must be accepted (the
    /// receivers are waiting).
    fn send(&mut self, value: u64) -> io::Result<()> {
        match self {
            FanOut::Each(senders) => {
                for sender in senders {
                    if !sender.send_value(value)? {
                        return Err(io::Error::other("EAGAIN from a waiting receiver"));
                    }
                }
            }
            FanOut::Bpf(program) => program.run(value)?,
            FanOut::Many { device, entries } => {
                for entry in entries.iter_mut() {
                    entry.value = value;
                }
                let done = device.queue_many(entries)?;
                if done.sent != entries.len() {
                    let failed = entries[..done.attempted]
                        .iter()
                        .find(|e| e.result != 0)
                        .map(|e| e.result);
                    return Err(io::Error::other(format!(
                        "SIGNALCONF_QUEUE_MANY sent {} of {} (attempted {}; first failure: {failed:?})",
                        done.sent,
                        entries.len(),
                        done.attempted
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A receiver of `fanout`: takes `signals` signals, one at a time; for each, writes its index and
/// whether the signal was `SIGNAL` with the next payload (the sender's round: 1, 2, ...) and the
/// `si_code` and `si_pid` that `sender_fields` gives for that round's method to `acks`. So a
/// signal lost, doubled or out of order is seen.
fn fanout_receiver(
    index: u8,
    set: &libc::sigset_t,
    sender_fields: impl Fn(u64) -> (i32, i32),
    signals: usize,
    mut acks: File,
) -> io::Result<()> {
    let mut expected = 1;
    while expected <= signals as u64 {
        // SAFETY: an all-zero `siginfo_t` is valid; `sigwaitinfo` fills it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is a valid signal set and `info` outlives the call.
        let rc = unsafe { libc::sigwaitinfo(set, &mut info) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        // SAFETY: a queued signal's siginfo has the `_rt` fields these read.
        let (pid, value) = unsafe { (info.si_pid(), info.si_value().sival_ptr as u64) };
        let (code, sender) = sender_fields(expected);
        let ok = rc == SIGNAL && info.si_code == code && pid == sender && value == expected;
        acks.write_all(&[index, ok as u8])?;
        if !ok {
            return Err(io::Error::other(format!(
                "receiver {index}: signal {rc}, code {}, from {pid}, value {value} \
                 (expected {SIGNAL}, {code}, from {sender}, value {expected})",
                info.si_code,
            )));
        }
        expected += 1;
    }
    if signal_pending() {
        return Err(io::Error::other(format!(
            "receiver {index}: a signal too many"
        )));
    }
    Ok(())
}

pub(crate) fn fanout(
    methods: &[Method],
    files: &Files,
    receivers: u8,
    batches: usize,
    rounds: usize,
) -> io::Result<Vec<String>> {
    let set = block_signal()?;
    // SAFETY: trivial getter.
    let me = unsafe { libc::getpid() };
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    check(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) },
        "pipe2",
    )?;
    // SAFETY: `pipe2` made both descriptors, and nothing else owns them.
    let (mut acks, ack_writer) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
    let signals = batches * rounds * methods.len();
    let mut children = Children(Vec::with_capacity(receivers.into()));
    for index in 0..receivers {
        let writer = ack_writer.try_clone()?;
        // Round after round, each method sends `rounds` of them in turn.
        let schedule = methods.to_vec();
        let sender_fields = move |round: u64| {
            schedule[(round - 1) as usize / rounds % schedule.len()].sender_fields(me)
        };
        children.0.push(fork_child(move || {
            fanout_receiver(index, &set, sender_fields, signals, writer)
        })?);
    }
    // Only the receivers write acknowledgements.
    drop(ack_writer);
    let mut fanouts = methods
        .iter()
        .map(|&m| FanOut::new(m, files, &children.0))
        .collect::<io::Result<Vec<_>>>()?;
    let n = usize::from(receivers);
    let mut send_ns = vec![Vec::with_capacity(batches); methods.len()];
    let mut cpu_ns = vec![Vec::with_capacity(batches); methods.len()];
    let mut delivered_ns = vec![Vec::with_capacity(batches); methods.len()];
    let mut buffer = vec![0u8; 2 * n];
    // Each round's payload: its number, counted over all batches and methods.
    let mut round = 0u64;
    for _ in 0..batches {
        for (((fanout, send), cpu), delivered) in fanouts
            .iter_mut()
            .zip(&mut send_ns)
            .zip(&mut cpu_ns)
            .zip(&mut delivered_ns)
        {
            let (mut sending, mut sending_cpu, mut all) = (Duration::ZERO, 0, Duration::ZERO);
            for _ in 0..rounds {
                round += 1;
                let start = Instant::now();
                let start_cpu = thread_cpu_ns();
                fanout.send(round)?;
                sending_cpu += thread_cpu_ns() - start_cpu;
                sending += start.elapsed();
                acks.read_exact(&mut buffer).map_err(|e| {
                    io::Error::other(format!(
                        "acknowledgements: {e}; receivers: {}",
                        children.states()
                    ))
                })?;
                all += start.elapsed();
                let mut seen = vec![false; n];
                for ack in buffer.chunks(2) {
                    let index = usize::from(ack[0]);
                    if ack[1] != 1 || index >= n || std::mem::replace(&mut seen[index], true) {
                        return Err(io::Error::other(format!(
                            "receiver {index}: wrong or repeated signal"
                        )));
                    }
                }
            }
            let signals = (rounds * n) as f64;
            send.push(sending.as_nanos() as f64 / signals);
            cpu.push(sending_cpu as f64 / signals);
            delivered.push(all.as_nanos() as f64 / signals);
        }
    }
    children.wait()?;
    let total = batches * rounds * n;
    let summaries: Vec<FanoutSummary> = summarise(
        &format!("fanout-{n}"),
        methods,
        &send_ns,
        Figure::NsPerSignal,
    )
    .into_iter()
    .zip(&delivered_ns)
    .map(|(summary, delivered)| FanoutSummary {
        summary,
        delivered_ns_per_signal: median(delivered),
        sent: total,
        received: total,
    })
    .collect();
    let mut lines = json_lines(&summaries)?;
    lines.extend(json_lines(&summarise(
        &format!("fanout-{n}-cpu"),
        methods,
        &cpu_ns,
        Figure::NsPerSignal,
    ))?);
    Ok(lines)
}
