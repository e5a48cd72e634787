// SPDX-License-Identifier: GPL-2.0

//! The module's debugfs files: `signalconfpid`, the C original's command file, and
//! `signal_example/stats`; and the small layer that serves them.
//!
//! The `kernel` crate's safe debugfs API creates files only inside a directory, and its file
//! operations have no `owner`, so closing a file held open across `rmmod` would read the freed
//! module's `file_operations`. This layer fills both gaps: it creates files at the debugfs root
//! too, and its operations are owned by this module, so an open file pins the module. That pin
//! also makes debugfs' per-call removal protection redundant (files are removed only when the
//! module goes, and it cannot go while any of them is open), so the files are created without it
//! (`debugfs_create_file_unsafe()`), which keeps two atomic operations off every write.

use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr, //
};
use kernel::{
    bindings,
    cred::Credential,
    error::{
        from_err_ptr,
        VTABLE_DEFAULT_ERROR, //
    },
    prelude::*,
    seq_file::SeqFile,
    str::CStr,
    uaccess::{
        UserPtr,
        UserSlice,
        UserSliceReader, //
    },
};

use crate::{
    compat,
    stats::StatsFile,
    write, //
};

/// The operations of a debugfs file of this module: writing, reading (`show`), or both.
#[vtable]
pub(crate) trait Handler {
    /// Handles one `write(2)` to a file opened with the credentials `opener`; returns the number
    /// of bytes consumed.
    fn write(_opener: &Credential, _reader: UserSliceReader) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Prints the file's contents, for reading.
    fn show(_m: &SeqFile) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `file_operations` of a file handled by `H`.
struct FileOps<H>(PhantomData<H>);

impl<H: Handler> FileOps<H> {
    /// Root may write if `H` handles writes, and read if it shows contents; nobody else may.
    const MODE: u16 = if H::HAS_WRITE { 0o200 } else { 0 } | if H::HAS_SHOW { 0o400 } else { 0 };

    const FOPS: bindings::file_operations = bindings::file_operations {
        owner: compat::owner_of::<H>(),
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
        // A file that is read is a seq_file, which seeks by regenerating its contents; a file
        // that is only written has no position to move.
        llseek: if H::HAS_SHOW {
            Some(bindings::seq_lseek)
        } else {
            Some(bindings::noop_llseek)
        },
        ..pin_init::zeroed()
    };

    /// `FOPS` at a `'static` address, which a debugfs file keeps until it is removed: a
    /// constant's reference in a constant expression is promoted to a `'static` one.
    const fn fops() -> &'static bindings::file_operations {
        &Self::FOPS
    }

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

    /// # Safety
    ///
    /// Called by the VFS with a valid `file` that is being written to.
    unsafe extern "C" fn write(
        file: *mut bindings::file,
        buf: *const c_char,
        count: usize,
        _offset: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: `file` is valid, its reference held, for the call (the caller's contract).
        let opener = unsafe { write::opener(file) };
        // `UserSliceReader` checks every access to the user buffer (`copy_from_user()`).
        let reader = UserSlice::new(UserPtr::from_ptr(buf.cast_mut().cast()), count).reader();
        match H::write(opener, reader) {
            // A write never exceeds `MAX_RW_COUNT`, so it fits in `isize`.
            Ok(written) => written as isize,
            Err(e) => e.to_errno() as isize,
        }
    }
}

/// Creates a debugfs file in `parent` (NULL: the root), handled by `H`.
fn create_file<H: Handler>(
    name: &CStr,
    parent: *mut bindings::dentry,
) -> Result<*mut bindings::dentry> {
    // Without debugfs' removal protection, no operation may run on the file once it is removed:
    // it is removed only when this module is unloaded, which cannot happen while the file is open
    // (its operations are owned by this module, so `open` takes a module reference, which the VFS
    // drops in `__fput()` after the last close).
    // SAFETY: `name` is NUL-terminated; `parent` is NULL or a live directory of ours (the
    // `Entry` invariant); the file needs no private data (handlers use no per-file state);
    // `FileOps::<H>::fops()` is a `'static` table that is sound for any file; removal: above.
    let dentry = unsafe {
        bindings::debugfs_create_file_unsafe(
            name.as_char_ptr(),
            FileOps::<H>::MODE,
            parent,
            ptr::null_mut(),
            FileOps::<H>::fops(),
        )
    };
    from_err_ptr(dentry)
}

/// A debugfs file or directory of this module, removed (with all it contains) when dropped.
///
/// # Invariants
///
/// `dentry` is a live debugfs file or directory that this module created, and only `drop`
/// removes it.
struct Entry {
    dentry: *mut bindings::dentry,
}

// SAFETY: the dentry is only passed to debugfs functions, which may be called from any thread.
unsafe impl Send for Entry {}
// SAFETY: `&Entry` only creates files inside the directory, which debugfs serialises.
unsafe impl Sync for Entry {}

impl Entry {
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
    fn root_file<H: Handler>(name: &CStr) -> Result<Self> {
        // INVARIANT: `create_file` returns only a live dentry.
        Ok(Self {
            dentry: create_file::<H>(name, ptr::null_mut())?,
        })
    }

    /// Creates the file `<name>` in this directory, handled by `H`; it goes with the directory.
    fn add_file<H: Handler>(&self, name: &CStr) -> Result {
        create_file::<H>(name, self.dentry).map(|_| ())
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // SAFETY: by the type invariant `dentry` is live and removed only here. It is dropped when
        // the module is unloaded, so no file below it is open (see the module documentation).
        unsafe { bindings::debugfs_remove(self.dentry) };
    }
}

/// `/sys/kernel/debug/signalconfpid`: each write is a command.
struct SignalConfPid;

#[vtable]
impl Handler for SignalConfPid {
    fn write(opener: &Credential, mut reader: UserSliceReader) -> Result<usize> {
        write::write_command(opener, reader.len(), |buf| reader.read_slice(buf))
    }
}

/// The module's debugfs files, removed when dropped.
pub(crate) struct Files {
    _signalconfpid: Entry,
    _stats_dir: Entry,
}

impl Files {
    /// Creates both files; on failure, which one could not be created, and why.
    pub(crate) fn create() -> Result<Self, (&'static str, Error)> {
        let signalconfpid = Entry::root_file::<SignalConfPid>(c"signalconfpid")
            .map_err(|e| ("signalconfpid", e))?;
        let stats_dir = Entry::root_dir(c"signal_example").map_err(|e| ("signal_example/", e))?;
        stats_dir
            .add_file::<StatsFile>(c"stats")
            .map_err(|e| ("signal_example/stats", e))?;
        Ok(Self {
            _signalconfpid: signalconfpid,
            _stats_dir: stats_dir,
        })
    }
}
