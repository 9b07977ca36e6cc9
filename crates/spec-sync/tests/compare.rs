//! The structural comparison on a synthetic Master Spec (`fixtures/compare/master.md`) and a
//! synthetic YAML spec (`fixtures/compare/spec/`) that differ in every way it reports, with two
//! differences acknowledged by a `decision`.

use std::path::Path;

use handshake_spec_sync::compare::compare;
use handshake_spec_sync::extract::extract;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compare")
}

#[test]
fn every_kind_of_structural_difference_except_the_acknowledged_ones() {
    let spec = handshake_spec::load(&fixture()).expect("fixture spec loads");
    let master = std::fs::read(fixture().join("master.md")).unwrap();
    let extraction = extract(&master).unwrap();
    let structure = compare(&extraction, &spec);
    let mut findings: Vec<String> = structure.findings.iter().map(ToString::to_string).collect();
    findings.sort();
    let mut expected = vec![
        "10: §2.6.6.2.1: enum_value_extra: Mode.turbo: the YAML declares it (spec/types.yaml:13:7), the Master Spec does not enumerate it here",
        "10: §2.6.6.2.1: enum_value_missing: Mode.off: `Mode` has no value `off`",
        "11: §2.6.6.2.1: type_mismatch: Job.tags: the Master Spec has a list, the YAML `string`",
        "12: §2.6.6.2.1: wire_name_mismatch: Job.parentJob: the YAML spells it `parent_job`",
        "13: §2.6.6.2.1: type_mismatch: Job.count: the Master Spec has `int`, the YAML `string`",
        "15: §2.6.6.2.1: field_missing: Job.gone: `Job` has no field `gone`",
        "16: §2.6.6.2.1: required_mismatch: Job.note: required in the Master Spec, optional in the YAML",
        "5: §2.6.6.2.1: field_extra: Job.extra_field: the YAML declares it (spec/types.yaml:26:7), the Master Spec does not",
        "26: §2.6.6.3.2: state_missing: paused: the YAML lifecycle `JobState` has no such state",
        "24: §2.6.6.3.2: state_extra: done: the YAML declares it (spec/types.yaml:57:5), the state table does not",
        "33: §2.6.6.7: enum_value_missing: Level.high: `Level` has no value `high`",
        "33: §2.6.6.7: enum_value_extra: Level.medium: the YAML declares it (spec/types.yaml:34:7), the Master Spec does not enumerate it here",
        "37: §2.6.6.7: wire_name_mismatch: Layer.Raw: the YAML spells it `raw`",
        "37: §2.6.6.7: wire_name_mismatch: Layer.Derived: the YAML spells it `derived`",
        // the diagram draws running → paused, which the lifecycle lacks; the YAML says running →
        // done is drawn, and it is not
        "45: §2.6.6.8: transition_missing: running → paused: drawn in the diagram; the lifecycle `JobState` neither allows nor rejects it",
        "45: §2.6.6.8: transition_extra: running → done: the YAML says the diagram draws it (spec/types.yaml:60:7); the diagram does not",
    ];
    expected.sort();
    assert_eq!(findings, expected);
    // every field, state and type that corresponds is claimed by its declaration
    let claimed: Vec<usize> = structure.claims.iter().map(|c| c.line).collect();
    for line in [9, 10, 11, 12, 13, 16, 24, 25, 31, 37] {
        assert!(
            claimed.contains(&line),
            "line {line} unclaimed: {claimed:?}"
        );
    }
    // acknowledged (`topic`) or missing (`gone`, `paused`): not claimed
    for line in [14, 15, 26] {
        assert!(!claimed.contains(&line), "line {line} claimed");
    }
}

const RENAMED_MASTER: &str = "### 2.6.6 Model

#### 2.6.6.6 Profiles

##### 2.6.6.6.4 Docs

```rust
pub struct DocsProfile {
    pub doc_id: Uuid,
    pub layer_scope: LayerScope,
}

pub enum LayerScope {
    Block,
    Section,
}
```
";

/// The types of the renamed case; [`renamed_findings`] adds a lifecycle.
const RENAMED_TYPES: &str = r#"types:
  LayerScope:
    kind: record
    clause: §2.6.6.7.0
    description: the core type that holds the name
    fields:
      write: { type: "[string]", required: false, clause: §2.6.6.7.0, description: layers written }
  DocsScope:
    kind: enum
    clause: §2.6.6.6.4
    description: how much of a document
    decision: §2.6.6.6.4 calls this enum LayerScope, a name the core type holds; values are lower case.
    values:
      block: { clause: §2.6.6.6.4, description: a block }
      section: { clause: §2.6.6.6.4, description: a section }
  DocsProfile:
    kind: record
    clause: §2.6.6.6.4
    description: the docs inputs
    decision: doc_id is optional because sheet jobs have no document; sheet_id comes from another clause.
    fields:
      doc_id: { type: uuid, required: false, clause: §2.6.6.6.4, description: the document }
      layer_scope: { type: DocsScope, required: true, clause: §2.6.6.6.4, description: the scope }
      sheet_id: { type: uuid, required: false, clause: §2.5.10.10, description: the sheet }
"#;

/// The findings on `types` and the lifecycle every spec needs, against [`RENAMED_MASTER`].
fn renamed_findings(types: &str) -> Vec<String> {
    let lifecycle = handshake_spec::scratch::lifecycle(
        "JobState",
        "§2.6.6.3",
        &[
            ("running", false, "§2.6.6.3.2"),
            ("done", true, "§2.6.6.3.2"),
        ],
        &[("running", "done", "text", "§2.6.6.3.2")],
    );
    let model = format!("{types}{lifecycle}");
    let sources = handshake_spec::scratch::sources("renamed", &[("model.yaml", &model)]);
    let spec = handshake_spec::load_sources(&sources, "spec/handshake.yaml").expect("loads");
    let extraction = extract(RENAMED_MASTER.as_bytes()).unwrap();
    let mut findings: Vec<String> = compare(&extraction, &spec)
        .findings
        .iter()
        .map(ToString::to_string)
        .collect();
    findings.sort();
    findings
}

/// A type renamed on purpose (§2.6.6.6.4's `LayerScope` enum is `DocsScope`, since the core type
/// holds the name) corresponds through its decision; a record's decision that names its fields
/// acknowledges their differences. Without the decisions, each difference is a finding.
#[test]
fn a_renamed_type_and_a_record_decision_naming_its_fields_are_acknowledged() {
    assert_eq!(renamed_findings(RENAMED_TYPES), Vec::<String>::new());

    let undecided = RENAMED_TYPES
        .replace("    decision: §2.6.6.6.4 calls this enum LayerScope, a name the core type holds; values are lower case.\n", "")
        .replace("    decision: doc_id is optional because sheet jobs have no document; sheet_id comes from another clause.\n", "");
    assert_eq!(
        renamed_findings(&undecided),
        vec![
            "10: §2.6.6.6.4: type_mismatch: DocsProfile.layer_scope: the Master Spec has `LayerScope`, the YAML `DocsScope`",
            "13: §2.6.6.6.4: type_mismatch: LayerScope: an enum in the Master Spec, a record in the YAML (spec/model.yaml:2:3)",
            "8: §2.6.6.6.4: field_extra: DocsProfile.sheet_id: the YAML declares it (spec/model.yaml:22:7), the Master Spec does not",
            "9: §2.6.6.6.4: required_mismatch: DocsProfile.doc_id: required in the Master Spec, optional in the YAML",
        ]
    );
}
