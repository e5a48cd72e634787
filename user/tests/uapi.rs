//! `uapi.rs` against the C header `signal_example.h`: the same sizes, offsets, constants and
//! ioctl numbers (a C program compiled here prints the C side), and the rules an entry is
//! checked by.

use std::mem::{offset_of, size_of};
use std::path::Path;
use std::process::Command as Process;

use signal_example_user::command::{Command, ParseError};
use signal_example_user::device::{self, entry};
use signal_example_user::uapi::{self, Entry, Many, ManyV0_2};

/// What the C compiler, with `flags`, says of the header: `name value` per line.
fn c_layout(name: &str, flags: &[&str]) -> Vec<(String, u64)> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("../signal_example.h");
    let source = dir.join(format!("{name}.c"));
    let program = dir.join(name);
    std::fs::write(
        &source,
        format!(
            r#"#include "{}"
#include <stddef.h>
#include <stdio.h>
#define SHOW(x) printf("%s %llu\n", #x, (unsigned long long)(x))
/* 0.2.0's struct signalconf_many, whose ioctl number the module still takes. */
struct many_v0_2 {{ __u64 entries; __u32 count; __u32 reserved; }};
int main(void)
{{
	SHOW(sizeof(struct signalconf_entry));
	SHOW(offsetof(struct signalconf_entry, pid));
	SHOW(offsetof(struct signalconf_entry, signal));
	SHOW(offsetof(struct signalconf_entry, value));
	SHOW(offsetof(struct signalconf_entry, flags));
	SHOW(offsetof(struct signalconf_entry, result));
	SHOW(sizeof(struct signalconf_many));
	SHOW(offsetof(struct signalconf_many, entries));
	SHOW(offsetof(struct signalconf_many, count));
	SHOW(offsetof(struct signalconf_many, reserved));
	SHOW(offsetof(struct signalconf_many, attempted));
	SHOW(offsetof(struct signalconf_many, sent));
	SHOW(sizeof(struct many_v0_2));
	SHOW(SIGNALCONF_IOC_MAGIC);
	SHOW(SIGNALCONF_DEFAULT_SIGNAL);
	SHOW(SIGNALCONF_FLAG_DEFAULT_VALUE);
	SHOW(SIGNALCONF_MAX_ENTRIES);
	SHOW(SIGNALCONF_QUEUE);
	SHOW(SIGNALCONF_QUEUE_MANY);
	SHOW(_IOW(SIGNALCONF_IOC_MAGIC, 2, struct many_v0_2));
	return 0;
}}
"#,
            header.display()
        ),
    )
    .unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Process::new(cc)
        .args(flags)
        .args(["-Wall", "-Werror", "-o"])
        .arg(&program)
        .arg(&source)
        .status()
        .expect("a C compiler (cc, or $CC)");
    assert!(
        status.success(),
        "the header does not compile with {flags:?}"
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
    assert_same(&c_layout("uapi_layout", &[]), &rust_layout());
}

/// A 32-bit program (on a 64-bit kernel, or a 32-bit kernel) sees the same layout: no field
/// whose alignment differs (`__u64` is 4-aligned on i386) moves, and so the same ioctl numbers.
#[cfg(target_arch = "x86_64")]
#[test]
fn the_header_is_the_same_for_32_bit_programs() {
    assert_same(&c_layout("uapi_layout_m32", &["-m32"]), &rust_layout());
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
