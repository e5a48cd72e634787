//! The process side of the benchmark: system call results, the signal handler and mask,
//! forked children, CPU time.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::SIGNAL;

/// A system call's result as an `io::Result`: its `errno` when it returned a negative value.
pub(crate) fn os_result(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// How many signals `count_signal` has handled.
pub(crate) static HANDLED: AtomicU64 = AtomicU64::new(0);

extern "C" fn count_signal(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
    HANDLED.fetch_add(1, Relaxed);
}

/// `os_result`, the error naming `what` failed.
pub(crate) fn check(rc: libc::c_int, what: &str) -> io::Result<()> {
    os_result(rc).map_err(|e| io::Error::new(e.kind(), format!("{what}: {e}")))
}

pub(crate) fn install_counting_handler() -> io::Result<()> {
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
pub(crate) fn block_signal() -> io::Result<libc::sigset_t> {
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

pub(crate) fn wait_signal(set: &libc::sigset_t) -> io::Result<()> {
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
pub(crate) fn signal_pending() -> bool {
    // SAFETY: `pending` is initialised by `sigpending`.
    unsafe {
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut pending);
        libc::sigismember(&pending, SIGNAL) == 1
    }
}

/// Forks; the child runs `child` and exits with 0 on success.
pub(crate) fn fork_child(child: impl FnOnce() -> io::Result<()>) -> io::Result<i32> {
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

pub(crate) fn wait_child(pid: i32) -> io::Result<()> {
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
pub(crate) fn thread_cpu_ns() -> u64 {
    // SAFETY: an all-zero `timespec` is valid; `clock_gettime` fills it.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `now` outlives the call; this clock always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// Children that are killed if they are not waited for (when the benchmark fails), so that none
/// is left waiting for a signal forever.
pub(crate) struct Children(pub(crate) Vec<i32>);

impl Children {
    /// How the children that have ended ended (for an error message).
    pub(crate) fn states(&self) -> String {
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
    pub(crate) fn wait(&mut self) -> io::Result<()> {
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
