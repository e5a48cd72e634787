//! Host side of signal-example: what the module and userspace programs share, and the device.
//!
//! `command.rs` (the write format's parser) and `uapi.rs` (the ioctls' structs and numbers) are
//! the very files the module compiles; building them here lets `cargo test` check and fuzz them
//! without a kernel. [`Device`] is `/dev/signalconfpid` opened for its ioctls.

// The module compiles these two: no unsafe code in them.
#[forbid(unsafe_code)]
pub mod command;
#[forbid(unsafe_code)]
pub mod uapi;

pub mod device;

pub use device::Device;
