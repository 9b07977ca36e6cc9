//! Data-driven bad-spec cases: every folder under `tests/bad_specs/<case>/` holds a spec
//! (`spec/handshake.yaml` plus the files it lists) and `expected.txt`, the exact rendered
//! diagnostics. A new case is a new folder. `EXPECTORATE=overwrite cargo test -p handshake-spec
//! --test bad_specs` rewrites every `expected.txt` from the current output (review the diff).

use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad_specs")
}

fn render(case: &Path) -> String {
    match handshake_spec::load_manifest(case, "spec/handshake.yaml") {
        Ok(_) => "loaded without diagnostics\n".to_string(),
        Err(handshake_spec::LoadError::Invalid(diagnostics)) => diagnostics.render(),
        Err(other) => format!("i/o error: {other}\n"),
    }
}

#[test]
fn every_bad_spec_renders_its_expected_diagnostics() {
    let overwrite = std::env::var("EXPECTORATE").is_ok_and(|v| v == "overwrite");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/bad_specs exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 40,
        "expected the bad-spec corpus, found {} cases",
        cases.len()
    );

    let mut failures = Vec::new();
    for case in &cases {
        let actual = render(case);
        let expected_path = case.join("expected.txt");
        if overwrite {
            std::fs::write(&expected_path, &actual).expect("write expected.txt");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual.starts_with("loaded without diagnostics") {
            failures.push(format!("{}: the bad spec loaded cleanly", case.display()));
        } else if actual != expected {
            failures.push(format!(
                "{}: diagnostics differ\n--- expected\n{expected}--- actual\n{actual}",
                case.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-spec cases failed (EXPECTORATE=overwrite rewrites expected.txt):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every stable code ([`handshake_spec::diagnostics::Code::ALL`], the documented table) is
/// exercised by at least one case.
#[test]
fn every_documented_code_has_a_case() {
    let mut corpus = String::new();
    for entry in std::fs::read_dir(cases_dir()).expect("tests/bad_specs exists") {
        let path = entry.expect("entry").path().join("expected.txt");
        corpus.push_str(&std::fs::read_to_string(path).unwrap_or_default());
    }
    let missing: Vec<&str> = handshake_spec::diagnostics::Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| !corpus.contains(&format!("error[{code}]")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a bad-spec case: {missing:?}"
    );
}

/// The files are parsed on several threads: a YAML error in each of five files is reported once
/// per file, in load order (the manifest's `files:` order, not the alphabet), whatever thread
/// parsed which file.
#[test]
fn yaml_errors_in_several_files_come_in_load_order() {
    let broken = "types:\n  A: [unclosed\n";
    let files = [
        ("e.yaml", broken),
        ("d.yaml", "types: {}\n"),
        ("c.yaml", broken),
        ("b.yaml", broken),
        ("a.yaml", broken),
        ("f.yaml", broken),
    ];
    let sources = handshake_spec::scratch::sources("parallel", &files);
    let Err(handshake_spec::LoadError::Invalid(diagnostics)) =
        handshake_spec::load_sources(&sources, "spec/handshake.yaml")
    else {
        panic!("five files do not parse");
    };
    let files: Vec<&str> = diagnostics
        .items()
        .iter()
        .map(|d| d.location.file.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "spec/e.yaml",
            "spec/c.yaml",
            "spec/b.yaml",
            "spec/a.yaml",
            "spec/f.yaml"
        ],
        "{diagnostics}"
    );
}
