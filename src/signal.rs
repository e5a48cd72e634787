// SPDX-License-Identifier: GPL-2.0

//! The signal path: a command, written or from an ioctl entry, becomes a sent signal and a count.
//!
//! [`write_command`] reads and parses a write; [`execute`] fills in the defaults, sends and counts;
//! [`queue_signal`] looks the target up, applies `kill(2)`'s rule and calls `send_sig_info()`.

use core::{
    ffi::c_void,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    bindings,
    error::to_result,
    fs::LocalFile,
    pid_namespace::PidNamespace,
    pr_warn_once,
    prelude::*,
    sync::{
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
    execute(command).map(|()| len)
}

/// Carries out a command, written or from an ioctl entry, and counts it: `command` is what was
/// parsed, or why there is nothing to carry out (counted as a failure without a target). The
/// defaults fill in what the command leaves out.
pub(crate) fn execute(command: Result<Command>) -> Result {
    let result = command.and_then(|command| {
        queue_signal(
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
    // SAFETY: `current`'s subjective credentials are replaced by `current` alone, so it reads its
    // own pointer without RCU, as `current_cred()` does; the pointer is only compared.
    let writer = unsafe { ptr::read(&raw const (*Task::current_raw()).cred) };
    ptr::eq(file.cred().as_ptr(), writer)
}

/// Whether the current task has a fatal signal pending (`fatal_signal_pending(current)`): it is
/// being killed, and a long call lets it go.
pub(crate) fn fatal_signal_pending() -> bool {
    let current = current!();
    if !current.signal_pending() {
        return false;
    }
    // SAFETY: `current` is alive while it runs this. Other CPUs may add signals to its pending
    // set meanwhile (under its sighand lock): the word is read once, volatile, as
    // `__fatal_signal_pending()` reads it without the lock.
    let word = unsafe { ptr::read_volatile(&raw const (*current.as_ptr()).pending.signal.sig[0]) };
    word & (1 << (bindings::SIGKILL - 1)) != 0
}

/// Sends `signal` with the payload `value` to the thread that `nr` names in the writer's
/// (current task's) PID namespace: `send_sig_info()` with `SI_QUEUE`, the writer as the sender,
/// if `kill(2)`'s rule lets the writer signal it, as `rt_tgsigqueueinfo(2)` would. `EINVAL` if
/// `value` does not fit in `si_value` (a 32-bit kernel).
pub(crate) fn queue_signal(nr: i32, signal: u32, value: u64) -> Result {
    let sigval = sigval_word(value, usize::BITS).ok_or(EINVAL)? as usize;
    // Lookup and send are one RCU read-side critical section, as in the kernel's own
    // `kill_pid_info()`: RCU keeps the task alive throughout, so no reference is taken. (A
    // reference costs two atomic operations per signal on a cache line that the receiving task,
    // running on another CPU, keeps writing: measured with `make bench-profile`.)
    let rcu_lock = rcu::read_lock();
    // SAFETY: `find_vpid()` and `pid_task()` require the RCU read lock, which `rcu_lock` holds;
    // `pid_task()` accepts the NULL that `find_vpid()` returns for an unknown PID.
    let task =
        unsafe { bindings::pid_task(bindings::find_vpid(nr), bindings::pid_type_PIDTYPE_PID) };
    // SAFETY: a non-NULL `task` is a valid `task_struct` that RCU keeps alive until `rcu_lock` is
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
    if !may_signal(task, &rcu_lock) {
        return Err(EPERM);
    }
    // SAFETY: `task_ptr` is valid, and `task_active_pid_ns()` may be called on it under RCU; it
    // returns NULL once the task has been reaped.
    let target_ns = unsafe { bindings::task_active_pid_ns(task_ptr) };
    if target_ns.is_null() {
        return Err(ESRCH);
    }
    // SAFETY: `target_ns` is the live namespace of `task`, which RCU keeps alive while
    // `rcu_lock` is held, and the reference does not escape this function.
    let target_ns = unsafe { PidNamespace::from_ptr(target_ns) };

    let mut info = bindings::kernel_siginfo::default();
    info.__bindgen_anon_1.si_signo = signal as i32;
    info.__bindgen_anon_1.si_code = bindings::SI_QUEUE;
    // The sender as the target sees it: the writer's TGID in the target's PID namespace (0 if
    // the writer is invisible there), and its UID in its own user namespace, which
    // `send_signal_locked()` translates into the target's, exactly as for `kill(2)`.
    let sender = bindings::__sifields__bindgen_ty_3 {
        _pid: current!().tgid_nr_ns(Some(target_ns)),
        _uid: current!().uid().into_uid_in_current_ns(),
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
/// within its session; this rule does not, which only refuses more.) `task` is one that the RCU
/// read-side critical section `_rcu` keeps alive: the rule reads what `kill(2)` reads under it,
/// as it does, without taking a reference.
fn may_signal(task: &Task, _rcu: &rcu::Guard) -> bool {
    let writer = current!();
    // SAFETY: both tasks are alive (`task` by RCU, `writer` runs this); a task's `signal` is the
    // thread group's, set when it is created: `same_thread_group()` compares these pointers.
    if unsafe { ptr::eq((*task.as_ptr()).signal, (*writer.as_ptr()).signal) } {
        return true;
    }
    // SAFETY: `real_cred` is published with RCU (`__task_cred()` reads it under the read lock,
    // as here): the credentials it points at stay alive until `_rcu` is dropped, after this
    // returns, and are never changed once committed (a task that changes its IDs gets new ones).
    // The volatile read is `rcu_dereference()`'s `READ_ONCE()`.
    let (uid, suid, user_ns) = unsafe {
        let cred = ptr::read_volatile(&raw const (*task.as_ptr()).real_cred);
        ((*cred).uid, (*cred).suid, (*cred).user_ns)
    };
    let (uid, suid) = (Kuid::from_raw(uid), Kuid::from_raw(suid));
    let writer_ids = [writer.uid(), Kuid::current_euid()];
    writer_ids.iter().any(|id| *id == uid || *id == suid)
        // SAFETY: `user_ns` is the target's, alive while its credentials are (see above);
        // `ns_capable()` may be called under RCU (`kill(2)` calls it there).
        || unsafe { bindings::ns_capable(user_ns, bindings::CAP_KILL as i32) }
}

#[kernel::macros::kunit_tests(signal_example)]
mod tests {
    use super::*;

    #[test]
    fn unknown_pid_is_esrch() {
        assert_eq!(queue_signal(i32::MAX, 44, 1234), Err(ESRCH));
    }

    #[test]
    fn kernel_threads_are_eperm() {
        // PID 2 is kthreadd; KUnit itself runs in a kernel thread.
        assert_eq!(queue_signal(2, 44, 1234), Err(EPERM));
        // (`tgid_nr_ns` asks the kernel; `Task::pid()` reads a field at bindgen's offset.)
        assert_eq!(
            queue_signal(current!().tgid_nr_ns(None), 44, 1234),
            Err(EPERM)
        );
    }

    #[test]
    fn task_struct_fields_are_where_c_has_them() {
        // The module (and the `kernel` crate) read `task_struct` fields at bindgen's offsets:
        // `flags`, `cred`, `pending`. They are the C compiler's (`CONFIG_RUST` excludes
        // `RANDSTRUCT`, the one thing that reorders them): here fields are read both ways, at
        // bindgen's offset and through C functions of the kernel: `pid` and `tgid`, `real_cred`
        // and `cred` (the same in a KUnit thread), `blocked` and `pending`.
        let task = Task::current_raw();
        // SAFETY: `task` is the running task. Its own fields are read: `blocked` and `cred`
        // change only by its own hand; `pid`, `tgid` and `real_cred` are only compared.
        let (pid, tgid, real_cred, cred) =
            unsafe { ((*task).pid, (*task).tgid, (*task).real_cred, (*task).cred) };
        let null = ptr::null_mut();
        // SAFETY: `task` is alive; a NULL namespace is the task's own.
        let c_pid =
            unsafe { bindings::__task_pid_nr_ns(task, bindings::pid_type_PIDTYPE_PID, null) };
        // SAFETY: as above.
        let c_tgid =
            unsafe { bindings::__task_pid_nr_ns(task, bindings::pid_type_PIDTYPE_TGID, null) };
        assert_eq!((pid, tgid), (c_pid, c_tgid));
        // SAFETY: `task` is alive; the reference `get_task_cred()` takes is dropped at once.
        let c_real_cred = unsafe { bindings::get_task_cred(task) };
        // SAFETY: the reference taken above.
        unsafe { bindings::put_cred(c_real_cred) };
        assert!(ptr::eq(real_cred, c_real_cred) && ptr::eq(cred, real_cred));

        // `pending`, which `fatal_signal_pending()` reads: a signal this thread blocks is queued
        // to it (even a kernel thread's, which would ignore it unblocked), then thrown away.
        let mut set = bindings::sigset_t::default();
        set.sig[0] = 1 << (bindings::SIGUSR1 - 1);
        let mut old = bindings::sigset_t::default();
        // SAFETY: both sets are valid; `sigprocmask()` changes the running task's `blocked`.
        unsafe { bindings::sigprocmask(bindings::SIG_BLOCK as i32, &mut set, &mut old) };
        // SAFETY: the running task's own `blocked`.
        let blocked = unsafe { (*task).blocked.sig[0] };
        // `SEND_SIG_PRIV`: a signal from the kernel, without a `siginfo` of its own.
        let priv_info = ptr::without_provenance_mut::<bindings::kernel_siginfo>(1);
        // SAFETY: `task` is alive; `SEND_SIG_PRIV` is a valid `info` for `send_sig_info()`.
        let sent = unsafe { bindings::send_sig_info(bindings::SIGUSR1 as i32, priv_info, task) };
        // SAFETY: the running task's own pending set, which only this thread empties.
        let pending = unsafe { ptr::read_volatile(&raw const (*task).pending.signal.sig[0]) };
        // SAFETY: `flush_signals()` empties the running task's pending sets; then the mask is
        // restored.
        unsafe {
            bindings::flush_signals(task);
            bindings::sigprocmask(bindings::SIG_SETMASK as i32, &mut old, null.cast());
        }
        assert_eq!(blocked, old.sig[0] | set.sig[0]);
        assert_eq!((sent, pending & set.sig[0]), (0, set.sig[0]));
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
