//! Shared helpers for the workspace-level conformance tests in `tests/tests/`.
#![deny(missing_docs)]

pub mod pg;

use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `<root>/tests`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
