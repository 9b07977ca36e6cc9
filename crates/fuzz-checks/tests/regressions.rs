//! Every committed fuzz input, seeds and past findings alike, through its target's check, in
//! ordinary `cargo test` (no nightly toolchain): `fuzz/corpus/<target>/` holds the minimised seed
//! corpora, `fuzz/regressions/<target>/` every input a fuzzer once crashed, hung or blew up on.

use std::path::{Path, PathBuf};

/// A fuzz target's check.
type Check = fn(&[u8]);

/// The targets and their checks (the names of `fuzz/fuzz_targets/*.rs`).
const TARGETS: &[(&str, Check)] = &[
    ("spec_file", handshake_fuzz_checks::spec_file),
    ("spec_edit", handshake_fuzz_checks::spec_edit),
    ("record", handshake_fuzz_checks::record_bytes),
    ("canonical", handshake_fuzz_checks::canonical),
    ("master_spec", handshake_fuzz_checks::master_spec),
    ("cli_detect", handshake_fuzz_checks::cli_detect),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_seed_corpus_and_its_fuzz_target() {
    for (target, _) in TARGETS {
        assert!(
            !inputs("corpus", target).is_empty(),
            "fuzz/corpus/{target} holds no seed"
        );
        assert!(
            fuzz_dir()
                .join(format!("fuzz_targets/{target}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{target}.rs is missing"
        );
    }
}

#[test]
fn past_findings_stay_fixed() {
    for (target, check) in TARGETS {
        for input in inputs("regressions", target) {
            let bytes = std::fs::read(&input).expect("read");
            check(&bytes);
        }
    }
}

#[test]
fn seed_corpora_pass_every_check() {
    for (target, check) in TARGETS {
        // A sample is enough here (the spec targets load the whole spec per input, and the
        // corpora hold thousands of inputs); the fuzz smoke in CI runs them all.
        let files = inputs("corpus", target);
        let budget = if target.starts_with("spec") { 40 } else { 300 };
        let step = (files.len() / budget).max(1);
        for input in files.iter().step_by(step) {
            let bytes = std::fs::read(input).expect("read");
            check(&bytes);
        }
    }
}
