//! The AI Job Model of the Handshake Master Spec (§2.6.6): jobs, their lifecycle and typed errors.
//!
//! Everything under [`generated`] is produced by `cargo xtask codegen` from `spec/*.yaml` and is
//! re-exported here; the support types it builds on ([`Timestamp`], [`ValueError`]) are written by
//! hand in sibling modules, so regenerating never touches them.
#![deny(missing_docs)]
#![deny(warnings)]

pub mod generated;
pub mod serde_support;
mod timestamp;
pub mod validation;
mod value_error;

pub use generated::{errors::*, lifecycle::*, types::*};
pub use timestamp::{Timestamp, TimestampError};
pub use validation::{INVALID_RECORD_CODE, Validate, Violation, validate_json};
pub use value_error::ValueError;
