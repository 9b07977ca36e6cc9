//! Checks the Rust canonicaliser against every checked-in vector in `crates/canonical/vectors/`.
//!
//! The vectors were written once by `vectors/generate.py`, an independent Python implementation
//! of the same rules, and are never regenerated here: a change in canonical bytes or digests
//! fails this test until the vectors are deliberately regenerated and reviewed.

use std::fs;
use std::path::PathBuf;

use handshake_canonical::{Hash, canonical_hash, canonical_json};
use serde_json::Value;

struct Vector {
    file: String,
    name: String,
    input: Value,
    canonical: String,
    sha256: String,
}

fn vectors() -> Vec<Vector> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut files: Vec<PathBuf> = fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", folder.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let file = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("cannot read {file}: {error}"));
            let mut record: Value = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{file} is not JSON: {error}"));
            let field = |record: &mut Value, key: &str| -> Value {
                record
                    .get_mut(key)
                    .map(Value::take)
                    .unwrap_or_else(|| panic!("{file} has no {key:?}"))
            };
            let text_field = |record: &mut Value, key: &str| -> String {
                match field(record, key) {
                    Value::String(text) => text,
                    other => panic!("{file}: {key:?} must be a string, found {other}"),
                }
            };
            Vector {
                name: text_field(&mut record, "name"),
                input: field(&mut record, "input"),
                canonical: text_field(&mut record, "canonical"),
                sha256: text_field(&mut record, "sha256"),
                file,
            }
        })
        .collect()
}

/// The cases the brief names: the vectors folder must not silently lose one.
const REQUIRED_VECTORS: [&str; 11] = [
    "key_order_code_point_not_utf16",
    "nfc_value_decomposed",
    "nfc_key_decomposed",
    "nfc_hangul",
    "float_edge_cases",
    "integers",
    "timestamps_with_offsets",
    "nested_objects_and_arrays",
    "empty_object",
    "empty_array",
    "escapes",
];

#[test]
fn every_vector_canonicalises_to_its_checked_in_bytes_and_digest() {
    let vectors = vectors();
    let missing: Vec<&str> = REQUIRED_VECTORS
        .into_iter()
        .filter(|required| !vectors.iter().any(|vector| vector.name == *required))
        .collect();
    assert!(missing.is_empty(), "vectors missing: {missing:?}");
    let mut failures = Vec::new();
    for vector in &vectors {
        assert_eq!(
            format!("{}.json", vector.name),
            vector.file,
            "a vector's file is named after it"
        );
        // The vector is consistent with itself, independently of the canonicaliser.
        assert_eq!(
            Hash::of_bytes(vector.canonical.as_bytes()).to_hex(),
            vector.sha256,
            "{}: sha256 field",
            vector.name
        );
        match canonical_json(&vector.input) {
            Ok(canonical) if canonical == vector.canonical => {}
            Ok(canonical) => failures.push(format!(
                "{}:\n  expected {}\n  actual   {}",
                vector.name, vector.canonical, canonical
            )),
            Err(error) => failures.push(format!("{}: {error}", vector.name)),
        }
        match canonical_hash(&vector.input) {
            Ok(hash) if hash.to_hex() == vector.sha256 => {}
            Ok(hash) => failures.push(format!(
                "{}: digest {hash} != {}",
                vector.name, vector.sha256
            )),
            Err(error) => failures.push(format!("{}: {error}", vector.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector check(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn canonical_text_of_every_vector_is_a_fixed_point() {
    for vector in vectors() {
        let reparsed: Value = serde_json::from_str(&vector.canonical)
            .unwrap_or_else(|error| panic!("{}: canonical is not JSON: {error}", vector.name));
        assert_eq!(
            canonical_json(&reparsed).ok().as_deref(),
            Some(vector.canonical.as_str()),
            "{}",
            vector.name
        );
    }
}

#[test]
fn equivalent_inputs_share_a_digest() {
    let vectors = vectors();
    let digest = |name: &str| {
        vectors
            .iter()
            .find(|vector| vector.name == name)
            .map(|vector| vector.sha256.clone())
    };
    assert_eq!(digest("nfc_value_decomposed"), digest("nfc_value_composed"));
    assert!(digest("nfc_value_decomposed").is_some());
}
