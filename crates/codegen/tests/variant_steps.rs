//! Rule paths with `[variant]` steps (`job_inputs[charts_decks].source_table_ref`, and
//! `[insert_block].after` inside `each` over a list of unions), target by target, on the
//! `variant_steps` golden case (`tests/golden/<target>/variant_steps/`).
//!
//! The golden harnesses of each target (`rust_golden`, `json_schema_golden`, `sdk_golden`) compare
//! these cases with every other; this file checks the case on its own (so it can be accepted with
//! `EXPECTORATE=overwrite cargo test -p handshake-codegen --test variant_steps` without touching
//! other cases) and asserts what each target must do with a variant step: SQL names such rules as
//! not expressible and keeps the column-only rule, the docs say why, the JSON Schema turns a
//! variant step into a `const` on the tag. Verdicts on records (Rust, JSON Schema, Python and
//! TypeScript agreeing) are checked in `tests/tests/variant_steps.rs`.

use handshake_codegen::{GeneratedFile, docs, json_schema, python, rust, sql, typescript};
use handshake_spec::model::{Spec, TypeKind};
use serde_json::{Value, json};
use support::{load, overwrite, repo_root};

mod support;

const CASE: &str = "variant_steps";

fn spec(target: &str) -> Spec {
    load(
        &repo_root(),
        &format!("tests/golden/{target}/{CASE}/spec/handshake.yaml"),
    )
}

/// Compares (or, with `EXPECTORATE=overwrite`, writes) the files of one target of the case.
fn check_target(target: &str, files: Vec<GeneratedFile>) -> Vec<String> {
    let root = repo_root();
    let expected_dir = format!("tests/golden/{target}/{CASE}/expected/");
    let mut mismatches = Vec::new();
    for file in files {
        assert!(
            file.path.starts_with(&expected_dir),
            "{} is outside {expected_dir}",
            file.path
        );
        let path = root.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if overwrite() {
            std::fs::create_dir_all(path.parent().expect("inside a folder")).expect("mkdir");
            std::fs::write(&path, &file.contents).expect("write expected output");
        } else {
            mismatches.push(format!("{} differs from the generated output", file.path));
        }
    }
    mismatches
}

#[test]
fn every_target_of_the_case_matches_its_expected_output() {
    let mut mismatches = Vec::new();
    mismatches.extend(check_target(
        "rust",
        rust::generate(&spec("rust")).expect("rust generates"),
    ));
    mismatches.extend(check_target(
        "json_schema",
        json_schema::generate(&spec("json_schema")),
    ));
    mismatches.extend(check_target("python", python::generate(&spec("python"))));
    mismatches.extend(check_target(
        "typescript",
        typescript::generate(&spec("typescript")),
    ));
    mismatches.extend(check_target("docs", docs::generate(&spec("docs"))));
    assert!(
        mismatches.is_empty(),
        "{}\nrun `EXPECTORATE=overwrite cargo test -p handshake-codegen --test variant_steps` to accept",
        mismatches.join("\n")
    );
}

#[test]
fn sql_names_variant_rules_not_expressible_and_keeps_the_column_rule() {
    let spec = spec("rust");
    let def = spec.type_named("Job").expect("Job");
    let TypeKind::Record(record) = &def.kind else {
        panic!("Job is a record");
    };
    let table = record.table.as_ref().expect("Job has a table");
    let (checks, unexpressed) = sql::rules::table_rules(&spec, "Job", record, &table.name);
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
    let spec = spec("docs");
    let page = docs::generate(&spec)
        .into_iter()
        .find(|f| f.path.ends_with("/types.md"))
        .expect("types.md")
        .contents;
    for expected in [
        "`job_inputs.source_table_ref` (with `job_inputs` a `charts_decks`) must be present",
        "When `job_inputs` is a `docs`,",
        "for every element of `planned_operations`: the element must not be a `move_block`",
        "*Not expressed in SQL:* `job_inputs[charts_decks].source_table_ref` reads inside a union variant, and unions are stored as JSON in `jobs`.",
    ] {
        assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
    }
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
    let spec = spec("json_schema");
    let file = json_schema::generate(&spec)
        .into_iter()
        .find(|f| f.path.ends_with("/job.schema.json"))
        .expect("job.schema.json");
    let schema: Value = serde_json::from_str(&file.contents).expect("JSON");
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
