//! Differential test (issue 5): Rust, the JSON Schema and Pydantic give every record the same verdict.
//!
//! Input: `tests/corpus/<root_type>/{valid,invalid}/*.json` (edge cases written for this test) and
//! `tests/examples/<root_type>/{valid,invalid}/*.json` (the example records). The folder is the
//! expected verdict. Each record is judged by
//! - **Rust**: the text read by the CLI's strict reader (`handshake_cli::input::parse_json`, which
//!   refuses a repeated key and nesting beyond serde_json's recursion limit), then serde into the
//!   `handshake-job-model` type of the root, then its cross-field rules (`Validate`),
//! - **JSON Schema**: the generated 2020-12 schema of the root, with `format` asserted, on the
//!   text as `serde_json::Value` reads it (the last of two equal keys kept; a record nested beyond
//!   serde_json's limit cannot be read, so it is invalid to this column too), its numbers as every
//!   target reads them ([`schema_verdict`]),
//! - **Pydantic**: `sdk/python/.venv/bin/python -m handshake_job_model.verdicts <files>`,
//! - **TypeScript**: `validate<Type>` of the generated `validate.ts` (Ajv 2020-12 over the root's
//!   schema without rules, then the generated rule checks), compiled into `sdk/typescript/.build`
//!   by `sdk/check.sh` and run with `node .build/test/corpus_verdicts.js --report records`; beyond
//!   the verdict, its codes must be Rust's (`HSK-JOB-1001` for a record serde refuses, else the
//!   broken rules' codes), and a structural refusal's pointer Rust's or one enclosing it.
//!
//! The rules corpus, `tests/corpus_rules/<rule_name>/{valid,invalid}/<root_type>.<case>.json`, is
//! judged by a second test: Rust (serde + `Validate`), the JSON Schema, Pydantic (the verdicts CLI,
//! which also reports rule codes) and TypeScript (`validate<Type>`, as above, with `--report
//! rules`). Beyond
//! the verdict, every target that reports codes must report the folder's rule code on its invalid
//! records and no code on its valid ones, and the pointers must agree: Pydantic and TypeScript name
//! the record a rule is on, which must enclose the value Rust points at. Rules a target cannot
//! express are listed in
//! [`RULE_GAPS`] with the reason.
//!
//! A target may only disagree with the folder where [`KNOWN_GAPS`] names the file, the target and
//! the rule it cannot (or does not yet) express; a listed gap that no longer occurs fails too, so
//! the list cannot go stale. Without the venv (run `sdk/check.sh` once) the Pydantic column is
//! reported as skipped, loudly; when env `CI` is set its absence fails the test.

mod json_schema_support;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use handshake_conformance::rust_verdict::rust_violations;
use handshake_conformance::{repo_root, rule_code, verdict_files};
use handshake_spec::model::{Condition, Spec};
use json_schema_support::{display, model_round_trip, root_schemas, validator};
use serde_json::Value;

/// A target that judges records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Rust,
    JsonSchema,
    Pydantic,
    TypeScript,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Rust => "rust",
            Target::JsonSchema => "json_schema",
            Target::Pydantic => "pydantic",
            Target::TypeScript => "typescript",
        })
    }
}

/// A rule one target cannot express (or does not yet), shown on the record that exercises it.
struct KnownGap {
    /// Repo-relative path of the record.
    file: &'static str,
    /// The target whose verdict differs from the folder.
    target: Target,
    /// The rule, and why the target misses it.
    rule: &'static str,
}

/// Every tolerated disagreement. Each is a rule named here, never a silent skip.
const KNOWN_GAPS: &[KnownGap] = &[
    KnownGap {
        file: "tests/corpus/ai_job/invalid/duplicate_key.json",
        target: Target::JsonSchema,
        rule: DUPLICATE_KEYS,
    },
    KnownGap {
        file: "tests/corpus/ai_job/invalid/duplicate_key_nested.json",
        target: Target::JsonSchema,
        rule: DUPLICATE_KEYS,
    },
    KnownGap {
        file: "tests/corpus/planned_operation/invalid/duplicate_key_in_open_json.json",
        target: Target::JsonSchema,
        rule: DUPLICATE_KEYS,
    },
];

/// Why no JSON Schema can refuse a repeated key.
const DUPLICATE_KEYS: &str = "duplicate keys: a JSON Schema validator receives parsed data, in which \
                              the reader has already kept one of the two values; the refusal belongs \
                              to the reader (Rust's strict reader, the SDKs' text entry points)";

/// The JSON Schema column's verdict on `value`, its numbers read as every target reads them
/// (docs/spec-language.md): an integer literal by its exact value (the workspace's serde_json
/// keeps literals, and jsonschema's `arbitrary-precision` compares them exactly), any other literal
/// as its nearest double, given to the validator as that double's exact value (the schemas'
/// bounds are all integers, which the exact comparison then judges as the typed readers do). A
/// literal beyond the double range (`1e400`) is a double to no target,
/// so the record is refused, as Rust, Pydantic and TypeScript refuse it.
fn schema_verdict(schema: &jsonschema::Validator, value: &Value) -> bool {
    numbers_as_read(value).is_some_and(|value| schema.is_valid(&value))
}

fn numbers_as_read(value: &Value) -> Option<Value> {
    Some(match value {
        Value::Number(number) => {
            let literal = number.as_str();
            if !handshake_canonical::number::is_integer_literal(literal) {
                let double: f64 = literal
                    .parse()
                    .ok()
                    .filter(|double: &f64| double.is_finite())?;
                // The double's exact decimal value (Rust formats a fixed precision exactly; 1074
                // digits hold any double's fraction), so jsonschema's exact comparisons give a
                // double's verdict.
                let exact = format!("{double:.1074}");
                let exact = exact.trim_end_matches('0').trim_end_matches('.');
                Value::Number(serde_json::from_str(exact).expect("a decimal is a JSON number"))
            } else {
                value.clone()
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(numbers_as_read).collect::<Option<_>>()?)
        }
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(key, member)| Some((key.clone(), numbers_as_read(member)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

/// One record of the corpus.
struct Record {
    /// Absolute path.
    path: PathBuf,
    /// Repo-relative path, `/`-separated.
    name: String,
    /// The root type's folder name, e.g. `ai_job`.
    stem: String,
    /// The folder's verdict.
    expected_valid: bool,
    /// The parsed record as `serde_json::Value` reads it (the last of two equal keys kept), or
    /// `None` when serde_json cannot read it (nesting beyond its recursion limit).
    value: Option<Value>,
    /// Rust's reading of the text (the CLI's strict reader): `Err` for a repeated key or nesting
    /// beyond serde_json's limit, with the reader's message.
    read: Result<(), String>,
}

/// Every record under `<dir>/<stem>/{valid,invalid}/*.json`, sorted by path.
fn records_under(dir: &Path) -> Vec<Record> {
    verdict_files(dir)
        .into_iter()
        .map(|file| {
            let path = file.path;
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let read = handshake_cli::input::parse_json(&text)
                .map(|_| ())
                .map_err(|e| e.to_string());
            let value = match serde_json::from_str(&text) {
                Ok(value) => Some(value),
                // Only nesting beyond serde_json's limit may leave a record unread, and such a
                // record is invalid.
                Err(e)
                    if !file.expected_valid
                        && e.to_string().starts_with("recursion limit exceeded") =>
                {
                    None
                }
                Err(e) => panic!(
                    "{} is not JSON ({e}); the corpus holds JSON only",
                    path.display()
                ),
            };
            Record {
                name: display(&path),
                path,
                stem: file.folder,
                expected_valid: file.expected_valid,
                value,
                read,
            }
        })
        .collect()
}

/// Pydantic's verdicts by repo-relative path, or why they are unavailable.
fn pydantic_verdicts(records: &[Record]) -> Result<BTreeMap<String, bool>, String> {
    let root = repo_root();
    let python = root.join("sdk/python/.venv/bin/python");
    if !python.exists() {
        return Err(format!(
            "{} does not exist; run sdk/check.sh once to create it",
            display(&python)
        ));
    }
    let output = Command::new(&python)
        .args(["-m", "handshake_job_model.verdicts"])
        .args(records.iter().map(|r| &r.path))
        .current_dir(root.join("sdk/python"))
        .output()
        .map_err(|error| format!("cannot run {}: {error}", python.display()))?;
    if !output.status.success() {
        panic!(
            "handshake_job_model.verdicts failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: Value = serde_json::from_slice(&output.stdout).expect("verdicts prints JSON");
    let verdicts = report["verdicts"].as_array().expect("a verdicts array");
    assert_eq!(
        verdicts.len(),
        records.len(),
        "one Pydantic verdict per record"
    );
    Ok(records
        .iter()
        .zip(verdicts)
        .map(|(record, verdict)| {
            assert_eq!(
                verdict["file"].as_str(),
                record.path.to_str(),
                "verdicts come back in argument order"
            );
            (
                record.name.clone(),
                verdict["valid"].as_bool().expect("valid is a boolean"),
            )
        })
        .collect())
}

#[test]
fn corpus_verdicts_agree_across_rust_json_schema_pydantic_and_typescript() {
    let root = repo_root();
    let mut records = records_under(&root.join("tests/corpus"));
    assert!(!records.is_empty(), "tests/corpus holds no records");
    records.extend(records_under(&root.join("tests/examples")));

    let schemas = validators_by_stem();

    let pydantic = match pydantic_verdicts(&records) {
        Ok(verdicts) => Some(verdicts),
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("pydantic verdicts unavailable in CI: {reason}")
        }
        Err(reason) => {
            eprintln!(
                "!!!!! skipped: the pydantic column of the differential test ({reason}) !!!!!"
            );
            None
        }
    };

    let paths: Vec<&Path> = records.iter().map(|r| r.path.as_path()).collect();
    let typescript = typescript_reports("records", &paths);

    let mut disagreements = Vec::new();
    let mut gaps_seen = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let schema = schemas.get(&record.stem).unwrap_or_else(|| {
            panic!(
                "{}: folder {} names no root type with a schema",
                record.name, record.stem
            )
        });
        // Rust: the strict reader, serde, the write-back, then every cross-field rule. A text the
        // reader refuses is one `HSK-JOB-1001` at the root (the reader reports a line and column,
        // not a pointer), as `handshake validate` reports it.
        let unread = || {
            Err(vec![(
                String::new(),
                handshake_job_model::INVALID_RECORD_CODE.to_string(),
            )])
        };
        let (rust, rust_codes, json_schema) = match (&record.read, &record.value) {
            (Ok(()), Some(value)) => {
                let codes = rust_rule_codes(&record.stem, value);
                let rust = model_round_trip(&record.stem, value).is_ok() && codes.is_ok();
                (rust, codes, schema_verdict(schema, value))
            }
            (Err(_), Some(value)) => (false, unread(), schema_verdict(schema, value)),
            (_, None) => (false, unread(), false),
        };
        let mut verdicts = vec![(Target::Rust, rust), (Target::JsonSchema, json_schema)];
        if let Some(pydantic) = &pydantic {
            verdicts.push((Target::Pydantic, pydantic[&record.name]));
        }
        if let Some(typescript) = &typescript {
            let verdict = &typescript[index];
            let valid = verdict["valid"].as_bool().expect("valid is a boolean");
            verdicts.push((Target::TypeScript, valid));
            // The same codes as Rust, each once: `HSK-JOB-1001` alone for a record serde refuses,
            // else the codes of the broken rules.
            let set = |pairs: Vec<(String, String)>| -> std::collections::BTreeSet<String> {
                pairs.into_iter().map(|(_, code)| code).collect()
            };
            let their_pairs = violations_of(verdict);
            let our_pairs = rust_codes.clone().err().unwrap_or_default();
            let theirs = set(their_pairs.clone());
            let ours = set(our_pairs.clone());
            if valid == rust && theirs != ours {
                disagreements.push(format!(
                    "typescript reports codes {theirs:?} on {}, rust {ours:?}",
                    record.name
                ));
            }
            // A structural refusal points where serde stopped, or at a record enclosing it (Ajv
            // names a union that matches no variant, serde its tag or unknown field).
            let invalid_record = |pairs: &[(String, String)]| match pairs {
                [(pointer, code)] if code == handshake_job_model::INVALID_RECORD_CODE => {
                    Some(pointer.clone())
                }
                _ => None,
            };
            if let (Some(theirs), Some(ours), Ok(())) = (
                invalid_record(&their_pairs),
                invalid_record(&our_pairs),
                &record.read,
            ) {
                let encloses =
                    theirs.is_empty() || ours == theirs || ours.starts_with(&format!("{theirs}/"));
                if !encloses {
                    disagreements.push(format!(
                        "typescript points at {theirs:?} in {}, outside rust's {ours:?}",
                        record.name
                    ));
                }
            }
        }
        for (target, valid) in verdicts {
            if valid == record.expected_valid {
                continue;
            }
            match KNOWN_GAPS
                .iter()
                .find(|gap| gap.file == record.name && gap.target == target)
            {
                Some(gap) => {
                    eprintln!(
                        "known gap: {target} calls {} {}: {}",
                        record.name,
                        verdict_word(valid),
                        gap.rule
                    );
                    gaps_seen.push((gap.file, gap.target));
                }
                None => disagreements.push(wrong_verdict(target, &record.name, valid)),
            }
        }
    }
    let listed: Vec<_> = KNOWN_GAPS
        .iter()
        .map(|gap| (gap.file, gap.target))
        .collect();
    let target_ran = |target| ran(target, pydantic.is_some(), typescript.is_some());
    disagreements.extend(stale_gaps(&listed, &gaps_seen, target_ran, "KNOWN_GAPS"));
    assert_no_disagreements(&disagreements, records.len(), "records");
}

fn verdict_word(valid: bool) -> &'static str {
    if valid { "valid" } else { "invalid" }
}

/// `target` called the record `name` `valid` where its folder says the opposite.
fn wrong_verdict(target: Target, name: &str, valid: bool) -> String {
    format!(
        "{target} calls {name} {} (folder says {})",
        verdict_word(valid),
        verdict_word(!valid)
    )
}

/// Whether `target` judged the corpus: Rust and the JSON Schema always do, Pydantic and
/// TypeScript when their SDK builds were found.
fn ran(target: Target, pydantic: bool, typescript: bool) -> bool {
    match target {
        Target::Pydantic => pydantic,
        Target::TypeScript => typescript,
        Target::Rust | Target::JsonSchema => true,
    }
}

/// The `listed` gaps (what they are on, and the target) of a target that ran but that no longer
/// showed: a disagreement each, so a list of tolerated gaps (`list`) cannot go stale.
fn stale_gaps(
    listed: &[(&str, Target)],
    seen: &[(&str, Target)],
    ran: impl Fn(Target) -> bool,
    list: &str,
) -> Vec<String> {
    listed
        .iter()
        .filter(|gap| ran(gap.1) && !seen.contains(gap))
        .map(|(on, target)| {
            format!("stale gap: {target} now agrees on {on} (remove it from {list})")
        })
        .collect()
}

/// Fail with every disagreement, one a line.
fn assert_no_disagreements(disagreements: &[String], records: usize, corpus: &str) {
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s) over {records} {corpus}:\n  {}",
        disagreements.len(),
        disagreements.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// The rules corpus: `tests/corpus_rules/<rule_name>/{valid,invalid}/<root_type>.<case>.json`.
// ---------------------------------------------------------------------------------------------

/// A rule one target cannot express (or does not yet): its records may get the wrong verdict
/// from that target. Named here, with the reason, never skipped silently; a listed gap that no
/// longer shows fails the test, so the list cannot go stale.
struct RuleGap {
    /// The rule's snake_case name (its corpus folder).
    rule: &'static str,
    /// The target that misses it.
    target: Target,
    /// Why.
    reason: &'static str,
}

/// Rules the JSON Schema cannot express. `all_equal` compares list elements with each other,
/// `member_of` a value with the elements of another list, and no JSON Schema keyword relates two
/// instance values.
const RULE_GAPS: &[RuleGap] = &[
    RuleGap {
        rule: "prompt_envelope_hashes_match_its_blocks",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword that computes a value (`hash_of`: the prompt hashes are recomputed from the blocks)",
    },
    RuleGap {
        rule: "job_context_trace_same_model_tier",
        target: Target::JsonSchema,
        reason: "JSON Schema cannot compare array elements with each other (`all_equal`: every snapshot of a trace has the same model tier)",
    },
    RuleGap {
        rule: "job_context_trace_same_policy",
        target: Target::JsonSchema,
        reason: "JSON Schema cannot compare array elements with each other (`all_equal`: every snapshot of a trace has the same policy)",
    },
    RuleGap {
        rule: "job_context_trace_same_projection",
        target: Target::JsonSchema,
        reason: "JSON Schema cannot compare array elements with each other (`all_equal`: every snapshot of a trace has the same projection)",
    },
    RuleGap {
        rule: "job_context_trace_one_job",
        target: Target::JsonSchema,
        reason: "JSON Schema cannot compare array elements with each other (`all_equal`: every snapshot of a trace belongs to the same job)",
    },
    RuleGap {
        rule: "transcript_segments_come_from_one_job",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`same_as`: each segment's asr_origin.job_id against the job's job_id)",
    },
    RuleGap {
        rule: "imported_blocks_come_from_one_job_and_file",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`same_as` and `all_equal`: each block's ai_origin against the job and the other blocks)",
    },
    RuleGap {
        rule: "imported_blocks_come_from_the_input_file",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`same_as`: each block's source file against the job's Docling inputs)",
    },
    RuleGap {
        rule: "session_log_events_are_of_its_job",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`same_as`: each event's job_id against the log's)",
    },
    RuleGap {
        rule: "session_log_compactions_are_of_its_job",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`same_as`: each compaction's job_id against the log's)",
    },
    RuleGap {
        rule: "retrieval_evidence_within_its_token_budget",
        target: Target::JsonSchema,
        reason: "JSON Schema bounds numbers and lengths by constants only (`at_most`: the spans' token sum against the trace's budget)",
    },
    RuleGap {
        rule: "retrieval_selection_within_its_snippet_budget",
        target: Target::JsonSchema,
        reason: "JSON Schema bounds numbers and lengths by constants only (`at_most`: the selection's size against the trace's budget)",
    },
    RuleGap {
        rule: "retrieval_reads_within_their_budget_or_flagged",
        target: Target::JsonSchema,
        reason: "JSON Schema bounds numbers and lengths by constants only (`at_most`: each span against the trace's max_read_tokens)",
    },
    RuleGap {
        rule: "retrieval_candidates_are_stable_sorted",
        target: Target::JsonSchema,
        reason: "JSON Schema cannot compare array elements with each other (`sorted_by`: each candidate against the next)",
    },
    RuleGap {
        rule: "candidate_base_score_is_deterministic",
        target: Target::JsonSchema,
        reason: "JSON Schema has no arithmetic (`equals_sum`: base_score against the sum of the scores)",
    },
    RuleGap {
        rule: "context_snapshot_is_of_this_job",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`same_as`: the snapshot's job_id against the job's)",
    },
    RuleGap {
        rule: "planned_entity_targets_are_listed",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`member_of`: an operation's EntityRef target against the elements of entity_refs)",
    },
    RuleGap {
        rule: "planned_document_targets_are_listed",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`member_of`: an operation's DocId against the doc refs of entity_refs)",
    },
    RuleGap {
        rule: "planned_block_targets_are_derivable",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`member_of`: an operation's BlockId against the block selectors of entity_refs)",
    },
    RuleGap {
        rule: "planned_sheet_targets_are_derivable",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`member_of`: an operation's range or column against the selectors of entity_refs)",
    },
    RuleGap {
        rule: "planned_source_files_are_listed",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`member_of`: an operation's FileId against the file refs of entity_refs)",
    },
    RuleGap {
        rule: "planned_media_is_listed",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`member_of`: an operation's MediaId against the audio refs of entity_refs)",
    },
    RuleGap {
        rule: "entity_refs_lie_inside_the_document_scope",
        target: Target::JsonSchema,
        reason: "JSON Schema has no keyword relating two values of one instance (`member_of`: each doc ref against workspace_scope.document_ids)",
    },
];

/// One record of the rules corpus.
struct RuleRecord {
    /// Absolute path.
    path: PathBuf,
    /// Repo-relative path, `/`-separated.
    name: String,
    /// The rule (folder name).
    rule: String,
    /// The root type's stem (file name before the first `.`), e.g. `source_ref`.
    stem: String,
    /// The folder's verdict.
    expected_valid: bool,
    /// The parsed record.
    value: Value,
}

fn rule_records(dir: &Path) -> Vec<RuleRecord> {
    records_under(dir)
        .into_iter()
        .map(|record| {
            let file = record
                .path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let stem = file
                .split_once('.')
                .map(|(stem, _)| stem.to_string())
                .unwrap_or_else(|| panic!("{}: name it <root_type>.<case>.json", record.name));
            // A rule's records are read alike by every target: the text questions belong to
            // tests/corpus.
            let value = match (record.read, record.value) {
                (Ok(()), Some(value)) => value,
                (read, _) => panic!(
                    "{}: the rules corpus holds only records Rust's strict reader reads ({read:?})",
                    record.name
                ),
            };
            RuleRecord {
                path: record.path,
                name: record.name,
                rule: record.stem,
                stem,
                expected_valid: record.expected_valid,
                value,
            }
        })
        .collect()
}

/// Rust's verdict: serde, then every cross-field rule (`Validate`); `Err` carries each violation
/// as `(JSON pointer, code)` (`HSK-JOB-1001` when serde refuses the record).
fn rust_rule_codes(stem: &str, value: &Value) -> Result<(), Vec<(String, String)>> {
    rust_violations(stem, value).map_err(|violations| {
        violations
            .into_iter()
            .map(|v| (v.path, v.code.to_string()))
            .collect()
    })
}

/// Each root type's JSON Schema validator, by file stem (`ai_job`).
fn validators_by_stem() -> BTreeMap<String, jsonschema::Validator> {
    root_schemas()
        .into_iter()
        .map(|root| (root.stem, validator(&root.schema)))
        .collect()
}

/// The TypeScript runtime's reports (`--report <kind>`) on `paths`, one per path, or `None`
/// (after saying why) when its build is missing outside CI.
fn typescript_reports(kind: &str, paths: &[&Path]) -> Option<Vec<Value>> {
    let root = repo_root();
    match typescript_runner(&root) {
        Ok(runner) => Some(run_reporter(
            Path::new("node"),
            &[runner.to_str().expect("utf-8 path"), "--report", kind],
            paths,
            &root,
        )),
        Err(reason) => {
            unavailable("typescript", &reason);
            None
        }
    }
}

/// Reports of a JSON-printing checker (`{"verdicts": [{"file", "violations": [{"code"}], …}]}`),
/// one per record in argument order.
fn run_reporter(program: &Path, args: &[&str], paths: &[&Path], cwd: &Path) -> Vec<Value> {
    let output = Command::new(program)
        .args(args)
        .args(paths)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", program.display()));
    if !output.status.success() {
        panic!(
            "{} {} failed ({}):\n{}",
            program.display(),
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: Value = serde_json::from_slice(&output.stdout).expect("the checker prints JSON");
    let verdicts = report["verdicts"]
        .as_array()
        .expect("a verdicts array")
        .clone();
    assert_eq!(verdicts.len(), paths.len(), "one verdict per record");
    for (path, verdict) in paths.iter().zip(&verdicts) {
        assert_eq!(
            verdict["file"].as_str(),
            path.to_str(),
            "verdicts come back in argument order"
        );
    }
    verdicts
}

/// The `(pointer, code)` pairs a checker reports.
fn violations_of(verdict: &Value) -> Vec<(String, String)> {
    verdict["violations"]
        .as_array()
        .expect("violations is an array")
        .iter()
        .map(|v| {
            (
                v["pointer"].as_str().expect("a pointer").to_string(),
                v["code"].as_str().expect("a code").to_string(),
            )
        })
        .collect()
}

/// First segments of every path a condition reads (where Rust's pointer goes below the record).
fn first_segments(condition: &Condition, out: &mut Vec<String>) {
    match condition {
        Condition::All(conditions) | Condition::Any(conditions) => {
            conditions.iter().for_each(|c| first_segments(c, out))
        }
        Condition::Not(inner) => first_segments(inner, out),
        // The list is read from the rule's record; the values from where the condition sits.
        Condition::MemberOf { matches, .. } => out.extend(
            matches
                .iter()
                .filter_map(|m| m.value.json_keys().next().map(str::to_string)),
        ),
        atom => out.extend(
            atom.subject()
                .and_then(|path| path.json_keys().next())
                .map(str::to_string),
        ),
    }
}

/// Whether `record_pointer` is the record that Rust's `pointer` (record + the path of the failing
/// part) belongs to: equal, or followed by one of `segments`.
fn encloses(record_pointer: &str, pointer: &str, segments: &[String]) -> bool {
    pointer == record_pointer
        || pointer.strip_prefix(record_pointer).is_some_and(|rest| {
            segments.iter().any(|segment| {
                rest.strip_prefix('/')
                    .and_then(|rest| rest.strip_prefix(segment.as_str()))
                    .is_some_and(|tail| tail.is_empty() || tail.starts_with('/'))
            })
        })
}

/// Pydantic and TypeScript report the pointer of the record a rule is on; Rust reports the value
/// inside it (and one violation per failing part or element). They agree when every violation of
/// one side has one with the same code on the other, the record's pointer enclosing Rust's.
fn pointer_mismatches(
    spec: &Spec,
    target: Target,
    name: &str,
    rust: &[(String, String)],
    other: &[(String, String)],
) -> Vec<String> {
    let segments = |code: &str| {
        let mut out = Vec::new();
        for rule in spec.rules.iter().filter(|r| r.code == code) {
            first_segments(&rule.require, &mut out);
            if let Some(when) = &rule.when {
                first_segments(when, &mut out);
            }
        }
        out
    };
    let records = unmatched(other, rust, false, &segments).map(|(pointer, code)| {
        format!(
            "{target} reports {code} at {pointer:?} in {name}; rust has no {code} inside it ({rust:?})"
        )
    });
    let values = unmatched(rust, other, true, &segments).map(|(pointer, code)| {
        format!(
            "rust reports {code} at {pointer:?} in {name}; {target} has no {code} on a record enclosing it ({other:?})"
        )
    });
    records.chain(values).collect()
}

/// The violations of one side, `from` (Rust's when `from_rust`), with no partner in `to`: one
/// with the same code where Rust's pointer is inside the record's ([`encloses`]).
fn unmatched<'a>(
    from: &'a [(String, String)],
    to: &'a [(String, String)],
    from_rust: bool,
    segments: &'a impl Fn(&str) -> Vec<String>,
) -> impl Iterator<Item = &'a (String, String)> {
    from.iter().filter(move |(pointer, code)| {
        !to.iter().any(|(p, c)| {
            let (record, value) = if from_rust {
                (p, pointer)
            } else {
                (pointer, p)
            };
            c == code && encloses(record, value, &segments(code))
        })
    })
}

/// A column that needs a tool `sdk/check.sh` installs: its absence is loud, and fatal in CI.
fn unavailable(column: &str, reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{column} verdicts unavailable in CI: {reason}");
    }
    eprintln!("!!!!! skipped: the {column} column of the rules differential test ({reason}) !!!!!");
}

/// The TypeScript runner compiled by `sdk/check.sh`, when it is there and not older than the
/// generated modules it was compiled from.
fn typescript_runner(root: &Path) -> Result<PathBuf, String> {
    let runner = root.join("sdk/typescript/.build/test/corpus_verdicts.js");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if modified(&runner).is_none() {
        return Err("sdk/typescript/.build does not exist; run sdk/check.sh once".into());
    }
    for module in ["rules", "validate"] {
        let compiled = root.join(format!("sdk/typescript/.build/src/generated/{module}.js"));
        let source = root.join(format!("sdk/typescript/src/generated/{module}.ts"));
        match (modified(&compiled), modified(&source)) {
            (Some(compiled), Some(source)) if compiled >= source => {}
            _ => {
                return Err(format!(
                    "sdk/typescript/.build is older than the generated {module}.ts; run sdk/check.sh"
                ));
            }
        }
    }
    Ok(runner)
}

#[test]
fn rules_corpus_verdicts_and_codes_agree_across_rust_json_schema_pydantic_and_typescript() {
    let root = repo_root();
    let records = rule_records(&root.join("tests/corpus_rules"));
    assert!(!records.is_empty(), "tests/corpus_rules holds no records");
    let spec = json_schema_support::spec();
    let schemas = validators_by_stem();

    let paths: Vec<&Path> = records.iter().map(|r| r.path.as_path()).collect();
    let python = root.join("sdk/python/.venv/bin/python");
    let pydantic = if python.exists() {
        Some(run_reporter(
            &python,
            &["-m", "handshake_job_model.verdicts"],
            &paths,
            &root.join("sdk/python"),
        ))
    } else {
        unavailable(
            "pydantic",
            "sdk/python/.venv does not exist; run sdk/check.sh once",
        );
        None
    };
    let typescript = typescript_reports("rules", &paths);

    let mut disagreements = Vec::new();
    let mut gaps_seen: Vec<(&str, Target)> = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let code = rule_code(&spec, &record.rule);
        let schema = schemas.get(&record.stem).unwrap_or_else(|| {
            panic!(
                "{}: {} names no root type with a schema",
                record.name, record.stem
            )
        });
        // (target, verdict, codes it reports; None when the target reports no codes)
        let mut verdicts: Vec<(Target, bool, Option<Vec<String>>)> = Vec::new();
        let rust = rust_rule_codes(&record.stem, &record.value);
        let rust_violations = rust.clone().err().unwrap_or_default();
        let rust_parsed = !rust_violations
            .iter()
            .any(|(_, code)| code == handshake_job_model::INVALID_RECORD_CODE);
        let codes = |pairs: &[(String, String)]| pairs.iter().map(|(_, c)| c.clone()).collect();
        verdicts.push((Target::Rust, rust.is_ok(), Some(codes(&rust_violations))));
        verdicts.push((
            Target::JsonSchema,
            schema_verdict(schema, &record.value),
            None,
        ));
        if let Some(pydantic) = &pydantic {
            let verdict = &pydantic[index];
            let valid = verdict["valid"].as_bool().expect("valid is a boolean");
            let pairs = violations_of(verdict);
            verdicts.push((Target::Pydantic, valid, Some(codes(&pairs))));
            if rust_parsed && valid == rust.is_ok() {
                disagreements.extend(pointer_mismatches(
                    &spec,
                    Target::Pydantic,
                    &record.name,
                    &rust_violations,
                    &pairs,
                ));
            }
        }
        if let Some(typescript) = &typescript {
            let verdict = &typescript[index];
            let valid = verdict["valid"].as_bool().expect("valid is a boolean");
            let pairs = violations_of(verdict);
            if rust_parsed {
                disagreements.extend(pointer_mismatches(
                    &spec,
                    Target::TypeScript,
                    &record.name,
                    &rust_violations,
                    &pairs,
                ));
            }
            verdicts.push((Target::TypeScript, valid, Some(codes(&pairs))));
        }
        for (target, valid, codes) in verdicts {
            let gap = RULE_GAPS
                .iter()
                .find(|gap| gap.rule == record.rule && gap.target == target);
            if valid != record.expected_valid {
                match gap {
                    Some(gap) => {
                        eprintln!(
                            "known gap: {target} calls {} {}: rule {} ({})",
                            record.name,
                            verdict_word(valid),
                            gap.rule,
                            gap.reason
                        );
                        gaps_seen.push((gap.rule, target));
                    }
                    None => disagreements.push(wrong_verdict(target, &record.name, valid)),
                }
                continue;
            }
            let Some(codes) = codes else { continue };
            if record.expected_valid && !codes.is_empty() {
                disagreements.push(format!(
                    "{target} reports {codes:?} on the valid {}",
                    record.name
                ));
            }
            if !record.expected_valid && !codes.contains(&code) {
                disagreements.push(format!(
                    "{target} refuses {} without the rule's code {code} (reports {codes:?})",
                    record.name
                ));
            }
        }
    }
    let listed: Vec<_> = RULE_GAPS.iter().map(|gap| (gap.rule, gap.target)).collect();
    let target_ran = |target| ran(target, pydantic.is_some(), typescript.is_some());
    disagreements.extend(stale_gaps(&listed, &gaps_seen, target_ran, "RULE_GAPS"));
    assert_no_disagreements(&disagreements, records.len(), "rules-corpus records");
}
