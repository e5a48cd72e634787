//! `/dev/signalconfpid` through its ioctls (`signal_example.h`): no text to format or parse.

use std::fs::{File, OpenOptions};
use std::io;
use std::mem::size_of;
use std::os::fd::AsRawFd;
use std::path::Path;

use nix::sys::ioctl::ioctl_num_type;
use nix::{request_code_readwrite, request_code_write};

use crate::uapi::{self, Entry, Many, ManyV0_2};

/// `SIGNALCONF_QUEUE`: `_IOW(MAGIC, 1, struct signalconf_entry)`, in this architecture's
/// encoding (nix's, as `<asm/ioctl.h>`'s: powerpc, mips and sparc differ from x86 and arm64).
pub const QUEUE: ioctl_num_type =
    request_code_write!(uapi::MAGIC, uapi::QUEUE_NR, size_of::<Entry>());
/// `SIGNALCONF_QUEUE_MANY`: `_IOWR(MAGIC, 2, struct signalconf_many)`.
pub const QUEUE_MANY: ioctl_num_type =
    request_code_readwrite!(uapi::MAGIC, uapi::QUEUE_MANY_NR, size_of::<Many>());
/// 0.2.0's `SIGNALCONF_QUEUE_MANY`: `_IOW(MAGIC, 2, 16-byte struct signalconf_many)`.
pub const QUEUE_MANY_V0_2: ioctl_num_type =
    request_code_write!(uapi::MAGIC, uapi::QUEUE_MANY_NR, size_of::<ManyV0_2>());

/// What a `SIGNALCONF_QUEUE_MANY` did: the first `attempted` entries have their `result`; `sent`
/// of them were sent. The others (if `attempted` is less than the number of entries: the call
/// stopped early) were not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueMany {
    /// Entries attempted, from the first.
    pub attempted: usize,
    /// Of those, the ones sent.
    pub sent: usize,
}

/// The module's device, open for writing.
#[derive(Debug)]
pub struct Device {
    file: File,
}

impl Device {
    /// The device's path.
    pub const PATH: &'static str = "/dev/signalconfpid";

    /// Opens the device at [`Device::PATH`].
    pub fn open() -> io::Result<Self> {
        Self::open_path(Self::PATH)
    }

    /// Opens the device at `path`.
    pub fn open_path(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(Self::from_file(OpenOptions::new().write(true).open(path)?))
    }

    /// Uses `file`, an open device, for the ioctls.
    pub fn from_file(file: File) -> Self {
        Self { file }
    }

    /// `SIGNALCONF_QUEUE`: sends `signal` (`None`: the module's) with `value` (`None`: the
    /// module's) to `pid`, as a write of the same command would.
    pub fn queue(&self, pid: i32, signal: Option<u32>, value: Option<u64>) -> io::Result<()> {
        let entry = entry(pid, signal, value);
        // SAFETY: `SIGNALCONF_QUEUE` reads one `struct signalconf_entry`, which `Entry` mirrors
        // (its layout is checked against the C header by the host tests); `entry` outlives the
        // call.
        let ret = unsafe { libc::ioctl(self.file.as_raw_fd(), QUEUE as _, &entry) };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `SIGNALCONF_QUEUE_MANY`: attempts the entries in order, sets each attempted one's
    /// `result` (0, or the negative errno), and says how far it got and how many were sent. At
    /// most [`uapi::MAX_ENTRIES`] entries. A call that stops early because this process has a
    /// signal to handle is resumed where it stopped; it stops for good only if the entries cannot
    /// be read or written (then `attempted` is less than the number of entries). An error means
    /// that no entry was attempted.
    pub fn queue_many(&self, entries: &mut [Entry]) -> io::Result<QueueMany> {
        let mut done = QueueMany {
            attempted: 0,
            sent: 0,
        };
        while done.attempted < entries.len() {
            match self.queue_many_once(&mut entries[done.attempted..]) {
                Ok(call) => {
                    done.attempted += call.attempted;
                    done.sent += call.sent;
                }
                // What was attempted stands; the rest cannot be read or written. (No call
                // returns having attempted nothing: that is an error, so this loop ends.)
                Err(_) if done.attempted > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// One `SIGNALCONF_QUEUE_MANY` call on `entries`.
    fn queue_many_once(&self, entries: &mut [Entry]) -> io::Result<QueueMany> {
        let mut many = Many {
            entries: entries.as_mut_ptr() as u64,
            count: u32::try_from(entries.len())
                .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?,
            ..Many::default()
        };
        // SAFETY: `SIGNALCONF_QUEUE_MANY` reads `many` and the `count` entries it points at, and
        // writes `many`'s outputs and the entries' results; both mirror the C header's structs
        // and live, borrowed mutably, across the call.
        let ret = unsafe { libc::ioctl(self.file.as_raw_fd(), QUEUE_MANY as _, &mut many) };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(QueueMany {
            attempted: many.attempted as usize,
            sent: many.sent as usize,
        })
    }
}

/// The entry for `pid`, `signal` and `value`, `None` meaning the module's parameter.
pub fn entry(pid: i32, signal: Option<u32>, value: Option<u64>) -> Entry {
    Entry {
        pid,
        signal: signal.unwrap_or(uapi::DEFAULT_SIGNAL),
        value: value.unwrap_or(0),
        flags: if value.is_none() {
            uapi::FLAG_DEFAULT_VALUE
        } else {
            0
        },
        result: 0,
    }
}
