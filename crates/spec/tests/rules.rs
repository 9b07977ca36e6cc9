//! The `rules:` section of the real spec loads into the IR with typed, resolved conditions.

mod common;

use handshake_spec::model::{Condition, FieldPath};

fn path(text: &str) -> FieldPath {
    FieldPath::fields(&text.split('.').collect::<Vec<_>>())
}

#[test]
fn core_rules_load_with_their_conditions() {
    let spec = common::committed_spec();
    let rule = |name: &str| common::rule(&spec, name);
    let analysis = rule("analysis_only_plans_no_mutation");
    assert_eq!(analysis.on, "AiJob");
    assert_eq!(analysis.code, "HSK-RULE-0101");
    assert_eq!(
        analysis.when,
        Some(Condition::Equals {
            path: path("access_mode"),
            value: serde_json::json!("analysis_only")
        })
    );
    assert_eq!(
        analysis.require,
        Condition::Length {
            path: path("planned_operations"),
            min: None,
            max: Some(0)
        }
    );
    let guard = rule("local_payload_guard");
    assert_eq!(
        guard.when,
        Some(Condition::Present(path("local_only_payload_ref")))
    );
    let Condition::All(parts) = &guard.require else {
        panic!("local_payload_guard requires all of three conditions");
    };
    assert_eq!(parts.len(), 3);
    assert_eq!(
        parts[1],
        Condition::Equals {
            path: path("local_only_payload_ref.exportable"),
            value: serde_json::json!(false)
        }
    );
    assert_eq!(rule("prompt_payload_not_exportable").on, "ArtifactHandle");
    assert!(matches!(
        &rule("raw_writes_only_for_ingestion").when,
        Some(Condition::Contains { value, .. }) if value == "raw"
    ));
}
