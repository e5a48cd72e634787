// SPDX-License-Identifier: GPL-2.0

//! `/dev/signalconfpid`, the module's misc device (mode 0600): each write is a command, as for the
//! debugfs file, and it takes the ioctls of `signal_example.h`. Unlike debugfs, it works under
//! lockdown.

use kernel::{
    fs::{
        File,
        Kiocb, //
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
    write, //
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
        // SAFETY: `kiocb` is the valid `kiocb` of this write, for the call; its file's reference
        // is held for the call.
        let opener = unsafe { write::opener((*kiocb.as_raw()).ki_filp) };
        write::write_command(opener, iov.len(), |buf| {
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
