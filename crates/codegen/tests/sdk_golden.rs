//! Golden tests of the TypeScript, Python and docs targets: each folder under
//! `tests/golden/{typescript,python,docs}/` is a case.
//!
//! A case is `tests/golden/<target>/<case>/spec/handshake.yaml` (plus the files it lists) whose
//! output folder for `<target>` is `tests/golden/<target>/<case>/expected`; the test generates that
//! target, compares every file byte for byte and refuses files in `expected/` that are no longer
//! generated. A new case is a new folder. After a deliberate change,
//! `EXPECTORATE=overwrite cargo test -p handshake-codegen --test sdk_golden` rewrites the expected
//! files (and removes orphans); review the diff before committing.
//!
//! The real spec's SDK files are checked by `cargo xtask codegen --check`, and their behaviour by
//! `sdk/check.sh` (tsc and pytest).

use std::collections::BTreeMap;
use std::path::Path;

use handshake_codegen::{GeneratedFile, docs, marker, python, typescript};
use support::{cases, overwrite, repo_root};

mod support;
use handshake_spec::model::Spec;

/// A target under test: its folder name, its generator, and how to find its output folder.
struct Target {
    name: &'static str,
    generate: fn(&Spec) -> Vec<GeneratedFile>,
    output_dir: fn(&Spec) -> &str,
}

const TARGETS: [Target; 3] = [
    Target {
        name: "typescript",
        generate: typescript::generate,
        output_dir: |spec| &spec.outputs.typescript,
    },
    Target {
        name: "python",
        generate: python::generate,
        output_dir: |spec| &spec.outputs.python,
    },
    Target {
        name: "docs",
        generate: docs::generate,
        output_dir: |spec| &spec.outputs.docs,
    },
];

/// Repo-relative paths and contents of every file under `dir`, recursively.
fn files_under(root: &Path, dir: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_string()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&current)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.expect("directory entry");
            let path = format!("{current}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                pending.push(path);
            } else {
                let contents = std::fs::read_to_string(entry.path())
                    .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
                found.insert(path, contents);
            }
        }
    }
    found
}

/// Checks one case; returns the problems found (empty when it matches, or after overwriting).
fn check_case(root: &Path, target: &Target, case: &str) -> Vec<String> {
    let manifest = format!("tests/golden/{}/{case}/spec/handshake.yaml", target.name);
    let spec = handshake_spec::load_manifest(root, &manifest)
        .unwrap_or_else(|error| panic!("{manifest} does not load:\n{error}"));
    let expected_dir = format!("tests/golden/{}/{case}/expected", target.name);
    assert_eq!(
        (target.output_dir)(&spec),
        expected_dir,
        "{manifest}: outputs.{} must be {expected_dir}",
        target.name
    );
    let generated = (target.generate)(&spec);
    let mut problems = Vec::new();
    for file in &generated {
        if !marker::is_generated(&file.contents) {
            problems.push(format!(
                "{}: first line lacks the @generated marker",
                file.path
            ));
        }
        if !file.contents.ends_with('\n')
            || file.contents.ends_with("\n\n")
            || file.contents.contains('\r')
        {
            problems.push(format!(
                "{}: must use LF and end with exactly one newline",
                file.path
            ));
        }
    }
    assert_eq!(
        generated,
        (target.generate)(&spec),
        "{manifest}: {} output is not deterministic",
        target.name
    );

    let on_disk = files_under(root, &expected_dir);
    let produced: BTreeMap<String, String> = generated
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    if overwrite() {
        for path in on_disk.keys().filter(|path| !produced.contains_key(*path)) {
            std::fs::remove_file(root.join(path))
                .unwrap_or_else(|error| panic!("cannot remove {path}: {error}"));
        }
        for (path, contents) in &produced {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().expect("file has a parent"))
                .expect("create expected folder");
            if on_disk.get(path) != Some(contents) {
                std::fs::write(&full, contents)
                    .unwrap_or_else(|error| panic!("cannot write {path}: {error}"));
            }
        }
        return problems;
    }
    for (path, contents) in &produced {
        match on_disk.get(path) {
            None => problems.push(format!("{path}: missing (generated but not in expected/)")),
            Some(expected) if expected != contents => {
                problems.push(format!("{path}: differs from the generated output"))
            }
            Some(_) => {}
        }
    }
    for path in on_disk.keys().filter(|path| !produced.contains_key(*path)) {
        problems.push(format!(
            "{path}: orphaned (in expected/ but no longer generated)"
        ));
    }
    problems
}

#[test]
fn generated_sdk_files_match_the_golden_cases() {
    let root = repo_root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for target in &TARGETS {
        let cases = cases(&root, &format!("tests/golden/{}", target.name));
        assert!(
            !cases.is_empty(),
            "tests/golden/{} has no cases",
            target.name
        );
        for case in cases {
            problems.extend(check_case(&root, target, &case));
            checked += 1;
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in {checked} golden cases:\n  {}\nrun `EXPECTORATE=overwrite cargo test -p handshake-codegen \
         --test sdk_golden` to accept the new output, then review the diff",
        problems.len(),
        problems.join("\n  ")
    );
}
