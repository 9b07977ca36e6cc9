//! Cross-field rules, Rust against JSON Schema: on every record of `tests/corpus_rules/<rule>/
//! {valid,invalid}/<root>.<case>.json` the generated Rust validators (serde, then `Validate`) and
//! the generated JSON Schema (checked by the independent `jsonschema` crate) give the same
//! verdict; an invalid record is refused by Rust with its rule's code. The one place they may
//! differ is named: rules JSON Schema cannot express ([`not_expressible`], asserted equal to the
//! generator's `x-rules-not-expressible`), whose invalid records the schema accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use handshake_conformance::rust_verdict::rust_violations;
use handshake_conformance::{repo_root, rule_code, verdict_files};
use handshake_job_model as model;
use handshake_job_model::validate_json;
use serde_json::Value;

/// Rules with `all_equal` (elements compared with each other), `member_of` (a value compared
/// with the elements of another list of the record), `same_as` (a value compared with another
/// field), `at_most` (a number bounded by another field), `sorted_by` (neighbours compared),
/// `equals_sum` (arithmetic) or `hash_of` (a SHA-256 recomputed), which JSON Schema cannot state.
const NOT_EXPRESSIBLE: &[&str] = &[
    "job_context_trace_one_job",
    "job_context_trace_same_model_tier",
    "job_context_trace_same_policy",
    "job_context_trace_same_projection",
    "transcript_segments_come_from_one_job",
    "imported_blocks_come_from_one_job_and_file",
    "entity_refs_lie_inside_the_document_scope",
    "prompt_envelope_hashes_match_its_blocks",
    "context_snapshot_is_of_this_job",
    "imported_blocks_come_from_the_input_file",
    "session_log_events_are_of_its_job",
    "session_log_compactions_are_of_its_job",
    "retrieval_evidence_within_its_token_budget",
    "retrieval_selection_within_its_snippet_budget",
    "retrieval_reads_within_their_budget_or_flagged",
    "retrieval_candidates_are_stable_sorted",
    "candidate_base_score_is_deterministic",
];

/// HSK-RULE-0112 to 0117: a planned operation's targets are listed in, or derivable from, the
/// job's `entity_refs` (`member_of`, so not expressible either; see [`Target`]).
const PLANNED_TARGET_RULES: [&str; 6] = [
    "planned_entity_targets_are_listed",
    "planned_document_targets_are_listed",
    "planned_block_targets_are_derivable",
    "planned_sheet_targets_are_derivable",
    "planned_source_files_are_listed",
    "planned_media_is_listed",
];

/// Every rule the JSON Schema cannot express: [`NOT_EXPRESSIBLE`] and [`PLANNED_TARGET_RULES`].
fn not_expressible() -> impl Iterator<Item = &'static str> {
    NOT_EXPRESSIBLE
        .iter()
        .chain(PLANNED_TARGET_RULES.iter())
        .copied()
}

/// Rust's verdict: `Ok`, or the codes of every violation.
fn rust_verdict(stem: &str, value: &Value) -> Result<(), Vec<String>> {
    rust_violations(stem, value)
        .map_err(|violations| violations.iter().map(|v| v.code.to_string()).collect())
}

struct Record {
    rule: String,
    stem: String,
    expected_valid: bool,
    display: String,
    value: Value,
}

fn corpus() -> Vec<Record> {
    verdict_files(&repo_root().join("tests/corpus_rules"))
        .into_iter()
        .map(|file| {
            let name = file
                .path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let stem = name.split('.').next().expect("a root stem").to_string();
            let text = std::fs::read_to_string(&file.path).expect("readable record");
            Record {
                rule: file.folder,
                stem,
                expected_valid: file.expected_valid,
                display: display(&file.path),
                value: serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: not JSON: {e}", display(&file.path))),
            }
        })
        .collect()
}

/// The record `tests/corpus_rules/<relative>`.
fn corpus_record(relative: &str) -> Value {
    let path = repo_root().join("tests/corpus_rules").join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: not JSON: {e}"))
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
        let expressible = !not_expressible().any(|rule| rule == record.rule);
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
                "{}: the schema now refuses a record of {}, which NOT_EXPRESSIBLE or PLANNED_TARGET_RULES says it cannot; update the list",
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
    let named: BTreeSet<String> = not_expressible().map(str::to_string).collect();
    assert_eq!(found, named);
    let spec_rules: BTreeSet<&str> = spec.rules.iter().map(|r| r.name.as_str()).collect();
    for rule in not_expressible() {
        assert!(
            spec_rules.contains(rule),
            "{rule} is not a rule of the spec"
        );
    }
}

#[test]
fn a_nested_violation_reports_its_json_pointer() {
    let value = corpus_record(
        "prompt_payload_not_exportable/invalid/ai_job.nested_exportable_prompt_payload.json",
    );
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
    let value = corpus_record(
        "local_payload_guard/invalid/context_snapshot.local_payload_exportable_report.json",
    );
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

/// What one planned-operation target needs from `entity_refs` (§2.6.6.2.3: a job operates only
/// on entities listed in, or derivable from, its refs), as HSK-RULE-0112 to 0117 decide it.
enum Target {
    /// An `EntityRef` target (0112): a ref of the same artefact that is whole, or has exactly
    /// the target's selector; a target without a selector is covered by a whole ref only.
    Ref {
        ty: &'static str,
        id: &'static str,
        selector: Option<Value>,
    },
    /// A doc or file id read or written as a whole (0113, 0116): a ref of that type and id
    /// without a selector.
    Whole { ty: &'static str, id: &'static str },
    /// A block, range or column id (0114, 0115): a whole ref of the type, or a ref of the type
    /// whose selector of `kind` names exactly this part in `key`.
    Part {
        ty: &'static str,
        kind: &'static str,
        key: &'static str,
        id: &'static str,
    },
    /// The interval transcribe_segment works on (0117): the whole audio asset, or a ref whose
    /// time_range is exactly the interval; the asset compares as a UUID.
    Interval {
        id: &'static str,
        start: u64,
        end: u64,
    },
    /// A media asset whose transcript is worked on (0117): any audio ref of the asset.
    Asset { id: &'static str },
}

/// Another artefact type, for the near-miss "right id, wrong type".
fn other_type(ty: &str) -> &'static str {
    match ty {
        "doc" => "sheet",
        "audio" | "sheet" => "file",
        _ => "doc",
    }
}

fn entity_ref(ty: &str, id: &str, selector: Option<Value>) -> Value {
    let mut value = serde_json::json!({ "artefact_type": ty, "artefact_id": id });
    if let Some(selector) = selector {
        value["selector"] = selector;
    }
    value
}

/// A ref to the `start_ms`–`end_ms` interval of the artefact `id` of type `ty` (a `time_range`
/// selector).
fn interval_ref(ty: &str, id: &str, start_ms: u64, end_ms: u64) -> Value {
    let selector =
        serde_json::json!({ "kind": "time_range", "start_ms": start_ms, "end_ms": end_ms });
    entity_ref(ty, id, Some(selector))
}

/// A ref to the artefact `id` of type `ty` selecting one part (`{"kind": kind, key: part}`).
fn part_ref(ty: &str, id: &str, kind: &str, key: &str, part: &str) -> Value {
    entity_ref(ty, id, Some(serde_json::json!({ "kind": kind, key: part })))
}

const OTHER_ID: &str = "00000000-0000-4000-8000-0000000000ff";

impl Target {
    /// The doc or file `id`, read or written as a whole (0113, 0116).
    fn whole(ty: &'static str, id: &'static str) -> Target {
        Target::Whole { ty, id }
    }

    /// A document block (0114), selected by `block_id`.
    fn block(id: &'static str) -> Target {
        Target::Part {
            ty: "doc",
            kind: "block_id",
            key: "block_id",
            id,
        }
    }

    /// A sheet range (0115), selected as a `range` by `range_id`.
    fn range(id: &'static str) -> Target {
        Target::Part {
            ty: "sheet",
            kind: "range",
            key: "range_id",
            id,
        }
    }

    fn rule(&self) -> &'static str {
        match self {
            Target::Ref { .. } => "planned_entity_targets_are_listed",
            Target::Whole { ty: "doc", .. } => "planned_document_targets_are_listed",
            Target::Whole { .. } => "planned_source_files_are_listed",
            Target::Part { ty: "doc", .. } => "planned_block_targets_are_derivable",
            Target::Part { .. } => "planned_sheet_targets_are_derivable",
            Target::Interval { .. } | Target::Asset { .. } => "planned_media_is_listed",
        }
    }

    /// Refs that cover the target alone, each enough by itself; the first is the narrowest
    /// (it covers nothing but this target), so the other targets of an operation are judged
    /// with it in place.
    fn covers(&self) -> Vec<(&'static str, Value)> {
        match self {
            Target::Ref {
                ty,
                id,
                selector: None,
            } => vec![("the same artefact, whole", entity_ref(ty, id, None))],
            Target::Ref {
                ty,
                id,
                selector: Some(selector),
            } => vec![
                (
                    "the same artefact with the same selector",
                    entity_ref(ty, id, Some(selector.clone())),
                ),
                ("the same artefact, whole", entity_ref(ty, id, None)),
            ],
            Target::Whole { ty, id } => {
                vec![("the same artefact, whole", entity_ref(ty, id, None))]
            }
            Target::Part { ty, kind, key, id } => vec![
                (
                    "a ref selecting exactly the part",
                    part_ref(ty, OTHER_ID, kind, key, id),
                ),
                (
                    "a whole artefact of the type",
                    entity_ref(ty, OTHER_ID, None),
                ),
            ],
            Target::Interval { id, start, end } => vec![
                (
                    "exactly the interval",
                    interval_ref("audio", id, *start, *end),
                ),
                ("the whole asset", entity_ref("audio", id, None)),
                (
                    "the whole asset, its UUID in upper case",
                    entity_ref("audio", &id.to_uppercase(), None),
                ),
            ],
            Target::Asset { id } => vec![
                ("the whole asset", entity_ref("audio", id, None)),
                ("an interval of the asset", interval_ref("audio", id, 5, 6)),
            ],
        }
    }

    /// Refs that come close and do not cover the target.
    fn near_misses(&self) -> Vec<(&'static str, Value)> {
        let block = serde_json::json!({ "kind": "block_id", "block_id": "blk-other" });
        match self {
            Target::Ref { ty, id, selector } => {
                let mut misses = vec![
                    (
                        "the same id as another type",
                        entity_ref(other_type(ty), id, selector.clone()),
                    ),
                    (
                        "another artefact of the type",
                        entity_ref(ty, OTHER_ID, selector.clone()),
                    ),
                    (
                        "the same artefact with another selector",
                        entity_ref(ty, id, Some(block)),
                    ),
                ];
                if selector.is_some() {
                    misses.push(("another artefact, whole", entity_ref(ty, OTHER_ID, None)));
                }
                misses
            }
            Target::Whole { ty, id } => vec![
                (
                    "the same artefact with a selector",
                    entity_ref(ty, id, Some(block)),
                ),
                (
                    "the same id as another type",
                    entity_ref(other_type(ty), id, None),
                ),
                (
                    "another artefact of the type",
                    entity_ref(ty, OTHER_ID, None),
                ),
            ],
            Target::Part { ty, kind, key, id } => vec![
                (
                    "a ref selecting another part",
                    part_ref(ty, OTHER_ID, kind, key, "part-other"),
                ),
                (
                    "a ref selecting the part's id as a row",
                    part_ref(ty, OTHER_ID, "row_id", "row_id", id),
                ),
                (
                    "a whole artefact of another type",
                    entity_ref(other_type(ty), OTHER_ID, None),
                ),
                (
                    "another type selecting exactly the part",
                    part_ref(other_type(ty), OTHER_ID, kind, key, id),
                ),
            ],
            Target::Interval { id, start, end } => vec![
                (
                    "an interval starting later",
                    interval_ref("audio", id, start + 1, *end),
                ),
                (
                    "an interval ending later",
                    interval_ref("audio", id, *start, end + 1),
                ),
                ("the same id as a file", entity_ref("file", id, None)),
                (
                    "the same interval as a file",
                    interval_ref("file", id, *start, *end),
                ),
                ("another asset, whole", entity_ref("audio", OTHER_ID, None)),
            ],
            Target::Asset { id } => vec![
                ("the same id as a file", entity_ref("file", id, None)),
                ("another asset, whole", entity_ref("audio", OTHER_ID, None)),
                (
                    "another asset's interval",
                    interval_ref("audio", OTHER_ID, 5, 6),
                ),
            ],
        }
    }
}

/// The operations a condition names as `{ absent: "[op]" }` (the arm that lets every other
/// operation through).
fn operations_named_in(condition: &handshake_spec::model::Condition, into: &mut BTreeSet<String>) {
    use handshake_spec::model::{Condition, PathStep};
    for condition in condition.walk() {
        if let Condition::Absent(path) = condition
            && let [PathStep::Variant(op)] = path.0.as_slice()
        {
            into.insert(op.clone());
        }
    }
}

/// Every planned operation with a target one of HSK-RULE-0112 to 0117 names, and each of its
/// targets. The operations are the rules' own list (their decisions in spec/rules.yaml); the test
/// asserts that list is complete, so a rule that gains an operation gains a row here.
fn planned_operation_targets() -> Vec<(Value, Vec<Target>)> {
    use serde_json::json;
    const DOC: &str = "9c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f";
    const SHEET: &str = "5b6c7d8e-9f01-4234-8567-89abcdef0123";
    const FILE: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    const MEDIA: &str = "3c4d5e6f-7a8b-4c9d-9e0f-1a2b3c4d5e6f";
    let segments = json!([{ "time_range": { "start_ms": 0, "end_ms": 4200 }, "text": "Welcome." }]);
    let handle = json!({
        "artifact_id": "0193a2b5-0000-7000-8000-000000000064", "kind": "transcript",
        "uri": "file:///artifacts/100.json", "content_hash": "b".repeat(64), "size_bytes": 48213,
        "classification": "medium", "exportable": false
    });
    let column = json!({ "kind": "column_id", "column_id": "col-revenue" });
    let block = json!({ "kind": "block_id", "block_id": "blk-0007" });
    vec![
        (
            json!({ "op": "update_metadata", "target": { "artefact_type": "sheet", "artefact_id": SHEET, "selector": column }, "metadata": {} }),
            vec![Target::Ref {
                ty: "sheet",
                id: SHEET,
                selector: Some(column.clone()),
            }],
        ),
        (
            json!({ "op": "update_metadata", "target": { "artefact_type": "doc", "artefact_id": DOC }, "metadata": {} }),
            vec![Target::Ref {
                ty: "doc",
                id: DOC,
                selector: None,
            }],
        ),
        (
            json!({ "op": "create_chart", "source_table_ref": { "artefact_type": "sheet", "artefact_id": SHEET, "selector": column },
                "source_range": { "form": "a1", "range": "A1:C10" }, "chart_spec": { "schema_version": "1.0.0", "body": {} } }),
            vec![Target::Ref {
                ty: "sheet",
                id: SHEET,
                selector: Some(column.clone()),
            }],
        ),
        (
            json!({ "op": "build_context_pack", "target_ref": { "artefact_type": "doc", "artefact_id": DOC } }),
            vec![Target::Ref {
                ty: "doc",
                id: DOC,
                selector: None,
            }],
        ),
        (
            json!({ "op": "build_context_pack", "target_ref": { "artefact_type": "doc", "artefact_id": DOC, "selector": block } }),
            vec![Target::Ref {
                ty: "doc",
                id: DOC,
                selector: Some(block.clone()),
            }],
        ),
        (
            json!({ "op": "create_chart", "source_table_ref": { "artefact_type": "sheet", "artefact_id": SHEET },
                "source_range": { "form": "a1", "range": "A1:C10" }, "chart_spec": { "schema_version": "1.0.0", "body": {} } }),
            vec![Target::Ref {
                ty: "sheet",
                id: SHEET,
                selector: None,
            }],
        ),
        (
            json!({ "op": "attach_transcript", "media_id": MEDIA, "target_doc_id": DOC, "transcript": handle }),
            vec![Target::whole("doc", DOC), Target::Asset { id: MEDIA }],
        ),
        (
            json!({ "op": "import_blocks", "source_file_id": FILE, "target_doc_id": DOC, "block_mapping": [] }),
            vec![Target::whole("file", FILE), Target::whole("doc", DOC)],
        ),
        (
            json!({ "op": "link_provenance", "source_file_id": FILE, "target_doc_id": DOC, "segment_mapping": [] }),
            vec![Target::whole("file", FILE), Target::whole("doc", DOC)],
        ),
        (
            json!({ "op": "extract_structure", "source_file_id": FILE, "layout_model": "docling-layout" }),
            vec![Target::whole("file", FILE)],
        ),
        (
            json!({ "op": "extract_tables", "source_file_id": FILE, "table_model": "tableformer" }),
            vec![Target::whole("file", FILE)],
        ),
        (
            json!({ "op": "insert_block", "after": "blk-0042", "content": { "block_type": "paragraph", "text": "x" } }),
            vec![Target::block("blk-0042")],
        ),
        (
            json!({ "op": "replace_block", "block_id": "blk-0007", "content": { "block_type": "paragraph", "text": "x" } }),
            vec![Target::block("blk-0007")],
        ),
        (
            json!({ "op": "move_block", "block_id": "blk-0007", "after": "blk-0042" }),
            vec![Target::block("blk-0007"), Target::block("blk-0042")],
        ),
        (
            json!({ "op": "apply_formula", "range": "Sheet1!A1:C10", "formula": { "expression": "=SUM(A1:A9)" } }),
            vec![Target::range("Sheet1!A1:C10")],
        ),
        (
            json!({ "op": "fill_down", "range": "Sheet1!B2:B9" }),
            vec![Target::range("Sheet1!B2:B9")],
        ),
        (
            json!({ "op": "normalize_column", "column_id": "col-date", "normalization": "iso_8601_date" }),
            vec![Target::Part {
                ty: "sheet",
                kind: "column_id",
                key: "column_id",
                id: "col-date",
            }],
        ),
        (
            json!({ "op": "transcribe_segment", "media_id": MEDIA, "time_range": { "start_ms": 1000, "end_ms": 30000 }, "asr_model_id": "whisper-large-v3" }),
            vec![Target::Interval {
                id: MEDIA,
                start: 1000,
                end: 30000,
            }],
        ),
        (
            json!({ "op": "align_transcript", "media_id": MEDIA, "transcript_segments": segments }),
            vec![Target::Asset { id: MEDIA }],
        ),
        (
            json!({ "op": "identify_speakers", "media_id": MEDIA, "segments": segments }),
            vec![Target::Asset { id: MEDIA }],
        ),
    ]
}

/// HSK-RULE-0112 to 0117 on every operation and every target they name: with each covering
/// ref the job has no violation of the six rules; with each near miss (right id and wrong type,
/// wrong id, a selector where the whole is needed, another part or interval) exactly the target's
/// rule is reported. The other targets of the operation stay covered by their narrowest ref, so
/// each target is judged alone.
#[test]
fn every_planned_operation_target_is_judged_against_entity_refs() {
    let spec = spec();
    let code_of = |rule: &str| rule_code(&spec, rule);
    let codes: BTreeSet<String> = PLANNED_TARGET_RULES.into_iter().map(code_of).collect();
    let mut base: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/corpus/ai_job/valid/required_only.json"))
            .expect("record"),
    )
    .expect("json");
    base["access_mode"] = Value::from("apply_scoped");
    // The verdict of the six rules: their codes, or the serde error if the record does not parse.
    let judge = |op: &Value, refs: Vec<Value>| -> Result<BTreeSet<String>, String> {
        let mut record = base.clone();
        record["planned_operations"] = Value::Array(vec![op.clone()]);
        record["entity_refs"] = Value::Array(refs);
        match validate_json::<model::AiJob>(&record) {
            Ok(_) => Ok(BTreeSet::new()),
            Err(violations) => {
                if let Some(v) = violations
                    .iter()
                    .find(|v| v.code == model::INVALID_RECORD_CODE)
                {
                    return Err(format!("{} {}", v.path, v.message));
                }
                Ok(violations
                    .iter()
                    .filter(|v| codes.contains(v.code))
                    .map(|v| format!("{} at {}", v.code, v.path))
                    .collect())
            }
        }
    };
    let mut failures = Vec::new();
    let mut judged = 0;
    let mut operations = BTreeSet::new();
    for (op, targets) in planned_operation_targets() {
        let name = op["op"].as_str().expect("op").to_string();
        operations.insert(name.clone());
        let narrowest: Vec<Value> = targets.iter().map(|t| t.covers().remove(0).1).collect();
        for (index, target) in targets.iter().enumerate() {
            let code = code_of(target.rule());
            let with = |candidate: Value| {
                let mut refs = narrowest.clone();
                refs[index] = candidate;
                refs
            };
            let mut expect = |label: &str, refs: Vec<Value>, expected: Option<&str>| {
                judged += 1;
                match judge(&op, refs) {
                    Err(error) => failures.push(format!(
                        "{name}, {label}: the record does not parse: {error}"
                    )),
                    Ok(found) => {
                        let found: BTreeSet<&str> = found
                            .iter()
                            .map(|f| f.split(' ').next().expect("code"))
                            .collect();
                        let expected: BTreeSet<&str> = expected.into_iter().collect();
                        if found != expected {
                            failures.push(format!(
                                "{name} target {index}, {label}: expected {expected:?}, found {found:?}"
                            ));
                        }
                    }
                }
            };
            for (label, cover) in target.covers() {
                expect(label, with(cover), None);
            }
            for (label, miss) in target.near_misses() {
                expect(label, with(miss), Some(&code));
            }
            expect(
                "no ref for it at all",
                {
                    let mut refs = narrowest.clone();
                    refs.remove(index);
                    refs
                },
                Some(&code),
            );
        }
    }
    // Every operation the six rules name (as `{ absent: "[op]" }`, read from their declarations)
    // is in the table.
    let mut named = BTreeSet::new();
    for rule in spec.rules.iter().filter(|r| codes.contains(&r.code)) {
        operations_named_in(&rule.require, &mut named);
    }
    assert!(
        !named.is_empty(),
        "the six rules name no operation: is the walk broken?"
    );
    let missing: Vec<_> = named.difference(&operations).collect();
    assert!(
        missing.is_empty(),
        "operations the rules name with no row here: {missing:?}"
    );
    assert!(judged > 100, "only {judged} records were judged");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
