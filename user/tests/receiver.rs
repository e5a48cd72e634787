//! Drives the `signal-receiver` binary with real queued signals (`sigqueue(3)`), no module
//! needed: the same `siginfo` layout the module produces (`SI_QUEUE`, payload in `si_value`).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const RECEIVER: &str = env!("CARGO_BIN_EXE_signal-receiver");

fn spawn(args: &[&str]) -> Child {
    Command::new(RECEIVER)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn signal-receiver")
}

/// Reads the `pid N` line that `--no-register` prints once its handler is installed.
fn read_pid(stdout: &mut BufReader<ChildStdout>) -> i32 {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    line.strip_prefix("pid ")
        .and_then(|pid| pid.trim().parse().ok())
        .unwrap_or_else(|| panic!("expected `pid N`, got {line:?}"))
}

fn sigqueue(pid: i32, signal: i32, value: u64) {
    let value = libc::sigval {
        sival_ptr: value as usize as *mut libc::c_void,
    };
    // SAFETY: plain system call wrapper with valid arguments.
    let rc = unsafe { libc::sigqueue(pid, signal, value) };
    assert_eq!(rc, 0, "sigqueue: {}", std::io::Error::last_os_error());
}

/// Waits for the child and returns (exit code, stdout rest, stderr).
fn finish(mut child: Child, mut stdout: BufReader<ChildStdout>) -> (i32, String, String) {
    let status = child.wait().unwrap();
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code().expect("exited normally"), out, err)
}

/// Waits for the child and checks it printed the seed's line for 1234 and exited with 0.
fn expect_seed_line(child: Child, stdout: BufReader<ChildStdout>) {
    let (code, out, err) = finish(child, stdout);
    assert_eq!(
        (code, out.as_str()),
        (0, "received value 1234\n"),
        "stderr: {err}"
    );
}

fn start(args: &[&str]) -> (Child, BufReader<ChildStdout>, i32) {
    let mut child = spawn(args);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let pid = read_pid(&mut stdout);
    assert_eq!(pid, child.id() as i32);
    (child, stdout, pid)
}

#[test]
fn prints_the_seed_line_for_a_queued_signal() {
    let (child, stdout, pid) = start(&["--no-register", "--timeout", "20"]);
    sigqueue(pid, 44, 1234);
    expect_seed_line(child, stdout);
}

#[test]
fn json_reports_code_sender_and_full_64_bit_value() {
    let (child, stdout, pid) = start(&[
        "--no-register",
        "--json",
        "--signal",
        "40",
        "--timeout",
        "20",
    ]);
    sigqueue(pid, 40, 0x1_0000_04d2);
    let (code, out, err) = finish(child, stdout);
    // SAFETY: trivial getters.
    let (me, uid) = unsafe { (libc::getpid(), libc::getuid()) };
    let expected = format!(
        "{{\"signo\":40,\"code\":{},\"pid\":{me},\"uid\":{uid},\"value\":{},\"int\":1234}}\n",
        libc::SI_QUEUE,
        0x1_0000_04d2u64
    );
    assert_eq!((code, out), (0, expected), "stderr: {err}");
}

#[test]
fn counts_several_signals_in_order() {
    let (child, stdout, pid) = start(&["--no-register", "--count", "3", "--timeout", "20"]);
    for value in [1, -2i64 as u64, 3] {
        sigqueue(pid, 44, value);
    }
    let (code, out, err) = finish(child, stdout);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(
        out,
        "received value 1\nreceived value -2\nreceived value 3\n"
    );
}

#[test]
fn timeout_is_a_distinct_failure_with_a_message() {
    let started = Instant::now();
    let (child, stdout, _) = start(&["--no-register", "--count", "2", "--timeout", "0.3"]);
    let (code, out, err) = finish(child, stdout);
    assert_eq!(code, 3);
    assert_eq!(out, "");
    assert!(
        err.contains("timed out") && err.contains("received 0 of 2"),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn registers_by_writing_its_pid_to_the_path() {
    let path = std::env::temp_dir().join(format!("signalconfpid-test-{}", std::process::id()));
    std::fs::write(&path, "").unwrap();
    let mut child = spawn(&[
        "--path",
        path.to_str().unwrap(),
        "--verbose",
        "--timeout",
        "20",
    ]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let written = loop {
        let text = std::fs::read_to_string(&path).unwrap();
        if text.ends_with('\n') || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    std::fs::remove_file(&path).unwrap();
    assert_eq!(written, format!("{}\n", child.id()));
    sigqueue(child.id() as i32, 44, 1234);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (code, out, err) = finish(child, stdout);
    assert_eq!((code, out.as_str()), (0, "received value 1234\n"), "{err}");
    assert_eq!(
        err,
        format!(
            "signal-receiver: PID {} written to {}\n",
            written.trim(),
            path.display()
        )
    );
}

#[test]
fn registration_failure_names_the_file() {
    let child = spawn(&["--path", "/nonexistent/signalconfpid", "--timeout", "5"]);
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        err.contains("/nonexistent/signalconfpid") && err.contains("module loaded"),
        "{err}"
    );
}

#[test]
fn rejects_an_invalid_signal_number() {
    let output = spawn(&["--signal", "65"]).wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
