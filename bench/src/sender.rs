//! Sending signals by one method to one fixed target.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use signal_example_user::Device;

use crate::bpf::SignalProgram;
use crate::floor::Floor;
use crate::method::Method;
use crate::os::os_result;
use crate::siginfo::{queue_siginfo, rt_fields, sigval};
use crate::{SIGNAL, VALUE};

/// Sends signals by one method to one fixed target.
pub(crate) enum Sender {
    /// A write to the debugfs file or the device.
    Write {
        file: File,
        command: Vec<u8>,
    },
    Ioctl {
        device: Device,
        pid: i32,
    },
    Sigqueue {
        pid: i32,
    },
    Pidfd {
        pidfd: OwnedFd,
        info: libc::siginfo_t,
    },
    Tgsigqueue {
        pid: i32,
        info: libc::siginfo_t,
    },
    Kill {
        pid: i32,
    },
    /// A call that is refused: no signal.
    Floor(Floor),
    /// A BPF program that signals the target.
    Bpf(SignalProgram),
}

impl Sender {
    pub(crate) fn new(method: Method, files: &Files, target: i32) -> io::Result<Self> {
        if let Some(scope) = method.bpf_scope() {
            return Ok(Sender::Bpf(SignalProgram::new(&[target], scope)?));
        }
        Ok(match method {
            // (Answered above; here for the match to be exhaustive.)
            Method::BpfThread | Method::BpfProcess => unreachable!("a BPF method has a scope"),
            Method::Debugfs | Method::Device => Sender::Write {
                file: OpenOptions::new()
                    .write(true)
                    .open(if method == Method::Debugfs {
                        &files.debugfs
                    } else {
                        &files.device
                    })?,
                command: format!("{target}\n").into_bytes(),
            },
            Method::Ioctl => Sender::Ioctl {
                device: files.open_device()?,
                pid: target,
            },
            Method::Sigqueue => Sender::Sigqueue { pid: target },
            Method::Pidfd => {
                // SAFETY: plain system call; a non-negative result is a new file descriptor.
                let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, target, 0) };
                if fd < 0 {
                    return Err(io::Error::last_os_error());
                }
                // SAFETY: `fd` is a fresh descriptor that we own.
                let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
                Sender::Pidfd {
                    pidfd,
                    info: queue_siginfo(VALUE),
                }
            }
            Method::Tgsigqueue => Sender::Tgsigqueue {
                pid: target,
                info: queue_siginfo(VALUE),
            },
            Method::Kill => Sender::Kill { pid: target },
            Method::Nosys | Method::Enotty | Method::Einval => {
                Sender::Floor(Floor::new(method, files)?)
            }
            Method::Many => {
                return Err(io::Error::other(
                    "the many method sends to many targets: fanout only",
                ))
            }
        })
    }

    /// Sends one signal with `VALUE`; `Ok(false)` when the target's queue is full (`EAGAIN`).
    pub(crate) fn send(&mut self) -> io::Result<bool> {
        self.send_value(VALUE)
    }

    /// Sends one signal with `value` as its payload (a write sends the module's, whatever
    /// `value` is); `Ok(false)` when the target's queue is full (`EAGAIN`). A floor makes its
    /// refused call instead, and sends nothing.
    pub(crate) fn send_value(&mut self, value: u64) -> io::Result<bool> {
        let result = match self {
            Sender::Write { file, command } => file.write(command).map(drop),
            Sender::Ioctl { device, pid } => device.queue(*pid, Some(SIGNAL as u32), Some(value)),
            Sender::Sigqueue { pid } => {
                // SAFETY: plain system call wrapper.
                os_result(unsafe { libc::sigqueue(*pid, SIGNAL, sigval(value)) })
            }
            Sender::Pidfd { pidfd, info } => {
                rt_fields(info).value = sigval(value);
                // SAFETY: `info` is a complete `siginfo_t`; the pidfd is open.
                os_result(unsafe {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        pidfd.as_raw_fd(),
                        SIGNAL,
                        &raw const *info,
                        0,
                    )
                } as i32)
            }
            Sender::Tgsigqueue { pid, info } => {
                rt_fields(info).value = sigval(value);
                // SAFETY: `info` is a complete `siginfo_t` with `SI_QUEUE`, which the kernel
                // accepts from a process for another; the target is single-threaded, so its
                // thread group ID is its main thread's ID.
                os_result(unsafe {
                    libc::syscall(
                        libc::SYS_rt_tgsigqueueinfo,
                        *pid,
                        *pid,
                        SIGNAL,
                        &raw const *info,
                    )
                } as i32)
            }
            // SAFETY: plain system call.
            Sender::Kill { pid } => os_result(unsafe { libc::kill(*pid, SIGNAL) }),
            Sender::Floor(floor) => return floor.call().map(|()| true),
            Sender::Bpf(program) => program.run(value),
        };
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The module's two files, as the command line names them.
#[derive(Clone)]
pub(crate) struct Files {
    pub(crate) debugfs: String,
    pub(crate) device: String,
}

impl Files {
    pub(crate) fn open_device(&self) -> io::Result<Device> {
        Device::open_path(&self.device)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.device)))
    }
}
