//! A violation as the command reports it: JSON pointer, stable code, clause and message.

use handshake_job_model::ModelError;
use serde::Serialize;
use serde_path_to_error::Segment;

/// One reason a record is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// RFC 6901 JSON pointer to the offending value (`""` is the whole record). For a missing
    /// field it points where the field should be.
    pub path: String,
    /// The stable code of the spec error or rule (`HSK-JOB-1001`, `HSK-RULE-…`).
    pub code: String,
    /// The Master Spec clause the code enforces.
    pub clause: String,
    /// The rule's snake_case name in the spec, or `invalid_record` when the record does not
    /// match its type.
    pub rule: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Violation {
    /// An `InvalidRecord` (HSK-JOB-1001) violation: the record does not match its type.
    pub fn invalid_record(path: String, message: String) -> Self {
        let error = ModelError::InvalidRecord {
            path: path.clone(),
            message: message.clone(),
        };
        Self {
            path,
            code: error.code().to_owned(),
            clause: error.clause().to_owned(),
            rule: "invalid_record".to_owned(),
            message,
        }
    }

    /// A broken cross-field rule, as the model crate's `Validate` reports it.
    pub fn from_rule(violation: handshake_job_model::Violation) -> Self {
        Self {
            path: violation.path,
            code: violation.code.to_owned(),
            clause: violation.clause.to_owned(),
            rule: violation.rule.to_owned(),
            message: violation.message,
        }
    }
}

/// The violation for the error serde stopped at. Every serde refusal is `InvalidRecord`
/// (HSK-JOB-1001): it is the record that does not match the type, whatever the detail.
pub fn serde_violation(error: &serde_path_to_error::Error<serde_json::Error>) -> Violation {
    let mut path = json_pointer(error.path());
    let message = error.inner().to_string();
    // serde reports a missing field at the object that lacks it; point where the field belongs.
    // (An unknown field's path already ends at the field.)
    if let Some(field) = quoted_field(&message, "missing field `") {
        push_token(&mut path, field);
    }
    Violation::invalid_record(path, message)
}

/// The field name of serde's `missing field `x`` / `unknown field `x`, expected …` messages.
fn quoted_field<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.find('`').map(|end| &rest[..end])
}

/// The RFC 6901 pointer of a serde path. `Unknown` segments (serde could not name the step,
/// e.g. inside a buffered internally tagged enum) are left out, so the pointer stops at the
/// deepest value that is known.
pub fn json_pointer(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => push_token(&mut pointer, &index.to_string()),
            Segment::Map { key } => push_token(&mut pointer, key),
            Segment::Enum { variant } => push_token(&mut pointer, variant),
            Segment::Unknown => {}
        }
    }
    pointer
}

/// Appends one reference token, escaped as RFC 6901 says (`~` → `~0`, `/` → `~1`).
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for character in token.chars() {
        match character {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_escape_tilde_and_slash() {
        let mut pointer = String::new();
        push_token(&mut pointer, "a/b~c");
        push_token(&mut pointer, "0");
        assert_eq!(pointer, "/a~1b~0c/0");
    }

    #[test]
    fn quoted_field_reads_serde_messages() {
        assert_eq!(
            quoted_field("missing field `job_id`", "missing field `"),
            Some("job_id")
        );
        assert_eq!(
            quoted_field(
                "unknown field `x`, expected one of `a`, `b`",
                "unknown field `"
            ),
            Some("x")
        );
        assert_eq!(quoted_field("invalid type", "missing field `"), None);
    }
}
