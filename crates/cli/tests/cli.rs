//! Runs the built `handshake` binary on the example records, the canonical vectors and bad
//! command lines, and checks exit codes, output shapes and the codes of the violations.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use serde_json::{Value, json};

/// Runs `handshake` with `arguments` in the repository, feeding `stdin` when given.
fn handshake(arguments: &[&str], stdin: Option<&str>) -> Output {
    handshake_at(&repo_root(), arguments, stdin)
}

fn json_reports(output: &Output) -> Vec<Value> {
    match serde_json::from_str(&stdout(output)) {
        Ok(Value::Array(reports)) => reports,
        other => panic!(
            "--json must print one JSON array, got {other:?}\nstdout: {}",
            stdout(output)
        ),
    }
}

/// One folder of `tests/examples/`: its type (the title of the schema with the folder's name)
/// and its valid and invalid records, repo-relative.
struct ExampleFolder {
    type_name: String,
    valid: Vec<String>,
    invalid: Vec<String>,
}

fn json_files(folder: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| {
                    path.extension()
                        .is_some_and(|extension| extension == "json")
                })
                .map(|path| {
                    path.strip_prefix(repo_root())
                        .expect("under the repo")
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn example_folders() -> Vec<ExampleFolder> {
    let examples = repo_root().join("tests/examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .expect("tests/examples exists")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "tests/examples has no folders");
    let folders: Vec<ExampleFolder> = names
        .into_iter()
        .map(|name| {
            let schema_path = repo_root().join(format!("schemas/{name}.schema.json"));
            let schema: Value = serde_json::from_str(
                &std::fs::read_to_string(&schema_path)
                    .unwrap_or_else(|error| panic!("{}: {error}", schema_path.display())),
            )
            .expect("schemas are JSON");
            ExampleFolder {
                type_name: schema["title"].as_str().expect("schema title").to_owned(),
                valid: json_files(&examples.join(&name).join("valid")),
                invalid: json_files(&examples.join(&name).join("invalid")),
            }
        })
        .collect();
    // The tests loop over these: a glob that found (almost) nothing would pass them vacuously.
    let valid: usize = folders.iter().map(|folder| folder.valid.len()).sum();
    let invalid: usize = folders.iter().map(|folder| folder.invalid.len()).sum();
    assert!(
        valid > 20 && invalid > 20,
        "{valid} valid, {invalid} invalid examples"
    );
    folders
}

fn read_json(relative: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_root().join(relative)).expect("readable"))
        .expect("JSON")
}

#[test]
fn every_valid_example_is_valid_named_and_detected() {
    for folder in example_folders() {
        for file in &folder.valid {
            for arguments in [
                vec!["validate", "--json", "--type", &folder.type_name, file],
                vec!["validate", "--json", file],
            ] {
                let output = handshake(&arguments, None);
                let reports = json_reports(&output);
                assert_eq!(code(&output), 0, "{arguments:?}: {reports:#?}");
                assert_eq!(reports.len(), 1);
                let report = &reports[0];
                assert_eq!(report["file"], json!(file));
                assert_eq!(report["type"], json!(folder.type_name), "{arguments:?}");
                assert_eq!(report["valid"], json!(true));
                assert_eq!(report["violations"], json!([]));
                let expected_detection = if arguments.contains(&"--type") {
                    "named"
                } else {
                    "unique"
                };
                assert_eq!(
                    report["detection"],
                    json!(expected_detection),
                    "{arguments:?}"
                );
            }
        }
    }
}

#[test]
fn every_invalid_example_exits_1_with_coded_violations_at_json_pointers() {
    for folder in example_folders() {
        for file in &folder.invalid {
            let output = handshake(
                &["validate", "--json", "--type", &folder.type_name, file],
                None,
            );
            assert_eq!(code(&output), 1, "{file}");
            let reports = json_reports(&output);
            let report = &reports[0];
            assert_eq!(report["type"], json!(folder.type_name));
            assert_eq!(report["valid"], json!(false), "{file}");
            let violations = report["violations"].as_array().expect("violations array");
            assert!(!violations.is_empty(), "{file}: invalid without violations");
            for violation in violations {
                let path = violation["path"].as_str().expect("path");
                assert!(path.is_empty() || path.starts_with('/'), "{file}: {path:?}");
                let value = read_json(file);
                // A pointer names a member that exists, or a missing field of an existing object.
                let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
                assert!(
                    value.pointer(path).is_some() || value.pointer(parent).is_some(),
                    "{file}: {path:?} points nowhere"
                );
                // A record serde refuses has exactly one violation, InvalidRecord; one that
                // parses breaks cross-field rules.
                let code = violation["code"].as_str().expect("code");
                if code == "HSK-JOB-1001" {
                    assert_eq!(violations.len(), 1, "{file}");
                    assert_eq!(violation["clause"], json!("§2.6.6.2"));
                    assert_eq!(violation["rule"], json!("invalid_record"));
                } else {
                    assert!(code.starts_with("HSK-RULE-"), "{file}: code {code}");
                    assert!(
                        violation["clause"]
                            .as_str()
                            .is_some_and(|clause| clause.starts_with('§'))
                    );
                }
                assert!(!violation["message"].as_str().expect("message").is_empty());
            }
            let refused_by_serde = violations[0]["code"] == json!("HSK-JOB-1001");

            // Without --type: a record that parses is found; for one that does not, the closest
            // root is guessed, and for a JSON object it is the type the example was written for.
            let output = handshake(&["validate", "--json", file], None);
            assert_eq!(code(&output), 1, "{file}");
            let report = &json_reports(&output)[0];
            if !refused_by_serde {
                assert_ne!(report["detection"], json!("guessed"), "{file}");
                assert_eq!(report["type"], json!(folder.type_name), "{file}");
                continue;
            }
            assert_eq!(report["detection"], json!("guessed"), "{file}");
            if read_json(file).is_object() {
                assert_eq!(
                    report["type"],
                    json!(folder.type_name),
                    "{file}: guessed type"
                );
            }
        }
    }
}

#[test]
fn serde_violations_point_at_the_member() {
    let cases = [
        (
            "tests/examples/ai_job/invalid/missing_job_id.json",
            "AiJob",
            "/job_id",
        ),
        (
            "tests/examples/ai_job/invalid/extra_top_level_property.json",
            "AiJob",
            "/status",
        ),
        (
            "tests/examples/ai_job/invalid/unknown_state.json",
            "AiJob",
            "/state",
        ),
        (
            "tests/examples/ai_job/invalid/negative_metric.json",
            "AiJob",
            "/metrics/duration_ms",
        ),
        (
            "tests/examples/entity_ref/invalid/selector_unknown_kind.json",
            "EntityRef",
            "/selector/kind",
        ),
    ];
    for (file, type_name, expected_path) in cases {
        let output = handshake(&["validate", "--json", "--type", type_name, file], None);
        let report = &json_reports(&output)[0];
        assert_eq!(
            report["violations"][0]["path"],
            json!(expected_path),
            "{file}"
        );
    }
}

/// `required_fields_only.json` with a planned operation: an analysis_only job that plans one.
fn analysis_only_job_with_a_plan() -> String {
    let mut job = read_json("tests/examples/ai_job/valid/required_fields_only.json");
    assert_eq!(job["access_mode"], json!("analysis_only"));
    job["planned_operations"] = json!([read_json(
        "tests/examples/planned_operation/valid/move_block.json"
    )]);
    serde_json::to_string_pretty(&job).expect("serialisable")
}

#[test]
fn cross_field_rules_are_reported_with_their_code_and_clause() {
    // Other rules (a profile payload, say) may also apply to the example job; this one must be
    // among the violations, exactly as the spec declares it.
    let expected = json!({
        "path": "/planned_operations",
        "code": "HSK-RULE-0101",
        "clause": "§2.6.6.2.2, §2.6.6.5.2",
        "rule": "analysis_only_plans_no_mutation",
        "message": "an analysis_only job must not plan any operation",
    });
    let record = analysis_only_job_with_a_plan();
    for arguments in [
        vec!["validate", "--json", "-"],
        vec!["validate", "--json", "--type", "AiJob", "-"],
    ] {
        let output = handshake(&arguments, Some(&record));
        assert_eq!(code(&output), 1, "{arguments:?}");
        let report = &json_reports(&output)[0];
        assert_eq!(report["file"], json!("-"));
        assert_eq!(report["type"], json!("AiJob"));
        assert_eq!(report["valid"], json!(false));
        let violations = report["violations"].as_array().expect("violations array");
        assert!(
            violations.contains(&expected),
            "{arguments:?}: {violations:#?}"
        );
    }
}

/// #10 section 4: a hash a record stores over data it also carries is recomputed, so an envelope
/// whose prefix was edited after hashing is refused at the stale hash, and only there.
#[test]
fn a_stored_prompt_hash_that_does_not_match_its_blocks_is_refused() {
    let folder = "tests/corpus_rules/prompt_envelope_hashes_match_its_blocks";
    let output = handshake(
        &[
            "validate",
            "--json",
            &format!("{folder}/valid/prompt_envelope.hashes_of_its_blocks.json"),
        ],
        None,
    );
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let output = handshake(
        &[
            "validate",
            "--json",
            &format!("{folder}/invalid/prompt_envelope.prefix_edited_after_hashing.json"),
        ],
        None,
    );
    assert_eq!(code(&output), 1);
    let report = &json_reports(&output)[0];
    assert_eq!(report["type"], json!("PromptEnvelope"));
    let violations = report["violations"].as_array().expect("violations array");
    let at: Vec<(&str, &str)> = violations
        .iter()
        .map(|v| {
            (
                v["path"].as_str().unwrap_or(""),
                v["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // The prefix hash and the full prompt hash cover the edited block; the suffix hash does not.
    assert_eq!(
        at,
        [
            ("/stable_prefix_hash", "HSK-RULE-ACE-006"),
            ("/full_prompt_hash", "HSK-RULE-ACE-006")
        ],
        "{violations:#?}"
    );
}

#[test]
fn human_output_has_a_verdict_line_and_aligned_violation_lines() {
    let valid = "tests/examples/entity_ref/valid/block.json";
    let invalid = "tests/examples/ai_job/invalid/missing_metrics.json";
    let output = handshake(&["validate", valid, "--type", "EntityRef"], None);
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), format!("{valid}: valid (EntityRef)\n"));
    let output = handshake(&["validate", "--type", "AiJob", invalid], None);
    assert_eq!(code(&output), 1);
    assert_eq!(
        stdout(&output),
        format!(
            "{invalid}: invalid (AiJob)\n  \
             /metrics  HSK-JOB-1001  §2.6.6.2  missing field `metrics`\n"
        )
    );

    let output = handshake(&["validate", invalid], None);
    assert_eq!(
        stdout(&output).lines().next(),
        Some(
            format!("{invalid}: invalid (AiJob; guessed: no root type parses, closest shown)")
                .as_str()
        )
    );

    // Two or more violations of one record: the code, clause and message columns line up.
    let mut job = read_json("tests/examples/ai_job/valid/required_fields_only.json");
    job["planned_operations"] = json!([read_json(
        "tests/examples/planned_operation/valid/move_block.json"
    )]);
    job["layer_scope"] = json!({"read": ["raw", "derived"], "write": ["raw"]});
    let output = handshake(&["validate", "-"], Some(&job.to_string()));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("-: invalid (AiJob)"), "{text}");
    let violation_lines: Vec<&str> = lines.collect();
    assert!(violation_lines.len() >= 2, "{text}");
    let column =
        |line: &str, marker: &str| line.find(marker).map(|byte| line[..byte].chars().count());
    let code_columns: Vec<_> = violation_lines
        .iter()
        .map(|line| column(line, "HSK-"))
        .collect();
    let clause_columns: Vec<_> = violation_lines
        .iter()
        .map(|line| column(line, "§"))
        .collect();
    assert!(
        code_columns
            .windows(2)
            .all(|pair| pair[0] == pair[1] && pair[0].is_some()),
        "{text}"
    );
    assert!(
        clause_columns
            .windows(2)
            .all(|pair| pair[0] == pair[1] && pair[0].is_some()),
        "{text}"
    );
    let collapsed: Vec<String> = violation_lines
        .iter()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        collapsed.iter().any(|line| line
            == "/planned_operations HSK-RULE-0101 §2.6.6.2.2, §2.6.6.5.2 \
                an analysis_only job must not plan any operation"),
        "{text}"
    );
    assert!(
        collapsed
            .iter()
            .any(|line| line.starts_with("/job_kind HSK-RULE-0102 ")),
        "{text}"
    );
}

#[test]
fn exit_status_is_0_only_when_every_file_is_valid() {
    let valid = "tests/examples/entity_ref/valid/block.json";
    let invalid = "tests/examples/entity_ref/invalid/missing_artefact_id.json";
    assert_eq!(code(&handshake(&["validate", valid, valid], None)), 0);
    assert_eq!(code(&handshake(&["validate", valid, invalid], None)), 1);
    assert_eq!(code(&handshake(&["validate", invalid, valid], None)), 1);
}

#[test]
fn an_unreadable_file_exits_2_and_the_others_are_still_checked() {
    let valid = "tests/examples/entity_ref/valid/block.json";
    let output = handshake(&["validate", "--json", "no/such/file.json", valid], None);
    assert_eq!(code(&output), 2);
    let reports = json_reports(&output);
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["file"], json!("no/such/file.json"));
    assert_eq!(reports[0]["type"], Value::Null);
    assert!(
        reports[0]["error"]
            .as_str()
            .is_some_and(|error| error.contains("cannot read"))
    );
    assert_eq!(reports[1]["valid"], json!(true));

    let output = handshake(&["validate", "no/such/file.json"], None);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).starts_with("no/such/file.json: error: cannot read"));
    assert_eq!(code(&handshake(&["hash", "no/such/file.json"], None)), 2);
}

#[test]
fn text_that_is_not_json_or_repeats_a_key_is_an_invalid_record() {
    for text in [
        "{\"job_id\": ",
        "{\"a\": 1, \"a\": 2}",
        "\"queued\" \"running\"",
    ] {
        let output = handshake(&["validate", "--json", "-"], Some(text));
        assert_eq!(code(&output), 1, "{text}");
        let report = &json_reports(&output)[0];
        assert_eq!(
            report["violations"][0]["code"],
            json!("HSK-JOB-1001"),
            "{text}"
        );
        assert_eq!(report["violations"][0]["path"], json!(""), "{text}");

        let output = handshake(&["hash", "-"], Some(text));
        assert_eq!(code(&output), 1, "{text}");
        assert!(stderr(&output).contains("not JSON"), "{}", stderr(&output));
    }
}

#[test]
fn usage_errors_exit_2_with_the_usage() {
    let cases: [&[&str]; 10] = [
        &[],
        &["frobnicate"],
        &["validate"],
        &["validate", "--type"],
        &["validate", "--bogus", "x.json"],
        &[
            "validate",
            "--type",
            "NoSuchType",
            "tests/examples/job_state/valid/queued.json",
        ],
        &["validate", "-", "-"],
        &["hash"],
        &["hash", "a.json", "b.json"],
        &["hash", "--canonical-only", "--digest-only", "a.json"],
    ];
    for arguments in cases {
        let output = handshake(arguments, None);
        assert_eq!(code(&output), 2, "{arguments:?}");
        assert!(stdout(&output).is_empty(), "{arguments:?}");
        assert!(
            stderr(&output).contains("usage:"),
            "{arguments:?}: {}",
            stderr(&output)
        );
    }
    let unknown = handshake(&["hash", "--type", "NoSuchType", "-"], Some("{}"));
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("unknown type `NoSuchType`; root types: AiJob"));
}

#[test]
fn help_version_and_types_exit_0() {
    for arguments in [
        &["--help"][..],
        &["help"],
        &["validate", "--help"],
        &["hash", "-h"],
    ] {
        let output = handshake(arguments, None);
        assert_eq!(code(&output), 0, "{arguments:?}");
        assert!(stdout(&output).contains("usage:"));
    }
    let version = handshake(&["--version"], None);
    assert_eq!(code(&version), 0);
    assert!(stdout(&version).starts_with("handshake 0.1.0 (spec handshake_ai_job_model"));

    let types = handshake(&["types"], None);
    assert_eq!(code(&types), 0);
    let listed = stdout(&types);
    assert!(listed.lines().any(|line| line == "AiJob  (root)"));
    assert!(
        listed.lines().any(|line| line == "JobId"),
        "non-root types are listed too"
    );
}

#[test]
fn root_types_are_exactly_the_schemas_in_schemas_dir() {
    let listed = stdout(&handshake(&["types"], None));
    let mut roots: Vec<&str> = listed
        .lines()
        .filter_map(|line| line.strip_suffix("  (root)"))
        .collect();
    roots.sort_unstable();
    let mut titles: Vec<String> = std::fs::read_dir(repo_root().join("schemas"))
        .expect("schemas/ exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.to_string_lossy().ends_with(".schema.json"))
        .map(|path| {
            let schema: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
                    .expect("JSON");
            schema["title"].as_str().expect("title").to_owned()
        })
        .collect();
    titles.sort_unstable();
    assert_eq!(roots, titles);
}

/// The checked-in canonical vectors: (name, input as JSON text, canonical text, digest).
fn vectors() -> Vec<(String, String, String, String)> {
    let folder = repo_root().join("crates/canonical/vectors");
    let mut vectors: Vec<_> = json_files(&folder)
        .into_iter()
        .map(|file| {
            let vector = read_json(&file);
            (
                vector["name"].as_str().expect("name").to_owned(),
                serde_json::to_string(&vector["input"]).expect("serialisable"),
                vector["canonical"].as_str().expect("canonical").to_owned(),
                vector["sha256"].as_str().expect("sha256").to_owned(),
            )
        })
        .collect();
    assert!(
        vectors.len() >= 10,
        "expected the canonical vectors, found {}",
        vectors.len()
    );
    vectors.sort();
    vectors
}

#[test]
fn hash_prints_each_vectors_canonical_form_and_digest() {
    for (name, input, canonical, sha256) in vectors() {
        let both = handshake(&["hash", "-"], Some(&input));
        assert_eq!(code(&both), 0, "{name}: {}", stderr(&both));
        assert_eq!(stdout(&both), format!("{canonical}\n{sha256}\n"), "{name}");

        let canonical_only = handshake(&["hash", "--canonical-only", "-"], Some(&input));
        assert_eq!(
            stdout(&canonical_only),
            canonical,
            "{name}: exactly the hashed bytes"
        );

        let digest_only = handshake(&["hash", "--digest-only", "-"], Some(&input));
        assert_eq!(stdout(&digest_only), format!("{sha256}\n"), "{name}");
    }
}

#[test]
fn hash_of_a_file_equals_hash_of_the_same_text_on_stdin() {
    let file = "tests/examples/ai_job/valid/required_fields_only.json";
    let text = std::fs::read_to_string(repo_root().join(file)).expect("readable");
    let from_file = handshake(&["hash", file], None);
    let from_stdin = handshake(&["hash", "-"], Some(&text));
    assert_eq!(code(&from_file), 0);
    assert_eq!(stdout(&from_file), stdout(&from_stdin));
    assert_eq!(stdout(&from_file).lines().count(), 2);
}

#[test]
fn hash_refuses_a_number_beyond_the_double_range_and_keeps_integers_exact() {
    // 1e400 is a JSON number, but no double: no canonical form, exit 1, the literal named.
    let beyond = handshake(&["hash", "-"], Some(r#"{"payload": [1, 1e400]}"#));
    assert_eq!(code(&beyond), 1, "{}", stderr(&beyond));
    assert!(
        stderr(&beyond).contains("$.payload[1]: 1e+400 is not a finite number"),
        "{}",
        stderr(&beyond)
    );
    assert_eq!(stdout(&beyond), "");
    // Integer literals keep every digit, within 64 bits; -0 and a literal below i64 are floats.
    let exact = handshake(
        &["hash", "--canonical-only", "-"],
        Some("[-9223372036854775808, 18446744073709551615, -0, -9223372036854775809]"),
    );
    assert_eq!(
        stdout(&exact),
        "[-9223372036854775808,18446744073709551615,0.000000,-9223372036854775808.000000]"
    );
}

/// A ScopeInputs record whose entity_refs are the two given refs, in that order.
fn scope_inputs(first: &Value, second: &Value) -> String {
    json!({"entity_refs": [first, second], "topic_scope": "billing"}).to_string()
}

#[test]
fn hash_with_type_scope_inputs_ignores_the_order_of_entity_refs() {
    let first = read_json("tests/examples/entity_ref/valid/block.json");
    let second = read_json("tests/examples/entity_ref/valid/row.json");
    let forward = scope_inputs(&first, &second);
    let backward = scope_inputs(&second, &first);
    let digest = |arguments: &[&str], text: &str| {
        let output = handshake(arguments, Some(text));
        assert_eq!(code(&output), 0, "{arguments:?}: {}", stderr(&output));
        stdout(&output)
    };
    let typed = ["hash", "--digest-only", "--type", "ScopeInputs", "-"];
    assert_eq!(digest(&typed, &forward), digest(&typed, &backward));
    // As a plain value the order is data, so the digests differ.
    let untyped = ["hash", "--digest-only", "-"];
    assert_ne!(digest(&untyped, &forward), digest(&untyped, &backward));
}

#[test]
fn hash_with_a_type_refuses_an_invalid_record_with_its_violations() {
    let output = handshake(
        &[
            "hash",
            "--type",
            "AiJob",
            "tests/examples/ai_job/invalid/missing_metrics.json",
        ],
        None,
    );
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).is_empty());
    let message = stderr(&output);
    assert!(
        message.contains("/metrics  HSK-JOB-1001  §2.6.6.2  missing field `metrics`"),
        "{message}"
    );
    assert!(message.contains("not hashed: invalid AiJob"), "{message}");

    let output = handshake(
        &["hash", "--type", "AiJob", "-"],
        Some(&analysis_only_job_with_a_plan()),
    );
    assert_eq!(code(&output), 1);
    assert!(stderr(&output).contains("HSK-RULE-0101"));
}

#[test]
fn hash_with_a_type_hashes_the_record_as_the_model_writes_it() {
    // A valid record hashes the same typed or not when it spells every field the model writes.
    let file = "tests/examples/job_state/valid/queued.json";
    let typed = handshake(&["hash", "--type", "JobState", file], None);
    let untyped = handshake(&["hash", file], None);
    assert_eq!(code(&typed), 0);
    assert_eq!(stdout(&typed), stdout(&untyped));
    assert_eq!(stdout(&typed).lines().next(), Some("\"queued\""));
}

/// Runs `handshake` with stdout a pipe whose reading end is already closed (as after `| head`).
#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    // `handshake types | head` used to print `handshake: Broken pipe (os error 32)` and exit 2.
    for arguments in [
        &["types"][..],
        &["--help"],
        &["--version"],
        &[
            "validate",
            "--json",
            "tests/examples/ai_job/valid/all_36_fields.json",
        ],
        &["validate", "tests/examples/ai_job/valid/all_36_fields.json"],
        &["hash", "tests/examples/entity_ref/valid/block.json"],
    ] {
        let output = with_closed_stdout(&repo_root(), arguments);
        assert_eq!(stderr(&output), "", "{arguments:?} must end quietly");
        assert_eq!(code(&output), 0, "{arguments:?}");
    }
}
