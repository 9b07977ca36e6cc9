//! Compiles the Rust output of every golden case against the model crate's support types, with
//! warnings denied, so a golden that stops compiling fails `cargo test`; the modules below test
//! what the generated code of a case does.
//!
//! `cases` is written by `build.rs`: one module per folder `tests/golden/<case>/expected/rust/`,
//! laid out as the model crate's `generated/` (`types`, `lifecycle`, `errors`, `validate`, …).
//! `crate::Timestamp`, `crate::ValueError`, `crate::serde_support` and `crate::validation`, which
//! generated code names, resolve through the re-exports here as they do in the model crate.
#![deny(warnings)]

pub use handshake_job_model::{Timestamp, ValueError, serde_support, validation};

/// The Rust output of every golden case, one module per case.
pub mod cases {
    include!(concat!(env!("OUT_DIR"), "/golden_cases.rs"));
}

mod every_construct;
mod evolution;
mod profiles;
mod reserved_words;
mod rules;
mod variant_steps;
