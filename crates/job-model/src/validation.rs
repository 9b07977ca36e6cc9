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

/// Parses `value` as a `T` and checks its rules: `Ok` only when both pass.
///
/// A value serde refuses gives one violation with code [`INVALID_RECORD_CODE`] at the JSON
/// Pointer of the refused member (rules are not checked on a value that does not parse).
pub fn validate_json<T>(value: &serde_json::Value) -> Result<T, Vec<Violation>>
where
    T: serde::de::DeserializeOwned + Validate,
{
    let parsed: T = serde_path_to_error::deserialize(value).map_err(|error| {
        let mut path = String::new();
        for segment in error.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => {
                    path.push('/');
                    path.push_str(&index.to_string());
                }
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    path.push('/');
                    push_escaped(&mut path, key);
                }
                Segment::Unknown => {}
            }
        }
        vec![Violation {
            path,
            code: INVALID_RECORD_CODE,
            clause: "§2.6.6.2",
            rule: "invalid_record",
            message: error.inner().to_string(),
        }]
    })?;
    let violations = parsed.validate();
    if violations.is_empty() {
        Ok(parsed)
    } else {
        Err(violations)
    }
}
