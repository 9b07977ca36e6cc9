//! What the `handshake` command decides, as a library: reading a record, which root type it is
//! (type detection), every violation it has, the exit status of a run, and the canonical hash.
//!
//! The binary (`src/main.rs`) parses arguments, reads files and prints; everything that decides a
//! verdict is here, so the fuzz target `cli_detect` (`fuzz/`, checks in `handshake-fuzz-checks`)
//! and the mutation tests (`scripts/mutants.sh cli`) exercise it without starting a process.
#![deny(missing_docs)]

pub mod exit;
pub mod hash;
pub mod input;
pub mod registry;
pub mod validate;
pub mod violation;
