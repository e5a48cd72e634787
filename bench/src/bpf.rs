//! `bpf_send_signal_task()` (Linux 6.13), the kfunc by which a BPF program signals a task with a
//! 64-bit value: a `BPF_PROG_TYPE_SYSCALL` program, assembled here, loaded with `bpf(2)` and run
//! with `BPF_PROG_TEST_RUN` in the caller's context, looks each target up by PID
//! (`bpf_task_from_vpid()`, in the caller's PID namespace, as every other method does) and sends
//! it `SIGNAL` with the value
//! (`si_code` `SI_KERNEL`, sender 0). One run signals every target of the program: a fan-out.
//! Needs a kernel with BPF and BTF (`CONFIG_BPF_SYSCALL`, `CONFIG_DEBUG_INFO_BTF`), and
//! `CAP_BPF`.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::btf;
use crate::SIGNAL;

/// The signal's scope, `enum pid_type`: the thread, or its whole thread group (as `kill(2)`).
#[derive(Clone, Copy)]
pub(crate) enum Scope {
    Thread = 0,
    Process = 1,
}

/// One instruction (`struct bpf_insn`): opcode, registers (destination in the low nibble),
/// offset, immediate.
#[repr(C)]
#[derive(Clone, Copy)]
struct Insn {
    code: u8,
    regs: u8,
    off: i16,
    imm: i32,
}

const fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn {
        code,
        regs: dst | (src << 4),
        off,
        imm,
    }
}

const MOV_IMM: u8 = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
const MOV_REG: u8 = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
const LOAD_U32: u8 = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const LOAD_U64: u8 = 0x79; // BPF_LDX | BPF_MEM | BPF_DW
const JUMP_NE: u8 = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JUMP32_EQ: u8 = 0x16; // BPF_JMP32 | BPF_JEQ | BPF_K: the kfunc returns an int
const CALL: u8 = 0x85;
const EXIT: u8 = 0x95;
/// `src_reg` of a call to a kernel function, whose BTF ID is the immediate.
const PSEUDO_KFUNC_CALL: u8 = 2;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_TEST_RUN: libc::c_long = 10;
const BPF_PROG_TYPE_SYSCALL: u32 = 31;
const BPF_F_SLEEPABLE: u32 = 1 << 4;

/// The program's context, which `BPF_PROG_TEST_RUN` copies in: the value, then the targets' PIDs.
const VALUE_OFFSET: i16 = 0;
const PIDS_OFFSET: usize = 8;

/// The program: for each of `targets` targets in turn, its PID from the context, looked up,
/// signalled and released; returns 0, or the first error (`-ESRCH` for a PID not found, else
/// `bpf_send_signal_task()`'s), the targets before it signalled.
fn program(targets: usize, scope: Scope, [from_pid, send, release]: [i32; 3]) -> Vec<Insn> {
    let call = |id| insn(CALL, 0, PSEUDO_KFUNC_CALL, 0, id);
    // r6: the context; r7: the target's task; r8: the send's result.
    let mut code = vec![insn(MOV_REG, 6, 1, 0, 0)];
    for i in 0..targets {
        let pid = (PIDS_OFFSET + 4 * i) as i16;
        code.extend([
            insn(LOAD_U32, 1, 6, pid, 0),
            call(from_pid),
            insn(JUMP_NE, 0, 0, 2, 0),
            insn(MOV_IMM, 0, 0, 0, -libc::ESRCH),
            insn(EXIT, 0, 0, 0, 0),
            insn(MOV_REG, 7, 0, 0, 0),
            insn(MOV_REG, 1, 7, 0, 0),
            insn(MOV_IMM, 2, 0, 0, SIGNAL),
            insn(MOV_IMM, 3, 0, 0, scope as i32),
            insn(LOAD_U64, 4, 6, VALUE_OFFSET, 0),
            call(send),
            insn(MOV_REG, 8, 0, 0, 0),
            insn(MOV_REG, 1, 7, 0, 0),
            call(release),
            insn(JUMP32_EQ, 8, 0, 2, 0),
            insn(MOV_REG, 0, 8, 0, 0),
            insn(EXIT, 0, 0, 0, 0),
        ]);
    }
    code.extend([insn(MOV_IMM, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)]);
    code
}

/// `bpf(2)` on the command's attributes `attr` (a `union bpf_attr`'s first bytes).
fn bpf(cmd: libc::c_long, attr: &mut [u64]) -> io::Result<libc::c_long> {
    // SAFETY: `attr` is a `union bpf_attr` of the command `cmd`, zero beyond its fields, and
    // outlives the call; the pointers in it are valid for what the command reads and writes.
    let rc = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), 8 * attr.len()) };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// Loads `code` as a GPL program (kfuncs are GPL only); the verifier's log into `log`, if any.
fn load(code: &[Insn], log: &mut [u8]) -> io::Result<libc::c_long> {
    let license = c"GPL";
    // union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt; insns; license; log_level, log_size;
    // log_buf; kern_version, prog_flags (a syscall program must be sleepable); then zeros (no
    // name or attach type).
    let mut attr = [0u64; 16];
    attr[0] = u64::from(BPF_PROG_TYPE_SYSCALL) | ((code.len() as u64) << 32);
    attr[1] = code.as_ptr() as u64;
    attr[2] = license.as_ptr() as u64;
    attr[3] = u64::from(!log.is_empty()) | ((log.len() as u64) << 32);
    if !log.is_empty() {
        attr[4] = log.as_mut_ptr() as u64;
    }
    attr[5] = u64::from(BPF_F_SLEEPABLE) << 32;
    bpf(BPF_PROG_LOAD, &mut attr)
}

/// A loaded program that signals fixed targets, with its context.
pub(crate) struct SignalProgram {
    fd: OwnedFd,
    context: Vec<u8>,
}

impl SignalProgram {
    /// Loads the program that signals `targets` (at most 4096) in `scope`.
    pub(crate) fn new(targets: &[i32], scope: Scope) -> io::Result<Self> {
        let vmlinux = std::fs::read(btf::VMLINUX).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{}: {e} (a kernel without BTF)", btf::VMLINUX),
            )
        })?;
        let mut ids = [0; 3];
        for (id, name) in ids.iter_mut().zip([
            "bpf_task_from_vpid",
            "bpf_send_signal_task",
            "bpf_task_release",
        ]) {
            *id = btf::function_id(&vmlinux, name)? as i32;
        }
        if targets.is_empty() || targets.len() > 4096 {
            return Err(io::Error::other("a BPF program signals 1 to 4096 targets"));
        }
        let code = program(targets.len(), scope, ids);
        let fd = load(&code, &mut []).map_err(|e| {
            // Again with the verifier's log, to say why.
            let mut log = vec![0u8; 1 << 16];
            let _ = load(&code, &mut log);
            let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
            let text = String::from_utf8_lossy(&log[..end]);
            let last: Vec<&str> = text.lines().rev().take(3).collect();
            io::Error::new(
                e.kind(),
                format!("loading the BPF program: {e}; the verifier's last words: {last:?}"),
            )
        })?;
        let mut context = vec![0; PIDS_OFFSET + 4 * targets.len()];
        for (bytes, pid) in context[PIDS_OFFSET..].chunks_mut(4).zip(targets) {
            bytes.copy_from_slice(&pid.to_ne_bytes());
        }
        Ok(Self {
            // SAFETY: `bpf(BPF_PROG_LOAD)` returned a new file descriptor, which we own.
            fd: unsafe { OwnedFd::from_raw_fd(fd as i32) },
            context,
        })
    }

    /// Runs the program once: every target signalled with `value`. An error is the program's
    /// (`EAGAIN` for a full queue: the targets before it were signalled).
    pub(crate) fn run(&mut self, value: u64) -> io::Result<()> {
        self.context[..PIDS_OFFSET].copy_from_slice(&value.to_ne_bytes());
        // union bpf_attr for BPF_PROG_TEST_RUN: prog_fd, retval; data sizes; data_in; data_out;
        // repeat, duration; ctx_size_in, ctx_size_out; ctx_in; ctx_out; flags, cpu; batch_size.
        let mut attr = [0u64; 10];
        attr[0] = self.fd.as_raw_fd() as u64;
        attr[5] = self.context.len() as u64;
        attr[6] = self.context.as_mut_ptr() as u64;
        bpf(BPF_PROG_TEST_RUN, &mut attr)?;
        match (attr[0] >> 32) as u32 as i32 {
            0 => Ok(()),
            error => Err(io::Error::from_raw_os_error(-error)),
        }
    }
}
