//! Why a string could not become a value of a generated type (enum, constrained string).
//!
//! Hand-written: generated `FromStr`, `TryFrom<String>` and constructors return it, so callers
//! match one type whatever the spec declares.

/// A value was refused by a generated type's constructor or parser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The string is not one of the enum's wire names.
    #[error("{value:?} is not a valid {type_name}; expected one of: {}", .expected.join(", "))]
    UnknownEnumValue {
        /// Name of the enum type, e.g. `JobState`.
        type_name: &'static str,
        /// The refused input.
        value: String,
        /// Every valid wire name, in spec order.
        expected: &'static [&'static str],
    },
    /// The string does not match the type's pattern.
    #[error("{value:?} is not a valid {type_name}: it must match {pattern}")]
    PatternMismatch {
        /// Name of the string type, e.g. `SemVer`.
        type_name: &'static str,
        /// The refused input.
        value: String,
        /// The pattern from the spec.
        pattern: &'static str,
    },
    /// The string has fewer characters than the type's minimum.
    #[error("{type_name} must have at least {min} characters, got {actual}")]
    TooShort {
        /// Name of the string type.
        type_name: &'static str,
        /// The refused input.
        value: String,
        /// Minimum length in characters (Unicode scalar values, as JSON Schema counts).
        min: u64,
        /// Length of the refused input in characters.
        actual: u64,
    },
    /// The string has more characters than the type's maximum.
    #[error("{type_name} must have at most {max} characters, got {actual}")]
    TooLong {
        /// Name of the string type.
        type_name: &'static str,
        /// The refused input.
        value: String,
        /// Maximum length in characters.
        max: u64,
        /// Length of the refused input in characters.
        actual: u64,
    },
}

impl ValueError {
    /// The stable code of this error: the code of the spec error it becomes (see
    /// [`From<ValueError> for ModelError`](crate::ModelError)).
    pub fn code(&self) -> &'static str {
        crate::ModelError::from(self.clone()).code()
    }
}

/// Every refused value is one of the spec's typed errors (`errors.yaml`): an unknown enum value
/// is `UnknownEnumValue` (HSK-JOB-1003), any other constraint violation `InvalidValue`
/// (HSK-JOB-1002). The codes live in the spec only; this maps the shapes.
impl From<ValueError> for crate::ModelError {
    fn from(error: ValueError) -> Self {
        let constraint = error.to_string();
        match error {
            ValueError::UnknownEnumValue {
                type_name,
                value,
                expected,
            } => crate::ModelError::UnknownEnumValue {
                type_name: type_name.to_owned(),
                value,
                expected: expected.join(", "),
            },
            ValueError::PatternMismatch {
                type_name, value, ..
            }
            | ValueError::TooShort {
                type_name, value, ..
            }
            | ValueError::TooLong {
                type_name, value, ..
            } => crate::ModelError::InvalidValue {
                type_name: type_name.to_owned(),
                value,
                constraint,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_error_carries_a_stable_spec_code() {
        let unknown = "nope".parse::<crate::JobState>().unwrap_err();
        assert_eq!(unknown.code(), "HSK-JOB-1003");
        let pattern = crate::SemVer::new("1.0".to_owned()).unwrap_err();
        assert_eq!(pattern.code(), "HSK-JOB-1002");
        let too_long = crate::TopicScope::new("x".repeat(300)).unwrap_err();
        assert!(matches!(&too_long, ValueError::TooLong { value, .. } if value.len() == 300));
        assert_eq!(too_long.code(), "HSK-JOB-1002");
    }
}
