//! Shared helpers for the workspace-level conformance tests in `tests/tests/`.
#![deny(missing_docs)]

pub mod ai_job_fields;
pub mod pg;
pub mod rule_blocks;
pub mod rust_verdict;

use std::path::{Path, PathBuf};

/// The files (and folders) directly in `dir` as (name, path), sorted by name so a test's order does
/// not depend on the file system; panics when `dir` cannot be read, since a test that lists a
/// committed folder must not pass on an empty one.
pub fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let read = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut entries: Vec<(String, PathBuf)> = read
        .map(|entry| {
            let path = entry
                .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
                .path();
            let name = path
                .file_name()
                .expect("a listed entry has a name")
                .to_string_lossy()
                .into_owned();
            (name, path)
        })
        .collect();
    entries.sort();
    entries
}

/// A record of a corpus laid out as `<dir>/<folder>/{valid,invalid}/<case>.json`, where the folder
/// names what the record is about (its root type, or its rule) and the one below it its verdict.
pub struct VerdictFile {
    /// The folder's name.
    pub folder: String,
    /// The record's path.
    pub path: PathBuf,
    /// Whether it lies under `valid/`.
    pub expected_valid: bool,
}

/// Every record of the corpus in `dir` (see [`VerdictFile`]): folders in name order, `valid`
/// before `invalid`, files in name order.
pub fn verdict_files(dir: &Path) -> Vec<VerdictFile> {
    let mut files = Vec::new();
    for (folder, folder_path) in entries(dir) {
        for (verdict, expected_valid) in [("valid", true), ("invalid", false)] {
            let verdict_dir = folder_path.join(verdict);
            if !verdict_dir.is_dir() {
                continue;
            }
            files.extend(
                entries(&verdict_dir)
                    .into_iter()
                    .filter(|(name, _)| name.ends_with(".json"))
                    .map(|(_, path)| VerdictFile {
                        folder: folder.clone(),
                        path,
                        expected_valid,
                    }),
            );
        }
    }
    files
}

/// The stable code (`HSK-RULE-0103`) of the spec's rule named `name`.
///
/// # Panics
/// When the spec declares no rule of that name (a corpus folder or a test naming a rule that is
/// gone).
pub fn rule_code(spec: &handshake_spec::model::Spec, name: &str) -> String {
    spec.rules
        .iter()
        .find(|rule| rule.name == name)
        .unwrap_or_else(|| panic!("the spec declares no rule {name}"))
        .code
        .clone()
}

/// The repository root (this crate lives in `<root>/tests`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
