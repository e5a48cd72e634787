//! A queued signal's `siginfo_t`, as `sigqueue(3)` fills it, built by hand for the system
//! calls that take one.

use crate::SIGNAL;

/// A payload as `sigqueue(3)` takes it: pointer-sized, so all 64 bits of `value` arrive.
pub(crate) fn sigval(value: u64) -> libc::sigval {
    libc::sigval {
        sival_ptr: value as usize as *mut libc::c_void,
    }
}

/// The `_rt` member of the kernel's `siginfo`: a queued signal's sender and payload. libc's
/// `siginfo_t` reads these (`si_pid()`, `si_uid()`, `si_value()`) but has no way to set them.
#[repr(C)]
pub(crate) struct SiginfoRt {
    pid: libc::pid_t,
    uid: libc::uid_t,
    pub(crate) value: libc::sigval,
}

/// Where `SiginfoRt` lies in a `siginfo_t`: after its three `int`s (`si_signo`, `si_errno`,
/// `si_code`, in the architecture's order), in the union of the members, which is as aligned as
/// `sigval`'s pointer. Checked against libc's accessors by a test.
#[repr(C)]
struct SiginfoRtLayout {
    _signo_errno_code: [libc::c_int; 3],
    rt: SiginfoRt,
}

const _: () = assert!(
    size_of::<SiginfoRtLayout>() <= size_of::<libc::siginfo_t>()
        && align_of::<SiginfoRtLayout>() <= align_of::<libc::siginfo_t>()
);

pub(crate) fn rt_fields(info: &mut libc::siginfo_t) -> &mut SiginfoRt {
    // SAFETY: `SiginfoRtLayout` fits in a `siginfo_t` and needs no stricter alignment (checked
    // above); its fields are integers and a pointer, for which every bit pattern is valid.
    unsafe { &mut (*(info as *mut libc::siginfo_t).cast::<SiginfoRtLayout>()).rt }
}

/// A `siginfo_t` as `sigqueue(3)` fills it for us: `SI_QUEUE`, our PID and UID, and `value`.
pub(crate) fn queue_siginfo(value: u64) -> libc::siginfo_t {
    // SAFETY: an all-zero `siginfo_t` is valid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    info.si_signo = SIGNAL;
    info.si_code = libc::SI_QUEUE;
    // SAFETY: trivial getters.
    let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
    *rt_fields(&mut info) = SiginfoRt {
        pid,
        uid,
        value: sigval(value),
    };
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_siginfo_reads_back_through_libc() {
        let mut info = queue_siginfo(0x1_0000_04d2);
        // SAFETY: trivial getters.
        let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
        // SAFETY: `queue_siginfo` filled in the `_rt` member that these read.
        unsafe {
            assert_eq!(
                (info.si_signo, info.si_code, info.si_errno),
                (SIGNAL, libc::SI_QUEUE, 0)
            );
            assert_eq!((info.si_pid(), info.si_uid()), (pid, uid));
            assert_eq!(info.si_value().sival_ptr as u64, 0x1_0000_04d2);
        }
        rt_fields(&mut info).value = sigval(7);
        // SAFETY: as above.
        assert_eq!(unsafe { info.si_value().sival_ptr } as u64, 7);
    }
}
