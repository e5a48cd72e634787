//! `signal-bench`: measures how fast a write to `signalconfpid` (the debugfs file or the device),
//! or the device's `SIGNALCONF_QUEUE` ioctl, becomes a delivered signal, side by side with
//! `sigqueue(3)`, `pidfd_send_signal(2)` and `kill(2)`. Run by `make bench` inside
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

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
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

/// Serialised as its name (`Debugfs`, ...), which `bench/report` looks up.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug, Serialize)]
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
    /// `rt_tgsigqueueinfo(2)` to the target's main thread (`pthread_sigqueue(3)`): one system
    /// call, thread-directed with an `SI_QUEUE` payload, as the module sends: this path's limit.
    Tgsigqueue,
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
        info: libc::siginfo_t,
    },
    Tgsigqueue {
        pid: i32,
        info: libc::siginfo_t,
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
                    info: queue_siginfo(VALUE),
                }
            }
            Method::Tgsigqueue => Sender::Tgsigqueue {
                pid: target,
                info: queue_siginfo(VALUE),
            },
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
                // SAFETY: plain system call wrapper.
                os_result(unsafe { libc::sigqueue(*pid, SIGNAL, sigval(value)) })
            }
            Sender::Pidfd { pidfd, info } => {
                rt_fields(info).value = sigval(value);
                // SAFETY: `info` is a complete `siginfo_t`; the pidfd is open.
                os_result(unsafe {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        pidfd.as_raw_fd(),
                        SIGNAL,
                        &raw const *info,
                        0,
                    )
                } as i32)
            }
            Sender::Tgsigqueue { pid, info } => {
                rt_fields(info).value = sigval(value);
                // SAFETY: `info` is a complete `siginfo_t` with `SI_QUEUE`, which the kernel
                // accepts from a process for another; the target is single-threaded, so its
                // thread group ID is its main thread's ID.
                os_result(unsafe {
                    libc::syscall(
                        libc::SYS_rt_tgsigqueueinfo,
                        *pid,
                        *pid,
                        SIGNAL,
                        &raw const *info,
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

/// A payload as `sigqueue(3)` takes it: pointer-sized, so all 64 bits of `value` arrive.
fn sigval(value: u64) -> libc::sigval {
    libc::sigval {
        sival_ptr: value as usize as *mut libc::c_void,
    }
}

/// The `_rt` member of the kernel's `siginfo`: a queued signal's sender and payload. libc's
/// `siginfo_t` reads these (`si_pid()`, `si_uid()`, `si_value()`) but has no way to set them.
#[repr(C)]
struct SiginfoRt {
    pid: libc::pid_t,
    uid: libc::uid_t,
    value: libc::sigval,
}

/// Where `SiginfoRt` lies in a `siginfo_t`: after its three `int`s (`si_signo`, `si_errno`,
/// `si_code`, in the architecture's order), in the union of the members, which is as aligned as
/// `sigval`'s pointer. Checked against libc's accessors by a test.
#[repr(C)]
struct SiginfoRtLayout {
    _signo_errno_code: [libc::c_int; 3],
    rt: SiginfoRt,
}

const _: () = assert!(
    size_of::<SiginfoRtLayout>() <= size_of::<libc::siginfo_t>()
        && align_of::<SiginfoRtLayout>() <= align_of::<libc::siginfo_t>()
);

fn rt_fields(info: &mut libc::siginfo_t) -> &mut SiginfoRt {
    // SAFETY: `SiginfoRtLayout` fits in a `siginfo_t` and needs no stricter alignment (checked
    // above); its fields are integers and a pointer, for which every bit pattern is valid.
    unsafe { &mut (*(info as *mut libc::siginfo_t).cast::<SiginfoRtLayout>()).rt }
}

/// A `siginfo_t` as `sigqueue(3)` fills it for us: `SI_QUEUE`, our PID and UID, and `value`.
fn queue_siginfo(value: u64) -> libc::siginfo_t {
    // SAFETY: an all-zero `siginfo_t` is valid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    info.si_signo = SIGNAL;
    info.si_code = libc::SI_QUEUE;
    // SAFETY: trivial getters.
    let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
    *rt_fields(&mut info) = SiginfoRt {
        pid,
        uid,
        value: sigval(value),
    };
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

/// The `fraction` (0 to 1) percentile of `values`, by nearest rank: the value `fraction` of the
/// way from the smallest to the largest. `None` for no values.
fn percentile(values: &[f64], fraction: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let last = sorted.len().checked_sub(1)?;
    Some(sorted[((last as f64 * fraction).round() as usize).min(last)])
}

/// The median of `values`, for an even count the upper of the two middle ones; `None` for no
/// values.
fn median(values: &[f64]) -> Option<f64> {
    percentile(values, 0.5)
}

/// A benchmark's figure, under the name that `bench/report` reads for that benchmark; `null`
/// when there were no batches.
#[derive(Serialize)]
enum Figure {
    #[serde(rename = "ns_per_signal")]
    NsPerSignal(Option<f64>),
    #[serde(rename = "p50_ns")]
    P50Ns(Option<f64>),
    #[serde(rename = "signals_per_s")]
    SignalsPerS(Option<f64>),
}

/// What every benchmark reports per method. Each is printed as one JSON object on a line of its
/// own: `bench/run-in-vm` tags each line, inserting fields before its closing brace.
#[derive(Serialize)]
struct Summary {
    bench: String,
    method: Method,
    batches: usize,
    #[serde(flatten)]
    figure: Figure,
    /// Absent when sigqueue was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_sigqueue: Option<f64>,
    /// Absent when pidfd_send_signal was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_pidfd: Option<f64>,
    /// Absent when rt_tgsigqueueinfo was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio_to_tgsigqueue: Option<f64>,
}

#[derive(Serialize)]
struct PingpongSummary {
    #[serde(flatten)]
    summary: Summary,
    p99_ns: Option<f64>,
}

#[derive(Serialize)]
struct ThroughputSummary {
    #[serde(flatten)]
    summary: Summary,
    accepted: u64,
    received: u64,
    eagain: u64,
}

#[derive(Serialize)]
struct FanoutSummary {
    #[serde(flatten)]
    summary: Summary,
    delivered_ns_per_signal: Option<f64>,
    sent: usize,
    received: usize,
}

/// Per method: the median over batches of its figure, and of its ratio to sigqueue's,
/// pidfd_send_signal's and rt_tgsigqueueinfo's figure in the same batch, for those measured.
/// Alternating methods batch by batch cancels the slow drift of a shared host.
fn summarise(
    bench: &str,
    methods: &[Method],
    figures: &[Vec<f64>],
    figure: fn(Option<f64>) -> Figure,
) -> Vec<Summary> {
    let ratio_to = |values: &[f64], reference: Method| {
        let r = methods.iter().position(|&m| m == reference)?;
        let ratios: Vec<f64> = values.iter().zip(&figures[r]).map(|(v, r)| v / r).collect();
        median(&ratios)
    };
    methods
        .iter()
        .zip(figures)
        .map(|(&method, values)| Summary {
            bench: bench.to_owned(),
            method,
            batches: values.len(),
            figure: figure(median(values)),
            ratio_to_sigqueue: ratio_to(values, Method::Sigqueue),
            ratio_to_pidfd: ratio_to(values, Method::Pidfd),
            ratio_to_tgsigqueue: ratio_to(values, Method::Tgsigqueue),
        })
        .collect()
}

/// Each of `objects` as JSON on one line.
fn json_lines(objects: &[impl Serialize]) -> io::Result<Vec<String>> {
    objects
        .iter()
        .map(|object| serde_json::to_string(object).map_err(io::Error::from))
        .collect()
}

fn self_round_trip(
    methods: &[Method],
    files: &Files,
    batches: usize,
    batch: u64,
) -> io::Result<Vec<String>> {
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
    json_lines(&summarise("self", methods, &figures, Figure::NsPerSignal))
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
) -> io::Result<Vec<String>> {
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

fn throughput(
    methods: &[Method],
    files: &Files,
    batches: usize,
    count: u64,
) -> io::Result<Vec<String>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_of_nothing_is_none() {
        assert_eq!(percentile(&[], 0.99), None);
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn percentile_is_the_nearest_rank_of_the_sorted_values() {
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(percentile(&[7.0], 0.99), Some(7.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        // The upper of the two middle values, as the figures always were.
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(3.0));
        let hundred: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&hundred, 0.99), Some(99.0));
        assert_eq!(percentile(&hundred, 0.0), Some(1.0));
        assert_eq!(percentile(&hundred, 1.0), Some(100.0));
    }

    #[test]
    fn summary_has_the_fields_that_the_report_reads() {
        let methods = [Method::Debugfs, Method::Sigqueue];
        let figures = [vec![3.0, 8.0], vec![2.0, 4.0]];
        let summaries: Vec<PingpongSummary> =
            summarise("pingpong", &methods, &figures, Figure::P50Ns)
                .into_iter()
                .map(|summary| PingpongSummary {
                    summary,
                    p99_ns: Some(9.0),
                })
                .collect();
        assert_eq!(
            json_lines(&summaries).unwrap(),
            [
                r#"{"bench":"pingpong","method":"Debugfs","batches":2,"p50_ns":8.0,"ratio_to_sigqueue":2.0,"p99_ns":9.0}"#,
                r#"{"bench":"pingpong","method":"Sigqueue","batches":2,"p50_ns":4.0,"ratio_to_sigqueue":1.0,"p99_ns":9.0}"#,
            ]
        );
    }

    #[test]
    fn summary_of_no_batches_has_no_figure() {
        let lines = json_lines(&summarise(
            "self",
            &[Method::Pidfd],
            &[vec![]],
            Figure::NsPerSignal,
        ))
        .unwrap();
        assert_eq!(
            lines,
            [r#"{"bench":"self","method":"Pidfd","batches":0,"ns_per_signal":null}"#]
        );
    }

    #[test]
    fn queue_siginfo_reads_back_through_libc() {
        let mut info = queue_siginfo(0x1_0000_04d2);
        // SAFETY: trivial getters.
        let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
        // SAFETY: `queue_siginfo` filled in the `_rt` member that these read.
        unsafe {
            assert_eq!(
                (info.si_signo, info.si_code, info.si_errno),
                (SIGNAL, libc::SI_QUEUE, 0)
            );
            assert_eq!((info.si_pid(), info.si_uid()), (pid, uid));
            assert_eq!(info.si_value().sival_ptr as u64, 0x1_0000_04d2);
        }
        rt_fields(&mut info).value = sigval(7);
        // SAFETY: as above.
        assert_eq!(unsafe { info.si_value().sival_ptr } as u64, 7);
    }

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
