//! `handshake hash`: the canonical JSON of a record (§2.6.6.7.5) and its SHA-256.

use std::fmt;

use handshake_canonical::{Hash, canonical_json, canonical_scope_inputs};

use crate::input;
use crate::registry::SpecType;
use crate::validate;
use crate::violation::Violation;

/// The type whose hash has rules of its own: `scope_inputs_hash` sorts its two set-valued lists
/// before hashing (see `handshake_canonical::hashes`).
const SCOPE_INPUTS: &str = "ScopeInputs";

/// What to print for `hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashOutput {
    /// Canonical JSON on one line, digest on the next.
    Both,
    /// Only the canonical bytes, without a newline.
    CanonicalOnly,
    /// Only the hex digest and a newline.
    DigestOnly,
}

/// A canonical form and its digest.
pub struct Hashed {
    /// The canonical JSON text: exactly the bytes that are hashed.
    pub canonical: String,
    /// SHA-256 of `canonical`.
    pub digest: Hash,
}

/// Why a file could not be hashed (exit 1).
pub enum Refusal {
    /// The text is not JSON.
    NotJson {
        /// The file as given.
        file: String,
        /// The parser's message.
        error: serde_json::Error,
    },
    /// The record is not a valid value of `--type`.
    Invalid {
        /// The file as given.
        file: String,
        /// The type it was checked as.
        type_name: &'static str,
        /// Every violation.
        violations: Vec<Violation>,
    },
    /// The value has no canonical form (two keys equal after NFC, a shape a typed helper refuses).
    NoCanonicalForm {
        /// The file as given.
        file: String,
        /// The canonicaliser's error.
        error: handshake_canonical::CanonicalError,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson { file, error } => writeln!(formatter, "{file}: not JSON: {error}"),
            Self::Invalid {
                file,
                type_name,
                violations,
            } => {
                let report = validate::FileReport {
                    file: file.clone(),
                    type_name: Some(type_name),
                    detection: Some(validate::Detection::Named),
                    also_parses_as: Vec::new(),
                    valid: false,
                    violations: violations.clone(),
                    error: None,
                };
                write!(formatter, "{}", validate::render_human(&report))?;
                writeln!(formatter, "{file}: not hashed: invalid {type_name}")
            }
            Self::NoCanonicalForm { file, error } => {
                writeln!(formatter, "{file}: no canonical form: {error}")
            }
        }
    }
}

/// Hashes JSON `text`. Without a type, the value as written; with one, the record parsed as
/// that type and written back by the model (spec defaults filled in, so a record that leaves a
/// defaulted field out and one that spells the default hash the same), after checking every
/// rule of the type.
pub fn hash_text(
    file: &str,
    text: &str,
    named: Option<&'static SpecType>,
) -> Result<Hashed, Refusal> {
    let value = input::parse_json(text).map_err(|error| Refusal::NotJson {
        file: file.to_owned(),
        error,
    })?;
    let (value, scope_inputs) = match named {
        None => (value, false),
        Some(spec_type) => {
            let checked = spec_type.check(&value);
            match checked.parsed {
                Some(parsed) if checked.violations.is_empty() => {
                    (parsed, spec_type.name == SCOPE_INPUTS)
                }
                _ => {
                    return Err(Refusal::Invalid {
                        file: file.to_owned(),
                        type_name: spec_type.name,
                        violations: checked.violations,
                    });
                }
            }
        }
    };
    let canonical = if scope_inputs {
        canonical_scope_inputs(&value)
    } else {
        canonical_json(&value)
    }
    .map_err(|error| Refusal::NoCanonicalForm {
        file: file.to_owned(),
        error,
    })?;
    let digest = Hash::of_bytes(canonical.as_bytes());
    Ok(Hashed { canonical, digest })
}

/// What `hash` prints. `--canonical-only` prints the hashed bytes and nothing else, so piping
/// it to `sha256sum` gives the digest.
pub fn render(hashed: &Hashed, output: HashOutput) -> String {
    match output {
        HashOutput::Both => format!("{}\n{}\n", hashed.canonical, hashed.digest),
        HashOutput::CanonicalOnly => hashed.canonical.clone(),
        HashOutput::DigestOnly => format!("{}\n", hashed.digest),
    }
}
