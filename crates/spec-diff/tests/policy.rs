//! The version policy and the ADR policy, on synthetic spec pairs (the rule cases) and ADR texts.

use handshake_spec_diff::adr::{self, AdrSet};
use handshake_spec_diff::version::{Bump, SemVer, actual_bump, check, required_bump};
use handshake_spec_diff::{assess, catalogue, diff};

mod support;
use support::spec;

fn changes(case: &str) -> Vec<handshake_spec_diff::Change> {
    diff(&spec(case, "before"), &spec(case, "after"))
}

fn ids(report: &handshake_spec_diff::Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.rule.id).collect()
}

#[test]
fn semver_parses_three_numbers_and_ignores_suffixes() {
    assert_eq!(
        SemVer::parse("1.2.3"),
        Some(SemVer {
            major: 1,
            minor: 2,
            patch: 3
        })
    );
    assert_eq!(SemVer::parse("0.3.0-rc.1").map(|v| v.minor), Some(3));
    for bad in ["1.2", "1.2.3.4", "v1.2.3", "", "1.x.0"] {
        assert_eq!(SemVer::parse(bad), None, "{bad}");
    }
}

#[test]
fn the_bump_a_change_set_needs_follows_its_categories() {
    // wire + storage
    assert_eq!(required_bump(&changes("column_removed")), Bump::Breaking);
    // api only (error removed)
    assert_eq!(required_bump(&changes("error_removed")), Bump::Compatible);
    // behaviour only
    assert_eq!(required_bump(&changes("rule_added")), Bump::Compatible);
    // a WARNING on the wire is not breaking; additive and docs need nothing
    assert_eq!(required_bump(&changes("string_widened")), Bump::None);
    assert_eq!(required_bump(&changes("type_added")), Bump::None);
    assert_eq!(required_bump(&changes("description_changed")), Bump::None);
}

#[test]
fn while_0x_the_minor_is_the_major_and_the_patch_the_minor() {
    let v = |s| SemVer::parse(s).unwrap();
    assert_eq!(actual_bump(v("0.2.0"), v("0.3.0")), Some(Bump::Breaking));
    assert_eq!(actual_bump(v("0.2.0"), v("0.2.1")), Some(Bump::Compatible));
    assert_eq!(actual_bump(v("0.2.0"), v("1.0.0")), Some(Bump::Breaking));
    assert_eq!(actual_bump(v("1.2.0"), v("1.3.0")), Some(Bump::Compatible));
    assert_eq!(actual_bump(v("1.2.0"), v("2.0.0")), Some(Bump::Breaking));
    assert_eq!(actual_bump(v("1.2.0"), v("1.2.0")), Some(Bump::None));
    assert_eq!(actual_bump(v("1.2.0"), v("1.2.1")), Some(Bump::None));
    assert_eq!(actual_bump(v("1.2.0"), v("1.1.9")), None);
    assert_eq!(Bump::Breaking.next(v("0.2.0")), v("0.3.0"));
    assert_eq!(Bump::Breaking.next(v("1.2.3")), v("2.0.0"));
    assert_eq!(Bump::Compatible.next(v("0.2.0")), v("0.2.1"));
    assert_eq!(Bump::Compatible.next(v("1.2.3")), v("1.3.0"));
}

#[test]
fn the_version_check_passes_only_with_the_bump_the_changes_need() {
    let breaking = changes("field_removed");
    let missing = check("0.2.0", "0.2.0", &breaking);
    assert!(!missing.ok);
    assert!(
        missing.message.contains("set `version: 0.3.0`"),
        "{}",
        missing.message
    );
    assert!(
        !check("0.2.0", "0.2.1", &breaking).ok,
        "a patch is not enough in 0.x"
    );
    assert!(check("0.2.0", "0.3.0", &breaking).ok);
    assert!(!check("1.4.2", "1.5.0", &breaking).ok);
    assert!(check("1.4.2", "2.0.0", &breaking).ok);

    let behaviour = changes("transition_removed");
    assert!(!check("0.2.0", "0.2.0", &behaviour).ok);
    assert!(check("0.2.0", "0.2.1", &behaviour).ok);
    assert!(!check("1.0.0", "1.0.1", &behaviour).ok);
    assert!(check("1.0.0", "1.1.0", &behaviour).ok);

    let additive = changes("type_added");
    assert!(check("0.2.0", "0.2.0", &additive).ok);
    let backwards = check("0.2.0", "0.1.0", &additive);
    assert!(!backwards.ok && backwards.actual.is_none());
    assert!(!check("0.2.0", "two", &additive).ok);
}

const MANIFEST_TEXT: &str = "spec: diff_case\nversion: 0.1.0\n";

fn adr_text(covers: &[&str]) -> String {
    let mut text = String::from(
        "---\nadr: 1\ntitle: drop the pinned flag\ndate: 2026-12-05\nstatus: accepted\nspec_version: 0.2.0\ncovers:\n",
    );
    for c in covers {
        text.push_str(&format!("  - {c}\n"));
    }
    text.push_str("---\n\n# ADR 0001\n\n## Decision\n\nNotes lose the flag; readers ignore it.\n");
    text
}

#[test]
fn a_breaking_change_needs_an_adr_that_names_it() {
    let (old, new) = (
        spec("field_removed", "before"),
        spec("field_removed", "after"),
    );
    let report = assess(&old, &new, MANIFEST_TEXT, AdrSet::default(), None, "before");
    assert_eq!(ids(&report), ["version-bump-missing", "adr-missing"]);
    assert_eq!(report.findings[0].location.line, 2, "at the version line");
    assert_eq!(report.uncovered().len(), 1);

    // an ADR naming another change does not cover it
    let other = adr::parse_all(&[(
        "0001-pinned.md".into(),
        adr_text(&["field-removed Note.text"]),
    )]);
    let index = adr::render_index(&other);
    let report = assess(&old, &new, MANIFEST_TEXT, other, Some(&index), "before");
    assert_eq!(ids(&report), ["version-bump-missing", "adr-missing"]);

    // an ADR of the version compared against (or earlier) is an older release's record
    let earlier = adr::parse_all(&[(
        "0001-pinned.md".into(),
        adr_text(&["field-removed Note.pinned"])
            .replace("spec_version: 0.2.0", "spec_version: 0.1.0"),
    )]);
    let index = adr::render_index(&earlier);
    let report = assess(&old, &new, MANIFEST_TEXT, earlier, Some(&index), "before");
    assert_eq!(ids(&report), ["version-bump-missing", "adr-missing"]);

    let set = adr::parse_all(&[(
        "0001-pinned.md".into(),
        adr_text(&["field-removed Note.pinned"]),
    )]);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let index = adr::render_index(&set);
    let report = assess(&old, &new, MANIFEST_TEXT, set, Some(&index), "before");
    assert_eq!(ids(&report), ["version-bump-missing"]);
    assert_eq!(report.covered_by, [Some(1)]);
}

#[test]
fn the_index_must_list_the_adrs_as_they_are() {
    let (old, new) = (spec("type_added", "before"), spec("type_added", "after"));
    // no ADR and no index: nothing to check
    let report = assess(&old, &new, MANIFEST_TEXT, AdrSet::default(), None, "before");
    assert!(!report.failed());
    let set = adr::parse_all(&[("0001-x.md".into(), adr_text(&[]))]);
    let report = assess(&old, &new, MANIFEST_TEXT, set.clone(), None, "before");
    assert_eq!(ids(&report), ["adr-index-stale"]);
    let index = adr::render_index(&set);
    assert!(index.contains("## Spec 0.2.0"));
    assert!(
        index.contains("| [0001](0001-x.md) | 2026-12-05 | accepted | drop the pinned flag | 0 |")
    );
    let report = assess(&old, &new, MANIFEST_TEXT, set, Some(&index), "before");
    assert!(!report.failed(), "{:?}", ids(&report));
}

#[test]
fn malformed_adrs_are_reported_at_their_line() {
    let problems = |name: &str, text: &str| -> Vec<(usize, String)> {
        match adr::parse(name, text) {
            Ok(_) => Vec::new(),
            Err(p) => p.into_iter().map(|p| (p.line, p.message)).collect(),
        }
    };
    assert!(problems("0001-ok.md", &adr_text(&["rule-added x"])).is_empty());
    let p = problems("first.md", &adr_text(&[]));
    assert!(p.iter().any(|(_, m)| m.contains("4-digit")), "{p:?}");
    let p = problems("0002-x.md", &adr_text(&[]));
    assert!(
        p.iter().any(|(l, m)| *l == 2 && m.contains("adr:")),
        "{p:?}"
    );
    let p = problems("0001-x.md", &adr_text(&["no-such-rule X.y"]));
    assert!(
        p.iter().any(|(l, m)| *l == 8 && m.contains("no-such-rule")),
        "{p:?}"
    );
    let p = problems("0001-x.md", &adr_text(&["field-removed"]));
    assert!(
        p.iter().any(|(_, m)| m.contains("rule-id subject")),
        "{p:?}"
    );
    let p = problems(
        "0001-x.md",
        &adr_text(&[])
            .replace("2026-12-05", "5 Dec")
            .replace("accepted", "done"),
    );
    assert!(
        p.iter().any(|(l, m)| *l == 4 && m.contains("YYYY-MM-DD")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|(l, m)| *l == 5 && m.contains("status")),
        "{p:?}"
    );
    let p = problems(
        "0001-x.md",
        &adr_text(&[]).replace("## Decision", "## Choice"),
    );
    assert!(p.iter().any(|(_, m)| m.contains("## Decision")), "{p:?}");
    let p = problems("0001-x.md", "# no front matter\n");
    assert!(
        p.iter().any(|(l, m)| *l == 1 && m.contains("front matter")),
        "{p:?}"
    );
    // two files with one number
    let set = adr::parse_all(&[
        ("0001-a.md".into(), adr_text(&[])),
        ("0001-b.md".into(), adr_text(&[])),
    ]);
    assert_eq!(set.adrs.len(), 1);
    assert_eq!(set.problems.len(), 1);
}

#[test]
fn a_skeleton_lists_the_changes_and_fails_until_its_todos_are_written() {
    let changes = changes("state_removed");
    let breaking: Vec<_> = changes.iter().filter(|c| c.rule.breaking()).collect();
    let (name, text) = adr::skeleton(3, "2026-12-05", "0.3.0", &breaking);
    assert_eq!(name, "0003-spec-0-3-0.md");
    assert!(
        text.contains("  - state-removed JobState.failed\n"),
        "{text}"
    );
    assert!(text.contains("  - transition-removed JobState.running->failed\n"));
    let problems = adr::parse(&name, &text).unwrap_err();
    assert!(
        problems.iter().all(|p| p.message.contains("TODO")),
        "{problems:?}"
    );
    // written: it parses and covers every change it lists
    let written = text
        .lines()
        .map(|l| if l.contains("TODO") { "Decided." } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let written = written.replacen("Decided.", "title: drop failed", 1);
    let adr = adr::parse(&name, &written).unwrap();
    assert_eq!(adr.covers.len(), breaking.len());
    assert!(
        breaking
            .iter()
            .all(|c| adr.covers.iter().any(|(k, _)| *k == c.key()))
    );
}

#[test]
fn every_rule_is_documented_in_docs_spec_diff_md() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let docs = std::fs::read_to_string(root.join("docs/spec-diff.md")).unwrap();
    let mut missing = Vec::new();
    for rule in catalogue::ALL {
        let row = format!("| `{}` | {} |", rule.id, rule.severity);
        let cats = rule
            .categories
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let cats = if cats.is_empty() {
            "policy".to_string()
        } else {
            cats
        };
        if !docs
            .lines()
            .any(|l| l.starts_with(&row) && l.contains(&format!("| {cats} |")))
        {
            missing.push(format!("{row} {cats} |"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/spec-diff.md lacks or misstates:\n{}",
        missing.join("\n")
    );
    // and names no rule the catalogue lacks
    for line in docs.lines().filter(|l| l.starts_with("| `")) {
        let id = line.split('`').nth(1).unwrap();
        assert!(
            catalogue::rule(id).is_some(),
            "docs/spec-diff.md documents unknown rule {id}"
        );
    }
}
