//! What the golden tests of this crate share: where the repository is, whether expected output
//! is being accepted (`EXPECTORATE=overwrite`), which golden cases exist and how one is loaded.
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::{Path, PathBuf};

use handshake_spec::model::Spec;

/// The folder holding one folder per golden case (see its README).
pub const GOLDEN: &str = "tests/golden";

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

/// The repo-relative manifest of a golden case.
pub fn manifest(case: &str) -> String {
    format!("{GOLDEN}/{case}/spec/handshake.yaml")
}

/// Load a golden case's spec.
pub fn load_case(root: &Path, case: &str) -> Spec {
    load(root, &manifest(case))
}

/// The golden case folders, sorted by name: a new case is a new folder.
pub fn cases(root: &Path) -> Vec<String> {
    let dir = root.join(GOLDEN);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
