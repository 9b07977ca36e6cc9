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
        /// Maximum length in characters.
        max: u64,
        /// Length of the refused input in characters.
        actual: u64,
    },
}
