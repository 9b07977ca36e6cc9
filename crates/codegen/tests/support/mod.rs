//! What every golden test of this crate shares: where the repository is, whether expected output
//! is being accepted (`EXPECTORATE=overwrite`), how a case's spec is loaded and which cases exist.
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::{Path, PathBuf};

use handshake_spec::model::Spec;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root exists")
}

/// Whether the run accepts new output (`EXPECTORATE=overwrite`), as typify and progenitor do.
pub fn overwrite() -> bool {
    std::env::var("EXPECTORATE").is_ok_and(|value| value == "overwrite")
}

/// Load a spec by its repo-relative manifest; a case that does not load fails with its diagnostics.
pub fn load(root: &Path, manifest: &str) -> Spec {
    match handshake_spec::load_manifest(root, manifest) {
        Ok(spec) => spec,
        Err(error) => panic!("{manifest} does not load:\n{error}"),
    }
}

/// The case folders under `dir` (repo-relative), sorted by name: a new case is a new folder.
pub fn cases(root: &Path, dir: &str) -> Vec<String> {
    let dir = root.join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
