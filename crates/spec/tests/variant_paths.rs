//! Rule paths with `[variant]` steps load into the IR as `PathStep`s and print back as written
//! (the `variant_steps` golden spec, `tests/golden/variant_steps/spec`).

use std::path::Path;

mod common;

use handshake_spec::model::{Condition, FieldPath, PathStep};

fn field(name: &str) -> PathStep {
    PathStep::Field(name.to_string())
}

fn variant(name: &str) -> PathStep {
    PathStep::Variant(name.to_string())
}

#[test]
fn variant_steps_load_as_steps_and_print_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let spec =
        handshake_spec::load_manifest(&root, "tests/golden/variant_steps/spec/handshake.yaml")
            .unwrap_or_else(|e| panic!("the golden spec loads: {e}"));
    let rule = |name: &str| common::rule(&spec, name);

    let Condition::Present(path) = &rule("chart_jobs_name_their_source_table").require else {
        panic!("a present condition");
    };
    assert_eq!(
        path,
        &FieldPath(vec![
            field("job_inputs"),
            variant("charts_decks"),
            field("source_table_ref")
        ])
    );
    assert_eq!(
        path.to_string(),
        "job_inputs[charts_decks].source_table_ref"
    );
    assert_eq!(
        path.json_keys().collect::<Vec<_>>(),
        ["job_inputs", "source_table_ref"]
    );
    assert!(path.has_variant_step());

    let Condition::Each { condition, .. } = &rule("analysis_plans_move_nothing").require else {
        panic!("an each condition");
    };
    let Condition::Not(inner) = condition.as_ref() else {
        panic!("a not");
    };
    let Condition::Present(element) = inner.as_ref() else {
        panic!("a present condition");
    };
    assert_eq!(element, &FieldPath(vec![variant("move_block")]));
    assert_eq!(element.to_string(), "[move_block]");
    assert_eq!(element.json_keys().count(), 0);

    let plain = FieldPath::fields(&["job_inputs", "profile"]);
    assert_eq!(plain.to_string(), "job_inputs.profile");
    assert!(!plain.has_variant_step());
}
