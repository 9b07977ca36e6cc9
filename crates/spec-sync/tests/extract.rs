//! The extractor on a synthetic fixture holding every construct and formatting trap of issue #11:
//! interleaved sections, heading levels that do not match the numbering, enum values only in a
//! description cell, version tags in cells, a row cut off from its table, an unreadable required
//! mark, a closing fence without an opening one, a double-encoded line, typed objects, Rust.

use handshake_spec_sync::extract::{ItemKind, extract};
use handshake_spec_sync::notation::CodeTypeKind;

const TRAPS: &str = include_str!("fixtures/traps.md");

fn findings(text: &str) -> Vec<String> {
    let extraction = extract(text.as_bytes()).expect("fixture reads");
    extraction
        .findings
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn clause_tree_by_numbers_not_levels_and_across_interleaved_sections() {
    let extraction = extract(TRAPS.as_bytes()).unwrap();
    let clauses: Vec<(&str, usize, usize, Option<&str>)> = extraction
        .clauses
        .iter()
        .map(|c| (c.number.as_str(), c.line, c.end_line, c.parent.as_deref()))
        .collect();
    assert_eq!(
        clauses,
        vec![
            ("2.6.6", 5, 55, None),
            ("2.6.6.2", 11, 23, Some("2.6.6")),
            ("2.6.6.2.1", 13, 23, Some("2.6.6.2")),
            ("2.6.6.3", 24, 33, Some("2.6.6")),
            ("2.6.6.7", 34, 55, Some("2.6.6")),
            // after the interleaved §2.7 and the stray fence that would have swallowed it
            ("2.6.6.7.1", 63, 67, Some("2.6.6.7")),
        ]
    );
}

#[test]
fn items_have_ids_clauses_and_lines_and_nothing_outside_the_section() {
    let extraction = extract(TRAPS.as_bytes()).unwrap();
    let statement = |id, line| (id, ItemKind::Statement, line);
    let items: Vec<(&str, ItemKind, usize)> = extraction
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.kind, i.line))
        .collect();
    assert_eq!(
        items,
        vec![
            statement("§2.6.6/every-job-must-carry-id", 7),
            ("§2.6.6.2.1/field/job_id", ItemKind::Field, 17),
            ("§2.6.6.2.1/field/mode", ItemKind::Field, 18),
            ("§2.6.6.2.1/field/tags", ItemKind::Field, 19),
            ("§2.6.6.3/state/queued", ItemKind::State, 28),
            ("§2.6.6.3/state/poisoned", ItemKind::State, 29),
            statement("§2.6.6.3/poisoned-unsafe-implementations-must-not-auto", 29),
            statement("§2.6.6.3/changes-must-only-applied-completion", 31),
            ("§2.6.6.7/type/Snapshot", ItemKind::Type, 37),
            ("§2.6.6.7/type/Pair", ItemKind::Type, 43),
            ("§2.6.6.7/type/Profile", ItemKind::Type, 47),
            statement("§2.6.6.7/kind-artifact-hash-must-present", 54),
            statement("§2.6.6.7.1/active-mode-must-recorded", 65),
            // read after its double encoding was repaired
            statement("§2.6.6.7.1/retrieval-evidence-must-stay-bounded", 67),
        ]
    );
    assert!(
        extraction.items[13].text.contains('→'),
        "{}",
        extraction.items[13].text
    );
}

#[test]
fn field_tables_give_name_type_required_and_enumerations_from_description_cells() {
    let extraction = extract(TRAPS.as_bytes()).unwrap();
    let [table] = extraction.field_tables.as_slice() else {
        panic!("one field table")
    };
    type Row<'a> = (&'a str, &'a str, bool, bool, Option<Vec<String>>);
    let fields: Vec<Row> = table
        .fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.ty.as_str(),
                f.required,
                f.list,
                f.values.clone(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("job_id", "JobId", true, false, None),
            // the version tag is dropped; only-values description cell enumerates
            (
                "mode",
                "Mode",
                true,
                false,
                Some(vec!["fast".into(), "slow".into(), "off".into()])
            ),
            // `e.g.` lists examples, not a closed set
            ("tags", "Tag", false, true, None),
        ]
    );
}

#[test]
fn code_blocks_in_both_notations() {
    let extraction = extract(TRAPS.as_bytes()).unwrap();
    let names: Vec<&str> = extraction
        .types
        .iter()
        .map(|t| t.ty.name.as_str())
        .collect();
    assert_eq!(names, vec!["Snapshot", "Pair", "Profile"]);
    let CodeTypeKind::Record(snapshot) = &extraction.types[0].ty.kind else {
        panic!()
    };
    assert_eq!(
        snapshot[1].values,
        Some(vec!["strict".to_string(), "replay".to_string()])
    );
    assert!(!snapshot[2].required && snapshot[2].list);
    let CodeTypeKind::Record(profile) = &extraction.types[2].ty.kind else {
        panic!()
    };
    assert!(!profile[1].required, "Option<String> is optional");
}

#[test]
fn every_trap_that_cannot_be_read_is_reported_with_its_line() {
    assert_eq!(
        findings(TRAPS),
        vec![
            "67: §2.6.6.7.1: repaired: utf-8: double-encoded UTF-8 repaired before reading",
            "20: §2.6.6.2.1: unparsed: table row: field `bad`: required column reads `maybe`, neither a mark nor empty",
            "22: §2.6.6.2.1: unparsed: table row: row outside any table (no header or delimiter row before it): | `orphan` | Orphan | ✓ | A row cut off from its table |",
            "41: §2.6.6.7: unparsed: code block: field without a type: `??? not a field`",
        ]
    );
    let extraction = extract(TRAPS.as_bytes()).unwrap();
    let notes: Vec<String> = extraction.notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        vec![
            "61: outside §2.6.6: unparsed: code fence: closing code fence with no opening one (read as fenced, it would swallow the numbered heading at line 63); ignored"
        ]
    );
}

#[test]
fn a_stray_fence_inside_the_section_is_a_finding() {
    let text = "### 2.6.6 Model\n\nIntro.\n```\n\n#### 2.6.6.1 Next\n\nJobs MUST be durable.\n";
    let extraction = extract(text.as_bytes()).unwrap();
    assert_eq!(
        findings(text),
        vec![
            "4: §2.6.6: unparsed: code fence: closing code fence with no opening one (read as fenced, it would swallow the numbered heading at line 6); ignored"
        ]
    );
    assert_eq!(extraction.items[0].id, "§2.6.6.1/jobs-must-durable");
}

#[test]
fn ids_survive_insertions_before_them() {
    let inserted = TRAPS.replacen(
        "Intro sentence.",
        "Intro sentence. A new sentence MUST also hold.\n\nAnother paragraph.",
        1,
    );
    let before = extract(TRAPS.as_bytes()).unwrap();
    let after = extract(inserted.as_bytes()).unwrap();
    let ids = |e: &handshake_spec_sync::extract::Extraction| {
        e.items
            .iter()
            .map(|i| (i.id.clone(), i.hash.clone()))
            .collect::<Vec<_>>()
    };
    let mut expected = ids(&before);
    expected.insert(
        0,
        (
            "§2.6.6/new-sentence-must-also-hold".to_string(),
            after.items[0].hash.clone(),
        ),
    );
    assert_eq!(ids(&after), expected);
    assert_eq!(after.items[1].line, before.items[0].line + 2);
}

#[test]
fn input_without_the_section_or_not_utf8_is_an_error() {
    assert!(extract(b"# 2.6.7 Other\n\nText MUST hold.\n").is_err());
    assert!(extract(b"### 2.6.6 Model\n\xff\n").is_err());
}
