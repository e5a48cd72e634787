//! `/dev/signalconfpid` through its ioctls (`signal_example.h`): no text to format or parse.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::uapi::{self, Entry, Many};

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
        let ret = unsafe { libc::ioctl(self.file.as_raw_fd(), uapi::QUEUE as _, &entry) };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `SIGNALCONF_QUEUE_MANY`: attempts every entry, sets each one's `result` (0, or the
    /// negative errno), and returns how many were sent. At most [`uapi::MAX_ENTRIES`] entries.
    pub fn queue_many(&self, entries: &mut [Entry]) -> io::Result<usize> {
        let many = Many {
            entries: entries.as_mut_ptr() as u64,
            count: u32::try_from(entries.len())
                .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?,
            reserved: 0,
        };
        // SAFETY: `SIGNALCONF_QUEUE_MANY` reads `many` and the `count` entries it points at, and
        // writes those entries; both mirror the C header's structs and live, borrowed mutably,
        // across the call.
        let ret = unsafe { libc::ioctl(self.file.as_raw_fd(), uapi::QUEUE_MANY as _, &many) };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(ret as usize)
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
