//! One case per catalogue rule: `tests/spec_diff_cases/<case>/{before,after}.yaml` are two versions
//! of one spec file (`spec/case.yaml`), `expected.txt` what spec-diff reports between them.
//! `SPEC_DIFF_ACCEPT=1 cargo test -p handshake-spec-diff --test rule_cases` rewrites the expectations.
//!
//! A case loads with a shared manifest and, unless it declares its own `lifecycle:`, the shared
//! lifecycle `spec_diff_cases/base.yaml`; `before.manifest.yaml`/`after.manifest.yaml` replace the
//! manifest (for the manifest's own rules).

use std::collections::BTreeSet;
use std::path::PathBuf;

use handshake_spec_diff::{catalogue, diff, render_changes};

mod support;
use support::{cases_dir, load};

#[test]
fn every_case_reports_what_it_expects_and_every_rule_has_a_case() {
    let accept = std::env::var_os("SPEC_DIFF_ACCEPT").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for dir in &cases {
        let changes = diff(&load(dir, "before"), &load(dir, "after"));
        let actual = render_changes("before", &changes);
        let expected_path = dir.join("expected.txt");
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        for change in &changes {
            seen.insert(change.rule.id);
        }
        // the case named after a rule must report that rule
        let rule_id = name.replace('_', "-");
        if catalogue::rule(&rule_id).is_some() && !changes.iter().any(|c| c.rule.id == rule_id) {
            failures.push(format!("{name}: reports no {rule_id}"));
        }
        if accept {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{name}: expected\n{expected}--- got\n{actual}(SPEC_DIFF_ACCEPT=1 rewrites expected.txt)"
            ));
        }
    }
    for rule in catalogue::ALL {
        if !catalogue::POLICY.contains(rule) && !seen.contains(rule.id) {
            failures.push(format!("no case reports rule {}", rule.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_spec_compared_with_itself_has_no_changes() {
    let dir = cases_dir().join("rule_added");
    let spec = load(&dir, "before");
    assert_eq!(diff(&spec, &spec), Vec::new());
}
