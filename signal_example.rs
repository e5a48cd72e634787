// SPDX-License-Identifier: GPL-2.0

//! Sends a real-time signal with a payload to the process whose PID is written to it.
//!
//! The module serves two files with the same commands: the misc device `/dev/signalconfpid`
//! (mode 0600, root), which works on every kernel and under lockdown (Secure Boot), and the
//! debugfs file `/sys/kernel/debug/signalconfpid` (mode 0200, root only) of the C original, for
//! its clients. A write of a PID makes the module look the task up in the writer's PID namespace
//! and `send_sig_info()` it signal 44 (module parameter `signal`) with `si_code = SI_QUEUE` and
//! the payload 1234 (module parameter `value`) in `si_value`, so that an `SA_SIGINFO` handler
//! reads it from `si_int`. It is the Rust version of a well-known C example (see the project's
//! README), keeping its interface.
//!
//! # Write format
//!
//! One `write(2)` is one command: `PID [sig=N] [value=V]`, with an optional trailing newline and
//! NUL; the full grammar is in `user/src/command.rs`, the parser that this module and the host
//! tests share. The file offset is ignored, and a command split across two writes is two
//! (malformed) commands. A successful write returns its full length.
//!
//! # Ioctls
//!
//! The device also takes two ioctls, declared for C in `signal_example.h` and mirrored in
//! `user/src/uapi.rs` (which this module compiles): `SIGNALCONF_QUEUE`, one `{pid, signal,
//! value, flags}` entry, the same as a write of that command; and `SIGNALCONF_QUEUE_MANY`, up to
//! 1024 entries in one call, each attempted and given its own result (0 or the negative errno a
//! write would fail with), returning how many were sent. Unknown commands are `ENOTTY`, bad
//! pointers `EFAULT`. Entries are copied in chunks on the stack: nothing is allocated. The
//! debugfs file keeps the text interface only.
//!
//! # Permission
//!
//! Opening either file needs root (file modes). Each write then applies `kill(2)`'s rule: the
//! writer may signal the target only if it is in the writer's thread group, the writer's real or
//! effective UID is the target's real or saved UID, or the writer has `CAP_KILL` in the target's
//! user namespace. (Unlike `kill(2)`, no LSM is asked: `security_task_kill()` is not exported to
//! modules; see the README's security model.)
//!
//! # Errors
//!
//! * `EINVAL`: malformed, or longer than 64 bytes.
//! * `EFAULT`: the buffer is not readable.
//! * `ESRCH`: no process has that PID in the writer's PID namespace, or it has exited.
//! * `EPERM`: `kill(2)`'s rule refuses it, or the PID is a kernel thread, which ignores signals.
//! * `EAGAIN`: the target's queue of pending real-time signals is full (`RLIMIT_SIGPENDING`).
//!
//! # Statistics
//!
//! `/sys/kernel/debug/signal_example/stats` (mode 0400) counts writes to both files, signals sent
//! and failures by errno, and shows the last write's target and result. The counters are
//! lock-free: reading never blocks a writer (so one read is not a snapshot across counters).
//! Without debugfs (`debugfs=off`, or its files cannot be created) the module serves the device
//! alone and says so in one log line.
//!
//! # Example
//!
//! A userspace program that receives the signal: the C receiver of the original example, made
//! async-signal-safe and pointed at the device (the original's debugfs path works as well; the
//! project's Rust `signal-receiver` does the same, with more options).
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
//!     fd = open("/dev/signalconfpid", O_WRONLY);
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
    mem::size_of,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    bindings,
    cred::Credential,
    error::{
        from_err_ptr,
        to_result,
        VTABLE_DEFAULT_ERROR, //
    },
    fs::{
        File,
        Kiocb, //
    },
    ioctl::_IOW,
    iov::IovIterSource,
    miscdevice::{
        MiscDevice,
        MiscDeviceOptions,
        MiscDeviceRegistration, //
    },
    pid_namespace::PidNamespace,
    prelude::*,
    seq_file::SeqFile,
    seq_print,
    str::CStr,
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
    transmute::{
        AsBytes,
        FromBytes, //
    },
    uaccess::{
        UserPtr,
        UserSlice,
        UserSliceReader, //
    },
};

#[path = "user/src/command.rs"]
pub mod command;
#[path = "user/src/uapi.rs"]
pub mod uapi;

use command::{
    is_valid_signal,
    Command,
    MAX_COMMAND_LEN, //
};
use uapi::{
    Entry,
    Many, //
};

module! {
    type: SignalExample,
    name: "signal_example",
    authors: ["signal-example developers"],
    description: "Sends a real-time signal with a payload to a PID written to /dev/signalconfpid",
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
        fs::File,
        miscdevice::MiscDevice,
        module_param::ModuleParamAccess,
        prelude::*, //
    };

    /// This module's `struct module`, the owner of its file operations.
    #[cfg(not(kernel_before_7_3))]
    pub(crate) const THIS_MODULE: *mut bindings::module =
        <crate::SignalExample as kernel::ModuleMetadata>::THIS_MODULE.as_ptr();

    /// This module's `struct module` (before 7.3, `module!` declares it as a static of the crate).
    #[cfg(kernel_before_7_3)]
    pub(crate) const THIS_MODULE: *mut bindings::module = crate::THIS_MODULE.as_ptr();

    /// Makes an open file of the misc device `T` pin this module until it is closed; called by
    /// `T::open`.
    ///
    /// From 7.3 the `kernel` crate's misc device operations are owned by the module, so
    /// `misc_open()` has taken the reference that closing the file drops.
    #[cfg(not(kernel_before_7_3))]
    #[expect(
        clippy::extra_unused_type_parameters,
        reason = "one signature for every kernel: before 7.3, `T` selects the operations"
    )]
    pub(crate) fn pin_module<T: MiscDevice>(_file: &File) -> Result {
        Ok(())
    }

    /// Makes an open file of the misc device `T` pin this module until it is closed; called by
    /// `T::open`.
    ///
    /// Before 7.3 the `kernel` crate's misc device operations have no `owner`: an open file
    /// would not pin the module, and `rmmod` could free the code that closing it runs
    /// (Rust-for-Linux issue 1182). So the file's operations are swapped for the same table with
    /// the owner set, as `replace_fops()` does in an `open`: the reference taken here is the one
    /// that the VFS drops when the file is closed, after `release` has returned.
    #[cfg(kernel_before_7_3)]
    pub(crate) fn pin_module<T: MiscDevice>(file: &File) -> Result {
        // SAFETY: `THIS_MODULE` is this module, whose code is running.
        if !unsafe { bindings::try_module_get(THIS_MODULE) } {
            // `rmmod` is under way (the device goes once `misc_open()` lets it).
            return Err(ENODEV);
        }
        // SAFETY: `file` is being opened (the `open` of its operations runs), the one time its
        // operations may be replaced; `OwnedFops::<T>::FOPS` is a `'static` table of the same
        // operations, and its owner's reference has just been taken.
        unsafe { (*file.as_ptr()).f_op = &OwnedFops::<T>::FOPS };
        Ok(())
    }

    /// The `kernel` crate's misc device operations for `T`, owned by this module.
    #[cfg(kernel_before_7_3)]
    struct OwnedFops<T>(core::marker::PhantomData<T>);

    #[cfg(kernel_before_7_3)]
    impl<T: MiscDevice> OwnedFops<T> {
        const FOPS: bindings::file_operations = {
            let device = kernel::miscdevice::MiscDeviceOptions { name: c"" }.into_raw::<T>();
            // SAFETY: `into_raw()` points `fops` at the crate's `'static` operations for `T`.
            let mut fops = unsafe { *device.fops };
            fops.owner = THIS_MODULE;
            fops
        };
    }

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
    // Dropped at unload, which cannot happen while a file is open (see `SignalConfPidDevice` and
    // `DebugfsEntry`).
    _device: Pin<KBox<MiscDeviceRegistration<SignalConfPidDevice>>>,
    _debugfs: Option<DebugfsFiles>,
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
        let device = KBox::pin_init(
            MiscDeviceRegistration::register(MiscDeviceOptions {
                name: c"signalconfpid",
            }),
            GFP_KERNEL,
        )
        .inspect_err(|e| pr_err!("cannot register /dev/signalconfpid: {e:?}\n"))?;
        // The device is the interface; the debugfs files are the original's, and debugging aids.
        let debugfs = DebugfsFiles::create()
            .inspect_err(|(what, e)| {
                pr_warn!(
                    "cannot create {what} in debugfs ({e:?}): serving /dev/signalconfpid only\n"
                )
            })
            .ok();
        pr_info!(
            "ready: a PID written to /dev/signalconfpid{} gets signal {} with value {}\n",
            if debugfs.is_some() {
                " or /sys/kernel/debug/signalconfpid"
            } else {
                ""
            },
            defaults.signal,
            defaults.value as i64
        );
        Ok(Self {
            _device: device,
            _debugfs: debugfs,
        })
    }
}

/// The module's debugfs files: `signalconfpid` and `signal_example/stats`.
struct DebugfsFiles {
    _signalconfpid: DebugfsEntry,
    _stats_dir: DebugfsEntry,
}

impl DebugfsFiles {
    /// Creates both files; on failure, which one could not be created, and why.
    fn create() -> Result<Self, (&'static str, Error)> {
        let signalconfpid = DebugfsEntry::root_file::<SignalConfPid>(c"signalconfpid")
            .map_err(|e| ("signalconfpid", e))?;
        let stats_dir =
            DebugfsEntry::root_dir(c"signal_example").map_err(|e| ("signal_example/", e))?;
        stats_dir
            .add_file::<StatsFile>(c"stats")
            .map_err(|e| ("signal_example/stats", e))?;
        Ok(Self {
            _signalconfpid: signalconfpid,
            _stats_dir: stats_dir,
        })
    }
}

/// `/dev/signalconfpid`: each write is a command, as for the debugfs file.
struct SignalConfPidDevice;

#[vtable]
impl MiscDevice for SignalConfPidDevice {
    type Ptr = ();

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result {
        compat::pin_module::<Self>(file)
    }

    fn write_iter(_kiocb: Kiocb<'_, ()>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        handle_write(iov.len(), |buf| {
            // A short copy means that part of the user's buffer is not readable.
            if iov.copy_from_iter(buf) == buf.len() {
                Ok(())
            } else {
                Err(EFAULT)
            }
        })
    }

    fn ioctl(_device: (), _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let arg = UserPtr::from_addr(arg);
        let result = match cmd {
            uapi::QUEUE => match UserSlice::new(arg, size_of::<Entry>())
                .reader()
                .read::<Entry>()
            {
                Ok(entry) => return queue_entry(&entry).map(|()| 0),
                Err(e) => Err(e),
            },
            uapi::QUEUE_MANY => queue_many(arg),
            _ => return Err(ENOTTY),
        };
        // A call refused as a whole (its argument unreadable or malformed) counts once, as a
        // malformed write does; `queue_entry` counted each entry it was given.
        if let Err(e) = &result {
            STATS.record(0, Some(e));
        }
        result
    }
}

// The ioctl numbers of `uapi` are computed as on x86 and arm64: this architecture must agree.
const _: () = assert!(uapi::QUEUE == _IOW::<Entry>(uapi::MAGIC, 1));
const _: () = assert!(uapi::QUEUE_MANY == _IOW::<Many>(uapi::MAGIC, 2));
// No padding, so that every byte copied from userspace is a field (see the `FromBytes` impls).
const _: () = assert!(size_of::<Entry>() == 24 && size_of::<Many>() == 16);

// SAFETY: `Entry` is `repr(C)`, made of integers only, without padding (asserted above): any bit
// pattern is a valid value, and every byte is initialised.
unsafe impl FromBytes for Entry {}
// SAFETY: as for `FromBytes`.
unsafe impl AsBytes for Entry {}
// SAFETY: `Many` is `repr(C)`, made of integers only, without padding (asserted above).
unsafe impl FromBytes for Many {}

/// Sends the signal `entry` describes, as a write of the same command would, and counts it.
fn queue_entry(entry: &Entry) -> Result {
    let command = entry.command().map_err(|_| EINVAL);
    let result = command.and_then(send);
    STATS.record(
        command.map_or(0, |command| command.pid),
        result.as_ref().err(),
    );
    result
}

/// `SIGNALCONF_QUEUE_MANY`: every entry attempted, each counted and given its result; returns
/// how many were sent. Entries are copied in chunks on the stack, as a write's command is: this
/// path does not allocate either.
fn queue_many(arg: UserPtr) -> Result<isize> {
    const CHUNK: usize = 16;
    let many = UserSlice::new(arg, size_of::<Many>())
        .reader()
        .read::<Many>()?;
    let count = many.count().ok_or(EINVAL)?;
    let entries = UserSlice::new(
        UserPtr::from_addr(usize::try_from(many.entries).map_err(|_| EFAULT)?),
        count * size_of::<Entry>(),
    );
    let (mut reader, mut writer) = entries.reader_writer();
    let mut chunk = [Entry::default(); CHUNK];
    let mut sent = 0;
    let mut done = 0;
    while done < count {
        let chunk = &mut chunk[..CHUNK.min(count - done)];
        reader.read_slice(chunk.as_bytes_mut())?;
        for entry in chunk.iter_mut() {
            entry.result = match queue_entry(entry) {
                Ok(()) => {
                    sent += 1;
                    0
                }
                Err(e) => e.to_errno(),
            };
        }
        writer.write_slice(chunk.as_bytes())?;
        done += chunk.len();
    }
    Ok(sent)
}

/// `/sys/kernel/debug/signalconfpid`: each write is a command.
struct SignalConfPid;

#[vtable]
impl DebugfsHandler for SignalConfPid {
    fn write(mut reader: UserSliceReader) -> Result<usize> {
        handle_write(reader.len(), |buf| reader.read_slice(buf))
    }
}

/// One write to either file, of `len` bytes that `read` copies into the buffer it is given:
/// carries the command out and counts it in the statistics.
fn handle_write(len: usize, read: impl FnOnce(&mut [u8]) -> Result) -> Result<usize> {
    let mut target = 0;
    let result = run_command(len, read, &mut target);
    STATS.record(target, result.as_ref().err());
    result
}

/// Reads (with `read`), parses and carries out one command of `len` bytes; sets `target` once
/// the PID is known.
fn run_command(
    len: usize,
    read: impl FnOnce(&mut [u8]) -> Result,
    target: &mut i32,
) -> Result<usize> {
    // Everything lives on the stack: the write path does not allocate.
    let mut buf = [0u8; MAX_COMMAND_LEN];
    let input = buf.get_mut(..len).ok_or(EINVAL)?;
    read(input)?;
    let command = Command::parse(input).map_err(|_| EINVAL)?;
    *target = command.pid;
    send(command)?;
    Ok(len)
}

/// Carries out a command, written or from an ioctl: the module's parameters fill in what it
/// leaves out.
fn send(command: Command) -> Result {
    // `init` checked the parameters, so this never fails.
    let defaults = Defaults::from_params().ok_or(EINVAL)?;
    queue_signal(
        command.pid,
        command.signal.unwrap_or(defaults.signal),
        command.value.unwrap_or(defaults.value),
    )
}

/// Sends `signal` with the payload `value` to the task that `nr` names in the writer's (current
/// task's) PID namespace: `send_sig_info()` with `SI_QUEUE`, the writer as the sender, if
/// `kill(2)`'s rule lets the writer signal it, as `sigqueue(3)` would.
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
    if !may_signal(task) {
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

/// `kill(2)`'s permission rule (`check_kill_permission()` and `kill_ok_by_cred()` in
/// `kernel/signal.c`): the writer may signal `task` if it is in the writer's thread group, if the
/// writer's real or effective UID is the target's real or saved UID, or if the writer has
/// `CAP_KILL` in the target's user namespace. (`kill(2)` also lets any process send `SIGCONT`
/// within its session; this rule does not, which only refuses more.) Called under RCU, which
/// keeps `task` alive.
fn may_signal(task: &Task) -> bool {
    let writer = current!();
    // Both thread group IDs as the writer's PID namespace sees them: it sees the target's.
    if task.tgid_nr_ns(None) == writer.tgid_nr_ns(None) {
        return true;
    }
    // SAFETY: `task` is a live task (RCU keeps it alive); `get_task_cred()` never returns NULL
    // and takes a reference to the credentials it returns, which the `ARef` drops. (It reads
    // them through the C compiler's `task_struct`: this module reads no field past `flags`.)
    let target = unsafe {
        ARef::<Credential>::from_raw(NonNull::new_unchecked(
            bindings::get_task_cred(task.as_ptr()).cast_mut().cast(),
        ))
    };
    let cred = target.as_ptr();
    // SAFETY: `cred` is valid while `target` holds its reference, and credentials are not changed
    // once committed (a task that changes its IDs gets new ones).
    let (uid, suid, user_ns) = unsafe { ((*cred).uid, (*cred).suid, (*cred).user_ns) };
    let (uid, suid) = (Kuid::from_raw(uid), Kuid::from_raw(suid));
    let writer_ids = [writer.uid(), Kuid::current_euid()];
    writer_ids.iter().any(|id| *id == uid || *id == suid)
        // SAFETY: `user_ns` is the target's, alive while `target` holds its credentials;
        // `ns_capable()` may be called under RCU (`kill(2)` calls it there).
        || unsafe { bindings::ns_capable(user_ns, bindings::CAP_KILL as i32) }
}

/// The errors `stats` counts by name; any other is counted as `other`.
const COUNTED_ERRORS: [(Error, &str); 5] = [
    (EINVAL, "EINVAL"),
    (EFAULT, "EFAULT"),
    (ESRCH, "ESRCH"),
    (EPERM, "EPERM"),
    (EAGAIN, "EAGAIN"),
];

/// What the module has done since it was loaded, over both files.
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

    /// Counts one command, sent unless `error`.
    fn record(&self, target: i32, error: Option<&Error>) {
        let code = match error {
            None => {
                self.sent.fetch_add(1, Relaxed);
                0
            }
            Some(e) => {
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
        stats.record(7, None);
        stats.record(8, Some(&ESRCH));
        stats.record(0, Some(&EINVAL));
        stats.record(-5, Some(&ENOMEM));
        assert_eq!(stats.writes(), 4);
        assert_eq!(stats.sent.load(Relaxed), 1);
        let failures: [u64; 6] = core::array::from_fn(|i| stats.failures[i].load(Relaxed));
        assert_eq!(failures, [1, 0, 1, 0, 0, 1]);
        assert_eq!(stats.last(), (-5, ENOMEM.to_errno()));
        stats.record(9, None);
        assert_eq!(stats.last(), (9, 0));
    }
}
