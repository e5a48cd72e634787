//! Host side of signal-example: the command parser shared with the kernel module.
//!
//! `command.rs` is the very file the module compiles; building it here lets `cargo test`
//! check and fuzz it without a kernel.
#![no_std]
#![forbid(unsafe_code)]

pub mod command;
