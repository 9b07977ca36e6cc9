//! The generated JSON Schemas are valid 2020-12, agree with the Rust model on every example record,
//! and reject — together with serde — every invalid record, hand-written or derived mechanically.
//!
//! The validator is the independent `jsonschema` crate with format assertion on (2020-12 only
//! annotates `format` by default, but the Rust model refuses bad UUIDs and timestamps, so the
//! schema must as well).

mod json_schema_support;

use std::collections::BTreeSet;
use std::fs;

use handshake_conformance::ai_job_fields::{CORE_FIELDS, PROFILE_EXTENSION_FIELDS};
use handshake_conformance::repo_root;
use handshake_spec::model::TypeKind;
use json_schema_support::{
    display, examples, model_round_trip, mutations, root_schema, root_schemas, schema_errors, spec,
    validator,
};
use serde_json::Value;

/// The core fields followed by the documented profile extension, as the spec declares them.
fn core_and_extension_fields() -> Vec<(&'static str, bool)> {
    CORE_FIELDS
        .iter()
        .chain(PROFILE_EXTENSION_FIELDS.iter())
        .copied()
        .collect()
}

/// The full AiJob example: every one of the 36 fields present.
const FULL_AI_JOB: &str = "tests/examples/ai_job/valid/all_36_fields.json";

fn full_ai_job() -> Value {
    let text =
        fs::read_to_string(repo_root().join(FULL_AI_JOB)).expect("full AiJob example exists");
    serde_json::from_str(&text).expect("full AiJob example is JSON")
}

#[test]
fn every_generated_schema_is_valid_against_the_2020_12_metaschema() {
    let roots = root_schemas();
    assert!(!roots.is_empty(), "the spec declares root types");
    for root in &roots {
        if let Err(error) = jsonschema::draft202012::meta::validate(&root.schema) {
            panic!(
                "{} is not a valid 2020-12 schema: {error} at {}",
                root.path,
                error.instance_path()
            );
        }
        assert_eq!(
            root.schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{}",
            root.path
        );
        // It must also compile (every $ref resolves locally; nothing is fetched).
        validator(&root.schema);
    }
}

#[test]
fn committed_schemas_match_the_generator() {
    for root in root_schemas() {
        let on_disk = fs::read_to_string(repo_root().join(&root.path)).unwrap_or_else(|e| {
            panic!("{} is missing ({e}); run `cargo xtask codegen`", root.path)
        });
        assert!(
            on_disk == root.text,
            "{} is stale; run `cargo xtask codegen`",
            root.path
        );
    }
}

/// An `allOf` made of rule entries (see `handshake_codegen::json_schema::rules`).
fn is_rule_list(value: &Value) -> bool {
    value.as_array().is_some_and(|entries| {
        entries.iter().all(|entry| {
            entry
                .get("$comment")
                .and_then(Value::as_str)
                .is_some_and(|comment| comment.contains(" §"))
        })
    })
}

#[test]
fn every_property_names_its_clause() {
    fn check(path: &str, pointer: &str, schema: &Value) {
        match schema {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (name, property) in properties {
                        let description = property
                            .get("description")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        assert!(
                            description.contains("(§"),
                            "{path}{pointer}/properties/{name} has no clause in its description: {description:?}"
                        );
                    }
                }
                for (key, value) in map {
                    // Cross-field rules (`allOf` entries whose `$comment` is `<code> §…`) restate
                    // properties as conditions, not declarations; their clause is the comment.
                    if key == "allOf" && is_rule_list(value) {
                        continue;
                    }
                    check(path, &format!("{pointer}/{key}"), value);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    check(path, &format!("{pointer}/{index}"), item);
                }
            }
            _ => {}
        }
    }
    for root in root_schemas() {
        check(&root.path, "", &root.schema);
    }
}

#[test]
fn valid_examples_pass_the_schema_and_round_trip_through_the_model_unchanged() {
    for root in root_schemas() {
        let valid = examples(&root.stem, "valid");
        assert!(
            !valid.is_empty(),
            "root {} has no example under tests/examples/{}/valid/",
            root.type_name,
            root.stem
        );
        let validator = validator(&root.schema);
        for (path, instance) in valid {
            if let Some(errors) = schema_errors(&validator, &instance) {
                panic!("{} is refused by {}:\n{errors}", display(&path), root.path);
            }
            let written = model_round_trip(&root.stem, &instance).unwrap_or_else(|error| {
                panic!("{} is refused by the Rust model: {error}", display(&path))
            });
            assert_eq!(
                written,
                instance,
                "{}: the Rust model writes a different record than it read",
                display(&path)
            );
        }
    }
}

#[test]
fn hand_written_invalid_examples_are_refused_by_schema_and_serde() {
    let mut seen = 0;
    for root in root_schemas() {
        let validator = validator(&root.schema);
        for (path, instance) in examples(&root.stem, "invalid") {
            seen += 1;
            assert!(
                schema_errors(&validator, &instance).is_some(),
                "{} is accepted by {} but must be refused",
                display(&path),
                root.path
            );
            if let Ok(read) = model_round_trip(&root.stem, &instance) {
                panic!(
                    "{} is accepted by the Rust model (read as {read}) but must be refused",
                    display(&path)
                );
            }
        }
    }
    assert!(
        seen > 0,
        "tests/examples/*/invalid/ holds hand-written invalid records"
    );
}

#[test]
fn every_mechanical_mutation_of_a_valid_example_is_refused_by_schema_and_serde() {
    let mut failures = Vec::new();
    let mut total = 0;
    for root in root_schemas() {
        let validator = validator(&root.schema);
        for (path, instance) in examples(&root.stem, "valid") {
            for mutation in mutations(&root.schema, &instance) {
                total += 1;
                let by_schema = schema_errors(&validator, &mutation.instance).is_some();
                let by_serde = model_round_trip(&root.stem, &mutation.instance).is_err();
                if !by_schema || !by_serde {
                    failures.push(format!(
                        "{} / {}: refused by schema: {by_schema}, by serde: {by_serde}",
                        display(&path),
                        mutation.name
                    ));
                }
            }
        }
    }
    assert!(
        total > 500,
        "only {total} mutations were derived; the walker lost its way"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} mutations were accepted:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_missing_required_field_is_derived_for_every_required_property_of_the_full_ai_job() {
    // The mutation walker, not a list in this file, decides which fields to remove; check that it
    // covers each required top-level field, so a new required field automatically gets a case.
    let ai_job = root_schema("ai_job");
    let names: BTreeSet<String> = mutations(&ai_job.schema, &full_ai_job())
        .into_iter()
        .filter_map(|m| {
            m.name
                .strip_suffix(" at /")
                .and_then(|n| n.strip_prefix("missing required "))
                .map(str::to_owned)
        })
        .collect();
    let required: BTreeSet<String> = ai_job.schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .map(|name| format!("{:?}", name.as_str().expect("name")))
        .collect();
    assert_eq!(names, required);
}

#[test]
fn the_spec_ai_job_record_has_exactly_the_36_core_fields_and_the_profile_extension() {
    let spec = spec();
    let ai_job = spec.type_named("AiJob").expect("AiJob is declared");
    let TypeKind::Record(record) = &ai_job.kind else {
        panic!("AiJob is a record")
    };
    let declared: Vec<(&str, bool)> = record
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.required))
        .collect();
    assert_eq!(
        declared,
        core_and_extension_fields(),
        "spec AiJob fields (name, required) differ from the §2.6.6.2 tables plus the §2.6.6.6 extension"
    );
}

#[test]
fn the_ai_job_schema_has_the_36_core_fields_and_the_profile_extension() {
    let schema = root_schema("ai_job").schema;
    let properties: Vec<&str> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    let expected: Vec<&str> = core_and_extension_fields()
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(properties, expected);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .map(|v| v.as_str().expect("name"))
        .collect();
    let expected_required: Vec<&str> = CORE_FIELDS
        .iter()
        .filter(|(_, r)| *r)
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(required, expected_required);
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn the_rust_ai_job_writes_all_36_core_fields_and_refuses_each_missing_required_one() {
    let full = full_ai_job();
    let written = model_round_trip("ai_job", &full).expect("the full AiJob example is read");
    let keys: Vec<&str> = written
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = CORE_FIELDS.iter().map(|(name, _)| *name).collect();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(
        sorted_keys, expected,
        "the Rust AiJob writes exactly the 36 core fields"
    );
    for (name, required) in CORE_FIELDS {
        let mut without = full.clone();
        without.as_object_mut().expect("object").remove(name);
        let result = model_round_trip("ai_job", &without);
        if required {
            let error = result.expect_err(&format!(
                "the Rust AiJob accepts a job without required {name}"
            ));
            assert!(
                error.contains(name),
                "the error for missing {name} names it: {error}"
            );
        } else {
            let read = result.unwrap_or_else(|e| {
                panic!("the Rust AiJob refuses a job without optional {name}: {e}")
            });
            assert!(
                read.get(name).is_none(),
                "absent optional {name} is written back as absent, not null"
            );
        }
    }
}

#[test]
fn the_job_state_schema_carries_the_lifecycle_table() {
    let spec = spec();
    let schema = root_schema("job_state").schema;
    let lifecycle = &schema["x-lifecycle"];
    assert_eq!(lifecycle["initial"], spec.lifecycle.initial.as_str());
    let terminal: Vec<&str> = spec
        .lifecycle
        .terminal_states()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(lifecycle["terminal"], serde_json::json!(terminal));
    let transitions: Vec<[&str; 2]> = spec
        .lifecycle
        .transitions
        .iter()
        .map(|t| [t.from.as_str(), t.to.as_str()])
        .collect();
    assert_eq!(lifecycle["transitions"], serde_json::json!(transitions));
    let states: Vec<&str> = spec
        .lifecycle
        .states
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(schema["enum"], serde_json::json!(states));
}
