//! Generated modules (hand-written parent): `cargo xtask codegen` owns every file in `generated/`.
//!
//! The files are committed so the crate builds without running codegen; `cargo xtask codegen
//! --check` (and a test) fail when they drift from the spec.

// `rustfmt::skip`: the generator prints these files with prettyplease; `cargo fmt` must not
// rewrite them, or the drift check would fail after every format run.
#[rustfmt::skip]
pub mod errors;
#[rustfmt::skip]
pub mod lifecycle;
#[rustfmt::skip]
pub mod profiles;
#[rustfmt::skip]
pub mod registry;
#[rustfmt::skip]
pub mod types;
#[rustfmt::skip]
pub mod validate;
