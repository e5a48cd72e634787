//! The floors: calls that the kernel refuses before doing any of a signal's work, timed in the
//! self round trip beside the methods, so that the report can judge the module against the path
//! that no module can avoid: a system call's entry and exit, and an ioctl's or a write's dispatch.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;

use signal_example_user::uapi;

use crate::method::Method;
use crate::os::os_result;
use crate::sender::Files;

/// A system call number that no architecture has: the kernel enters, finds no such call, returns
/// `ENOSYS` and leaves, doing all that any system call does and nothing else. Any real system call
/// does some work of its own: even `getppid(2)` takes the RCU read lock and looks its parent's
/// PID up in the caller's namespace, so it would count part of a call's work as the floor.
/// Below 2^30 so that no x32 table is consulted on x86-64.
const UNKNOWN_SYSCALL: libc::c_long = 100_000;

/// An ioctl command of the device's type (`uapi::MAGIC`) that the module does not have (its are
/// numbers 1 and 2) and that `do_vfs_ioctl()` does not take itself: it passes the whole dispatch,
/// the file lookup, the LSM's ioctl hook, the misc device and the `kernel` crate's glue, to the
/// module's `ENOTTY`.
const UNKNOWN_IOCTL: libc::Ioctl = libc::_IO(uapi::MAGIC, 0);

/// One of the floors, open on its file.
pub(crate) enum Floor {
    /// `UNKNOWN_SYSCALL`: `ENOSYS`.
    Nosys,
    /// `UNKNOWN_IOCTL` on the device: `ENOTTY`.
    Enotty(File),
    /// An empty write to the debugfs file: the module parses nothing and refuses it (`EINVAL`),
    /// after the VFS's write path and the module's opener check.
    Einval(File),
}

impl Floor {
    /// The floor that `method` measures; an error for a method that sends a signal.
    pub(crate) fn new(method: Method, files: &Files) -> io::Result<Self> {
        let open = |path: &str| {
            OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))
        };
        match method {
            Method::Nosys => Ok(Floor::Nosys),
            Method::Enotty => Ok(Floor::Enotty(open(&files.device)?)),
            Method::Einval => Ok(Floor::Einval(open(&files.debugfs)?)),
            _ => Err(io::Error::other(format!("{method:?} is not a floor"))),
        }
    }

    /// Makes the call once; it must fail with its errno, and nothing else may happen.
    pub(crate) fn call(&mut self) -> io::Result<()> {
        let (result, expected) = match self {
            // SAFETY: a system call that does not exist takes no arguments and changes nothing.
            Floor::Nosys => (
                os_result(unsafe { libc::syscall(UNKNOWN_SYSCALL) } as libc::c_int),
                libc::ENOSYS,
            ),
            // SAFETY: the device is open; a command that it does not know reads and writes no
            // memory (and `_IO` says it has no argument).
            Floor::Enotty(device) => (
                os_result(unsafe { libc::ioctl(device.as_raw_fd(), UNKNOWN_IOCTL) }),
                libc::ENOTTY,
            ),
            // SAFETY: a write of 0 bytes reads no memory; the file is open. (Not `File::write`,
            // which need not make the system call for an empty buffer.)
            Floor::Einval(file) => (
                os_result(
                    unsafe { libc::write(file.as_raw_fd(), [0u8; 1].as_ptr().cast(), 0) }
                        as libc::c_int,
                ),
                libc::EINVAL,
            ),
        };
        match result {
            Err(e) if e.raw_os_error() == Some(expected) => Ok(()),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("a floor's call failed otherwise than expected: {e}"),
            )),
            Ok(()) => Err(io::Error::other("a floor's call succeeded")),
        }
    }
}
