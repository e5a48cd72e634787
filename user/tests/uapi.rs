//! `uapi.rs` against the C header `signal_example.h`: the same sizes, offsets, constants and
//! ioctl numbers (a C program compiled here prints the C side), and the rules an entry is
//! checked by.

use std::mem::{offset_of, size_of};
use std::path::Path;
use std::process::Command as Process;

use signal_example_user::command::{Command, ParseError};
use signal_example_user::device::{self, entry};
use signal_example_user::uapi::{self, Entry, Many, ManyV0_2};

/// What the tests ask the C header, in `rust_layout`'s order: C constant expressions.
const C_EXPRESSIONS: [&str; 20] = [
    "sizeof(struct signalconf_entry)",
    "offsetof(struct signalconf_entry, pid)",
    "offsetof(struct signalconf_entry, signal)",
    "offsetof(struct signalconf_entry, value)",
    "offsetof(struct signalconf_entry, flags)",
    "offsetof(struct signalconf_entry, result)",
    "sizeof(struct signalconf_many)",
    "offsetof(struct signalconf_many, entries)",
    "offsetof(struct signalconf_many, count)",
    "offsetof(struct signalconf_many, reserved)",
    "offsetof(struct signalconf_many, attempted)",
    "offsetof(struct signalconf_many, sent)",
    "sizeof(struct many_v0_2)",
    "SIGNALCONF_IOC_MAGIC",
    "SIGNALCONF_DEFAULT_SIGNAL",
    "SIGNALCONF_FLAG_DEFAULT_VALUE",
    "SIGNALCONF_MAX_ENTRIES",
    "SIGNALCONF_QUEUE",
    "SIGNALCONF_QUEUE_MANY",
    "_IOW(SIGNALCONF_IOC_MAGIC, 2, struct many_v0_2)",
];

/// A C source that includes the header, defines 0.2.0's `struct signalconf_many` (whose ioctl
/// number the module still takes), then `body`.
fn c_source(body: &str) -> String {
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("../signal_example.h");
    format!(
        "#include \"{}\"\n#include <stddef.h>\n\
         struct many_v0_2 {{ __u64 entries; __u32 count; __u32 reserved; }};\n{body}",
        header.display()
    )
}

fn compile(compiler: &str, args: &[&str], name: &str, source: &str) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.c"));
    std::fs::write(&path, source).unwrap();
    let status = Process::new(compiler)
        .args(args)
        .args(["-Wall", "-Werror"])
        .arg(&path)
        .status()
        .unwrap_or_else(|e| panic!("{compiler}: {e}"));
    assert!(
        status.success(),
        "the header does not compile with {compiler} {args:?}"
    );
}

/// What the host's C compiler (cc, or $CC) says of the header: each of `C_EXPRESSIONS` with its
/// value, from a program it compiles and runs.
fn c_layout() -> Vec<(String, u64)> {
    let program = Path::new(env!("CARGO_TARGET_TMPDIR")).join("uapi_layout");
    let shows: String = C_EXPRESSIONS
        .iter()
        .map(|e| format!("\tprintf(\"%s %llu\\n\", \"{e}\", (unsigned long long)({e}));\n"))
        .collect();
    let source = c_source(&format!(
        "#include <stdio.h>\nint main(void)\n{{\n{shows}\treturn 0;\n}}\n"
    ));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    compile(
        &cc,
        &["-o", program.to_str().unwrap()],
        "uapi_layout",
        &source,
    );
    let out = Process::new(&program).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').unwrap();
            (name.to_string(), value.parse().unwrap())
        })
        .collect()
}

/// The Rust mirror, in `c_layout`'s order.
fn rust_layout() -> Vec<u64> {
    [
        size_of::<Entry>(),
        offset_of!(Entry, pid),
        offset_of!(Entry, signal),
        offset_of!(Entry, value),
        offset_of!(Entry, flags),
        offset_of!(Entry, result),
        size_of::<Many>(),
        offset_of!(Many, entries),
        offset_of!(Many, count),
        offset_of!(Many, reserved),
        offset_of!(Many, attempted),
        offset_of!(Many, sent),
        size_of::<ManyV0_2>(),
    ]
    .map(|n| n as u64)
    .into_iter()
    .chain(
        [
            uapi::MAGIC,
            uapi::DEFAULT_SIGNAL,
            uapi::FLAG_DEFAULT_VALUE,
            uapi::MAX_ENTRIES,
        ]
        .map(u64::from),
    )
    // `ioctl_num_type` is `c_ulong` with glibc, `c_int` with musl: the numbers' 32 bits are what
    // counts (`_IOWR` sets bit 31, which a sign extension would copy).
    .chain(
        [device::QUEUE, device::QUEUE_MANY, device::QUEUE_MANY_V0_2].map(|n| u64::from(n as u32)),
    )
    .collect()
}

fn assert_same(c: &[(String, u64)], rust: &[u64]) {
    assert_eq!(c.len(), rust.len(), "{c:?}");
    for ((name, c_value), rust_value) in c.iter().zip(rust) {
        assert_eq!(c_value, rust_value, "{name}");
    }
}

#[test]
fn rust_mirror_matches_the_c_header() {
    assert_same(&c_layout(), &rust_layout());
}

/// A 32-bit program (on a 64-bit kernel, or a 32-bit kernel) sees the same layout: no field
/// whose alignment differs (`__u64` is 4-aligned on i386) moves, and so the same ioctl numbers.
/// Checked at compile time, by clang for i386 (`_Static_assert`s of the Rust values), so that no
/// 32-bit libc is needed: gcc-multilib, which `gcc -m32` needs, conflicts with Debian's cross
/// compilers. The header needs only `<linux/*.h>` and `<asm/*.h>`; x86's `asm` headers are one
/// set for i386 and x86_64 (the kernel's `arch/x86/include/uapi/asm`), so the host's serve.
/// `$CLANG` names the compiler (default `clang-19`, which set-up installs).
#[cfg(target_arch = "x86_64")]
#[test]
fn the_header_is_the_same_for_32_bit_programs() {
    let asserts: String = C_EXPRESSIONS
        .iter()
        .zip(rust_layout())
        .map(|(e, value)| format!("_Static_assert(({e}) == {value}ULL, \"{e}\");\n"))
        .collect();
    let asm = Path::new(env!("CARGO_TARGET_TMPDIR")).join("uapi_i386_include");
    std::fs::create_dir_all(&asm).unwrap();
    let link = asm.join("asm");
    if link.symlink_metadata().is_err() {
        std::os::unix::fs::symlink("/usr/include/x86_64-linux-gnu/asm", &link).unwrap();
    }
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang-19".into());
    let include = asm.to_str().unwrap();
    compile(
        &clang,
        &[
            "--target=i386-linux-gnu",
            "-fsyntax-only",
            "-isystem",
            include,
        ],
        "uapi_layout_i386",
        &c_source(&asserts),
    );
}

/// The check above runs for a 32-bit target and can fail: a 64-bit `long` is refused there.
#[cfg(target_arch = "x86_64")]
#[test]
#[should_panic(expected = "the header does not compile")]
fn a_wrong_32_bit_layout_is_refused() {
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang-19".into());
    compile(
        &clang,
        &["--target=i386-linux-gnu", "-fsyntax-only"],
        "uapi_layout_i386_wrong",
        "_Static_assert(sizeof(long) == 8, \"i386's long is 4 bytes\");\n",
    );
}

#[test]
fn entries_are_checked_as_written_commands_are() {
    let ok = |pid, signal, value| Ok(Command { pid, signal, value });
    assert_eq!(
        entry(42, Some(40), Some(7)).command(),
        ok(42, Some(40), Some(7))
    );
    assert_eq!(entry(42, None, None).command(), ok(42, None, None));
    assert_eq!(
        entry(1, Some(64), Some(u64::MAX)).command(),
        ok(1, Some(64), Some(u64::MAX))
    );
    assert_eq!(entry(0, None, None).command(), Err(ParseError::BadPid));
    assert_eq!(entry(-3, None, None).command(), Err(ParseError::BadPid));
    assert_eq!(
        entry(42, Some(65), None).command(),
        Err(ParseError::BadSignal)
    );
    let unknown_flag = Entry {
        flags: 1 << 1,
        ..entry(42, None, Some(1))
    };
    assert_eq!(unknown_flag.command(), Err(ParseError::UnknownKey));
    // The result field is output only: whatever it holds on input is ignored.
    let stale = Entry {
        result: -3,
        ..entry(42, None, Some(1))
    };
    assert_eq!(stale.command(), ok(42, None, Some(1)));
}

#[test]
fn many_takes_1_to_max_entries_and_reserved_zero() {
    let many = |count, reserved| Many {
        entries: 0x1000,
        count,
        reserved,
        ..Many::default()
    };
    assert_eq!(many(1, 0).count(), Some(1));
    assert_eq!(many(uapi::MAX_ENTRIES, 0).count(), Some(1024));
    assert_eq!(many(0, 0).count(), None);
    assert_eq!(many(uapi::MAX_ENTRIES + 1, 0).count(), None);
    assert_eq!(many(8, 1).count(), None);
}
