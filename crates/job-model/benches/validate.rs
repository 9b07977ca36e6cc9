//! Validator throughput, apples to apples: the generated Rust model against the `jsonschema`
//! crate (a validator compiled once from the committed `schemas/ai_job.schema.json`, rules
//! included as `allOf` `if`/`then`) on the same AiJob records, in the same run.
//!
//! Run: `cargo bench -p handshake-job-model --bench validate` (divan latencies, then a table of
//! fastest-batch ratios). Before anything is timed, both sides must give every record the same
//! verdict (valid or not); the bench panics otherwise.
//!
//! Records (`args`): `full` (36 core fields, a context snapshot with artifact handles, planned
//! operations; 7 KB), `minimal` (the required fields only), `rule_invalid` (a full record that
//! parses but breaks a cross-field rule) and `type_invalid` (a record with a state that is not a
//! lifecycle state, refused while parsing).
//!
//! Three starting points, each with the baseline next to ours:
//! - `from_text`: JSON bytes in. Baseline `serde_json::from_slice::<Value>` + `is_valid` (stops at
//!   the first error) or + `iter_errors` (collects every error); ours `from_slice::<AiJob>` and
//!   then every rule (`Validate::validate`, which always collects every violation).
//! - `from_value`: an already parsed `serde_json::Value` in (what the CLI has after its strict
//!   duplicate-key parse). Baseline `is_valid` / `iter_errors`; ours `validate_json::<AiJob>`
//!   (serde with JSON Pointer tracking, then every rule).
//! - `typed`: an already deserialized `AiJob`: the rules alone, the validator proper. jsonschema
//!   has no equivalent (it cannot start from a typed value), so its `from_value` figure is the
//!   comparison.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use divan::black_box;
use handshake_job_model::{AiJob, Validate, validate_json};
use serde_json::Value;

const RECORDS: [&str; 4] = ["full", "minimal", "rule_invalid", "type_invalid"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The path of each record, and whether it is valid.
fn source(name: &str) -> (&'static str, bool) {
    match name {
        "full" => (
            "tests/corpus_rules/terminal_job_has_completed_at/valid/ai_job.terminal_with_completed_at.json",
            true,
        ),
        "minimal" => (
            "tests/corpus_rules/terminal_job_has_completed_at/valid/ai_job.queued_without_completed_at.json",
            true,
        ),
        "rule_invalid" => (
            "tests/corpus_rules/terminal_job_has_completed_at/invalid/ai_job.terminal_without_completed_at.json",
            false,
        ),
        "type_invalid" => ("tests/examples/ai_job/invalid/unknown_state.json", false),
        other => panic!("unknown record {other}"),
    }
}

/// The record's text and parsed value, after checking that both validators agree on it.
fn record(name: &str) -> (Vec<u8>, Value) {
    let (path, valid) = source(name);
    let text = read(path).into_bytes();
    let value: Value = serde_json::from_slice(&text).expect("record is JSON");
    let validator = schema_validator();
    assert_eq!(
        validator.is_valid(&value),
        valid,
        "{name}: jsonschema verdict"
    );
    assert_eq!(
        validator.iter_errors(&value).next().is_none(),
        valid,
        "{name}: jsonschema iter_errors verdict"
    );
    assert_eq!(
        rust_from_text(&text),
        valid,
        "{name}: rust verdict from text"
    );
    assert_eq!(
        validate_json::<AiJob>(&value).is_ok(),
        valid,
        "{name}: rust verdict from value"
    );
    (text, value)
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&read("schemas/ai_job.schema.json")).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// Ours from text: typed parse, then every rule (all violations collected).
fn rust_from_text(text: &[u8]) -> bool {
    match serde_json::from_slice::<AiJob>(text) {
        Ok(job) => job.validate().is_empty(),
        Err(_) => false,
    }
}

fn schema_is_valid_from_text(validator: &jsonschema::Validator, text: &[u8]) -> bool {
    serde_json::from_slice::<Value>(text).is_ok_and(|value| validator.is_valid(&value))
}

fn schema_all_errors_from_text(validator: &jsonschema::Validator, text: &[u8]) -> bool {
    serde_json::from_slice::<Value>(text)
        .is_ok_and(|value| validator.iter_errors(&value).count() == 0)
}

mod from_text {
    use super::*;

    #[divan::bench(args = RECORDS)]
    fn jsonschema_is_valid(bencher: divan::Bencher, name: &str) {
        let (text, _) = record(name);
        let validator = schema_validator();
        bencher.bench(|| schema_is_valid_from_text(&validator, black_box(&text)));
    }

    #[divan::bench(args = RECORDS)]
    fn jsonschema_iter_errors(bencher: divan::Bencher, name: &str) {
        let (text, _) = record(name);
        let validator = schema_validator();
        bencher.bench(|| schema_all_errors_from_text(&validator, black_box(&text)));
    }

    #[divan::bench(args = RECORDS)]
    fn rust_serde_and_rules(bencher: divan::Bencher, name: &str) {
        let (text, _) = record(name);
        bencher.bench(|| rust_from_text(black_box(&text)));
    }

    /// Reference: scanning the text without building anything (`IgnoredAny`): the floor any
    /// validator that reads JSON text pays.
    #[divan::bench(args = RECORDS)]
    fn json_scan_only(bencher: divan::Bencher, name: &str) {
        let (text, _) = record(name);
        bencher.bench(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&text)).is_ok());
    }

    /// Reference: what building a `Value` costs (the first half of both jsonschema arms).
    #[divan::bench(args = RECORDS)]
    fn json_text_to_value_only(bencher: divan::Bencher, name: &str) {
        let (text, _) = record(name);
        bencher.bench(|| serde_json::from_slice::<Value>(black_box(&text)).is_ok());
    }
}

mod from_value {
    use super::*;

    #[divan::bench(args = RECORDS)]
    fn jsonschema_is_valid(bencher: divan::Bencher, name: &str) {
        let (_, value) = record(name);
        let validator = schema_validator();
        bencher.bench(|| validator.is_valid(black_box(&value)));
    }

    #[divan::bench(args = RECORDS)]
    fn jsonschema_iter_errors(bencher: divan::Bencher, name: &str) {
        let (_, value) = record(name);
        let validator = schema_validator();
        bencher.bench(|| validator.iter_errors(black_box(&value)).count() == 0);
    }

    #[divan::bench(args = RECORDS)]
    fn rust_validate_json(bencher: divan::Bencher, name: &str) {
        let (_, value) = record(name);
        bencher.bench(|| validate_json::<AiJob>(black_box(&value)).is_ok());
    }
}

mod typed {
    use super::*;

    /// The rules alone on a deserialized record (only the records that deserialize).
    #[divan::bench(args = ["full", "minimal", "rule_invalid"])]
    fn rust_rules_only(bencher: divan::Bencher, name: &str) {
        let (_, value) = record(name);
        let job: AiJob = serde_json::from_value(value).expect("the record deserializes");
        bencher.bench(|| black_box(&job).validate().is_empty());
    }
}

/// The fastest of `batches` batches of `rounds` calls, per call: the least disturbed figure on a
/// shared machine.
fn fastest(mut f: impl FnMut() -> bool) -> Duration {
    const BATCHES: u32 = 30;
    const ROUNDS: u32 = 500;
    (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..ROUNDS {
                black_box(f());
            }
            start.elapsed() / ROUNDS
        })
        .min()
        .expect("at least one batch")
}

fn main() {
    divan::main();
    let validator = schema_validator();
    println!("\nfastest batch per call, same process, same records (ratio = jsonschema / rust):");
    for name in RECORDS {
        let (text, value) = record(name);
        let schema_text = fastest(|| schema_is_valid_from_text(&validator, &text));
        let schema_text_all = fastest(|| schema_all_errors_from_text(&validator, &text));
        let rust_text = fastest(|| rust_from_text(&text));
        let scan = fastest(|| serde_json::from_slice::<serde::de::IgnoredAny>(&text).is_ok());
        let schema_value = fastest(|| validator.is_valid(&value));
        let schema_value_all = fastest(|| validator.iter_errors(&value).count() == 0);
        let rust_value = fastest(|| validate_json::<AiJob>(&value).is_ok());
        let ratio = |theirs: Duration, ours: Duration| theirs.as_secs_f64() / ours.as_secs_f64();
        println!(
            "  {name:<12} from text:  jsonschema is_valid {schema_text:>9.2?} ({:>4.1}x)  iter_errors {schema_text_all:>9.2?} ({:>4.1}x)  rust {rust_text:>9.2?}  (scanning the text alone: {scan:.2?})",
            ratio(schema_text, rust_text),
            ratio(schema_text_all, rust_text),
        );
        println!(
            "  {name:<12} from value: jsonschema is_valid {schema_value:>9.2?} ({:>4.1}x)  iter_errors {schema_value_all:>9.2?} ({:>4.1}x)  rust {rust_value:>9.2?}",
            ratio(schema_value, rust_value),
            ratio(schema_value_all, rust_value),
        );
        if let Ok(job) = serde_json::from_value::<AiJob>(value.clone()) {
            let rules = fastest(|| job.validate().is_empty());
            println!(
                "  {name:<12} typed:      rules only {rules:>9.2?} ({:>4.1}x vs jsonschema is_valid on a value, {:>4.1}x vs iter_errors)",
                ratio(schema_value, rules),
                ratio(schema_value_all, rules),
            );
        }
    }
}
