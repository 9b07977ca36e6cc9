//! The checks of the fuzz targets (issue #14), as plain functions over bytes.
//!
//! Each function panics exactly when the code under test breaks a promise: a panic of its own
//! (a crash), or an invariant below. The cargo-fuzz targets in `fuzz/` call them on what
//! libFuzzer generates; `tests/regressions.rs` calls them on the committed seeds and on every
//! input a fuzzer ever found, in ordinary `cargo test`, so a fixed finding stays fixed without a
//! nightly toolchain.
//!
//! | function | what it feeds | invariants beyond "no panic" |
//! | --- | --- | --- |
//! | [`spec_file`] | arbitrary bytes as one spec file inside a valid manifest | a spec that loads also generates |
//! | [`spec_edit`] | a line edit of a real spec file (a structured YAML mutation) | (loads only: see there) |
//! | [`record`] via [`record_bytes`] | arbitrary JSON as every root type | validate → serialise → validate gives the same verdict; `validate_json` agrees |
//! | [`canonical`] | arbitrary JSON | canonical form is idempotent; the hash of the canonical form equals the hash of the re-parsed canonical form |
//! | [`master_spec`] | arbitrary bytes as a Master Spec | reading is deterministic |
//! | [`cli_detect`] | arbitrary bytes as a file given to `handshake validate` without `--type` | see there: the strict reader agrees with serde_json; the detected type is what an independent count of the parsing roots says; `--type` of the detected type gives the same verdict; the exit status follows the verdict; a valid record's parsed form stays valid and hashes |
//!
//! "A refused spec writes nothing" holds by construction: loading and generating are pure
//! (nothing here touches a file system), and only `output::apply` writes, after both succeed.

use std::collections::BTreeMap;

use handshake_job_model::Validate;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One check per root type (a type with its own JSON Schema): [`record`] for the types with
/// cross-field rules, [`plain_record`] for the others. The list is the generator's.
macro_rules! roots {
    ($(($ty:path, $name:literal, $stem:literal, $kind:ident, $place:ident)),* $(,)?) => {
        /// Every root type: its name and its check.
        pub const ROOTS: &[(&str, fn(&Value))] = &[$(($name, roots!(@check $kind $ty))),*];
    };
    (@check rules $ty:path) => { record::<$ty> };
    (@check plain $ty:path) => { plain_record::<$ty> };
}
handshake_job_model::for_each_root_type!(roots);

/// The largest input a check reads; libFuzzer is run with the same `-max_len`, so a slow input
/// past it is not a finding.
pub const MAX_INPUT: usize = 64 * 1024;

/// Loads `sources` (manifest `spec/handshake.yaml`) and, when the spec loads, generates every
/// target from it: neither may panic.
fn load_and_generate(sources: &BTreeMap<String, String>) {
    if let Ok(spec) = handshake_spec::load_sources(sources, "spec/handshake.yaml") {
        let _ = handshake_codegen::generate(&spec, &[]);
    }
}

/// Arbitrary bytes as the only spec file of a valid manifest.
pub fn spec_file(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let text = String::from_utf8_lossy(data);
    load_and_generate(&handshake_spec::scratch::sources(
        "fuzz",
        &[("fuzz.yaml", &text)],
    ));
}

/// The real spec, file by file, as it was when this crate was built.
const REAL_SPEC: &[(&str, &str)] = &[
    (
        "spec/handshake.yaml",
        include_str!("../../../spec/handshake.yaml"),
    ),
    ("spec/job.yaml", include_str!("../../../spec/job.yaml")),
    (
        "spec/identity.yaml",
        include_str!("../../../spec/identity.yaml"),
    ),
    ("spec/scope.yaml", include_str!("../../../spec/scope.yaml")),
    ("spec/ace.yaml", include_str!("../../../spec/ace.yaml")),
    ("spec/plan.yaml", include_str!("../../../spec/plan.yaml")),
    (
        "spec/status.yaml",
        include_str!("../../../spec/status.yaml"),
    ),
    (
        "spec/lifecycle.yaml",
        include_str!("../../../spec/lifecycle.yaml"),
    ),
    (
        "spec/runtime.yaml",
        include_str!("../../../spec/runtime.yaml"),
    ),
    (
        "spec/profiles.yaml",
        include_str!("../../../spec/profiles.yaml"),
    ),
    (
        "spec/outputs.yaml",
        include_str!("../../../spec/outputs.yaml"),
    ),
    (
        "spec/events.yaml",
        include_str!("../../../spec/events.yaml"),
    ),
    (
        "spec/errors.yaml",
        include_str!("../../../spec/errors.yaml"),
    ),
    ("spec/rules.yaml", include_str!("../../../spec/rules.yaml")),
    (
        "spec/ace_rules.yaml",
        include_str!("../../../spec/ace_rules.yaml"),
    ),
    (
        "spec/master-spec.lock",
        include_str!("../../../spec/master-spec.lock"),
    ),
];

/// A structured mutation of the real spec: `data[0]` picks a file, `data[1..3]` a line,
/// `data[3]` the edit (delete the line, duplicate it, swap it with the next, replace it with
/// the rest of `data`, or insert the rest before it, keeping the line's indentation).
pub fn spec_edit(data: &[u8]) {
    if data.len() < 4 || data.len() > MAX_INPUT {
        return;
    }
    let (file, text) = REAL_SPEC[usize::from(data[0]) % (REAL_SPEC.len() - 1)];
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = usize::from(u16::from_le_bytes([data[1], data[2]])) % lines.len().max(1);
    let rest = String::from_utf8_lossy(&data[4..]).into_owned();
    let indent: String = lines[at].chars().take_while(|c| *c == ' ').collect();
    match data[3] % 5 {
        0 => {
            lines.remove(at);
        }
        1 => lines.insert(at, lines[at].clone()),
        2 if at + 1 < lines.len() => lines.swap(at, at + 1),
        3 => lines[at] = format!("{indent}{rest}"),
        _ => lines.insert(at, format!("{indent}{rest}")),
    }
    let mut sources: BTreeMap<String, String> = REAL_SPEC
        .iter()
        .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
        .collect();
    sources.insert(file.to_owned(), lines.join("\n") + "\n");
    // Loading only: generating the whole real spec takes about 5 s per input under the fuzzer's
    // sanitizer, which would make every input that still loads look like a hang. The generators
    // are fuzzed by `spec_file`, on small specs.
    let _ = handshake_spec::load_sources(&sources, "spec/handshake.yaml");
}

/// Arbitrary bytes as JSON, checked as every root type ([`ROOTS`]).
pub fn record_bytes(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for (_, check) in ROOTS {
        check(&value);
    }
}

/// `value` as `T`: if it parses, its violations survive a round trip through the model's own
/// serialisation unchanged, and `validate_json` gives the same verdict.
pub fn record<T: DeserializeOwned + Serialize + Validate>(value: &Value) {
    let verdict = handshake_job_model::validate_json::<T>(value);
    let Ok(parsed) = T::deserialize(value) else {
        assert!(
            verdict.is_err(),
            "validate_json accepted what serde refuses"
        );
        return;
    };
    let first = parsed.validate();
    assert_eq!(
        verdict.is_ok(),
        first.is_empty(),
        "validate_json and Validate disagree"
    );
    let written = serde_json::to_value(&parsed).expect("a parsed record serialises");
    let again = T::deserialize(&written).expect("a record the model wrote parses again");
    let second = again.validate();
    let key = |v: &handshake_job_model::Violation| (v.code, v.path.clone());
    assert_eq!(
        first.iter().map(key).collect::<Vec<_>>(),
        second.iter().map(key).collect::<Vec<_>>(),
        "validate → serialise → validate changed the verdict"
    );
}

/// `value` as `T`, a type without cross-field rules: if it parses, what the model writes back
/// parses to the same value.
pub fn plain_record<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(value: &Value) {
    let Ok(parsed) = T::deserialize(value) else {
        return;
    };
    let written = serde_json::to_value(&parsed).expect("a parsed value serialises");
    let again = T::deserialize(&written).expect("a value the model wrote parses again");
    assert_eq!(
        again, parsed,
        "a round trip through the model changed the value"
    );
}

/// Arbitrary JSON through the canonical encoder and hasher (§2.6.6.7.5).
pub fn canonical(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(text) = handshake_canonical::canonical_json(&value) else {
        return;
    };
    let reparsed: Value = serde_json::from_str(&text).expect("canonical JSON is JSON");
    let again = handshake_canonical::canonical_json(&reparsed).expect("canonical JSON encodes");
    assert_eq!(again, text, "the canonical form is idempotent");
    let hash = handshake_canonical::canonical_hash(&value).expect("it encoded, so it hashes");
    let rehash = handshake_canonical::canonical_hash(&reparsed).expect("hashes");
    assert_eq!(hash, rehash, "the hash of the re-parsed canonical form");
}

/// Arbitrary bytes as a Master Spec: spec-sync's reader never panics, and reads the same twice.
pub fn master_spec(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let first = handshake_spec_sync::extract::extract(data);
    let second = handshake_spec_sync::extract::extract(data);
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "reading is deterministic"
    );
}

/// Arbitrary bytes as a file given to `handshake validate` without `--type` (the CLI's type
/// detection, `handshake_cli::validate`), checked against what the detection promises:
///
/// * the reader refuses duplicate keys and nothing else: what it accepts, serde_json reads to
///   the same value, and what serde_json refuses, it refuses;
/// * the report is consistent: `valid` exactly when there is no violation, a type and a
///   detection always, the exit status 0 for valid and 1 for invalid, the same report twice;
/// * the detection is what an independent count of the root types that parse says: none →
///   `guessed` (and invalid), one → `unique`, several → `fewest_violations`, naming the others
///   in `also_parses_as`, and the chosen one has no more violations than any of them;
/// * `--type` of the reported type gives the same violations (detection changes only the type,
///   never the verdict on it);
/// * a valid record's parsed form (what the model writes back) is valid again as that type, and
///   `handshake hash --type` of the record either hashes it or says it has no canonical form,
///   never that it is invalid.
pub fn cli_detect(data: &[u8]) {
    use handshake_cli::validate::{Detection, check_text};
    use handshake_cli::{exit, hash, input, registry};

    if data.len() > MAX_INPUT {
        return;
    }
    // The CLI reads files as UTF-8 text; other bytes are an unreadable file (exit 2).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lenient = serde_json::from_str::<Value>(text);
    let strict = input::parse_json(text);
    match (&strict, &lenient) {
        (Ok(strict), Ok(lenient)) => assert_eq!(strict, lenient, "the strict reader's value"),
        (Ok(_), Err(error)) => {
            panic!("the strict reader accepted what serde_json refuses: {error}")
        }
        (Err(error), Ok(_)) => assert!(
            error.to_string().starts_with("duplicate key"),
            "the strict reader refused valid JSON without a duplicate key: {error}"
        ),
        (Err(_), Err(_)) => {}
    }

    let report = check_text("fuzz.json", text, None);
    assert_eq!(
        report.valid,
        report.violations.is_empty(),
        "valid iff no violation"
    );
    assert!(
        report.error.is_none(),
        "a file that was read is never an error"
    );
    let expected_status = if report.valid {
        exit::VALID
    } else {
        exit::INVALID
    };
    assert_eq!(
        exit::of_reports(std::slice::from_ref(&report)),
        expected_status
    );
    let again = check_text("fuzz.json", text, None);
    assert_eq!(
        serde_json::to_value(&again).expect("a report serialises"),
        serde_json::to_value(&report).expect("a report serialises"),
        "detection is deterministic"
    );
    let detection = report.detection.expect("a read file has a detection");
    let Ok(value) = strict else {
        assert_eq!(
            report.type_name, None,
            "text that is not JSON is checked as no type"
        );
        assert_eq!(
            detection,
            Detection::Guessed,
            "text that is not JSON is guessed"
        );
        assert!(!report.valid, "text that is not JSON is invalid");
        return;
    };
    let type_name = report.type_name.expect("JSON is checked as a root type");
    let chosen = registry::named(type_name).expect("the reported type exists");
    assert!(chosen.root, "detection reports only root types");

    let parsing: Vec<(&str, usize)> = registry::roots()
        .filter_map(|spec_type| {
            let checked = spec_type.check(&value);
            checked
                .parsed
                .map(|_| (spec_type.name, checked.violations.len()))
        })
        .collect();
    match parsing.as_slice() {
        [] => {
            assert_eq!(detection, Detection::Guessed, "no root parses");
            assert!(
                !report.valid,
                "a record that parses as no root type is invalid"
            );
        }
        [(only, _)] => {
            assert_eq!(detection, Detection::Unique, "exactly one root parses");
            assert_eq!(type_name, *only);
            assert!(report.also_parses_as.is_empty());
        }
        several => {
            assert_eq!(
                detection,
                Detection::FewestViolations,
                "several roots parse"
            );
            let others: Vec<&str> = several
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| *name != type_name)
                .collect();
            assert_eq!(
                report.also_parses_as, others,
                "also_parses_as names the others"
            );
            let fewest = several.iter().map(|(_, count)| *count).min();
            assert_eq!(
                Some(report.violations.len()),
                fewest,
                "the fewest violations"
            );
        }
    }

    let named = check_text("fuzz.json", text, Some(chosen));
    assert_eq!(
        named.valid, report.valid,
        "--type {type_name} gives the same verdict"
    );
    assert_eq!(
        named.violations, report.violations,
        "--type {type_name}: same violations"
    );
    assert_eq!(named.detection, Some(Detection::Named));

    if report.valid {
        let parsed = chosen.check(&value).parsed.expect("a valid record parsed");
        let rechecked = chosen.check(&parsed);
        assert!(
            rechecked.parsed.is_some() && rechecked.violations.is_empty(),
            "the parsed form of a valid {type_name} is valid: {:?}",
            rechecked.violations
        );
        match hash::hash_text("fuzz.json", text, Some(chosen)) {
            Ok(_) | Err(hash::Refusal::NoCanonicalForm { .. }) => {}
            Err(refusal) => panic!("a valid {type_name} was refused by hash: {refusal}"),
        }
    }
}
