//! Rule paths with `[variant]` steps (`job_inputs[charts_decks].source_table_ref`, and
//! `[insert_block].after` inside `each` over a list of unions), on the `variant_steps` golden case
//! (`tests/golden/variant_steps/`): what each target must do with a variant step, beyond matching
//! its expected bytes (which `tests/golden.rs` checks). SQL names such rules as not expressible
//! and keeps the column-only rule, the docs say why, the JSON Schema turns a variant step into a
//! `const` on the tag. Verdicts on records (Rust, JSON Schema, Python and TypeScript agreeing) are
//! checked in `crates/golden-rust/tests/goldens/variant_steps.rs`.

use handshake_codegen::{GeneratedFile, docs, json_schema, sql};
use handshake_spec::model::{Spec, TypeKind};
use serde_json::{Value, json};
use support::{load_case, repo_root};

mod support;

fn spec() -> Spec {
    load_case(&repo_root(), "variant_steps")
}

#[test]
fn sql_names_variant_rules_not_expressible_and_keeps_the_column_rule() {
    let spec = spec();
    let def = spec.type_named("Job").expect("Job");
    let TypeKind::Record(record) = &def.kind else {
        panic!("Job is a record");
    };
    let table = record.table.as_ref().expect("Job has a table");
    let ir = handshake_codegen::ir::Ir::new(&spec);
    let job = ir.id("Job").expect("Job is declared");
    let (checks, unexpressed) = sql::rules::table_rules(&ir, job, &table.name);
    let checked: Vec<&str> = checks.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(checked, ["analysis_jobs_have_no_priority"]);
    assert_eq!(
        unexpressed,
        [
            "chart_jobs_name_their_source_table",
            "a_target_chart_means_an_update",
            "docs_inputs_only_for_doc_jobs",
            "docs_selection_not_empty",
            "analysis_plans_move_nothing",
            "inserts_carry_content",
        ]
    );
}

#[test]
fn docs_render_variant_steps_in_words_and_say_why_sql_cannot() {
    let page = contents(docs::generate(&spec()), "/types.md");
    for expected in [
        "`job_inputs.source_table_ref` (with `job_inputs` a `charts_decks`) must be present",
        "When `job_inputs` is a `docs`,",
        "for every element of `planned_operations`: the element must not be a `move_block`",
        "*Not expressed in SQL:* `job_inputs[charts_decks].source_table_ref` reads inside a union variant, and unions are stored as JSON in `jobs`.",
    ] {
        assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
    }
}

/// The contents of the one generated file whose path ends with `suffix`.
fn contents(files: Vec<GeneratedFile>, suffix: &str) -> String {
    files
        .into_iter()
        .find(|f| f.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no generated file ending {suffix}"))
        .contents
}

/// The `allOf` entry of a rule in the `Job` schema, found by its code.
fn rule_entry(schema: &Value, code: &str) -> Value {
    schema["allOf"]
        .as_array()
        .expect("allOf")
        .iter()
        .find(|entry| {
            entry["$comment"]
                .as_str()
                .is_some_and(|c| c.starts_with(code))
        })
        .unwrap_or_else(|| panic!("no allOf entry for {code}"))
        .clone()
}

#[test]
fn json_schema_turns_a_variant_step_into_a_tag_const() {
    let schema: Value = serde_json::from_str(&contents(
        json_schema::generate(&spec()),
        "/job.schema.json",
    ))
    .expect("JSON");
    // Absence fails `present`: the tag const is required together with the field.
    assert_eq!(
        rule_entry(&schema, "GLD-RULE-101")["then"],
        json!({
            "properties": { "job_inputs": {
                "properties": {
                    "profile": { "const": "charts_decks" },
                    "source_table_ref": {}
                },
                "required": ["profile", "source_table_ref"]
            } },
            "required": ["job_inputs"]
        })
    );
    // Absence satisfies a length bound: another variant passes through `if`/`then`.
    assert_eq!(
        rule_entry(&schema, "GLD-RULE-104"),
        json!({
            "$comment": "GLD-RULE-104 §2.6.6.6.4",
            "properties": { "job_inputs": {
                "if": { "properties": { "profile": { "const": "docs" } }, "required": ["profile"] },
                "then": { "properties": { "selection": { "minLength": 1 } } }
            } }
        })
    );
}
