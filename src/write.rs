// SPDX-License-Identifier: GPL-2.0

//! A `write(2)` to either file: refused unless the writer acts with the credentials that opened
//! the file, then copied (on the stack), parsed and executed.

use core::ptr;
use kernel::{
    bindings,
    cred::Credential,
    pr_warn_once,
    prelude::*, //
};

use crate::{
    command::{
        Command,
        MAX_COMMAND_LEN, //
    },
    execute::execute,
    signal::{
        credentials,
        Writer, //
    },
};

/// The credentials that opened `file` (its `f_cred`), for [`write_command`].
///
/// A `LocalFile` would give them too, but the device could not promise what one needs: that no
/// other thread is in an `fdget_pos()` on the file that skipped `f_pos_lock`. A character device
/// is never `FMODE_ATOMIC_POS`, so `fdget_pos()` never takes that lock for it, and two threads
/// that share a descriptor may write at once. (The debugfs file, a regular file, could: its
/// `fdget_pos()` takes the lock once the file is shared.) That promise guards `f_pos`, which this
/// module never touches; `f_cred` needs none.
///
/// # Safety
///
/// `file` points at a valid file whose reference is held for `'a` (the file of a `write` in
/// progress, for the call).
pub(crate) unsafe fn opener<'a>(file: *const bindings::file) -> &'a Credential {
    // SAFETY: `file` is valid for `'a` (the caller's contract). `f_cred` is set when the file is
    // opened and never changed, so it is read without synchronisation; the file holds a reference
    // to those credentials until it is freed, after `'a`.
    unsafe { Credential::from_ptr((*file).f_cred) }
}

/// One `write(2)` to either file, opened with the credentials `opener`, of `len` bytes that
/// `read` copies into the buffer it is given: parsed and executed. Returns `len` once the signal
/// is sent; `EACCES` if the writer's credentials are not the opener's.
pub(crate) fn write_command(
    opener: &Credential,
    len: usize,
    read: impl FnOnce(&mut [u8]) -> Result,
) -> Result<usize> {
    // Everything lives on the stack: the write path does not allocate.
    let mut buf = [0u8; MAX_COMMAND_LEN];
    let command = if writer_is_opener(opener) {
        buf.get_mut(..len).ok_or(EINVAL).and_then(|input| {
            read(input)?;
            Command::parse(input).map_err(|_| EINVAL)
        })
    } else {
        // Once per module load: `/bin/echo PID >file` from a shell meets this (the shell's child
        // opens the file, then `execve()` gives it new credentials), and the errno alone does not
        // say why.
        pr_warn_once!(
            "refused a write from other credentials than the opener's (EACCES): {}\n",
            "open the file in the process that writes, after any fork, exec or change of IDs"
        );
        Err(EACCES)
    };
    execute(&Writer::current(), command).map(|()| len)
}

/// Whether the writer (the current task) acts with the credentials `opener` that opened the file:
/// the kernel's rule for write-based command interfaces (`ib_safe_file_access()`), so that a
/// program that was given or left a descriptor (a setuid program, say) never carries out commands
/// on behalf of whoever wrote its output. The credentials are compared as objects, as there: the
/// process that opened the file and its threads have them until it changes its IDs or
/// capabilities or runs a program (`execve()`); a child (`fork()`) has a copy, not them.
fn writer_is_opener(opener: &Credential) -> bool {
    // The writer's objective credentials (`get_task_cred()`), not `current->cred` at bindgen's
    // offset, which is wrong in kernels without `CONFIG_SCHEDSTATS` (see `task_struct_flags_are_
    // where_c_has_them`). They are the subjective ones that a write(2) runs with; they differ
    // only under `override_creds()`, as in io_uring's workers, whose writes may be refused
    // (docs/interface.md says so).
    ptr::eq(opener.as_ptr(), credentials(current!()).as_ptr())
}
