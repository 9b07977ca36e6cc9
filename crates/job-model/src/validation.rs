//! Cross-field rule checking: the [`Validate`] trait the generated `validate.rs` implements for
//! every record and union, the [`Violation`] it reports, and [`validate_json`] (serde, then rules).
//!
//! Hand-written, like the other support modules, so regenerating never touches it. The rules
//! themselves come from `spec/*.yaml` (`rules:`); see `docs/spec-language.md`.

use std::collections::BTreeMap;
use std::fmt;

/// Code reported when a record does not even deserialize (the spec's `InvalidRecord` error).
pub const INVALID_RECORD_CODE: &str = "HSK-JOB-1001";

/// One broken rule (or, from [`validate_json`], one refused field), at a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// RFC 6901 JSON Pointer to the offending value, from the validated value's root
    /// (e.g. `/context_snapshot/artifact_handles/0/exportable`); empty for the root itself.
    pub path: String,
    /// The rule's stable code (e.g. `HSK-RULE-0103`), or [`INVALID_RECORD_CODE`].
    pub code: &'static str,
    /// The Master Spec clause(s) the rule implements.
    pub clause: &'static str,
    /// The rule's snake_case name in the spec, or `invalid_record`.
    pub rule: &'static str,
    /// What is wrong, as a lower-case fragment.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(
            f,
            "{path}: {} [{} {}, {}]",
            self.message, self.code, self.rule, self.clause
        )
    }
}

/// Checks the cross-field rules of the spec on a value and everything nested in it.
pub trait Validate {
    /// Every violation of every rule, in a deterministic order (fields in spec order, rules in
    /// spec order); empty when the value is valid.
    fn validate(&self) -> Vec<Violation> {
        let mut pointer = String::new();
        let mut out = Vec::new();
        self.validate_at(&mut pointer, &mut out);
        out
    }

    /// Appends the violations of this value to `out`; `pointer` is this value's JSON Pointer and
    /// is restored before returning.
    fn validate_at(&self, pointer: &mut String, out: &mut Vec<Violation>);
}

/// Validates `value` as the member `key` of the value at `pointer` (generated code calls this).
pub fn descend<T: Validate + ?Sized>(
    pointer: &mut String,
    key: &str,
    value: &T,
    out: &mut Vec<Violation>,
) {
    let length = pointer.len();
    pointer.push('/');
    push_escaped(pointer, key);
    value.validate_at(pointer, out);
    pointer.truncate(length);
}

/// `pointer` + `/` + the escaped segments of `suffix` (already escaped, `/`-joined, may be empty).
pub fn at(pointer: &str, suffix: &str) -> String {
    let mut path = String::with_capacity(pointer.len() + suffix.len());
    path.push_str(pointer);
    path.push_str(suffix);
    path
}

fn push_escaped(pointer: &mut String, key: &str) {
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, pointer: &mut String, out: &mut Vec<Violation>) {
        if let Some(value) = self {
            value.validate_at(pointer, out);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, pointer: &mut String, out: &mut Vec<Violation>) {
        self.as_ref().validate_at(pointer, out);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, pointer: &mut String, out: &mut Vec<Violation>) {
        for (index, item) in self.iter().enumerate() {
            let length = pointer.len();
            pointer.push('/');
            pointer.push_str(&index.to_string());
            item.validate_at(pointer, out);
            pointer.truncate(length);
        }
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate_at(&self, pointer: &mut String, out: &mut Vec<Violation>) {
        for (key, item) in self {
            descend(pointer, key, item, out);
        }
    }
}

/// The `hash_of` forms of the spec language (§2.6.6.7.5) that generated validators recompute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashForm {
    /// Block lists hashed as [`handshake_canonical::prompt_parts_hash`] hashes them.
    PromptBlocks,
}

/// Whether `stored` is the hash `form` gives over `parts` (their wire form, in order). A part that
/// cannot be hashed (it does not serialise, or is no list of blocks) matches no stored hash.
/// Generated code calls this for every `hash_of` rule.
pub fn stored_hash_matches<H: AsRef<str> + ?Sized>(
    form: HashForm,
    stored: &H,
    parts: &[serde_json::Value],
) -> bool {
    let computed = match form {
        HashForm::PromptBlocks => {
            handshake_canonical::prompt_parts_hash(&parts.iter().collect::<Vec<_>>())
        }
    };
    computed.is_ok_and(|hash| hash.to_hex() == stored.as_ref())
}

/// The wire form of a value a `hash_of` rule hashes; `Null` (which no form hashes) if it does not
/// serialise.
pub fn wire_form<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Parses `value` as a `T` and checks its rules: `Ok` only when both pass.
///
/// A value serde refuses gives one violation with code [`INVALID_RECORD_CODE`] at the JSON
/// Pointer of the refused member (rules are not checked on a value that does not parse).
pub fn validate_json<T>(value: &serde_json::Value) -> Result<T, Vec<Violation>>
where
    T: serde::de::DeserializeOwned + Validate,
{
    // Path tracking (`serde_path_to_error`) costs more than the parse itself, and most records
    // parse: parse without it, and only for a refused record parse again with it to learn where.
    let parsed = match <T as serde::Deserialize>::deserialize(value) {
        Ok(parsed) => parsed,
        Err(error) => return Err(vec![refused::<T>(value, error)]),
    };
    let violations = parsed.validate();
    if violations.is_empty() {
        Ok(parsed)
    } else {
        Err(violations)
    }
}

/// The violation for a value serde refused with `error`, at the refused member. Deserializing is
/// deterministic, so the tracked second parse refuses the same member with the same message.
fn refused<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    error: serde_json::Error,
) -> Violation {
    let (path, message) = match serde_path_to_error::deserialize::<_, T>(value) {
        Err(tracked) => (pointer(tracked.path()), tracked.inner().to_string()),
        Ok(_) => (String::new(), error.to_string()),
    };
    Violation {
        path,
        code: INVALID_RECORD_CODE,
        clause: "§2.6.6.2",
        rule: "invalid_record",
        message,
    }
}

/// The RFC 6901 pointer of a serde path.
fn pointer(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                push_escaped(&mut pointer, key);
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AiJob;

    fn example(name: &str) -> serde_json::Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/examples/ai_job/invalid")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::from_str(&text).expect("the example is JSON")
    }

    /// A refused record is reported at the refused member with serde's message, although the
    /// first parse runs without path tracking.
    #[test]
    fn a_refused_record_names_the_refused_member() {
        let cases = [
            // A missing field is reported at the record that lacks it.
            ("missing_metrics.json", "", "missing field `metrics`"),
            ("unknown_state.json", "/state", "unknown variant"),
            ("job_id_not_a_uuid.json", "/job_id", "UUID"),
        ];
        for (file, path, message) in cases {
            let violations = validate_json::<AiJob>(&example(file)).expect_err(file);
            assert_eq!(violations.len(), 1, "{file}: {violations:?}");
            assert_eq!(violations[0].path, path, "{file}");
            assert_eq!(violations[0].code, INVALID_RECORD_CODE, "{file}");
            assert!(
                violations[0].message.contains(message),
                "{file}: {}",
                violations[0].message
            );
        }
    }
}
