//! Shared by the tests: load a case of `spec_diff_cases/` as a spec, from memory.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use handshake_spec::model::Spec;

/// The lock the `claims:` of a case may name.
pub const LOCK: &str = "§2.6.6.2/jobs-have-ids\tstatement\t§2.6.6.2\t1\t0\t0\n";

pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec_diff_cases")
}

pub fn load(dir: &Path, which: &str) -> Spec {
    match handshake_spec::load_sources(&files(dir, which), "spec/handshake.yaml") {
        Ok(spec) => spec,
        Err(error) => panic!("{} ({which}) does not load:\n{error}", dir.display()),
    }
}

/// The spec files of a case as a repository would hold them (`spec/…` paths → text), for the
/// scratch-repository tests.
pub fn files(dir: &Path, which: &str) -> BTreeMap<String, String> {
    let case = std::fs::read_to_string(dir.join(format!("{which}.yaml"))).unwrap();
    // A case that declares its own lifecycle replaces the base's, so the base is left out.
    let own_lifecycle = case.lines().any(|l| l.starts_with("lifecycle:"));
    let mut manifest = std::fs::read_to_string(dir.join(format!("{which}.manifest.yaml")))
        .unwrap_or_else(|_| {
            let files: &[&str] = if own_lifecycle {
                &["case.yaml"]
            } else {
                &["base.yaml", "case.yaml"]
            };
            handshake_spec::scratch::manifest("diff_case", files)
        });
    if own_lifecycle {
        manifest = manifest.replace("  - base.yaml\n", "");
    }
    let mut files = BTreeMap::new();
    files.insert("spec/handshake.yaml".to_string(), manifest);
    files.insert(
        "spec/base.yaml".to_string(),
        std::fs::read_to_string(cases_dir().join("base.yaml")).unwrap(),
    );
    files.insert("spec/case.yaml".to_string(), case);
    files.insert("spec/master-spec.lock".to_string(), LOCK.to_string());
    files
}

/// The spec of a case, loaded from [`files`].
pub fn spec(name: &str, which: &str) -> Spec {
    load(&cases_dir().join(name), which)
}
