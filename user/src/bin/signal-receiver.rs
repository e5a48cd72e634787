//! `signal-receiver`: waits for the real-time signal that the signal-example module sends and
//! reports its payload.
//!
//! It installs an `SA_SIGINFO` handler, then (by default) registers its own PID for that signal
//! with the module's device `/dev/signalconfpid` (or, with a module that has none, its debugfs
//! file), and prints `received value <si_int>` for each signal, as the seed's C receiver did.
//! Unlike the seed, the handler does only async-signal-safe work: it copies the `siginfo` fields
//! into a pipe with `write(2)`; the main loop reads the pipe and does the printing.
//!
//! Exit status: 0 when `--count` signals arrived; 1 on an error (setup, registration, a lost
//! signal); 2 on bad arguments; 3 when `--timeout` ran out first.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::FileTypeExt;
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use clap::Parser;
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::unistd::{getpid, pipe2, read};
use signal_example_user::Device;

/// The seed's signal: the first real-time signal the C library leaves free is 34, and 44 is what
/// the seed hard-coded.
const DEFAULT_SIGNAL: i32 = 44;
/// The module's misc device: it works on every kernel, also in lockdown (Secure Boot).
const DEVICE_PATH: &str = "/dev/signalconfpid";
/// The seed's debugfs file, which lockdown refuses to open for writing.
const DEBUGFS_PATH: &str = "/sys/kernel/debug/signalconfpid";
const LOCKDOWN_PATH: &str = "/sys/kernel/security/lockdown";
/// Large enough that a burst of queued real-time signals cannot fill it before the main loop runs
/// (`RLIMIT_SIGPENDING` bounds the burst; 1 MiB is the default `pipe-max-size`).
const PIPE_SIZE: i32 = 1 << 20;

const EXIT_ERROR: u8 = 1;
const EXIT_TIMEOUT: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Receive signal-example's signal and print its payload"
)]
struct Args {
    /// Signal number to wait for, which the module is asked to send (a real-time signal for a
    /// queued payload).
    #[arg(long, default_value_t = DEFAULT_SIGNAL, value_parser = clap::value_parser!(i32).range(1..=64))]
    signal: i32,
    /// Number of signals to wait for before exiting.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    /// Give up (exit status 3) after this many seconds without all signals.
    #[arg(long)]
    timeout: Option<f64>,
    /// Do not write our PID to the module; print it and wait for someone else to.
    #[arg(long)]
    no_register: bool,
    /// The module's file to register our PID with: SIGNALCONF_QUEUE on a device, a write on any
    /// other file [default: /dev/signalconfpid if it exists, else /sys/kernel/debug/signalconfpid].
    #[arg(long)]
    path: Option<String>,
    /// Say on stderr which file the PID was written to.
    #[arg(long, short)]
    verbose: bool,
    /// Print one JSON object per signal instead of the seed's text line.
    #[arg(long)]
    json: bool,
}

/// What the handler passes to the main loop: the `siginfo` fields it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    signo: i32,
    code: i32,
    pid: i32,
    uid: u32,
    value: u64,
}

const RECORD_LEN: usize = 24;

impl Record {
    fn to_bytes(self) -> [u8; RECORD_LEN] {
        let mut bytes = [0; RECORD_LEN];
        bytes[0..4].copy_from_slice(&self.signo.to_ne_bytes());
        bytes[4..8].copy_from_slice(&self.code.to_ne_bytes());
        bytes[8..12].copy_from_slice(&self.pid.to_ne_bytes());
        bytes[12..16].copy_from_slice(&self.uid.to_ne_bytes());
        bytes[16..24].copy_from_slice(&self.value.to_ne_bytes());
        bytes
    }

    fn from_bytes(bytes: &[u8; RECORD_LEN]) -> Self {
        let field = |range: std::ops::Range<usize>| -> [u8; 4] { bytes[range].try_into().unwrap() };
        Record {
            signo: i32::from_ne_bytes(field(0..4)),
            code: i32::from_ne_bytes(field(4..8)),
            pid: i32::from_ne_bytes(field(8..12)),
            uid: u32::from_ne_bytes(field(12..16)),
            value: u64::from_ne_bytes(bytes[16..24].try_into().unwrap()),
        }
    }

    /// `si_int`: the low 32 bits of the pointer-sized `si_value`, as C reads it on little-endian.
    fn si_int(&self) -> i32 {
        self.value as u32 as i32
    }
}

/// The write end of the pipe, for the handler; -1 until `main` sets it up.
static PIPE_WRITE_FD: AtomicI32 = AtomicI32::new(-1);
/// Signals the handler could not pass on (pipe full): reported as an error at exit.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The `SA_SIGINFO` handler. Async-signal-safe: it reads `info`, calls `write(2)` and touches only
/// atomics; it keeps `errno` as it found it.
extern "C" fn on_signal(
    signo: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    let saved_errno = Errno::last_raw();
    // SAFETY: for an `SA_SIGINFO` handler the kernel passes a valid `siginfo_t`. The union fields
    // read here are those of the `_rt` layout, which every queued signal (`SI_QUEUE`, the module's
    // code) fills in; for other codes they are still initialised memory of the same union.
    let record = unsafe {
        let info = &*info;
        Record {
            signo,
            code: info.si_code,
            pid: info.si_pid(),
            uid: info.si_uid(),
            value: info.si_value().sival_ptr as u64,
        }
    };
    let bytes = record.to_bytes();
    let fd: RawFd = PIPE_WRITE_FD.load(Relaxed);
    // SAFETY: `bytes` is valid for `RECORD_LEN` bytes; `write(2)` is async-signal-safe, and a write
    // of at most `PIPE_BUF` bytes to a pipe is all or nothing.
    let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), RECORD_LEN) };
    if written != RECORD_LEN as isize {
        DROPPED.fetch_add(1, Relaxed);
    }
    Errno::set_raw(saved_errno);
}

/// Installs `on_signal` for `signal`.
fn install_handler(signal: i32) -> io::Result<()> {
    set_disposition(
        signal,
        on_signal as *const () as libc::sighandler_t,
        libc::SA_SIGINFO | libc::SA_RESTART,
    )
}

/// Makes the kernel discard `signal`, those already pending included: no handler runs for it any
/// more.
fn ignore_signal(signal: i32) -> io::Result<()> {
    set_disposition(signal, libc::SIG_IGN, 0)
}

fn set_disposition(signal: i32, handler: libc::sighandler_t, flags: libc::c_int) -> io::Result<()> {
    // SAFETY: an all-zero `sigaction` is a valid value (empty mask, no flags); the handler and
    // flags are set below.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler;
    action.sa_flags = flags;
    // SAFETY: `action` is fully initialised; `handler` is `SIG_IGN` or `on_signal`, which has the
    // `SA_SIGINFO` signature and is async-signal-safe; the old action is not asked for.
    if unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Creates the pipe from the handler to the main loop. The write end does not block: a full pipe
/// must count a drop, not hang the handler.
fn make_pipe() -> nix::Result<(OwnedFd, OwnedFd)> {
    let (read_end, write_end) = pipe2(OFlag::O_CLOEXEC)?;
    fcntl(&write_end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    // A smaller pipe still works for slow senders; the drop counter reports any loss.
    let _ = fcntl(&write_end, FcntlArg::F_SETPIPE_SZ(PIPE_SIZE));
    Ok((read_end, write_end))
}

/// The file to register through: `--path`, else the device if it exists, else the debugfs file.
fn registration_path(args: &Args) -> &str {
    match &args.path {
        Some(path) => path,
        None if fs::metadata(DEVICE_PATH).is_ok() => DEVICE_PATH,
        None => DEBUGFS_PATH,
    }
}

/// Registers `pid` for `signal` with the module's file at `path`: the device through
/// `SIGNALCONF_QUEUE`, any other file (debugfs) by writing `PID sig=N`. The signal is always
/// named: the module's default (its `signal` parameter) need not be the one this process handles.
/// Returns how, for `--verbose`; an error says what failed and, where it can, why.
fn register(path: &str, pid: i32, signal: i32) -> Result<&'static str, String> {
    let mut file = OpenOptions::new().write(true).open(path).map_err(|e| {
        format!(
            "cannot open {path} to write PID {pid}{}: {e}",
            open_hint(path, &e)
        )
    })?;
    let is_device = file
        .metadata()
        .is_ok_and(|m| m.file_type().is_char_device());
    if is_device {
        // (`--signal` is 1..=64: it fits.)
        Device::from_file(file)
            .queue(pid, Some(signal as u32), None)
            .map_err(|e| format!("cannot queue a signal to PID {pid} through {path}: {e}"))?;
        Ok("queued with SIGNALCONF_QUEUE on")
    } else {
        file.write_all(format!("{pid} sig={signal}\n").as_bytes())
            .map_err(|e| format!("cannot write PID {pid} to {path}: {e}"))?;
        Ok("written to")
    }
}

/// Why opening the module's file may have failed, as far as can be told.
fn open_hint(path: &str, e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT) if path == DEBUGFS_PATH => {
            " (is the module loaded, and debugfs mounted?)".into()
        }
        Some(libc::ENOENT) => " (is the module loaded?)".into(),
        Some(libc::EACCES) => " (it is root-only)".into(),
        Some(libc::EPERM) if path.starts_with("/sys/kernel/debug/") => lockdown_hint(),
        _ => String::new(),
    }
}

/// Why debugfs refused to open a file for writing, if the kernel is in lockdown.
fn lockdown_hint() -> String {
    let modes = fs::read_to_string(LOCKDOWN_PATH).unwrap_or_default();
    let Some(mode) = raised_lockdown(&modes) else {
        return String::new();
    };
    format!(
        " (the kernel is in lockdown ({mode}), which refuses to open debugfs files for writing; \
         {DEVICE_PATH} works there: it needs a module that has it, version 0.2 or later)"
    )
}

/// The lockdown mode that `modes` (the contents of `LOCKDOWN_PATH`, such as `none [integrity]
/// confidentiality`, the current one in brackets) says is in force, unless it is `none`.
fn raised_lockdown(modes: &str) -> Option<&str> {
    let mode = modes.split_once('[')?.1.split_once(']')?.0;
    (mode != "none").then_some(mode)
}

/// Reads one record, waiting at most until `deadline`; `Ok(None)` when the time ran out.
fn next_record(read_end: &OwnedFd, deadline: Option<Instant>) -> nix::Result<Option<Record>> {
    let mut bytes = [0u8; RECORD_LEN];
    let mut filled = 0;
    while filled < RECORD_LEN {
        let timeout = match deadline {
            None => PollTimeout::NONE,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                // Round up so that a sub-millisecond remainder does not spin.
                PollTimeout::try_from(left.as_millis() as i64 + 1).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = [PollFd::new(read_end.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(0) | Err(Errno::EINTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(e),
        }
        match read(read_end, &mut bytes[filled..]) {
            Ok(n) => filled += n,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(Record::from_bytes(&bytes)))
}

fn print_record(out: &mut impl Write, record: &Record, json: bool) -> io::Result<()> {
    if json {
        writeln!(
            out,
            r#"{{"signo":{},"code":{},"pid":{},"uid":{},"value":{},"int":{}}}"#,
            record.signo,
            record.code,
            record.pid,
            record.uid,
            record.value as i64,
            record.si_int()
        )?;
    } else {
        writeln!(out, "received value {}", record.si_int())?;
    }
    out.flush()
}

fn run(args: &Args) -> Result<(), (u8, String)> {
    let (read_end, write_end) = make_pipe().map_err(|e| error("cannot create the pipe", &e))?;
    PIPE_WRITE_FD.store(write_end.as_raw_fd(), Relaxed);
    install_handler(args.signal)
        .map_err(|e| error(&format!("cannot handle signal {}", args.signal), &e))?;
    let received = receive(args, &read_end);
    // The signal can still arrive: beyond `--count`, or after a timeout or an error. Were the
    // write end closed while the handler could run, a late signal's write would fail (and count
    // as a lost signal, failing a run that got all it waited for) or, once the descriptor's
    // number was reused, land in another file. So the signal is ignored first: this process has
    // one thread, so once `sigaction` returns no handler is running or will run, and `DROPPED`
    // is final.
    if let Err(e) = ignore_signal(args.signal) {
        // The handler may still run: its descriptor must stay open until the process exits.
        std::mem::forget(write_end);
        return Err(error(
            &format!("cannot stop handling signal {}", args.signal),
            &e,
        ));
    }
    drop(write_end);
    received?;
    match DROPPED.load(Relaxed) {
        0 => Ok(()),
        lost => Err((
            EXIT_ERROR,
            format!("{lost} signals were lost: the pipe was full"),
        )),
    }
}

/// Registers (or prints our PID) and takes `--count` records from the handler's pipe.
fn receive(args: &Args, read_end: &OwnedFd) -> Result<(), (u8, String)> {
    let pid = getpid().as_raw();
    let mut out = io::stdout().lock();
    if args.no_register {
        writeln!(out, "pid {pid}")
            .and_then(|()| out.flush())
            .map_err(|e| error("cannot write to stdout", &e))?;
    } else {
        let path = registration_path(args);
        let how = register(path, pid, args.signal).map_err(|message| (EXIT_ERROR, message))?;
        if args.verbose {
            eprintln!("signal-receiver: PID {pid} {how} {path}");
        }
    }

    let deadline = args
        .timeout
        .map(|secs| Instant::now() + Duration::from_secs_f64(secs));
    for received in 0..args.count {
        match next_record(read_end, deadline).map_err(|e| error("cannot read the pipe", &e))? {
            Some(record) => print_record(&mut out, &record, args.json)
                .map_err(|e| error("cannot write to stdout", &e))?,
            None => {
                return Err((
                    EXIT_TIMEOUT,
                    format!(
                        "timed out after {}s waiting for signal {}: received {received} of {}",
                        args.timeout.unwrap_or_default(),
                        args.signal,
                        args.count
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// An error of `run`: exit status 1, with what failed and why.
fn error(what: &str, e: &dyn std::fmt::Display) -> (u8, String) {
    (EXIT_ERROR, format!("{what}: {e}"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.timeout.is_some_and(|t| !(t.is_finite() && t > 0.0)) {
        eprintln!("signal-receiver: --timeout must be a positive number of seconds");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("signal-receiver: {message}");
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockdown_mode_is_the_bracketed_one() {
        assert_eq!(
            raised_lockdown("none [integrity] confidentiality\n"),
            Some("integrity")
        );
        assert_eq!(
            raised_lockdown("none integrity [confidentiality]\n"),
            Some("confidentiality")
        );
        assert_eq!(raised_lockdown("[none] integrity confidentiality\n"), None);
        assert_eq!(raised_lockdown(""), None);
    }

    #[test]
    fn record_round_trips_through_bytes() {
        let record = Record {
            signo: 44,
            code: -1,
            pid: 123,
            uid: 1000,
            value: 0xdead_beef_0000_04d2,
        };
        assert_eq!(Record::from_bytes(&record.to_bytes()), record);
        assert_eq!(record.si_int(), 1234);
    }
}
