//! Generated modules (hand-written parent): `cargo xtask codegen` owns every file in `generated/`.
//!
//! The files are committed so the crate builds without running codegen; `cargo xtask codegen
//! --check` (and a test) fail when they drift from the spec.

pub mod errors;
pub mod lifecycle;
pub mod types;
