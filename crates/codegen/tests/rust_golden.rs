//! Golden tests of the Rust target: each folder under `tests/golden/rust/` is a case.
//!
//! A case is `tests/golden/rust/<case>/spec/handshake.yaml` (plus the files it lists) whose
//! `outputs.rust` points at `tests/golden/rust/<case>/expected`; the test generates and compares
//! every file byte for byte. The real spec is a case too: its expected output is the committed
//! `crates/job-model/src/generated/`, which the model crate compiles with `#![deny(warnings)]`.
//! `EXPECTORATE=overwrite cargo test -p handshake-codegen --test rust_golden` rewrites expected
//! files after a deliberate change.

use std::path::Path;

use handshake_codegen::{GeneratedFile, rust};
use support::{cases, load, overwrite, repo_root};

mod support;

/// Compare (or, when `accept`, write) every generated file; return the mismatches.
fn compare(root: &Path, files: &[GeneratedFile], accept: bool) -> Vec<String> {
    let mut mismatches = Vec::new();
    for file in files {
        let path = root.join(&file.path);
        let existing = std::fs::read_to_string(&path).ok();
        if existing.as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if accept {
            std::fs::create_dir_all(path.parent().expect("output files are inside a folder"))
                .expect("create folder");
            std::fs::write(&path, &file.contents).expect("write expected output");
        } else {
            mismatches.push(format!("{} differs from the generated output", file.path));
        }
    }
    mismatches
}

#[test]
fn golden_cases_match() {
    let root = repo_root();
    let cases = cases(&root, "tests/golden/rust");
    assert!(!cases.is_empty(), "no golden cases under tests/golden/rust");
    let mut mismatches = Vec::new();
    for case in &cases {
        let manifest = format!("tests/golden/rust/{case}/spec/handshake.yaml");
        let spec = load(&root, &manifest);
        let expected_dir = format!("tests/golden/rust/{case}/expected");
        assert_eq!(
            spec.outputs.rust, expected_dir,
            "case {case}: outputs.rust must be {expected_dir}"
        );
        let files = rust::generate(&spec).unwrap_or_else(|error| panic!("case {case}: {error}"));
        mismatches.extend(compare(&root, &files, overwrite()));
    }
    assert!(
        mismatches.is_empty(),
        "{}\nrun `EXPECTORATE=overwrite cargo test -p handshake-codegen --test rust_golden` to accept",
        mismatches.join("\n")
    );
}

#[test]
fn real_spec_output_is_committed() {
    let root = repo_root();
    let spec = load(&root, handshake_spec::MANIFEST);
    let files = rust::generate(&spec).expect("the real spec generates rust");
    // Never written from here: the one write path for the real spec is `cargo xtask codegen`.
    let mismatches = compare(&root, &files, false);
    assert!(
        mismatches.is_empty(),
        "{}\nrun `cargo xtask codegen` and commit the result",
        mismatches.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    let root = repo_root();
    let mut manifests = vec![handshake_spec::MANIFEST.to_owned()];
    manifests.extend(
        cases(&root, "tests/golden/rust")
            .iter()
            .map(|case| format!("tests/golden/rust/{case}/spec/handshake.yaml")),
    );
    for manifest in manifests {
        let first = rust::generate(&load(&root, &manifest)).expect("generates");
        let second = rust::generate(&load(&root, &manifest)).expect("generates");
        assert_eq!(first, second, "{manifest}: two runs differ");
        for file in &first {
            assert!(
                file.contents.starts_with("// @generated"),
                "{}: marker is not the first line",
                file.path
            );
            assert!(
                file.contents.ends_with('\n') && !file.contents.ends_with("\n\n"),
                "{}: not one trailing newline",
                file.path
            );
            assert!(!file.contents.contains('\r'), "{}: CR in output", file.path);
        }
    }
}

/// The `all_constructs` case as in-memory sources, with `edit` applied to `errors.yaml`.
fn golden_sources_with_errors(
    edit: impl Fn(&str) -> String,
) -> std::collections::BTreeMap<String, String> {
    let root = repo_root();
    let mut sources = std::collections::BTreeMap::new();
    for file in [
        "handshake.yaml",
        "types.yaml",
        "lifecycle.yaml",
        "errors.yaml",
    ] {
        let path = format!("tests/golden/rust/all_constructs/spec/{file}");
        let text = std::fs::read_to_string(root.join(&path)).expect("golden spec file");
        let text = if file == "errors.yaml" {
            edit(&text)
        } else {
            text
        };
        sources.insert(path, text);
    }
    sources
}

fn generate_from(
    sources: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<GeneratedFile>, String> {
    let spec = handshake_spec::load_sources(
        sources,
        "tests/golden/rust/all_constructs/spec/handshake.yaml",
    )
    .unwrap_or_else(|error| panic!("edited golden spec does not load:\n{error}"));
    rust::generate(&spec).map_err(|error| error.to_string())
}

#[test]
fn a_spec_without_illegal_transition_is_refused_with_a_clear_message() {
    let sources =
        golden_sources_with_errors(|text| text.replace("IllegalTransition:", "NoSuchEdge:"));
    let error = generate_from(&sources).expect_err("check_transition has no error to return");
    assert!(
        error.contains("needs an error named IllegalTransition"),
        "{error}"
    );
}

#[test]
fn illegal_transition_fields_must_be_lifecycle_states() {
    let sources = golden_sources_with_errors(|text| {
        text.replace("to_state: { type: Stage,", "to_state: { type: string,")
    });
    let error = generate_from(&sources).expect_err("to_state is not a state");
    assert!(error.contains("must have type Stage"), "{error}");
}

/// The names the Rust target reserves are one list (`handshake_spec::reserved::rust`), which the
/// loader checks too, so such a name is refused at its declaration before the target sees it.
#[test]
fn reserved_names_are_refused() {
    let sources = golden_sources_with_errors(|text| text.replace("  Empty:", "  ModelError:"));
    let error = handshake_spec::load_sources(
        &sources,
        "tests/golden/rust/all_constructs/spec/handshake.yaml",
    )
    .expect_err("ModelError is the generated enum's own name")
    .to_string();
    assert!(
        error.contains("error[S0202]: error name `ModelError` is reserved"),
        "{error}"
    );
}
