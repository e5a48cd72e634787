// SPDX-License-Identifier: GPL-2.0

//! `/dev/signalconfpid`, the module's misc device (mode 0600): each write is a command, as for the
//! debugfs file, and it takes the ioctls of `signal_example.h`. Unlike debugfs, it works under
//! lockdown.

use kernel::{
    fs::{
        File,
        Kiocb,
        LocalFile, //
    },
    iov::IovIterSource,
    miscdevice::{
        MiscDevice,
        MiscDeviceOptions,
        MiscDeviceRegistration, //
    },
    prelude::*,
};

use crate::{
    compat,
    ioctl,
    signal, //
};

/// The device's registration options.
pub(crate) const OPTIONS: MiscDeviceOptions = MiscDeviceOptions {
    name: c"signalconfpid",
};

/// `/dev/signalconfpid`.
pub(crate) struct SignalConfPidDevice;

#[vtable]
impl MiscDevice for SignalConfPidDevice {
    type Ptr = ();

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result {
        compat::pin_module::<Self>(file)
    }

    fn write_iter(kiocb: Kiocb<'_, ()>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        // SAFETY: the file of a write in progress is valid (its reference is held) for the call,
        // which `kiocb` lives for. The `fdget_pos()` of `write(2)` that did not take `f_pos_lock`
        // (a character device never does) is this thread's own call, which runs this.
        let file = unsafe { LocalFile::from_raw_file((*kiocb.as_raw()).ki_filp) };
        signal::write_command(file, iov.len(), |buf| {
            // A short copy means that part of the user's buffer is not readable.
            if iov.copy_from_iter(buf) == buf.len() {
                Ok(())
            } else {
                Err(EFAULT)
            }
        })
    }

    fn ioctl(_device: (), _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        ioctl::dispatch(cmd, arg)
    }
}
