//! The spec loader: reads `spec/*.yaml` into the checked, typed [`model::Spec`].
//!
//! Loading never panics on input and never stops at the first problem: every error is collected as
//! a [`diagnostics::Diagnostic`] with `file:line:col`, what is wrong and how to fix it. The stable
//! diagnostic codes are listed in [`diagnostics`].
//!
//! ```
//! use std::collections::BTreeMap;
//! let mut sources = BTreeMap::new();
//! sources.insert("spec/handshake.yaml".to_string(), "spec: x\n".to_string());
//! let error = handshake_spec::load_sources(&sources, "spec/handshake.yaml").unwrap_err();
//! assert!(error.to_string().contains("problem"));
//! ```
#![deny(missing_docs)]

pub mod diagnostics;
mod loader;
pub mod model;
pub mod names;
mod pattern;
pub mod reserved;
pub mod scratch;
mod suggest;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use diagnostics::Diagnostics;
use model::Spec;

/// Repo-relative path of the manifest that [`load`] reads.
pub const MANIFEST: &str = "spec/handshake.yaml";

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A spec file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The spec has problems; every one of them is in the diagnostics.
    #[error("{}", .0.render().trim_end())]
    Invalid(Diagnostics),
}

/// Loads `spec/handshake.yaml` and the files it lists from the repository at `repo_root`.
pub fn load(repo_root: &Path) -> Result<Spec, LoadError> {
    load_manifest(repo_root, MANIFEST)
}

/// Loads the spec whose manifest is at `manifest` (relative to `repo_root`, `/`-separated).
/// Entries of its `files:` are relative to the manifest's folder.
pub fn load_manifest(repo_root: &Path, manifest: &str) -> Result<Spec, LoadError> {
    let mut read = |relative: &str| -> Result<Option<String>, LoadError> {
        let path = repo_root.join(relative);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LoadError::Io { path, source }),
        }
    };
    loader::load(manifest, &mut read)
}

/// Loads a spec from memory: `sources` maps repo-relative paths to file contents and must hold
/// `manifest` and every file it lists.
pub fn load_sources(sources: &BTreeMap<String, String>, manifest: &str) -> Result<Spec, LoadError> {
    let mut read = |relative: &str| -> Result<Option<String>, LoadError> {
        Ok(sources.get(relative).cloned())
    };
    loader::load(manifest, &mut read)
}
