// SPDX-License-Identifier: GPL-2.0

//! Sends a real-time signal with a payload to the thread whose ID (a PID) is written to it.
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
//! # Which thread
//!
//! `send_sig_info()` queues a thread-directed signal, as `rt_tgsigqueueinfo(2)` does, not a
//! process-directed one as `sigqueue(3)` does: it goes to the thread whose ID is written. A PID
//! is its process's main thread's ID: if that thread blocks the signal, it stays pending there,
//! and another thread waiting for it (`sigwaitinfo()`) never sees it. A multithreaded program
//! writes the ID of the thread that takes the signal. (No exported kernel function queues a
//! process-directed signal with an `SI_QUEUE` payload.)
//!
//! # Payload
//!
//! `si_value` holds the value as a pointer-sized word: all 64 bits on 64-bit kernels, where
//! `si_int` reads the low half on little-endian machines and the high half on big-endian ones
//! (s390x, ppc64); a 32-bit kernel refuses a value outside `-2^31..2^32-1` (`EINVAL`).
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
//! 1024 entries in one call, attempted in order, each given its own result (0 or the negative
//! errno a write would fail with), returning how many were sent and saying how many were
//! attempted: a call that stops early (entries it cannot read or whose results it cannot write, a
//! signal to handle) reports how far it got, and fails as a whole only if it attempted nothing. The
//! number of 0.2.0's `SIGNALCONF_QUEUE_MANY` is still taken. Unknown commands are `ENOTTY`, bad
//! pointers `EFAULT`. Entries are copied in chunks on the stack: nothing is allocated. The
//! debugfs file keeps the text interface only.
//!
//! # Permission
//!
//! Opening either file needs root (file modes). A write is a command from the credentials that
//! opened the file, or `EACCES` (`ib_safe_file_access()`): a program that was given or left a
//! descriptor does not act on whoever chose what it writes. The ioctls are a program's own
//! calls, with no such check. Each write and ioctl then applies `kill(2)`'s rule: the
//! writer may signal the target only if it is in the writer's thread group, the writer's real or
//! effective UID is the target's real or saved UID, or the writer has `CAP_KILL` in the target's
//! user namespace. (Unlike `kill(2)`, no LSM is asked: `security_task_kill()` is not exported to
//! modules; see the security model in docs/interface.md.)
//!
//! # Errors
//!
//! * `EINVAL`: malformed, longer than 64 bytes, or a value that does not fit (32-bit kernels).
//! * `EACCES`: the writer's credentials are not those that opened the file.
//! * `EFAULT`: the buffer is not readable.
//! * `ESRCH`: no thread has that ID in the writer's PID namespace, or it is exiting or has exited
//!   (a main thread that called `pthread_exit()` too, though its process lives on).
//! * `EPERM`: `kill(2)`'s rule refuses it, or the PID is a kernel thread, which ignores signals.
//! * `EAGAIN`: the target's queue of pending real-time signals is full (`RLIMIT_SIGPENDING`).
//!
//! # Statistics
//!
//! `/sys/kernel/debug/signal_example/stats` (mode 0400) counts commands (writes to both files and
//! the ioctls' entries), signals sent and failures by errno, and shows the last command's target
//! and result. The counters are lock-free: reading never blocks a writer (so one read is not a
//! snapshot across counters).
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

#[path = "user/src/command.rs"]
pub mod command;
#[path = "src/compat.rs"]
mod compat;
#[path = "src/debugfs.rs"]
mod debugfs;
#[path = "src/device.rs"]
mod device;
#[path = "src/execute.rs"]
mod execute;
#[path = "src/ioctl.rs"]
mod ioctl;
#[path = "src/signal.rs"]
mod signal;
#[path = "src/stats.rs"]
mod stats;
#[path = "user/src/uapi.rs"]
pub mod uapi;
#[path = "src/write.rs"]
mod write;

use kernel::{
    miscdevice::MiscDeviceRegistration,
    prelude::*, //
};

use device::SignalConfPidDevice;

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

/// The loaded module: its two files. Unloading drops them, which cannot happen while a file is
/// open (both files' operations are owned by this module, so an open file pins it).
#[pin_data]
struct SignalExample {
    #[pin]
    _device: MiscDeviceRegistration<SignalConfPidDevice>,
    /// `None` without debugfs (`debugfs=off`, or its files could not be created).
    _debugfs: Option<debugfs::Files>,
}

impl kernel::InPlaceModule for SignalExample {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        pin_init::pin_init_scope(|| {
            let (signal, value) = execute::load_defaults()?;
            let module = try_pin_init!(Self {
                _device <- said_if_failed(
                    "register /dev/signalconfpid",
                    MiscDeviceRegistration::register(device::OPTIONS),
                ),
                _debugfs: debugfs_files(),
            });
            Ok(module.pin_chain(move |this| {
                pr_info!(
                    "ready: a PID written to /dev/signalconfpid{} gets signal {} with value {}\n",
                    if this._debugfs.is_some() {
                        " or /sys/kernel/debug/signalconfpid"
                    } else {
                        ""
                    },
                    signal,
                    value as i64
                );
                Ok(())
            }))
        })
    }
}

/// The debugfs files, or `None`, said in the log: the device is the interface, the debugfs files
/// are the original's, and debugging aids.
fn debugfs_files() -> Option<debugfs::Files> {
    debugfs::Files::create()
        .inspect_err(|(what, e)| {
            pr_warn!("cannot create {what} in debugfs ({e:?}): serving /dev/signalconfpid only\n")
        })
        .ok()
}

/// `init`, whose error, if it fails, is said in the log as `cannot <what>: <error>`.
fn said_if_failed<T>(what: &'static str, init: impl PinInit<T, Error>) -> impl PinInit<T, Error> {
    // pin-init has no combinator for an initializer's error: `init` is run, as
    // `pin_init_scope()` runs the one it makes, from a closure initializer.
    let logged = move |slot: *mut T| {
        // SAFETY: `slot` is the slot this initializer is run on, with the promises its caller
        // makes to `pin_init_from_closure()`'s closure, which are `compat::pin_init()`'s.
        unsafe { compat::pin_init(init, slot) }.inspect_err(|e| pr_err!("cannot {what}: {e:?}\n"))
    };
    // SAFETY: `logged` returns `init`'s result unchanged: it keeps `init`'s promises about the
    // slot (initialised and pinned on `Ok`, nothing to drop on `Err`).
    unsafe { pin_init::pin_init_from_closure(logged) }
}
