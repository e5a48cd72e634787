// SPDX-License-Identifier: GPL-2.0

//! The command language of `/sys/kernel/debug/signalconfpid`.
//!
//! This file is compiled twice, from this one source: into the kernel module (by a `#[path]`
//! module declaration in `signal_example.rs`) and into the host crate `signal_example_user`,
//! where `cargo test` unit-tests and fuzzes it. It therefore uses `core` only.
//!
//! One write is one command:
//!
//! ```text
//! PID [sig=N] [value=V] [\n] [\0]
//! ```
//!
//! * Tokens are separated by runs of spaces or tabs; leading and trailing blanks are allowed.
//! * `PID` comes first: decimal digits only, `1..=i32::MAX`.
//! * `sig=N`: a signal number, decimal, `1..=64`.
//! * `value=V`: an integer from `-2^63` to `2^64 - 1`, decimal or hex (`0x`), with an optional
//!   `-`; it is carried as its 64-bit two's complement bit pattern.
//! * Each key at most once, in any order. An optional trailing newline, then an optional trailing
//!   NUL, end the command (`echo` sends the first, the seed's C client the second).
//! * At most [`MAX_COMMAND_LEN`] bytes in all.

/// The longest accepted command in bytes, terminators included.
///
/// `"2147483647 sig=64 value=-9223372036854775808\n\0"` is 46 bytes: 64 leaves room for blanks.
pub const MAX_COMMAND_LEN: usize = 64;

/// The highest signal number of the kernel (`_NSIG` on every architecture Linux runs Rust on).
pub const MAX_SIGNAL: u32 = 64;

/// A parsed command. Fields the writer left out are `None`: the module fills in its defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    /// The target, as the writer's PID namespace numbers it. Always positive.
    pub pid: i32,
    /// The signal to send, `1..=MAX_SIGNAL`.
    pub signal: Option<u32>,
    /// The payload, stored in `si_value` as a pointer-sized value.
    pub value: Option<u64>,
}

/// Why a command was rejected. The module maps every variant to `EINVAL`; the variants exist so
/// that tests can tell the rules apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Longer than [`MAX_COMMAND_LEN`].
    TooLong,
    /// No token at all.
    Empty,
    /// Not UTF-8, or a byte that is not allowed (such as a NUL before the end).
    BadByte,
    /// The first token is not a decimal PID in `1..=i32::MAX`.
    BadPid,
    /// A token after the PID is not `key=value`, or the key is unknown.
    UnknownKey,
    /// `sig=` or `value=` given twice.
    RepeatedKey,
    /// `sig=` is not a number in `1..=MAX_SIGNAL`.
    BadSignal,
    /// `value=` is not an integer in `-2^63..=2^64-1`.
    BadValue,
}

/// Returns whether `signal` is a signal number the kernel accepts.
pub fn is_valid_signal(signal: u32) -> bool {
    (1..=MAX_SIGNAL).contains(&signal)
}

/// `value` as the word `si_value` carries on a kernel whose pointers have `bits` bits (32 or 64):
/// its low `bits` bits, if that loses nothing: the value is in `0..2^bits` or, read as negative,
/// in `-2^(bits-1)..0` (so `-7` is `-7` in `si_int` on every kernel). `None` if it does not fit:
/// on a 32-bit kernel, a payload that needs more than 32 bits.
pub fn sigval_word(value: u64, bits: u32) -> Option<u64> {
    if bits >= 64 {
        return Some(value);
    }
    let unsigned_fits = value >> bits == 0;
    let negative_fits = (value as i64) < 0 && (value as i64) >= -(1i64 << (bits - 1));
    (unsigned_fits || negative_fits).then_some(value & ((1u64 << bits) - 1))
}

impl Command {
    /// Parses one write's bytes.
    pub fn parse(input: &[u8]) -> Result<Self, ParseError> {
        if input.len() > MAX_COMMAND_LEN {
            return Err(ParseError::TooLong);
        }
        let input = input.strip_suffix(b"\0").unwrap_or(input);
        let input = input.strip_suffix(b"\n").unwrap_or(input);
        let text = core::str::from_utf8(input).map_err(|_| ParseError::BadByte)?;
        if !text
            .bytes()
            .all(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t')
        {
            return Err(ParseError::BadByte);
        }

        let mut tokens = text.split([' ', '\t']).filter(|t| !t.is_empty());
        let pid = tokens.next().ok_or(ParseError::Empty)?;
        let pid = parse_decimal(pid)
            .and_then(|pid| i32::try_from(pid).ok())
            .filter(|&pid| pid > 0)
            .ok_or(ParseError::BadPid)?;

        let mut command = Command {
            pid,
            signal: None,
            value: None,
        };
        for token in tokens {
            let (key, value) = token.split_once('=').ok_or(ParseError::UnknownKey)?;
            match key {
                "sig" => {
                    if command.signal.is_some() {
                        return Err(ParseError::RepeatedKey);
                    }
                    let signal = parse_decimal(value)
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|&n| is_valid_signal(n))
                        .ok_or(ParseError::BadSignal)?;
                    command.signal = Some(signal);
                }
                "value" => {
                    if command.value.is_some() {
                        return Err(ParseError::RepeatedKey);
                    }
                    command.value = Some(parse_value(value).ok_or(ParseError::BadValue)?);
                }
                _ => return Err(ParseError::UnknownKey),
            }
        }
        Ok(command)
    }
}

/// Parses a non-empty string of decimal digits (no sign) that fits a `u64`.
fn parse_decimal(digits: &str) -> Option<u64> {
    parse_digits(digits, 10)
}

fn parse_digits(digits: &str, radix: u32) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.chars().try_fold(0u64, |acc, c| {
        let digit = u64::from(c.to_digit(radix)?);
        acc.checked_mul(u64::from(radix))?.checked_add(digit)
    })
}

/// Parses `[-](decimal | 0x hex)` in `-2^63..=2^64-1` into its 64-bit two's complement pattern.
fn parse_value(text: &str) -> Option<u64> {
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match magnitude
        .strip_prefix("0x")
        .or_else(|| magnitude.strip_prefix("0X"))
    {
        Some(hex) => parse_digits(hex, 16)?,
        None => parse_decimal(magnitude)?,
    };
    if negative {
        // -2^63 is the most negative 64-bit integer.
        (magnitude <= 1 << 63).then(|| magnitude.wrapping_neg())
    } else {
        Some(magnitude)
    }
}
