//! The command parser that the module compiles, tested on the host: one test per rule of the
//! write format, then a bounded property test over random input.

use proptest::prelude::*;
use signal_example_user::command::{is_valid_signal, Command, ParseError, MAX_COMMAND_LEN};

fn parse(input: &str) -> Result<Command, ParseError> {
    Command::parse(input.as_bytes())
}

fn pid_only(pid: i32) -> Command {
    Command {
        pid,
        signal: None,
        value: None,
    }
}

#[test]
fn seed_client_format_digits_and_nul() {
    assert_eq!(Command::parse(b"1234\0"), Ok(pid_only(1234)));
}

#[test]
fn echo_format_digits_and_newline() {
    assert_eq!(parse("1234\n"), Ok(pid_only(1234)));
    assert_eq!(parse("1234\n\0"), Ok(pid_only(1234)));
    assert_eq!(parse("1234"), Ok(pid_only(1234)));
}

#[test]
fn blanks_around_and_between_tokens() {
    let expected = Command {
        pid: 7,
        signal: Some(40),
        value: Some(5),
    };
    assert_eq!(parse(" \t7 \t sig=40\tvalue=5 \n"), Ok(expected));
}

#[test]
fn keys_in_either_order() {
    let expected = Command {
        pid: 7,
        signal: Some(64),
        value: Some(9),
    };
    assert_eq!(parse("7 value=9 sig=64"), Ok(expected));
    assert_eq!(parse("7 sig=64 value=9"), Ok(expected));
}

#[test]
fn pid_limits() {
    assert_eq!(parse("1"), Ok(pid_only(1)));
    assert_eq!(parse("2147483647"), Ok(pid_only(i32::MAX)));
    assert_eq!(parse("0002"), Ok(pid_only(2)));
    assert_eq!(parse("0"), Err(ParseError::BadPid));
    assert_eq!(parse("2147483648"), Err(ParseError::BadPid));
    assert_eq!(parse("99999999999999999999999"), Err(ParseError::BadPid));
}

#[test]
fn pid_must_be_plain_decimal() {
    for bad in ["-1", "+1", "0x10", "12a", "a12", "1.0", "1e3", "sig=44"] {
        assert_eq!(parse(bad), Err(ParseError::BadPid), "{bad:?}");
    }
}

#[test]
fn missing_pid() {
    for empty in ["", "\n", "\0", "\n\0", "   ", " \t\n"] {
        assert_eq!(parse(empty), Err(ParseError::Empty), "{empty:?}");
    }
}

#[test]
fn more_than_one_pid() {
    assert_eq!(parse("12 13"), Err(ParseError::UnknownKey));
}

#[test]
fn signal_range() {
    for (text, signal) in [("1", 1), ("44", 44), ("64", 64), ("034", 34)] {
        let command = parse(&format!("5 sig={text}")).unwrap();
        assert_eq!(command.signal, Some(signal));
    }
    for bad in ["0", "65", "-1", "", "0x2c", "4294967340", "44a"] {
        assert_eq!(
            parse(&format!("5 sig={bad}")),
            Err(ParseError::BadSignal),
            "{bad:?}"
        );
    }
    assert!(is_valid_signal(1) && is_valid_signal(64));
    assert!(!is_valid_signal(0) && !is_valid_signal(65));
}

#[test]
fn value_decimal_hex_and_negative() {
    let value = |text: &str| parse(&format!("5 value={text}")).map(|c| c.value.unwrap());
    assert_eq!(value("1234"), Ok(1234));
    assert_eq!(value("0"), Ok(0));
    assert_eq!(value("-1"), Ok(u64::MAX));
    assert_eq!(value("0x4d2"), Ok(1234));
    assert_eq!(value("0XFFFFFFFFFFFFFFFF"), Ok(u64::MAX));
    assert_eq!(value("-0x10"), Ok((-16i64) as u64));
    assert_eq!(value("18446744073709551615"), Ok(u64::MAX));
    assert_eq!(value("-9223372036854775808"), Ok(i64::MIN as u64));
}

#[test]
fn value_out_of_range_or_malformed() {
    for bad in [
        "18446744073709551616",
        "-9223372036854775809",
        "0x10000000000000000",
        "",
        "-",
        "0x",
        "--1",
        "+1",
        "12z",
        "0b101",
        "1_000",
    ] {
        assert_eq!(
            parse(&format!("5 value={bad}")),
            Err(ParseError::BadValue),
            "{bad:?}"
        );
    }
}

#[test]
fn unknown_or_malformed_keys() {
    for bad in [
        "5 signal=4",
        "5 sig",
        "5 =4",
        "5 SIG=4",
        "5 value",
        "5 foo=bar",
        "5 x",
    ] {
        assert_eq!(parse(bad), Err(ParseError::UnknownKey), "{bad:?}");
    }
}

#[test]
fn repeated_keys() {
    assert_eq!(parse("5 sig=40 sig=40"), Err(ParseError::RepeatedKey));
    assert_eq!(parse("5 value=1 value=2"), Err(ParseError::RepeatedKey));
}

#[test]
fn embedded_junk() {
    for bad in [
        "12\x0034", "12\0\0", "12\n\n", "12\n34", "12\r\n", "12\x01", "1\u{e9}",
    ] {
        assert_eq!(parse(bad), Err(ParseError::BadByte), "{bad:?}");
    }
}

#[test]
fn length_limit() {
    let longest = format!("{:0>width$}", 5, width = MAX_COMMAND_LEN);
    assert_eq!(parse(&longest), Ok(pid_only(5)));
    let too_long = format!("{:0>width$}", 5, width = MAX_COMMAND_LEN + 1);
    assert_eq!(parse(&too_long), Err(ParseError::TooLong));
    let full = "2147483647 sig=64 value=-9223372036854775808\n\0";
    assert!(full.len() <= MAX_COMMAND_LEN);
    assert!(parse(full).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    /// Random bytes never panic, and whatever is accepted is a positive PID with valid fields.
    #[test]
    fn random_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(command) = Command::parse(&input) {
            prop_assert!(command.pid > 0);
            prop_assert!(command.signal.is_none_or(is_valid_signal));
            prop_assert!(input.len() <= MAX_COMMAND_LEN);
        }
    }

    /// Every well-formed command parses back to what was written.
    #[test]
    fn well_formed_commands_round_trip(
        pid in 1..=i32::MAX,
        signal in proptest::option::of(1u32..=64),
        value in proptest::option::of(any::<i64>()),
        hex in any::<bool>(),
        terminator in prop::sample::select(vec!["", "\n", "\0", "\n\0"]),
    ) {
        let mut text = pid.to_string();
        if let Some(signal) = signal {
            text += &format!(" sig={signal}");
        }
        if let Some(value) = value {
            text += &if hex && value >= 0 { format!(" value={value:#x}") } else { format!(" value={value}") };
        }
        text += terminator;
        let expected = Command { pid, signal, value: value.map(|v| v as u64) };
        prop_assert_eq!(Command::parse(text.as_bytes()), Ok(expected));
    }
}

#[test]
fn sigval_word_fits_the_kernels_pointer() {
    use signal_example_user::command::sigval_word;
    // 64-bit kernels carry every 64-bit pattern.
    for value in [0, 1234, u64::MAX, 1 << 63, 0x1122_3344_5566_7788] {
        assert_eq!(sigval_word(value, 64), Some(value));
    }
    // 32-bit kernels: 0..2^32 and -2^31..0, as their low 32 bits.
    assert_eq!(sigval_word(1234, 32), Some(1234));
    assert_eq!(sigval_word(u64::from(u32::MAX), 32), Some(0xffff_ffff));
    assert_eq!(sigval_word(-7i64 as u64, 32), Some(0xffff_fff9));
    assert_eq!(
        sigval_word(i64::from(i32::MIN) as u64, 32),
        Some(0x8000_0000)
    );
    assert_eq!(sigval_word(1 << 32, 32), None);
    assert_eq!(sigval_word((i64::from(i32::MIN) - 1) as u64, 32), None);
    assert_eq!(sigval_word(0x1122_3344_5566_7788, 32), None);
    assert_eq!(sigval_word(u64::MAX - (1 << 40), 32), None);
}
