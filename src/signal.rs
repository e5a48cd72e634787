// SPDX-License-Identifier: GPL-2.0

//! The signal path: a command, written or from an ioctl entry, becomes a sent signal and a count.
//!
//! [`write_command`] reads and parses a write; [`execute`] fills in the defaults, sends and counts;
//! [`queue_signal`] looks the target up, applies `kill(2)`'s rule and calls `send_sig_info()`, for
//! a [`Writer`] whose IDs are read once per system call.

use core::{
    ffi::c_void,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    bindings,
    cred::Credential,
    error::to_result,
    fs::LocalFile,
    pid_namespace::PidNamespace,
    pr_warn_once,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Atomic,
            Relaxed, //
        },
        rcu, //
    },
    task::{
        Kuid,
        Task, //
    },
    types::NotThreadSafe,
};

use crate::{
    command::{
        is_valid_signal,
        sigval_word,
        Command,
        MAX_COMMAND_LEN, //
    },
    compat,
    module_parameters,
    stats::STATS, //
};

/// What a command sends when it names no signal or value: the module parameters, read and
/// checked once, by [`load_defaults`] at load time, before either file exists. (Parameters
/// cannot change afterwards: they are not in sysfs.)
static DEFAULT_SIGNAL: Atomic<u32> = Atomic::new(0);
static DEFAULT_VALUE: Atomic<u64> = Atomic::new(0);

/// Reads and checks the module parameters, and makes them the defaults of every command; returns
/// them (signal, value). `EINVAL`, said in the log, if `signal` is not a signal number or `value`
/// does not fit in `si_value` (a 32-bit kernel).
pub(crate) fn load_defaults() -> Result<(u32, u64)> {
    let param = compat::param(&module_parameters::signal);
    let Some(signal) = u32::try_from(param).ok().filter(|&n| is_valid_signal(n)) else {
        pr_err!("signal={param} is not a signal number (1..=64)\n");
        return Err(EINVAL);
    };
    // The payload travels as a 64-bit pattern: negative values wrap on purpose.
    let value = compat::param(&module_parameters::value) as u64;
    if sigval_word(value, usize::BITS).is_none() {
        pr_err!(
            "value={} does not fit in si_value on this kernel\n",
            value as i64
        );
        return Err(EINVAL);
    }
    // Relaxed: registering a file, which comes later, orders these stores before any command.
    DEFAULT_SIGNAL.store(signal, Relaxed);
    DEFAULT_VALUE.store(value, Relaxed);
    Ok((signal, value))
}

/// One `write(2)` to either file, `file`, of `len` bytes that `read` copies into the buffer it is
/// given: parsed and executed. Returns `len` once the signal is sent; `EACCES` if the writer's
/// credentials are not those that opened the file.
pub(crate) fn write_command(
    file: &LocalFile,
    len: usize,
    read: impl FnOnce(&mut [u8]) -> Result,
) -> Result<usize> {
    // Everything lives on the stack: the write path does not allocate.
    let mut buf = [0u8; MAX_COMMAND_LEN];
    let command = if writer_is_opener(file) {
        buf.get_mut(..len).ok_or(EINVAL).and_then(|input| {
            read(input)?;
            Command::parse(input).map_err(|_| EINVAL)
        })
    } else {
        // Once per boot: `/bin/echo PID >file` from a shell meets this (the shell's child opens
        // the file, then `execve()` gives it new credentials), and the errno alone does not say
        // why.
        pr_warn_once!(
            "refused a write from other credentials than the opener's (EACCES): {}\n",
            "open the file in the process that writes, after any fork, exec or change of IDs"
        );
        Err(EACCES)
    };
    execute(&Writer::current(), command).map(|()| len)
}

/// The writer (the current task) as `kill(2)`'s rule and the signal's sender fields see it: read
/// once per system call, so that `SIGNALCONF_QUEUE_MANY` asks the kernel for them once, not once
/// per entry. They cannot change during the call: only the task itself replaces its credentials
/// (`commit_creds()`, `override_creds()`), and nothing on this path does; a `setuid()` of another
/// thread reaches this one on its way back to userspace. It stays with the task that read it.
///
/// The real UID is the objective one (`task_uid()`), where `kill(2)` takes the subjective
/// `current_cred()`: they differ only under `override_creds()` (see `writer_is_opener`).
pub(crate) struct Writer {
    /// Its real and effective UIDs.
    ids: [Kuid; 2],
    /// Its real UID in its own user namespace: the signal's `si_uid`, which
    /// `send_signal_locked()` translates into the target's, exactly as for `kill(2)`.
    uid_in_own_ns: bindings::uid_t,
    _not_thread_safe: NotThreadSafe,
}

impl Writer {
    /// The current task.
    pub(crate) fn current() -> Self {
        let uid = current!().uid();
        Self {
            ids: [uid, Kuid::current_euid()],
            uid_in_own_ns: uid.into_uid_in_current_ns(),
            _not_thread_safe: NotThreadSafe,
        }
    }
}

/// Carries out a command of `writer`, written or from an ioctl entry, and counts it: `command` is
/// what was parsed, or why there is nothing to carry out (counted as a failure without a target).
/// The defaults fill in what the command leaves out.
pub(crate) fn execute(writer: &Writer, command: Result<Command>) -> Result {
    let result = command.and_then(|command| {
        queue_signal(
            writer,
            command.pid,
            command
                .signal
                .unwrap_or_else(|| DEFAULT_SIGNAL.load(Relaxed)),
            command.value.unwrap_or_else(|| DEFAULT_VALUE.load(Relaxed)),
        )
    });
    STATS.record(
        command.map_or(0, |command| command.pid),
        result.as_ref().err(),
    );
    result
}

/// Whether the writer (the current task) acts with the credentials that opened `file`: the
/// kernel's rule for write-based command interfaces (`ib_safe_file_access()`), so that a program
/// that was given or left a descriptor (a setuid program, say) never carries out commands on
/// behalf of whoever wrote its output. The credentials are compared as objects, as there: the
/// process that opened the file and its threads have them until it changes its IDs or
/// capabilities or runs a program (`execve()`); a child (`fork()`) has a copy, not them.
fn writer_is_opener(file: &LocalFile) -> bool {
    // The writer's objective credentials (`get_task_cred()`), not `current->cred` at bindgen's
    // offset, which is wrong in kernels without `CONFIG_SCHEDSTATS` (see `task_struct_flags_are_
    // where_c_has_them`). They are the subjective ones that a write(2) runs with; they differ
    // only under `override_creds()`, as in io_uring's workers, whose writes may be refused
    // (docs/interface.md says so).
    ptr::eq(file.cred().as_ptr(), credentials(current!()).as_ptr())
}

/// The objective credentials of `task` (`get_task_cred()`), held by the returned reference.
fn credentials(task: &Task) -> ARef<Credential> {
    // SAFETY: `task` is a live task (the caller's reference); `get_task_cred()` never returns
    // NULL and takes a reference to the credentials it returns, which the `ARef` owns.
    unsafe {
        ARef::from_raw(NonNull::new_unchecked(
            bindings::get_task_cred(task.as_ptr()).cast_mut().cast(),
        ))
    }
}

/// Whether the current task has a signal to handle (`signal_pending(current)`), a fatal one
/// included: a long call stops early, as an interrupted system call does.
pub(crate) fn signal_pending() -> bool {
    current!().signal_pending()
}

/// Sends `signal` with the payload `value` to the thread that `nr` names in the writer's
/// (current task's) PID namespace: `send_sig_info()` with `SI_QUEUE`, the writer as the sender,
/// if `kill(2)`'s rule lets the writer signal it, as `rt_tgsigqueueinfo(2)` would. `EINVAL` if
/// `value` does not fit in `si_value` (a 32-bit kernel).
pub(crate) fn queue_signal(writer: &Writer, nr: i32, signal: u32, value: u64) -> Result {
    let sigval = sigval_word(value, usize::BITS).ok_or(EINVAL)? as usize;
    // Lookup and send are one RCU read-side critical section, as in the kernel's own
    // `kill_pid_info()`: RCU keeps the task alive throughout, so no reference is taken. (A
    // reference costs two atomic operations per signal on a cache line that the receiving task,
    // running on another CPU, keeps writing: measured with `make bench-profile`.)
    let _rcu = rcu::read_lock();
    // SAFETY: `find_vpid()` and `pid_task()` require the RCU read lock, which `_rcu` holds;
    // `pid_task()` accepts the NULL that `find_vpid()` returns for an unknown PID.
    let task =
        unsafe { bindings::pid_task(bindings::find_vpid(nr), bindings::pid_type_PIDTYPE_PID) };
    // SAFETY: a non-NULL `task` is a valid `task_struct` that RCU keeps alive until `_rcu` is
    // dropped at the end of this function, which the reference does not outlive. `Task` is a
    // transparent wrapper of `task_struct`.
    let task = unsafe { NonNull::new(task).ok_or(ESRCH)?.cast::<Task>().as_ref() };
    let task_ptr = task.as_ptr();

    // SAFETY: `task_ptr` is valid (see above). `PF_KTHREAD` is set when a task is created and
    // never changes; `PF_EXITING` is set once, when the task starts to exit. The volatile read
    // tolerates concurrent updates of the other flags.
    let flags = unsafe { ptr::read_volatile(&raw const (*task_ptr).flags) };
    if flags & bindings::PF_KTHREAD != 0 {
        // Kernel threads ignore signals: "success" would be a lie.
        return Err(EPERM);
    }
    if flags & bindings::PF_EXITING != 0 {
        // It is exiting or has exited (a zombie, or a thread group leader that has ended while
        // other threads run on): `send_sig_info()` would queue the signal to a thread that never
        // takes it.
        return Err(ESRCH);
    }
    if !may_signal(writer, task) {
        return Err(EPERM);
    }
    // SAFETY: `task_ptr` is valid, and `task_active_pid_ns()` may be called on it under RCU; it
    // returns NULL once the task has been reaped.
    let target_ns = unsafe { bindings::task_active_pid_ns(task_ptr) };
    if target_ns.is_null() {
        return Err(ESRCH);
    }
    // SAFETY: `target_ns` is the live namespace of `task`, which RCU keeps alive while `_rcu` is
    // held, and the reference does not escape this function.
    let target_ns = unsafe { PidNamespace::from_ptr(target_ns) };

    let mut info = bindings::kernel_siginfo::default();
    info.__bindgen_anon_1.si_signo = signal as i32;
    info.__bindgen_anon_1.si_code = bindings::SI_QUEUE;
    // The sender as the target sees it: the writer's TGID in the target's PID namespace (0 if
    // the writer is invisible there), and its UID (see `Writer`).
    let sender = bindings::__sifields__bindgen_ty_3 {
        _pid: current!().tgid_nr_ns(Some(target_ns)),
        _uid: writer.uid_in_own_ns,
        _sigval: bindings::sigval {
            sival_ptr: sigval as *mut c_void,
        },
    };
    // Assigning the field keeps the zeroes `default()` wrote in the rest of the union (it is
    // copied to userspace whole, so no byte of it may be uninitialised).
    info.__bindgen_anon_1._sifields._rt = sender;

    // SAFETY: `info` is a fully initialised `kernel_siginfo` that outlives the call, and
    // `task_ptr` is a task that RCU keeps alive (see above). `send_sig_info()` takes the target's
    // sighand lock, a spinlock, which may be taken inside an RCU read-side critical section (on
    // PREEMPT_RT too, where it sleeps: RCU readers are preemptible there), as `kill_pid_info()`
    // does.
    to_result(unsafe { bindings::send_sig_info(signal as i32, &mut info, task_ptr) })
}

/// `kill(2)`'s permission rule (`check_kill_permission()` and `kill_ok_by_cred()` in
/// `kernel/signal.c`): the writer may signal `task` if it is in the writer's thread group, if the
/// writer's real or effective UID is the target's real or saved UID, or if the writer has
/// `CAP_KILL` in the target's user namespace. (`kill(2)` also lets any process send `SIGCONT`
/// within its session; this rule does not, which only refuses more.) Called under RCU, which
/// keeps `task` alive.
///
/// `kill(2)` reads the target's `real_cred` under RCU without a reference, and compares the
/// tasks' `signal`; this reads neither field: bindgen places both 48 bytes before the C compiler
/// does in kernels without `CONFIG_SCHEDSTATS` (see `task_struct_flags_are_where_c_has_them`), so
/// it asks the kernel's functions, at the price of a reference on the credentials.
fn may_signal(writer: &Writer, task: &Task) -> bool {
    // The cheapest test first (the rule is an "or"): the target's real UID through the kernel's
    // `task_uid()`, which reads it under RCU without a reference. The common case (a root
    // writer and a root target, a user signalling their own process, itself included) needs no
    // more.
    if writer.ids.contains(&task.uid()) {
        return true;
    }
    // Both thread group IDs as the writer's PID namespace sees them: it sees the target's.
    if task.tgid_nr_ns(None) == current!().tgid_nr_ns(None) {
        return true;
    }
    let target = credentials(task);
    let cred = target.as_ptr();
    // SAFETY: `cred` is valid while `target` holds its reference, and credentials are not changed
    // once committed (a task that changes its IDs gets new ones).
    let (suid, user_ns) = unsafe { ((*cred).suid, (*cred).user_ns) };
    writer.ids.contains(&Kuid::from_raw(suid))
        // SAFETY: `user_ns` is the target's, alive while `target` holds its credentials;
        // `ns_capable()` may be called under RCU (`kill(2)` calls it there).
        || unsafe { bindings::ns_capable(user_ns, bindings::CAP_KILL as i32) }
}

#[kernel::macros::kunit_tests(signal_example)]
mod tests {
    use super::*;

    #[test]
    fn unknown_pid_is_esrch() {
        assert_eq!(
            queue_signal(&Writer::current(), i32::MAX, 44, 1234),
            Err(ESRCH)
        );
    }

    #[test]
    fn kernel_threads_are_eperm() {
        // PID 2 is kthreadd; KUnit itself runs in a kernel thread.
        assert_eq!(queue_signal(&Writer::current(), 2, 44, 1234), Err(EPERM));
        // (`tgid_nr_ns` asks the kernel; `Task::pid()` reads a field at bindgen's offset.)
        assert_eq!(
            queue_signal(&Writer::current(), current!().tgid_nr_ns(None), 44, 1234),
            Err(EPERM)
        );
    }

    #[test]
    fn task_struct_flags_are_where_c_has_them() {
        // The one `task_struct` field this module reads at bindgen's offset is `flags`, early in
        // the struct. Later fields are not safe to read so: in a kernel without
        // `CONFIG_SCHEDSTATS`, `struct sched_statistics` is empty but cache-line aligned, and
        // bindgen drops that alignment (`pub struct sched_statistics {}`), so every field after
        // `task_struct.stats` (`pid`, `mm`, `real_cred`, `cred`, `signal`, `pending`, ...) is 48
        // bytes early on x86-64: `scripts/task-layout` shows it. A KUnit thread is a kernel
        // thread: `flags` read here must say so, as `kthread` set it.
        let task = Task::current_raw();
        // SAFETY: `task` is the running task; its `flags` are read once.
        let flags = unsafe { ptr::read_volatile(&raw const (*task).flags) };
        assert!(flags & bindings::PF_KTHREAD != 0);
    }

    #[test]
    fn parser_is_the_shared_one() {
        let command = Command::parse(b"42 sig=40 value=-1\n\0");
        assert_eq!(
            command,
            Ok(Command {
                pid: 42,
                signal: Some(40),
                value: Some(u64::MAX),
            })
        );
    }
}
