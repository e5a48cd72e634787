// SPDX-License-Identifier: GPL-2.0

//! Sends a real-time signal with a payload to the process whose PID is written to debugfs.
//!
//! The module creates `/sys/kernel/debug/signalconfpid` (mode 0200, root only). A write of a PID
//! makes it look the task up in the writer's PID namespace and `send_sig_info()` it signal 44
//! (module parameter `signal`) with `si_code = SI_QUEUE` and the payload 1234 (module parameter
//! `value`) in `si_value`, so that an `SA_SIGINFO` handler reads it from `si_int`. It is the Rust
//! version of a well-known C example (see the project's README), keeping its interface.
//!
//! # Write format
//!
//! One `write(2)` is one command: `PID [sig=N] [value=V]`, with an optional trailing newline and
//! NUL; the full grammar is in `user/src/command.rs`, the parser that this module and the host
//! tests share. The file offset is ignored, and a command split across two writes is two
//! (malformed) commands. A successful write returns its full length.
//!
//! # Errors
//!
//! * `EINVAL`: malformed, or longer than 64 bytes.
//! * `EFAULT`: the buffer is not readable.
//! * `ESRCH`: no process has that PID in the writer's PID namespace, or it has exited.
//! * `EPERM`: the PID is a kernel thread, which ignores signals.
//! * `EAGAIN`: the target's queue of pending real-time signals is full (`RLIMIT_SIGPENDING`).
//!
//! # Example
//!
//! A userspace program that receives the signal: the C receiver of the original example, made
//! async-signal-safe (the project's Rust `signal-receiver` does the same, with more options).
//!
//! ```c
//! #include <fcntl.h>
//! #include <signal.h>
//! #include <stdio.h>
//! #include <string.h>
//! #include <unistd.h>
//!
//! #define SIG_TEST 44
//!
//! static volatile sig_atomic_t received;
//! static volatile int value;
//!
//! static void on_signal(int n, siginfo_t *info, void *unused)
//! {
//!     value = info->si_int;
//!     received = 1;
//! }
//!
//! int main(void)
//! {
//!     struct sigaction sig = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };
//!     char buf[16];
//!     int fd;
//!
//!     sigaction(SIG_TEST, &sig, NULL);
//!     fd = open("/sys/kernel/debug/signalconfpid", O_WRONLY);
//!     if (fd < 0) {
//!         perror("open");
//!         return 1;
//!     }
//!     snprintf(buf, sizeof(buf), "%d", getpid());
//!     if (write(fd, buf, strlen(buf) + 1) < 0) {
//!         perror("write");
//!         return 1;
//!     }
//!     while (!received)
//!         pause();
//!     printf("received value %i\n", value);
//!     return 0;
//! }
//! ```

use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    bindings,
    error::from_err_ptr,
    prelude::*,
    str::CStr,
    sync::{
        aref::ARef,
        rcu, //
    },
    task::Task,
    uaccess::{
        UserPtr,
        UserSlice,
        UserSliceReader, //
    },
    ModuleMetadata,
};

#[path = "user/src/command.rs"]
mod command;

use command::{
    is_valid_signal,
    Command,
    MAX_COMMAND_LEN, //
};

module! {
    type: SignalExample,
    name: "signal_example",
    authors: ["signal-example developers"],
    description: "Sends a real-time signal with a payload to a PID written to debugfs",
    license: "GPL",
    params: {
        signal: i32 {
            default: 44,
            description: "Signal sent when a write names none (1..=64)",
        },
        value: i64 {
            default: 1234,
            description: "Payload in si_value when a write names none",
        },
    },
}

/// What a write sends when it names no signal or value: the module parameters.
///
/// Parameters are set at load time only (they are not in sysfs), and `init` refuses to load with
/// an invalid one, so every write sees the same valid defaults.
#[derive(Clone, Copy)]
struct Defaults {
    signal: u32,
    value: u64,
}

impl Defaults {
    /// Reads the parameters; `None` if `signal` is not a signal number.
    fn from_params() -> Option<Self> {
        let signal = u32::try_from(module_parameters::signal.value())
            .ok()
            .filter(|&signal| is_valid_signal(signal))?;
        Some(Self {
            signal,
            // The payload travels as a 64-bit pattern: negative values wrap on purpose.
            value: module_parameters::value.value() as u64,
        })
    }
}

struct SignalExample {
    _signalconfpid: DebugfsRootFile,
}

impl kernel::Module for SignalExample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let Some(defaults) = Defaults::from_params() else {
            pr_err!(
                "signal={} is not a signal number (1..=64)\n",
                module_parameters::signal.value()
            );
            return Err(EINVAL);
        };
        let file = DebugfsRootFile::new::<SignalConfPid>(c"signalconfpid", 0o200)
            .inspect_err(|e| pr_err!("cannot create signalconfpid in debugfs: {e:?}\n"))?;
        pr_info!(
            "ready: write a PID to /sys/kernel/debug/signalconfpid to send it signal {} with value {}\n",
            defaults.signal,
            defaults.value as i64
        );
        Ok(Self {
            _signalconfpid: file,
        })
    }
}

/// The write handler of `signalconfpid`.
struct SignalConfPid;

impl WriteHandler for SignalConfPid {
    fn write(mut reader: UserSliceReader) -> Result<usize> {
        // Everything lives on the stack: the write path does not allocate.
        let len = reader.len();
        let mut buf = [0u8; MAX_COMMAND_LEN];
        let input = buf.get_mut(..len).ok_or(EINVAL)?;
        reader.read_slice(input)?;
        let command = Command::parse(input).map_err(|_| EINVAL)?;

        // `init` checked the parameters, so this never fails.
        let defaults = Defaults::from_params().ok_or(EINVAL)?;
        queue_signal(
            command.pid,
            command.signal.unwrap_or(defaults.signal),
            command.value.unwrap_or(defaults.value),
        )?;
        Ok(len)
    }
}

/// Looks up the task that `nr` names in the current task's PID namespace, taking a reference.
fn find_task(nr: i32) -> Option<ARef<Task>> {
    let _rcu = rcu::read_lock();
    // SAFETY: `find_vpid()` and `pid_task()` require the RCU read lock, which `_rcu` holds;
    // `pid_task()` accepts the NULL that `find_vpid()` returns for an unknown PID.
    let task = unsafe { bindings::pid_task(bindings::find_vpid(nr), bindings::pid_type_PIDTYPE_PID) };
    // SAFETY: a non-NULL `task` is a valid `task_struct` that RCU keeps alive until `_rcu` is
    // dropped; `ARef::from` takes a reference of our own (`get_task_struct()`) before that.
    // `Task` is a transparent wrapper of `task_struct`.
    NonNull::new(task).map(|task| ARef::from(unsafe { task.cast::<Task>().as_ref() }))
}

/// Sends `signal` with the payload `value` to the task that `pid` names in the writer's PID
/// namespace: `send_sig_info()` with `SI_QUEUE`, the writer as the sender, as `sigqueue(3)` would.
fn queue_signal(pid: i32, signal: u32, value: u64) -> Result {
    let task = find_task(pid).ok_or(ESRCH)?;
    let task_ptr = task.as_ptr();

    // SAFETY: `task_ptr` is valid while we hold `task`. `PF_KTHREAD` is set when a task is created
    // and never changes; the volatile read tolerates concurrent updates of the other flags.
    let flags = unsafe { ptr::read_volatile(&raw const (*task_ptr).flags) };
    if flags & bindings::PF_KTHREAD != 0 {
        // Kernel threads ignore signals: "success" would be a lie.
        return Err(EPERM);
    }
    // SAFETY: `task->signal` lives as long as the task, which we hold. `live` counts the threads
    // that have not exited; it is an `atomic_t`, read here as `atomic_read()` does.
    let live = unsafe { ptr::read_volatile(&raw const (*(*task_ptr).signal).live.counter) };
    if live == 0 {
        // A zombie: the signal would be queued and thrown away.
        return Err(ESRCH);
    }
    // A task that was reaped since the lookup has no PID namespace any more.
    let target_ns = task.get_pid_ns().ok_or(ESRCH)?;

    let writer = current!();
    let mut info = bindings::kernel_siginfo::default();
    info.__bindgen_anon_1.si_signo = signal as i32;
    info.__bindgen_anon_1.si_code = bindings::SI_QUEUE;
    // The sender as the target sees it: the writer's TGID in the target's PID namespace (0 if the
    // writer is invisible there), and its UID in its own user namespace, which
    // `send_signal_locked()` translates into the target's, exactly as for `kill(2)`.
    let sender = bindings::__sifields__bindgen_ty_3 {
        _pid: writer.tgid_nr_ns(Some(&target_ns)),
        _uid: writer.uid().into_uid_in_current_ns(),
        _sigval: bindings::sigval {
            sival_ptr: value as usize as *mut c_void,
        },
    };
    // Assigning the field keeps the zeroes `default()` wrote in the rest of the union (it is
    // copied to userspace whole, so no byte of it may be uninitialised).
    info.__bindgen_anon_1._sifields._rt = sender;

    // SAFETY: `info` is a fully initialised `kernel_siginfo` that outlives the call, and
    // `task_ptr` is a task we hold a reference to. `send_sig_info()` takes spinlocks only, so it
    // may be called from any process context.
    let ret = unsafe { bindings::send_sig_info(signal as i32, &mut info, task_ptr) };
    kernel::error::to_result(ret)
}

/// Handles writes to a [`DebugfsRootFile`].
trait WriteHandler {
    /// Handles one `write(2)`; returns the number of bytes consumed.
    fn write(reader: UserSliceReader) -> Result<usize>;
}

/// A write-only file at the root of debugfs, removed when dropped.
///
/// The `kernel` crate's safe debugfs API creates files only inside a directory, and its file
/// operations have no `owner`, so a file held open across `rmmod` would be closed through freed
/// module memory. This type fills both gaps: it creates the file at the root, and its operations
/// are owned by this module, so an open file pins the module. debugfs itself makes removal wait
/// for writes in progress and fail later ones (`debugfs_file_get()`).
///
/// # Invariants
///
/// `dentry` is the live debugfs file that `debugfs_create_file_full()` returned, and only `drop`
/// removes it.
struct DebugfsRootFile {
    dentry: *mut bindings::dentry,
}

// SAFETY: the dentry is only passed to `debugfs_remove()`, which may be called from any thread.
unsafe impl Send for DebugfsRootFile {}
// SAFETY: `&DebugfsRootFile` gives no access to the dentry.
unsafe impl Sync for DebugfsRootFile {}

impl DebugfsRootFile {
    /// Creates `/sys/kernel/debug/<name>` with `mode`, whose writes `H` handles.
    fn new<H: WriteHandler>(name: &'static CStr, mode: u16) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; a NULL parent is the debugfs root; the file needs no
        // private data or aux pointer; `WriteOps::<H>::FOPS` is a `'static` table whose `write`
        // is sound for any file (it touches neither the file nor the offset).
        let dentry = unsafe {
            bindings::debugfs_create_file_full(
                name.as_char_ptr(),
                mode,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null(),
                &WriteOps::<H>::FOPS,
            )
        };
        // INVARIANT: `from_err_ptr` lets only a live dentry through.
        Ok(Self {
            dentry: from_err_ptr(dentry)?,
        })
    }
}

impl Drop for DebugfsRootFile {
    fn drop(&mut self) {
        // SAFETY: by the type invariant `dentry` is our live debugfs file, removed only here.
        // `debugfs_remove()` waits for writes in progress to finish.
        unsafe { bindings::debugfs_remove(self.dentry) };
    }
}

/// The file operations of a [`DebugfsRootFile`] handled by `H`.
struct WriteOps<H>(PhantomData<H>);

impl<H: WriteHandler> WriteOps<H> {
    const FOPS: bindings::file_operations = bindings::file_operations {
        owner: <SignalExample as ModuleMetadata>::THIS_MODULE.as_ptr(),
        write: Some(Self::write),
        llseek: Some(bindings::noop_llseek),
        ..pin_init::zeroed()
    };

    extern "C" fn write(
        _file: *mut bindings::file,
        buf: *const c_char,
        count: usize,
        _offset: *mut bindings::loff_t,
    ) -> isize {
        // `UserSliceReader` checks every access to the user buffer (`copy_from_user()`).
        let reader = UserSlice::new(UserPtr::from_ptr(buf.cast_mut().cast()), count).reader();
        match H::write(reader) {
            // A write never exceeds `MAX_RW_COUNT`, so it fits in `isize`.
            Ok(written) => written as isize,
            Err(e) => e.to_errno() as isize,
        }
    }
}
