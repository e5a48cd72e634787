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
//! # Statistics
//!
//! `/sys/kernel/debug/signal_example/stats` (mode 0400) counts writes, signals sent and failures
//! by errno, and shows the last write's target and result. The counters are lock-free: reading
//! never blocks a writer (so one read is not a snapshot across counters).
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
    error::{
        from_err_ptr,
        to_result,
        VTABLE_DEFAULT_ERROR, //
    },
    pid_namespace::PidNamespace,
    prelude::*,
    seq_file::SeqFile,
    seq_print,
    str::CStr,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        rcu, //
    },
    task::Task,
    uaccess::{
        UserPtr,
        UserSlice,
        UserSliceReader, //
    },
};

#[path = "user/src/command.rs"]
pub mod command;

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

/// Where the `kernel` crate's API differs between the kernels this module supports (Linux 7.2 and
/// 7.3): the one place that knows. Kbuild sets `cfg(kernel_before_7_3)` for trees older than 7.3.
mod compat {
    use kernel::{
        bindings,
        module_param::ModuleParamAccess, //
    };

    /// This module's `struct module`, the owner of its file operations.
    #[cfg(not(kernel_before_7_3))]
    pub(crate) const THIS_MODULE: *mut bindings::module =
        <crate::SignalExample as kernel::ModuleMetadata>::THIS_MODULE.as_ptr();

    /// This module's `struct module` (before 7.3, `module!` declares it as a static of the crate).
    #[cfg(kernel_before_7_3)]
    pub(crate) const THIS_MODULE: *mut bindings::module = crate::THIS_MODULE.as_ptr();

    /// A module parameter's value (before 7.3, `value()` returned a reference).
    pub(crate) fn param<T: Copy>(param: &ModuleParamAccess<T>) -> T {
        #[cfg(not(kernel_before_7_3))]
        let value = param.value();
        #[cfg(kernel_before_7_3)]
        let value = *param.value();
        value
    }
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
        let signal = u32::try_from(compat::param(&module_parameters::signal))
            .ok()
            .filter(|&signal| is_valid_signal(signal))?;
        Some(Self {
            signal,
            // The payload travels as a 64-bit pattern: negative values wrap on purpose.
            value: compat::param(&module_parameters::value) as u64,
        })
    }
}

struct SignalExample {
    // Dropped at unload, which cannot happen while either file is open (see `DebugfsEntry`).
    _signalconfpid: DebugfsEntry,
    _stats_dir: DebugfsEntry,
}

impl kernel::Module for SignalExample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let Some(defaults) = Defaults::from_params() else {
            pr_err!(
                "signal={} is not a signal number (1..=64)\n",
                compat::param(&module_parameters::signal)
            );
            return Err(EINVAL);
        };
        // The file most likely to fail (EEXIST: another module has it) comes first, so that a
        // failed load has rarely shown anything that could be opened meanwhile.
        let signalconfpid = DebugfsEntry::root_file::<SignalConfPid>(c"signalconfpid")
            .inspect_err(|e| pr_err!("cannot create signalconfpid in debugfs: {e:?}\n"))?;
        let stats_dir = DebugfsEntry::root_dir(c"signal_example")
            .inspect_err(|e| pr_err!("cannot create signal_example/ in debugfs: {e:?}\n"))?;
        stats_dir
            .add_file::<StatsFile>(c"stats")
            .inspect_err(|e| pr_err!("cannot create signal_example/stats in debugfs: {e:?}\n"))?;
        pr_info!(
            "ready: a PID written to /sys/kernel/debug/signalconfpid gets signal {} with value {}\n",
            defaults.signal,
            defaults.value as i64
        );
        Ok(Self {
            _signalconfpid: signalconfpid,
            _stats_dir: stats_dir,
        })
    }
}

/// `signalconfpid`: each write is a command.
struct SignalConfPid;

#[vtable]
impl DebugfsHandler for SignalConfPid {
    fn write(reader: UserSliceReader) -> Result<usize> {
        let mut target = 0;
        let result = run_command(reader, &mut target);
        STATS.record(target, &result);
        result
    }
}

/// Reads, parses and carries out one command; sets `target` once the PID is known.
fn run_command(mut reader: UserSliceReader, target: &mut i32) -> Result<usize> {
    // Everything lives on the stack: the write path does not allocate.
    let len = reader.len();
    let mut buf = [0u8; MAX_COMMAND_LEN];
    let input = buf.get_mut(..len).ok_or(EINVAL)?;
    reader.read_slice(input)?;
    let command = Command::parse(input).map_err(|_| EINVAL)?;
    *target = command.pid;

    // `init` checked the parameters, so this never fails.
    let defaults = Defaults::from_params().ok_or(EINVAL)?;
    queue_signal(
        command.pid,
        command.signal.unwrap_or(defaults.signal),
        command.value.unwrap_or(defaults.value),
    )?;
    Ok(len)
}

/// Sends `signal` with the payload `value` to the task that `nr` names in the writer's (current
/// task's) PID namespace: `send_sig_info()` with `SI_QUEUE`, the writer as the sender, as
/// `sigqueue(3)` would.
fn queue_signal(nr: i32, signal: u32, value: u64) -> Result {
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
    // tolerates concurrent updates of the other flags. (`flags` is the sixth field of
    // `task_struct`; bindgen's layout of later fields can differ from the C compiler's, so this
    // module reads no other field.)
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
    // the writer is invisible there), and its UID in its own user namespace, which
    // `send_signal_locked()` translates into the target's, exactly as for `kill(2)`.
    let sender = bindings::__sifields__bindgen_ty_3 {
        _pid: current!().tgid_nr_ns(Some(target_ns)),
        _uid: current!().uid().into_uid_in_current_ns(),
        _sigval: bindings::sigval {
            sival_ptr: value as usize as *mut c_void,
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

/// The errors `stats` counts by name; any other is counted as `other`.
const COUNTED_ERRORS: [(Error, &str); 5] = [
    (EINVAL, "EINVAL"),
    (EFAULT, "EFAULT"),
    (ESRCH, "ESRCH"),
    (EPERM, "EPERM"),
    (EAGAIN, "EAGAIN"),
];

/// What the module has done since it was loaded.
///
/// Only what cannot be derived is counted: `writes` is `sent` plus all failures.
struct Stats {
    sent: Atomic<u64>,
    /// Failures by errno: one slot per `COUNTED_ERRORS` entry, then one for any other errno.
    failures: [Atomic<u64>; COUNTED_ERRORS.len() + 1],
    /// The last write's target PID (high half; 0 if unparsed) and result (low half: 0 or a
    /// negative errno), in one word so that a reader never pairs one write's target with another
    /// write's result.
    last: Atomic<u64>,
}

static STATS: Stats = Stats::new();

impl Stats {
    const fn new() -> Self {
        Self {
            sent: Atomic::new(0),
            failures: [const { Atomic::new(0) }; COUNTED_ERRORS.len() + 1],
            last: Atomic::new(0),
        }
    }

    fn record(&self, target: i32, result: &Result<usize>) {
        let code = match result {
            Ok(_) => {
                self.sent.fetch_add(1, Relaxed);
                0
            }
            Err(e) => {
                let slot = COUNTED_ERRORS
                    .iter()
                    .position(|(counted, _)| counted == e)
                    .unwrap_or(COUNTED_ERRORS.len());
                self.failures[slot].fetch_add(1, Relaxed);
                e.to_errno()
            }
        };
        self.last.store(
            u64::from(target as u32) << 32 | u64::from(code as u32),
            Relaxed,
        );
    }

    fn writes(&self) -> u64 {
        self.sent.load(Relaxed) + self.failures.iter().map(|n| n.load(Relaxed)).sum::<u64>()
    }

    /// The last write's target and result (0 or a negative errno).
    fn last(&self) -> (i32, i32) {
        let last = self.last.load(Relaxed);
        ((last >> 32) as i32, last as u32 as i32)
    }
}

/// `signal_example/stats`: one `name value` pair per line.
struct StatsFile;

#[vtable]
impl DebugfsHandler for StatsFile {
    fn show(m: &SeqFile) -> Result {
        seq_print!(m, "writes {}\n", STATS.writes());
        seq_print!(m, "sent {}\n", STATS.sent.load(Relaxed));
        for (slot, count) in STATS.failures.iter().enumerate() {
            let name = COUNTED_ERRORS.get(slot).map_or("other", |(_, name)| name);
            seq_print!(m, "failed_{} {}\n", name, count.load(Relaxed));
        }
        let (target, result) = STATS.last();
        seq_print!(m, "last_target {}\nlast_result {}\n", target, result);
        Ok(())
    }
}

/// The operations of a debugfs file of this module: writing, reading (`show`), or both.
#[vtable]
trait DebugfsHandler {
    /// Handles one `write(2)`; returns the number of bytes consumed.
    fn write(_reader: UserSliceReader) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Prints the file's contents, for reading.
    fn show(_m: &SeqFile) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A debugfs file or directory of this module, removed (with all it contains) when dropped.
///
/// The `kernel` crate's safe debugfs API creates files only inside a directory, and its file
/// operations have no `owner`, so closing a file held open across `rmmod` would read the freed
/// module's `file_operations`. This type fills both gaps: it creates files at the debugfs root
/// too, and its operations are owned by this module, so an open file pins the module. That pin
/// also makes debugfs' per-call removal protection redundant (files are removed only when the
/// module goes, and it cannot go while any of them is open), so the files are created without it
/// (`debugfs_create_file_unsafe()`), which keeps two atomic operations off every write.
///
/// # Invariants
///
/// `dentry` is a live debugfs file or directory that this module created, and only `drop`
/// removes it.
struct DebugfsEntry {
    dentry: *mut bindings::dentry,
}

// SAFETY: the dentry is only passed to debugfs functions, which may be called from any thread.
unsafe impl Send for DebugfsEntry {}
// SAFETY: `&DebugfsEntry` only creates files inside the directory, which debugfs serialises.
unsafe impl Sync for DebugfsEntry {}

impl DebugfsEntry {
    /// Creates the directory `/sys/kernel/debug/<name>`.
    fn root_dir(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; a NULL parent is the debugfs root.
        let dentry = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), ptr::null_mut()) };
        // INVARIANT: `from_err_ptr` lets only a live dentry through.
        Ok(Self {
            dentry: from_err_ptr(dentry)?,
        })
    }

    /// Creates the file `/sys/kernel/debug/<name>`, handled by `H`.
    fn root_file<H: DebugfsHandler>(name: &CStr) -> Result<Self> {
        // INVARIANT: `create_file` returns only a live dentry.
        Ok(Self {
            dentry: create_file::<H>(name, ptr::null_mut())?,
        })
    }

    /// Creates the file `<name>` in this directory, handled by `H`; it goes with the directory.
    fn add_file<H: DebugfsHandler>(&self, name: &CStr) -> Result {
        create_file::<H>(name, self.dentry).map(|_| ())
    }
}

impl Drop for DebugfsEntry {
    fn drop(&mut self) {
        // SAFETY: by the type invariant `dentry` is live and removed only here. It is dropped when
        // the module is unloaded, so no file below it is open (see the type's documentation).
        unsafe { bindings::debugfs_remove(self.dentry) };
    }
}

/// Creates a debugfs file in `parent` (NULL: the root), handled by `H`.
fn create_file<H: DebugfsHandler>(
    name: &CStr,
    parent: *mut bindings::dentry,
) -> Result<*mut bindings::dentry> {
    // SAFETY: `name` is NUL-terminated; `parent` is NULL or a live directory of ours (the
    // `DebugfsEntry` invariant); the file needs no private data (handlers use no per-file state);
    // `FileOps::<H>::FOPS` is a `'static` table that is sound for any file. Without debugfs'
    // removal protection, no operation may run on the file once it is removed: it is removed only
    // when this module is unloaded, which cannot happen while the file is open (its operations
    // are owned by this module, so `open` takes a module reference that `release` drops).
    let dentry = unsafe {
        bindings::debugfs_create_file_unsafe(
            name.as_char_ptr(),
            FileOps::<H>::MODE,
            parent,
            ptr::null_mut(),
            &FileOps::<H>::FOPS,
        )
    };
    from_err_ptr(dentry)
}

/// The `file_operations` of a file handled by `H`.
struct FileOps<H>(PhantomData<H>);

impl<H: DebugfsHandler> FileOps<H> {
    /// Root may write if `H` handles writes, and read if it shows contents; nobody else may.
    const MODE: u16 = if H::HAS_WRITE { 0o200 } else { 0 } | if H::HAS_SHOW { 0o400 } else { 0 };

    const FOPS: bindings::file_operations = bindings::file_operations {
        owner: compat::THIS_MODULE,
        open: if H::HAS_SHOW { Some(Self::open) } else { None },
        read: if H::HAS_SHOW {
            Some(bindings::seq_read)
        } else {
            None
        },
        release: if H::HAS_SHOW {
            Some(bindings::single_release)
        } else {
            None
        },
        write: if H::HAS_WRITE {
            Some(Self::write)
        } else {
            None
        },
        llseek: Some(bindings::noop_llseek),
        ..pin_init::zeroed()
    };

    /// # Safety
    ///
    /// Called by the VFS with a valid `file` that is being opened.
    unsafe extern "C" fn open(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: `file` is being opened (the caller's contract); `show` is a `single_open()`
        // show function that needs no private data.
        unsafe { bindings::single_open(file, Some(Self::show), ptr::null_mut()) }
    }

    /// # Safety
    ///
    /// Called by the seq_file code with a valid `seq_file` that only this thread uses meanwhile.
    unsafe extern "C" fn show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
        // SAFETY: `m` is valid and used by this thread alone for the call (the caller's contract).
        let m = unsafe { SeqFile::from_raw(m) };
        match H::show(m) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

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

    #[test]
    fn stats_count_by_errno_and_pair_target_with_result() {
        let stats = Stats::new();
        stats.record(7, &Ok(3));
        stats.record(8, &Err(ESRCH));
        stats.record(0, &Err(EINVAL));
        stats.record(-5, &Err(ENOMEM));
        assert_eq!(stats.writes(), 4);
        assert_eq!(stats.sent.load(Relaxed), 1);
        let failures: [u64; 6] = core::array::from_fn(|i| stats.failures[i].load(Relaxed));
        assert_eq!(failures, [1, 0, 1, 0, 0, 1]);
        assert_eq!(stats.last(), (-5, ENOMEM.to_errno()));
        stats.record(9, &Ok(1));
        assert_eq!(stats.last(), (9, 0));
    }
}
