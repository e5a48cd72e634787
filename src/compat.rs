// SPDX-License-Identifier: GPL-2.0

//! Where the `kernel` crate's API differs between the kernels this module supports (Linux 7.2 and
//! 7.3): the one place that knows. Kbuild sets `cfg(kernel_before_7_3)` for trees older than 7.3.

use kernel::{
    bindings,
    fs::File,
    miscdevice::MiscDevice,
    module_param::ModuleParamAccess,
    prelude::*, //
};

/// The owner of the debugfs file operations of handler `H`: the module that implements it, which
/// `#[vtable]` names as `H::OwnerModule` from 7.3 (as the `kernel` crate's misc devices take it).
#[cfg(not(kernel_before_7_3))]
pub(crate) const fn owner_of<H: crate::debugfs::Handler>() -> *mut bindings::module {
    kernel::module::this_module::<H::OwnerModule>().as_ptr()
}

/// The owner of the debugfs file operations of handler `H`: this module (before 7.3, `#[vtable]`
/// names no owner, and `module!` declares this module's `THIS_MODULE` as a static of the crate).
#[cfg(kernel_before_7_3)]
#[expect(
    clippy::extra_unused_type_parameters,
    reason = "one signature for every kernel: from 7.3, `H` names the owner"
)]
pub(crate) const fn owner_of<H: crate::debugfs::Handler>() -> *mut bindings::module {
    crate::THIS_MODULE.as_ptr()
}

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
    if !unsafe { bindings::try_module_get(crate::THIS_MODULE.as_ptr()) } {
        // `rmmod` is under way (the device goes once `misc_open()` lets it).
        return Err(ENODEV);
    }
    // SAFETY: `file` is being opened (the `open` of its operations runs), the one time its
    // operations may be replaced; `OwnedFops::<T>::fops()` is a `'static` table of the same
    // operations, and its owner's reference has just been taken.
    unsafe { (*file.as_ptr()).f_op = OwnedFops::<T>::fops() };
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
        fops.owner = crate::THIS_MODULE.as_ptr();
        fops
    };

    /// `FOPS` at a `'static` address, which an open file keeps until it is closed: a constant's
    /// reference in a constant expression is promoted to a `'static` one.
    const fn fops() -> &'static bindings::file_operations {
        &Self::FOPS
    }
}

/// A module parameter's value (before 7.3, `value()` returned a reference).
pub(crate) fn param<T: Copy>(param: &ModuleParamAccess<T>) -> T {
    #[cfg(not(kernel_before_7_3))]
    let value = param.value();
    #[cfg(kernel_before_7_3)]
    let value = *param.value();
    value
}

/// Runs the initializer `init` on `slot` through `pin_init::raw_try_init()`, which pin-init's
/// documentation names for it rather than a direct call of `PinInit::__init` (before 7.3,
/// through `PinInit::__pinned_init`).
///
/// # Safety
///
/// As for `raw_try_init()`: `slot` is valid for writes and uninitialised, it is not touched
/// again if `Err` is returned (only deallocated), and it does not move until it is dropped.
pub(crate) unsafe fn pin_init<T, E>(init: impl PinInit<T, E>, slot: *mut T) -> Result<(), E> {
    // SAFETY: the caller's contract is this call's.
    #[cfg(not(kernel_before_7_3))]
    let result = unsafe { pin_init::raw_try_init(slot, init) };
    // SAFETY: as above.
    #[cfg(kernel_before_7_3)]
    let result = unsafe { init.__pinned_init(slot) };
    result
}
