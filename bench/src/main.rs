//! `signal-bench`: measures how fast a write to `signalconfpid` (the debugfs file or the device),
//! or the device's `SIGNALCONF_QUEUE` ioctl, becomes a delivered signal, side by side with
//! `sigqueue(3)`, `pidfd_send_signal(2)` and `kill(2)`. Run by `make bench` inside
//! the test VM; each run prints one JSON object on stdout.
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

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use signal_example_user::{device, uapi::Entry, Device};

const SIGNAL: i32 = 44;
const VALUE: u64 = 1234;

#[derive(Parser)]
#[command(about = "Benchmark signal delivery: debugfs module vs sigqueue, pidfd_send_signal, kill")]
struct Args {
    /// The module's debugfs file.
    #[arg(long, default_value = "/sys/kernel/debug/signalconfpid", global = true)]
    path: String,
    /// The module's device (the `device` and `ioctl` methods).
    #[arg(long, default_value = Device::PATH, global = true)]
    device: String,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Self round trip: signal ourselves, alternating between methods in batches.
    #[command(name = "self")]
    SelfRoundTrip {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        #[arg(long, default_value_t = 20)]
        batches: usize,
        /// Signals per batch.
        #[arg(long, default_value_t = 1_000)]
        batch: u64,
    },
    /// Cross-process ping-pong latency, alternating between methods in batches.
    Pingpong {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        #[arg(long, default_value_t = 20)]
        batches: usize,
        /// Round trips per batch.
        #[arg(long, default_value_t = 250)]
        batch: usize,
        /// Append each method's one-way latencies (ns, one per line) to PREFIX.METHOD.txt.
        #[arg(long)]
        samples: Option<String>,
    },
    /// One writer, one receiver, M signals per batch, alternating between methods in batches.
    Throughput {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        #[arg(long, default_value_t = 5)]
        batches: usize,
        /// Signals per batch (M).
        #[arg(long, default_value_t = 10_000)]
        count: u64,
    },
    /// One sender, N waiting receivers, one signal each per round, alternating between methods.
    Fanout {
        /// Methods to compare (ratios are to sigqueue and pidfd, those of them measured).
        #[arg(long, value_delimiter = ',', required = true)]
        methods: Vec<Method>,
        /// Receivers (N).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..))]
        receivers: u8,
        #[arg(long, default_value_t = 10)]
        batches: usize,
        /// Rounds per batch (N signals each).
        #[arg(long, default_value_t = 50)]
        rounds: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
enum Method {
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
    Kill,
}

/// Sends signals by one method to one fixed target.
enum Sender {
    /// A write to the debugfs file or the device.
    Write {
        file: File,
        command: Vec<u8>,
    },
    Ioctl {
        device: Device,
        pid: i32,
    },
    Sigqueue {
        pid: i32,
    },
    Pidfd {
        pidfd: OwnedFd,
        info: [u8; 128],
    },
    Kill {
        pid: i32,
    },
}

impl Sender {
    fn new(method: Method, files: &Files, target: i32) -> io::Result<Self> {
        Ok(match method {
            Method::Debugfs | Method::Device => Sender::Write {
                file: OpenOptions::new()
                    .write(true)
                    .open(if method == Method::Debugfs {
                        &files.debugfs
                    } else {
                        &files.device
                    })?,
                command: format!("{target}\n").into_bytes(),
            },
            Method::Ioctl => Sender::Ioctl {
                device: files.open_device()?,
                pid: target,
            },
            Method::Sigqueue => Sender::Sigqueue { pid: target },
            Method::Pidfd => {
                // SAFETY: plain system call; a non-negative result is a new file descriptor.
                let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, target, 0) };
                if fd < 0 {
                    return Err(io::Error::last_os_error());
                }
                // SAFETY: `fd` is a fresh descriptor that we own.
                let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
                Sender::Pidfd {
                    pidfd,
                    info: queue_siginfo(),
                }
            }
            Method::Kill => Sender::Kill { pid: target },
            Method::Many => {
                return Err(io::Error::other(
                    "the many method sends to many targets: fanout only",
                ))
            }
        })
    }

    /// Sends one signal with `VALUE`; `Ok(false)` when the target's queue is full (`EAGAIN`).
    fn send(&mut self) -> io::Result<bool> {
        self.send_value(VALUE)
    }

    /// Sends one signal with `value` as its payload (a write sends the module's, whatever
    /// `value` is); `Ok(false)` when the target's queue is full (`EAGAIN`).
    fn send_value(&mut self, value: u64) -> io::Result<bool> {
        let result = match self {
            Sender::Write { file, command } => file.write(command).map(drop),
            Sender::Ioctl { device, pid } => device.queue(*pid, Some(SIGNAL as u32), Some(value)),
            Sender::Sigqueue { pid } => {
                let value = libc::sigval {
                    sival_ptr: value as usize as *mut libc::c_void,
                };
                // SAFETY: plain system call wrapper.
                os_result(unsafe { libc::sigqueue(*pid, SIGNAL, value) })
            }
            Sender::Pidfd { pidfd, info } => {
                info[24..32].copy_from_slice(&value.to_ne_bytes());
                // SAFETY: `info` is a complete 128-byte siginfo; the pidfd is open.
                os_result(unsafe {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        pidfd.as_raw_fd(),
                        SIGNAL,
                        info.as_ptr(),
                        0,
                    )
                } as i32)
            }
            // SAFETY: plain system call.
            Sender::Kill { pid } => os_result(unsafe { libc::kill(*pid, SIGNAL) }),
        };
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The module's two files, as the command line names them.
#[derive(Clone)]
struct Files {
    debugfs: String,
    device: String,
}

impl Files {
    fn open_device(&self) -> io::Result<Device> {
        Device::open_path(&self.device)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.device)))
    }
}

fn os_result(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A `siginfo_t` as `sigqueue(3)` fills it for us: `SI_QUEUE`, our PID and UID, the value.
fn queue_siginfo() -> [u8; 128] {
    let mut info = [0u8; 128];
    // x86-64 layout: si_signo, si_errno, si_code, padding, then the `_rt` union member.
    info[0..4].copy_from_slice(&SIGNAL.to_ne_bytes());
    info[8..12].copy_from_slice(&libc::SI_QUEUE.to_ne_bytes());
    // SAFETY: trivial getters.
    let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
    info[16..20].copy_from_slice(&pid.to_ne_bytes());
    info[20..24].copy_from_slice(&uid.to_ne_bytes());
    info[24..32].copy_from_slice(&VALUE.to_ne_bytes());
    info
}

static HANDLED: AtomicU64 = AtomicU64::new(0);

extern "C" fn count_signal(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
    HANDLED.fetch_add(1, Relaxed);
}

fn check(rc: libc::c_int, what: &str) -> io::Result<()> {
    os_result(rc).map_err(|e| io::Error::new(e.kind(), format!("{what}: {e}")))
}

fn install_counting_handler() -> io::Result<()> {
    // SAFETY: an all-zero `sigaction` is valid; the handler only touches an atomic.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_SIGINFO;
        check(
            libc::sigaction(SIGNAL, &action, std::ptr::null_mut()),
            "sigaction",
        )
    }
}

/// Blocks `SIGNAL` in this thread so that `sigwaitinfo` can take it.
fn block_signal() -> io::Result<libc::sigset_t> {
    // SAFETY: `set` is initialised by `sigemptyset` before use.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, SIGNAL);
        check(
            libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()),
            "sigprocmask",
        )?;
        Ok(set)
    }
}

fn wait_signal(set: &libc::sigset_t) -> io::Result<()> {
    loop {
        // SAFETY: `set` is a valid signal set; the siginfo is not asked for.
        let rc = unsafe { libc::sigwaitinfo(set, std::ptr::null_mut()) };
        if rc == SIGNAL {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// Whether `SIGNAL` is pending (blocked, not yet taken) for this process.
fn signal_pending() -> bool {
    // SAFETY: `pending` is initialised by `sigpending`.
    unsafe {
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut pending);
        libc::sigismember(&pending, SIGNAL) == 1
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Per method: the median over batches of its figure, and of its ratio to sigqueue's and to
/// pidfd_send_signal's figure in the same batch, for those of the two that were measured.
/// Alternating methods batch by batch cancels the slow drift of a shared host.
fn summarise(bench: &str, methods: &[Method], figures: &[Vec<f64>], key: &str) -> Vec<String> {
    let ratio_to = |values: &[f64], reference: Method, name: &str| {
        let Some(r) = methods.iter().position(|&m| m == reference) else {
            return String::new();
        };
        let mut ratios: Vec<f64> = values.iter().zip(&figures[r]).map(|(v, r)| v / r).collect();
        format!(r#","ratio_to_{name}":{:.4}"#, median(&mut ratios))
    };
    methods
        .iter()
        .zip(figures)
        .map(|(method, values)| {
            format!(
                r#"{{"bench":"{bench}","method":"{method:?}","batches":{},"{key}":{:.1}{}{}}}"#,
                values.len(),
                median(&mut values.clone()),
                ratio_to(values, Method::Sigqueue, "sigqueue"),
                ratio_to(values, Method::Pidfd, "pidfd"),
            )
        })
        .collect()
}

fn self_round_trip(
    methods: &[Method],
    files: &Files,
    batches: usize,
    batch: u64,
) -> io::Result<String> {
    install_counting_handler()?;
    // SAFETY: trivial getter.
    let me = unsafe { libc::getpid() };
    let mut senders = methods
        .iter()
        .map(|&m| Sender::new(m, files, me))
        .collect::<io::Result<Vec<_>>>()?;
    let mut figures = vec![Vec::with_capacity(batches); methods.len()];
    let mut handled = 0;
    for _ in 0..batches {
        for (sender, figure) in senders.iter_mut().zip(&mut figures) {
            let start = Instant::now();
            for _ in 0..batch {
                if !sender.send()? {
                    return Err(io::Error::other("EAGAIN while signalling ourselves"));
                }
                // The signal is delivered on the way back from the sending system call.
                handled += 1;
                if HANDLED.load(Relaxed) != handled {
                    return Err(io::Error::other(format!(
                        "handler ran {} times after {handled} signals",
                        HANDLED.load(Relaxed)
                    )));
                }
            }
            figure.push(start.elapsed().as_nanos() as f64 / batch as f64);
        }
    }
    Ok(summarise("self", methods, &figures, "ns_per_signal").join("\n"))
}

/// Forks; the child runs `child` and exits with 0 on success.
fn fork_child(child: impl FnOnce() -> io::Result<()>) -> io::Result<i32> {
    // SAFETY: the child only runs `child` (no locks held by other threads: we have none) and
    // then `_exit`s.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            let status = match child() {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("signal-bench child: {e}");
                    1
                }
            };
            // SAFETY: ends the child without running the parent's exit handlers.
            unsafe { libc::_exit(status) }
        }
        pid => Ok(pid),
    }
}

fn wait_child(pid: i32) -> io::Result<()> {
    let mut status = 0;
    // SAFETY: `pid` is our child.
    check(unsafe { libc::waitpid(pid, &mut status, 0) }, "waitpid")?;
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "child failed (status {status:#x})"
        )))
    }
}

/// This thread's CPU time so far, in ns: exact (the scheduler's runtime), not sampled.
fn thread_cpu_ns() -> u64 {
    // SAFETY: an all-zero `timespec` is valid; `clock_gettime` fills it.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `now` outlives the call; this clock always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// Children that are killed if they are not waited for (when the benchmark fails), so that none
/// is left waiting for a signal forever.
struct Children(Vec<i32>);

impl Children {
    /// How the children that have ended ended (for an error message).
    fn states(&self) -> String {
        let mut ended = Vec::new();
        for &pid in &self.0 {
            // SAFETY: an all-zero `siginfo_t` is valid; `pid` is our child, and WNOWAIT leaves it
            // to be reaped later.
            let info = unsafe {
                let mut info: libc::siginfo_t = std::mem::zeroed();
                libc::waitid(
                    libc::P_PID,
                    pid as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
                );
                info
            };
            // SAFETY: `waitid` filled the `_sigchld` fields (or left them zero: still running).
            let status = unsafe { info.si_status() };
            match info.si_code {
                libc::CLD_EXITED => ended.push(format!("{pid} exited with {status}")),
                libc::CLD_KILLED | libc::CLD_DUMPED => {
                    ended.push(format!("{pid} killed by signal {status}"))
                }
                _ => {}
            }
        }
        format!(
            "{} of {} ended: {}",
            ended.len(),
            self.0.len(),
            ended.join(", ")
        )
    }

    /// Waits for every child; each must exit with 0.
    fn wait(&mut self) -> io::Result<()> {
        while let Some(pid) = self.0.pop() {
            wait_child(pid)?;
        }
        Ok(())
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for &pid in &self.0 {
            // SAFETY: `pid` is our child, not yet reaped, so it cannot be another process.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

fn pingpong(
    methods: &[Method],
    files: &Files,
    batches: usize,
    batch: usize,
    samples: Option<&str>,
) -> io::Result<String> {
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
            let mut this_batch = (0..batch)
                .map(|_| {
                    let start = Instant::now();
                    while !sender.send()? {}
                    wait_signal(&set)?;
                    Ok(start.elapsed().as_nanos() as f64 / 2.0)
                })
                .collect::<io::Result<Vec<f64>>>()?;
            all.extend_from_slice(&this_batch);
            p50s.push(median(&mut this_batch));
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
    let summary = summarise("pingpong", methods, &batch_p50, "p50_ns");
    let lines: Vec<String> = summary
        .iter()
        .zip(&mut one_way)
        .map(|(line, values)| {
            values.sort_by(f64::total_cmp);
            let p99 = values[((values.len() - 1) as f64 * 0.99).round() as usize];
            format!("{},\"p99_ns\":{p99:.0}}}", line.trim_end_matches('}'))
        })
        .collect();
    Ok(lines.join("\n"))
}

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

fn throughput(methods: &[Method], files: &Files, batches: usize, count: u64) -> io::Result<String> {
    let mut figures = vec![Vec::with_capacity(batches); methods.len()];
    let mut eagain = vec![0u64; methods.len()];
    for _ in 0..batches {
        for (i, &method) in methods.iter().enumerate() {
            let (rate, full) = throughput_batch(method, files, count)?;
            figures[i].push(rate);
            eagain[i] += full;
        }
    }
    let accepted = count * batches as u64;
    let lines: Vec<String> = summarise("throughput", methods, &figures, "signals_per_s")
        .iter()
        .zip(eagain)
        .map(|(line, full)| {
            format!(
                r#"{},"accepted":{accepted},"received":{accepted},"eagain":{full}}}"#,
                line.trim_end_matches('}')
            )
        })
        .collect();
    Ok(lines.join("\n"))
}

/// One signal to each of many targets by one method.
enum FanOut {
    /// One call per target.
    Each(Vec<Sender>),
    /// One `SIGNALCONF_QUEUE_MANY` for all targets.
    Many { device: Device, entries: Vec<Entry> },
}

impl FanOut {
    fn new(method: Method, files: &Files, targets: &[i32]) -> io::Result<Self> {
        if !matches!(
            method,
            Method::Many | Method::Ioctl | Method::Sigqueue | Method::Pidfd
        ) {
            return Err(io::Error::other(format!(
                "fanout: {method:?} carries no payload of the sender's"
            )));
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
            FanOut::Many { device, entries } => {
                for entry in entries.iter_mut() {
                    entry.value = value;
                }
                let sent = device.queue_many(entries)?;
                if sent != entries.len() {
                    let failed = entries.iter().find(|e| e.result != 0).map(|e| e.result);
                    return Err(io::Error::other(format!(
                        "SIGNALCONF_QUEUE_MANY sent {sent} of {} (first failure: {failed:?})",
                        entries.len()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A receiver of `fanout`: takes `signals` signals, one at a time; for each, writes its index and
/// whether the signal was `SIGNAL` from `sender` with `SI_QUEUE` and the next payload (the
/// sender's round: 1, 2, ...) to `acks`. So a signal lost, doubled or out of order is seen.
fn fanout_receiver(
    index: u8,
    set: &libc::sigset_t,
    sender: i32,
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
        let ok =
            rc == SIGNAL && info.si_code == libc::SI_QUEUE && pid == sender && value == expected;
        acks.write_all(&[index, ok as u8])?;
        if !ok {
            return Err(io::Error::other(format!(
                "receiver {index}: signal {rc}, code {}, from {pid}, value {value} \
                 (expected {SIGNAL}, {}, from {sender}, value {expected})",
                info.si_code,
                libc::SI_QUEUE
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

fn fanout(
    methods: &[Method],
    files: &Files,
    receivers: u8,
    batches: usize,
    rounds: usize,
) -> io::Result<String> {
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
        children.0.push(fork_child(move || {
            fanout_receiver(index, &set, me, signals, writer)
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
    let mut lines: Vec<String> =
        summarise(&format!("fanout-{n}"), methods, &send_ns, "ns_per_signal")
            .iter()
            .zip(&mut delivered_ns)
            .map(|(line, delivered)| {
                format!(
                    r#"{},"delivered_ns_per_signal":{:.1},"sent":{total},"received":{total}}}"#,
                    line.trim_end_matches('}'),
                    median(delivered)
                )
            })
            .collect();
    lines.extend(summarise(
        &format!("fanout-{n}-cpu"),
        methods,
        &cpu_ns,
        "ns_per_signal",
    ));
    Ok(lines.join("\n"))
}

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
        } => self_round_trip(&methods, &files, batches, batch),
        Bench::Pingpong {
            methods,
            batches,
            batch,
            samples,
        } => pingpong(&methods, &files, batches, batch, samples.as_deref()),
        Bench::Throughput {
            methods,
            batches,
            count,
        } => throughput(&methods, &files, batches, count),
        Bench::Fanout {
            methods,
            receivers,
            batches,
            rounds,
        } => fanout(&methods, &files, receivers, batches, rounds),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("signal-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
