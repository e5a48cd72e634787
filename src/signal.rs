// SPDX-License-Identifier: GPL-2.0

//! Sending: [`queue_signal`] looks the target up, applies `kill(2)`'s rule and calls
//! `send_sig_info()`, for a [`Writer`] whose IDs are read once per system call.

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
    prelude::*,
    sync::{
        aref::ARef,
        rcu, //
    },
    task::{
        Kuid,
        Pid,
        Task, //
    },
    types::NotThreadSafe,
};

use crate::command::sigval_word;

/// The writer (the current task) as `kill(2)`'s rule and the signal's sender fields see it: read
/// once per system call, so that `SIGNALCONF_QUEUE_MANY` asks the kernel for them once, not once
/// per entry. They cannot change during the call: only the task itself replaces its credentials
/// (`commit_creds()`, `override_creds()`), and nothing on this path does; a `setuid()` of another
/// thread reaches this one on its way back to userspace. It stays with the task that read it.
///
/// The real UID is the objective one (`task_uid()`), where `kill(2)` takes the subjective
/// `current_cred()`: they differ only under `override_creds()` (see `write::writer_is_opener`).
pub(crate) struct Writer {
    /// Its real and effective UIDs.
    ids: [Kuid; 2],
    /// Its thread group ID in its own PID namespace (`task_tgid_vnr()`).
    tgid: Pid,
    /// Its real UID in its own user namespace, the overflow UID if it has none there, as
    /// `kill(2)` takes it (`from_kuid_munged()`): the signal's `si_uid`, which
    /// `send_signal_locked()` translates into the target's user namespace, as for `kill(2)`.
    uid_in_own_ns: bindings::uid_t,
    _not_thread_safe: NotThreadSafe,
}

impl Writer {
    /// The current task.
    pub(crate) fn current() -> Self {
        let uid = current!().uid();
        Self {
            ids: [uid, Kuid::current_euid()],
            tgid: current!().tgid_nr_ns(None),
            uid_in_own_ns: uid_munged_in_current_ns(uid),
            _not_thread_safe: NotThreadSafe,
        }
    }
}

/// `uid` in the current task's user namespace, or the overflow UID (65534 by default) where it
/// has no mapping there: `from_kuid_munged(current_user_ns(), uid)`.
#[cfg(CONFIG_USER_NS)]
fn uid_munged_in_current_ns(uid: Kuid) -> bindings::uid_t {
    // SAFETY: `current_user_ns()` is the running task's user namespace, which its credentials
    // keep alive while it runs; `from_kuid_munged()` takes any UID.
    unsafe { bindings::from_kuid_munged(bindings::current_user_ns(), uid.into_raw()) }
}

/// `uid` in the current task's user namespace: without user namespaces every UID maps to itself
/// (`from_kuid_munged()` is an inline function there, which bindgen does not bind).
#[cfg(not(CONFIG_USER_NS))]
fn uid_munged_in_current_ns(uid: Kuid) -> bindings::uid_t {
    uid.into_uid_in_current_ns()
}

/// The objective credentials of `task` (`get_task_cred()`), held by the returned reference.
pub(crate) fn credentials(task: &Task) -> ARef<Credential> {
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
    let rcu_guard = rcu::read_lock();
    let task = find_task(&rcu_guard, nr).ok_or(ESRCH)?;

    // SAFETY: `task` is valid (it borrows `rcu_guard`). `PF_KTHREAD` is set when a task is
    // created and never changes; `PF_EXITING` is set once, when the task starts to exit. The
    // volatile read tolerates concurrent updates of the other flags.
    let flags = unsafe { ptr::read_volatile(&raw const (*task.as_ptr()).flags) };
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

    let mut info = bindings::kernel_siginfo::default();
    info.__bindgen_anon_1.si_signo = signal as i32;
    info.__bindgen_anon_1.si_code = bindings::SI_QUEUE;
    // The sender, as `kill(2)` gives it (`prepare_kill_siginfo()`): the writer's TGID and UID in
    // its own namespaces. `send_signal_locked()` makes them the target's: the UID translated into
    // the target's user namespace, the TGID 0 if the writer has none in the target's PID
    // namespace. Otherwise the writer's own number is the target's too: the target was found in
    // the writer's PID namespace, so the target's is that one or one below it, where the writer
    // has no number.
    let sender = bindings::__sifields__bindgen_ty_3 {
        _pid: writer.tgid,
        _uid: writer.uid_in_own_ns,
        _sigval: bindings::sigval {
            sival_ptr: sigval as *mut c_void,
        },
    };
    // Assigning the field keeps the zeroes `default()` wrote in the rest of the union (it is
    // copied to userspace whole, so no byte of it may be uninitialised).
    info.__bindgen_anon_1._sifields._rt = sender;

    // SAFETY: `info` is a fully initialised `kernel_siginfo` that outlives the call, and `task`
    // is alive (it borrows `rcu_guard`). `send_sig_info()` takes the target's sighand lock, a
    // spinlock, which may be taken inside an RCU read-side critical section (on PREEMPT_RT too,
    // where it sleeps: RCU readers are preemptible there), as `kill_pid_info()` does; it fails
    // with `ESRCH` if the task has been reaped since it was found (it has no sighand any more).
    to_result(unsafe { bindings::send_sig_info(signal as i32, &mut info, task.as_ptr()) })
}

/// The thread that `nr` names in the current task's PID namespace (`find_vpid()`, `pid_task()`),
/// if any: kept alive by the RCU read-side critical section of `_rcu`, which it borrows.
fn find_task(_rcu: &rcu::Guard, nr: i32) -> Option<&Task> {
    // SAFETY: `find_vpid()` and `pid_task()` require the RCU read lock, which `_rcu` holds;
    // `pid_task()` accepts the NULL that `find_vpid()` returns for an unknown PID.
    let task =
        unsafe { bindings::pid_task(bindings::find_vpid(nr), bindings::pid_type_PIDTYPE_PID) };
    // SAFETY: a non-NULL `task` is a valid `task_struct` that RCU keeps alive until the read-side
    // critical section ends, when `_rcu` is dropped, which the returned borrow of it prevents
    // while the reference lives. `Task` is a transparent wrapper of `task_struct`.
    NonNull::new(task).map(|task| unsafe { task.cast::<Task>().as_ref() })
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
    if task.tgid_nr_ns(None) == writer.tgid {
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
    use crate::command::Command;

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
