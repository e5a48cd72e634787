//! `uapi.rs` against the C header `signal_example.h`: the same sizes, offsets, constants and
//! ioctl numbers (a C program compiled here prints the C side), and the rules an entry is
//! checked by.

use std::mem::{offset_of, size_of};
use std::path::Path;
use std::process::Command as Process;

use signal_example_user::command::{Command, ParseError};
use signal_example_user::device::entry;
use signal_example_user::uapi::{self, Entry, Many};

/// What the C compiler says of the header: `name value` per line.
fn c_layout() -> Vec<(String, u64)> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("../signal_example.h");
    let source = dir.join("uapi_layout.c");
    let program = dir.join("uapi_layout");
    std::fs::write(
        &source,
        format!(
            r#"#include "{}"
#include <stddef.h>
#include <stdio.h>
#define SHOW(x) printf("%s %llu\n", #x, (unsigned long long)(x))
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
	SHOW(SIGNALCONF_IOC_MAGIC);
	SHOW(SIGNALCONF_DEFAULT_SIGNAL);
	SHOW(SIGNALCONF_FLAG_DEFAULT_VALUE);
	SHOW(SIGNALCONF_MAX_ENTRIES);
	SHOW(SIGNALCONF_QUEUE);
	SHOW(SIGNALCONF_QUEUE_MANY);
	return 0;
}}
"#,
            header.display()
        ),
    )
    .unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Process::new(cc)
        .args(["-Wall", "-Werror", "-o"])
        .arg(&program)
        .arg(&source)
        .status()
        .expect("a C compiler (cc, or $CC)");
    assert!(status.success(), "the header does not compile");
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

#[test]
fn rust_mirror_matches_the_c_header() {
    let rust = [
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
    ]
    .map(|n| n as u64)
    .into_iter()
    .chain(
        [
            uapi::MAGIC,
            uapi::DEFAULT_SIGNAL,
            uapi::FLAG_DEFAULT_VALUE,
            uapi::MAX_ENTRIES,
            uapi::QUEUE,
            uapi::QUEUE_MANY,
        ]
        .map(u64::from),
    );
    let c = c_layout();
    assert_eq!(c.len(), 16, "{c:?}");
    for ((name, c_value), rust_value) in c.iter().zip(rust) {
        assert_eq!(*c_value, rust_value, "{name}");
    }
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
    };
    assert_eq!(many(1, 0).count(), Some(1));
    assert_eq!(many(uapi::MAX_ENTRIES, 0).count(), Some(1024));
    assert_eq!(many(0, 0).count(), None);
    assert_eq!(many(uapi::MAX_ENTRIES + 1, 0).count(), None);
    assert_eq!(many(8, 1).count(), None);
}
