//! The record files `handshake jobs` reads: the job of `create`, the change set, validation
//! result, warnings and error summary of `transition`, and the `--policy` grants.
//!
//! Each record is parsed like `handshake validate` parses it (strict JSON: a repeated key is
//! refused; the generated types refuse unknown fields) and checked against every rule of the
//! spec before the store sees it, so a bad file is refused with the rule's code and the JSON
//! pointer of the offending member.

use std::collections::BTreeMap;

use handshake_job_model::validation::descend;
use handshake_job_model::{
    AiJob, EntityRef, ErrorSummary, JobId, Layer, Validate, ValidationResult, Warning,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::args::Transition;
use super::{Failure, Refusal};
use crate::input;
use crate::violation::Violation;

/// One element of `--changes`: the entity a change writes and its layer (§2.6.6.2.3, §2.6.6.7.0).
///
/// The same JSON as the store's `Change`, read here rather than into `Change` because the CLI
/// checks every file with the spec's rules before asking the store, and `Change` does not
/// implement `Validate`: this one runs the rules of its `EntityRef`, reported at
/// `/<index>/entity/…`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeEntry {
    /// The entity written.
    pub entity: EntityRef,
    /// The layer written.
    pub layer: Layer,
}

impl Validate for ChangeEntry {
    fn validate_at(&self, pointer: &mut String, out: &mut Vec<handshake_job_model::Violation>) {
        descend(pointer, "entity", &self.entity, out);
    }
}

/// The records a `transition` carries, read and checked.
#[derive(Debug, Default)]
pub struct TransitionFiles {
    /// `--changes`.
    pub changes: Vec<ChangeEntry>,
    /// `--validation`.
    pub validation: Option<ValidationResult>,
    /// `--warnings`.
    pub warnings: Vec<Warning>,
    /// `--error`.
    pub error: Option<ErrorSummary>,
}

impl TransitionFiles {
    /// Reads every file `transition` names; the first bad one refuses the call.
    pub fn read(transition: &Transition, job_id: JobId) -> Result<Self, Failure> {
        let job = Some(job_id);
        Ok(Self {
            changes: optional(transition.changes.as_deref(), "change set", job)?
                .unwrap_or_default(),
            validation: optional(transition.validation.as_deref(), "ValidationResult", job)?,
            warnings: optional(transition.warnings.as_deref(), "list of Warning", job)?
                .unwrap_or_default(),
            error: optional(transition.error.as_deref(), "ErrorSummary", job)?,
        })
    }
}

fn optional<T: DeserializeOwned + Validate>(
    file: Option<&str>,
    what: &str,
    job_id: Option<JobId>,
) -> Result<Option<T>, Failure> {
    file.map(|file| read_record(file, what, job_id)).transpose()
}

/// The AiJob record of `create`. A refusal names the job id of the file when it has one, so
/// the caller can report whether that job exists.
pub fn read_job(file: &str) -> Result<AiJob, Failure> {
    let text = read_text(file)?;
    let job_id = input::parse_json(&text).ok().and_then(|value| {
        value
            .get("job_id")
            .and_then(serde_json::Value::as_str)
            .and_then(|id| id.parse().ok())
    });
    record_from_text(file, &text, "AiJob", job_id)
}

/// `--policy FILE`: a JSON object from `capability_profile_id` to a list of grants.
pub fn read_policy(file: &str) -> Result<BTreeMap<String, Vec<String>>, Failure> {
    let text = read_text(file)?;
    let value = input::parse_json(&text)
        .map_err(|error| Failure::Unusable(format!("--policy {file}: not JSON: {error}")))?;
    serde_json::from_value(value).map_err(|error| {
        Failure::Unusable(format!(
            "--policy {file}: expected an object from capability_profile_id to a list of grants: {error}"
        ))
    })
}

fn read_text(file: &str) -> Result<String, Failure> {
    input::read_text(file).map_err(|error| Failure::Unusable(format!("{error:#}")))
}

fn read_record<T: DeserializeOwned + Validate>(
    file: &str,
    what: &str,
    job_id: Option<JobId>,
) -> Result<T, Failure> {
    let text = read_text(file)?;
    record_from_text(file, &text, what, job_id)
}

fn record_from_text<T: DeserializeOwned + Validate>(
    file: &str,
    text: &str,
    what: &str,
    job_id: Option<JobId>,
) -> Result<T, Failure> {
    let violations = match input::parse_json(text) {
        Ok(value) => match handshake_job_model::validate_json::<T>(&value) {
            Ok(record) => return Ok(record),
            Err(violations) => violations.into_iter().map(Violation::from_rule).collect(),
        },
        Err(error) => vec![Violation::invalid_record(
            String::new(),
            format!("not JSON: {error}"),
        )],
    };
    let Some(first) = violations.first() else {
        unreachable!("validate_json refuses a record with at least one violation")
    };
    Err(Failure::Refused(Box::new(Refusal {
        code: first.code.clone(),
        message: format!(
            "{file} is not a valid {what}: {} at {}",
            first.message,
            if first.path.is_empty() {
                "/"
            } else {
                &first.path
            }
        ),
        job_id,
        state: None,
        version: None,
        violations,
    })))
}
