//! The spec loader: reads `spec/*.yaml` into the checked, typed [`model::Spec`].
//!
//! Loading never panics on input and never stops at the first problem: every error is collected as
//! a [`diagnostics::Diagnostic`] with `file:line:col`, what is wrong and how to fix it.
#![deny(missing_docs)]

pub mod diagnostics;
pub mod model;
