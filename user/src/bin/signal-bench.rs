//! `signal-bench`: measures how fast a write to `signalconfpid` becomes a delivered signal, side
//! by side with `sigqueue(3)`, `pidfd_send_signal(2)` and `kill(2)`. Run by `make bench` inside
//! the test VM; each run prints one JSON object on stdout.
//!
//! * `self`: a process signals itself N times; its `SA_SIGINFO` handler must have run once per
//!   signal when the sending call returns (checked). Reports ns per signal.
//! * `pingpong`: two processes answer each other's signal (`sigwaitinfo`), N round trips;
//!   reports one-way latencies (half a round trip) p50/p99 and writes every sample to a file.
//! * `throughput`: one writer sends M signals to one receiver as fast as the queue allows,
//!   retrying `EAGAIN`; the receiver must get exactly M (checked). Reports signals per second.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

const SIGNAL: i32 = 44;
const VALUE: u64 = 1234;

#[derive(Parser)]
#[command(about = "Benchmark signal delivery: debugfs module vs sigqueue, pidfd_send_signal, kill")]
struct Args {
    /// The module's debugfs file.
    #[arg(long, default_value = "/sys/kernel/debug/signalconfpid", global = true)]
    path: String,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Self round trip: signal ourselves N times.
    #[command(name = "self")]
    SelfRoundTrip {
        #[arg(long)]
        method: Method,
        #[arg(long, default_value_t = 20_000)]
        iterations: u64,
    },
    /// Cross-process ping-pong latency.
    Pingpong {
        #[arg(long)]
        method: Method,
        #[arg(long, default_value_t = 5_000)]
        iterations: usize,
        /// Append the one-way latency samples (ns, one per line) to this file.
        #[arg(long)]
        samples: Option<String>,
    },
    /// One writer, one receiver, M signals.
    Throughput {
        #[arg(long)]
        method: Method,
        #[arg(long, default_value_t = 50_000)]
        count: u64,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
enum Method {
    /// A write of the PID to the debugfs file (whichever module provides it).
    Debugfs,
    Sigqueue,
    Pidfd,
    Kill,
}

/// Sends signals by one method to one fixed target.
enum Sender {
    Debugfs { file: File, command: Vec<u8> },
    Sigqueue { pid: i32 },
    Pidfd { pidfd: OwnedFd, info: [u8; 128] },
    Kill { pid: i32 },
}

impl Sender {
    fn new(method: Method, path: &str, target: i32) -> io::Result<Self> {
        Ok(match method {
            Method::Debugfs => Sender::Debugfs {
                file: OpenOptions::new().write(true).open(path)?,
                command: format!("{target}\n").into_bytes(),
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
        })
    }

    /// Sends one signal; `Ok(false)` when the target's queue is full (`EAGAIN`).
    fn send(&mut self) -> io::Result<bool> {
        let result = match self {
            Sender::Debugfs { file, command } => file.write(command).map(drop),
            Sender::Sigqueue { pid } => {
                let value = libc::sigval {
                    sival_ptr: VALUE as usize as *mut libc::c_void,
                };
                // SAFETY: plain system call wrapper.
                os_result(unsafe { libc::sigqueue(*pid, SIGNAL, value) })
            }
            // SAFETY: `info` is a complete 128-byte siginfo; the pidfd is open.
            Sender::Pidfd { pidfd, info } => os_result(unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    pidfd.as_raw_fd(),
                    SIGNAL,
                    info.as_ptr(),
                    0,
                )
            } as i32),
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

fn self_round_trip(method: Method, path: &str, iterations: u64) -> io::Result<String> {
    install_counting_handler()?;
    // SAFETY: trivial getter.
    let me = unsafe { libc::getpid() };
    let mut sender = Sender::new(method, path, me)?;
    let start = Instant::now();
    for i in 1..=iterations {
        if !sender.send()? {
            return Err(io::Error::other("EAGAIN while signalling ourselves"));
        }
        // The signal is delivered on the way back from the sending system call.
        if HANDLED.load(Relaxed) != i {
            return Err(io::Error::other(format!(
                "handler ran {} times after {i} signals",
                HANDLED.load(Relaxed)
            )));
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / iterations as f64;
    Ok(format!(
        r#"{{"bench":"self","method":"{method:?}","iterations":{iterations},"ns_per_signal":{ns:.1}}}"#
    ))
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

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn pingpong(
    method: Method,
    path: &str,
    iterations: usize,
    samples: Option<&str>,
) -> io::Result<String> {
    let set = block_signal()?;
    // SAFETY: trivial getter.
    let parent = unsafe { libc::getpid() };
    let path_for_child = path.to_owned();
    let child = fork_child(move || {
        let mut sender = Sender::new(method, &path_for_child, parent)?;
        for _ in 0..iterations {
            wait_signal(&set)?;
            while !sender.send()? {}
        }
        Ok(())
    })?;
    let mut sender = Sender::new(method, path, child)?;
    let mut one_way = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        while !sender.send()? {}
        wait_signal(&set)?;
        one_way.push(start.elapsed().as_nanos() as u64 / 2);
    }
    wait_child(child)?;
    if let Some(samples) = samples {
        let mut file = OpenOptions::new().create(true).append(true).open(samples)?;
        let text: String = one_way.iter().map(|ns| format!("{ns}\n")).collect();
        file.write_all(text.as_bytes())?;
    }
    one_way.sort_unstable();
    Ok(format!(
        r#"{{"bench":"pingpong","method":"{method:?}","iterations":{iterations},"p50_ns":{},"p99_ns":{}}}"#,
        percentile(&one_way, 0.50),
        percentile(&one_way, 0.99)
    ))
}

fn throughput(method: Method, path: &str, count: u64) -> io::Result<String> {
    let set = block_signal()?;
    let receiver = fork_child(move || {
        for _ in 0..count {
            wait_signal(&set)?;
        }
        // Anything beyond `count` would be a duplicate: there must be none pending.
        // SAFETY: `pending` is initialised by `sigpending`.
        let extra = unsafe {
            let mut pending: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut pending);
            libc::sigismember(&pending, SIGNAL)
        };
        if extra == 1 {
            return Err(io::Error::other("received more signals than were accepted"));
        }
        Ok(())
    })?;
    let mut sender = Sender::new(method, path, receiver)?;
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
    let elapsed = start.elapsed();
    Ok(format!(
        r#"{{"bench":"throughput","method":"{method:?}","accepted":{count},"received":{count},"eagain":{eagain},"signals_per_s":{:.0}}}"#,
        count as f64 / elapsed.max(Duration::from_nanos(1)).as_secs_f64()
    ))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.bench {
        Bench::SelfRoundTrip { method, iterations } => {
            self_round_trip(method, &args.path, iterations)
        }
        Bench::Pingpong {
            method,
            iterations,
            samples,
        } => pingpong(method, &args.path, iterations, samples.as_deref()),
        Bench::Throughput { method, count } => throughput(method, &args.path, count),
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
