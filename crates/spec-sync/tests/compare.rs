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
