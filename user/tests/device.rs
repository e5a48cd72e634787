//! `Device` against descriptors that are not the module's device: every error the kernel gives
//! must come back as that errno, and nothing may be written into the entries.

use std::fs::File;
use std::io::ErrorKind;

use signal_example_user::{device::entry, Device};

/// A regular file, opened as the device would be: ioctls on it fail with `ENOTTY`.
fn regular_file(name: &str) -> Device {
    let path = std::env::temp_dir().join(format!("signal-example-{}-{name}", std::process::id()));
    let file = File::create(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    Device::from_file(file)
}

#[test]
fn queue_returns_the_kernels_errno() {
    let error = regular_file("queue").queue(1, None, None).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY), "{error}");
}

#[test]
fn queue_many_returns_the_kernels_errno_and_leaves_the_entries() {
    let mut entries = [entry(1, Some(44), Some(7)), entry(2, None, None)];
    let before = entries;
    let error = regular_file("many").queue_many(&mut entries).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY), "{error}");
    assert_eq!(entries, before);
}

#[test]
fn open_path_says_what_is_missing() {
    let error = Device::open_path("/nonexistent/signalconfpid").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
}
