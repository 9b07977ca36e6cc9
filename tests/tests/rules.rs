//! Cross-field rules, Rust against JSON Schema: on every record of `tests/corpus_rules/<rule>/
//! {valid,invalid}/<root>.<case>.json` the generated Rust validators (serde, then `Validate`) and
//! the generated JSON Schema (checked by the independent `jsonschema` crate) give the same
//! verdict; an invalid record is refused by Rust with its rule's code. The one place they may
//! differ is named: rules JSON Schema cannot express ([`NOT_EXPRESSIBLE`], asserted equal to the
//! generator's `x-rules-not-expressible`), whose invalid records the schema accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use handshake_conformance::repo_root;
use handshake_job_model as model;
use handshake_job_model::validate_json;
use serde_json::Value;

/// Rules with `all_equal` (elements compared with each other) or `member_of` (a value compared
/// with the elements of another list of the record), which JSON Schema cannot state.
const NOT_EXPRESSIBLE: &[&str] = &[
    "job_context_trace_one_job",
    "job_context_trace_same_model_tier",
    "job_context_trace_same_policy",
    "job_context_trace_same_projection",
    "transcript_segments_come_from_one_job",
    "imported_blocks_come_from_one_job_and_file",
    "planned_entity_targets_are_listed",
    "planned_document_targets_are_listed",
    "planned_block_targets_are_derivable",
    "planned_sheet_targets_are_derivable",
    "planned_source_files_are_listed",
    "planned_media_is_listed",
    "entity_refs_lie_inside_the_document_scope",
];

/// Rust's verdict: `Ok`, or the codes of every violation.
fn rust_verdict(stem: &str, value: &Value) -> Result<(), Vec<String>> {
    // Every root type with rules, from the generator's registry (no hand-kept list).
    macro_rules! by_stem {
        ($(($ty:path, $name:literal, $stem:literal, $kind:ident, $place:ident)),* $(,)?) => {
            match stem {
                $($stem => by_stem!(@check $kind $ty),)*
                other => panic!("corpus root {other} is not a root type of the spec"),
            }
        };
        (@check rules $ty:path) => { validate_json::<$ty>(value).map(|_| ()) };
        // A type without fields (an enum) has no rules: serde alone judges it.
        (@check plain $ty:path) => {
            serde_json::from_value::<$ty>(value.clone()).map(|_| ()).map_err(|error| {
                vec![model::Violation {
                    path: String::new(),
                    code: model::INVALID_RECORD_CODE,
                    clause: "§2.6.6.2",
                    rule: "invalid_record",
                    message: error.to_string(),
                }]
            })
        };
    }
    let result = handshake_job_model::for_each_root_type!(by_stem);
    result.map_err(|violations| violations.iter().map(|v| v.code.to_string()).collect())
}

struct Record {
    rule: String,
    stem: String,
    expected_valid: bool,
    display: String,
    value: Value,
}

fn corpus() -> Vec<Record> {
    let dir = repo_root().join("tests/corpus_rules");
    let mut records = Vec::new();
    let mut rules: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus_rules exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    rules.sort();
    for rule_dir in rules {
        let rule = rule_dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for (kind, expected_valid) in [("valid", true), ("invalid", false)] {
            let Ok(entries) = std::fs::read_dir(rule_dir.join(kind)) else {
                continue;
            };
            let mut files: Vec<_> = entries.map(|e| e.expect("entry").path()).collect();
            files.sort();
            for file in files {
                let name = file
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                let Some(name) = name.strip_suffix(".json") else {
                    continue;
                };
                let stem = name.split('.').next().expect("a root stem").to_string();
                let text = std::fs::read_to_string(&file).expect("readable record");
                records.push(Record {
                    rule: rule.clone(),
                    stem,
                    expected_valid,
                    display: display(&file),
                    value: serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", display(&file))),
                });
            }
        }
    }
    records
}

fn display(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn spec() -> handshake_spec::model::Spec {
    handshake_spec::load(&repo_root()).unwrap_or_else(|e| panic!("the spec does not load:\n{e}"))
}

/// The generated schemas, in memory, by root stem (`ai_job` for `ai_job.schema.json`).
fn schemas(spec: &handshake_spec::model::Spec) -> BTreeMap<String, Value> {
    handshake_codegen::json_schema::generate(spec)
        .into_iter()
        .map(|file| {
            let stem = file
                .path
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_suffix(".schema.json"))
                .expect("schema file name")
                .to_string();
            (
                stem,
                serde_json::from_str(&file.contents).expect("schema is JSON"),
            )
        })
        .collect()
}

fn not_expressible_in(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(items)) = map.get("x-rules-not-expressible") {
                for item in items {
                    into.insert(item["rule"].as_str().expect("rule name").to_string());
                }
            }
            map.values().for_each(|v| not_expressible_in(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| not_expressible_in(v, into)),
        _ => {}
    }
}

#[test]
fn rust_and_json_schema_agree_on_every_rule_record() {
    let spec = spec();
    let schemas = schemas(&spec);
    let codes: BTreeMap<&str, &str> = spec
        .rules
        .iter()
        .map(|r| (r.name.as_str(), r.code.as_str()))
        .collect();
    let mut validators = BTreeMap::new();
    let records = corpus();
    assert!(
        records.len() >= 2 * spec.rules.len(),
        "the rules corpus is missing records"
    );
    let mut failures = Vec::new();
    for record in &records {
        let code = *codes.get(record.rule.as_str()).unwrap_or_else(|| {
            panic!(
                "{}: no rule named {} in the spec",
                record.display, record.rule
            )
        });
        let validator = validators.entry(record.stem.clone()).or_insert_with(|| {
            let schema = schemas
                .get(&record.stem)
                .unwrap_or_else(|| panic!("no schema for root {}", record.stem));
            jsonschema::validator_for(schema).expect("the schema compiles")
        });
        let rust = rust_verdict(&record.stem, &record.value);
        let schema_valid = validator.is_valid(&record.value);
        let expressible = !NOT_EXPRESSIBLE.contains(&record.rule.as_str());
        match (&rust, record.expected_valid) {
            (Ok(()), true) => {}
            (Err(found), false) if found.iter().any(|c| c == code) => {}
            (verdict, _) => failures.push(format!(
                "{}: expected {} by {code}, rust says {verdict:?}",
                record.display,
                if record.expected_valid {
                    "valid"
                } else {
                    "refused"
                }
            )),
        }
        let rust_valid = rust.is_ok();
        if expressible && schema_valid != rust_valid {
            failures.push(format!(
                "{}: rust says {}, the JSON Schema says {}",
                record.display,
                if rust_valid { "valid" } else { "invalid" },
                if schema_valid { "valid" } else { "invalid" }
            ));
        }
        if !expressible && !schema_valid && record.expected_valid {
            failures.push(format!(
                "{}: the schema refuses a valid record",
                record.display
            ));
        }
        if !expressible && !record.expected_valid && schema_valid == rust_valid {
            failures.push(format!(
                "{}: the schema now refuses a record of {}, which NOT_EXPRESSIBLE says it cannot; update the list",
                record.display, record.rule
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_valid_and_invalid_records() {
    let spec = spec();
    let records = corpus();
    for rule in &spec.rules {
        for expected_valid in [true, false] {
            assert!(
                records
                    .iter()
                    .any(|r| r.rule == rule.name && r.expected_valid == expected_valid),
                "rule {} has no {} record under tests/corpus_rules/{}/",
                rule.name,
                if expected_valid { "valid" } else { "invalid" },
                rule.name
            );
        }
    }
}

#[test]
fn the_rules_json_schema_cannot_express_are_named() {
    let spec = spec();
    let mut found = BTreeSet::new();
    for schema in schemas(&spec).values() {
        not_expressible_in(schema, &mut found);
    }
    let named: BTreeSet<String> = NOT_EXPRESSIBLE.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, named);
    let spec_rules: BTreeSet<&str> = spec.rules.iter().map(|r| r.name.as_str()).collect();
    for rule in NOT_EXPRESSIBLE {
        assert!(
            spec_rules.contains(rule),
            "{rule} is not a rule of the spec"
        );
    }
}

#[test]
fn a_nested_violation_reports_its_json_pointer() {
    let path = repo_root().join(
        "tests/corpus_rules/prompt_payload_not_exportable/invalid/ai_job.nested_exportable_prompt_payload.json",
    );
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("record")).expect("json");
    let violations = validate_json::<model::AiJob>(&value).expect_err("refused");
    let handles = value["context_snapshot"]["artifact_handles"]
        .as_array()
        .expect("handles")
        .len();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(
        violations[0].path,
        format!(
            "/context_snapshot/artifact_handles/{}/exportable",
            handles - 1
        )
    );
    assert_eq!(violations[0].code, "HSK-RULE-0103");
    assert_eq!(violations[0].rule, "prompt_payload_not_exportable");
    assert_eq!(violations[0].clause, "§2.6.6.7.7");
}

#[test]
fn every_failing_part_is_reported_and_serde_errors_carry_their_path() {
    let path = repo_root().join(
        "tests/corpus_rules/local_payload_guard/invalid/context_snapshot.local_payload_exportable_report.json",
    );
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("record")).expect("json");
    let violations = validate_json::<model::ContextSnapshot>(&value).expect_err("refused");
    let paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/local_only_payload_ref/kind",
            "/local_only_payload_ref/exportable",
        ]
    );

    let mut broken = value.clone();
    broken["local_only_payload_ref"]["size_bytes"] = Value::from(-1);
    let violations = validate_json::<model::ContextSnapshot>(&broken).expect_err("refused");
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].code, model::INVALID_RECORD_CODE);
    assert_eq!(violations[0].path, "/local_only_payload_ref/size_bytes");
}

/// §2.6.6.2.2 and §2.6.6.6.1: a job names the profile its kind is bound to. For every kind and
/// every profile id (each registered one, and one that is not registered), the violations at
/// `/profile_id` are exactly: none for the kind's own profile; `profile_id_is_registered` alone
/// for an unregistered id (the per-profile rule does not report it a second time); the kind's
/// `profile_id` binding alone for another registered profile. Kinds, profiles and codes come
/// from the spec, so the table is the spec's, not a copy.
#[test]
fn profile_id_is_judged_for_every_kind_and_profile() {
    use handshake_spec::model::BindingKind;

    let spec = spec();
    let registered_code = spec
        .rules
        .iter()
        .find(|rule| rule.name == "profile_id_is_registered")
        .expect("the spec declares profile_id_is_registered")
        .code
        .clone();
    let base: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/corpus/ai_job/valid/required_only.json"))
            .expect("record"),
    )
    .expect("json");
    let unregistered = "unregistered_profile_v0.1";
    let mut candidates: Vec<&str> = spec
        .profiles
        .iter()
        .map(|p| p.profile_id.as_str())
        .collect();
    candidates.push(unregistered);
    let mut failures = Vec::new();
    let mut judged = 0;
    for profile in &spec.profiles {
        let binding = profile
            .bindings
            .iter()
            .find(|b| b.kind == BindingKind::ProfileId)
            .map(|b| b.code.clone());
        for kind in &profile.job_kinds {
            for &candidate in &candidates {
                let mut record = base.clone();
                record["job_kind"] = Value::from(kind.as_str());
                record["profile_id"] = Value::from(candidate);
                let found: BTreeSet<String> = match validate_json::<model::AiJob>(&record) {
                    Ok(_) => BTreeSet::new(),
                    Err(violations) => violations
                        .iter()
                        .filter(|v| v.path == "/profile_id")
                        .map(|v| v.code.to_string())
                        .collect(),
                };
                let expected: BTreeSet<String> = if candidate == profile.profile_id {
                    BTreeSet::new()
                } else if candidate == unregistered {
                    BTreeSet::from([registered_code.clone()])
                } else {
                    binding.iter().cloned().collect()
                };
                judged += 1;
                if found != expected {
                    failures.push(format!(
                        "job_kind {kind} with profile_id {candidate}: expected {expected:?} at /profile_id, found {found:?}"
                    ));
                }
            }
        }
    }
    assert!(judged > spec.profiles.len(), "no kind was judged");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
