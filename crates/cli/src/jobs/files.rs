//! The record files `handshake jobs` reads: the job of `create`, the change set, validation
//! result, warnings and error summary of `transition`, and the `--policy` grants.
//!
//! Each record is parsed like `handshake validate` parses it (strict JSON: a repeated key is
//! refused; the generated types refuse unknown fields) and checked against every rule of the
//! spec before the store sees it, so a bad file is refused with the rule's code and the JSON
//! pointer of the offending member.

use std::collections::BTreeMap;

use handshake_job_model::{AiJob, JobId, Validate};
use handshake_job_store::TransitionRequest;
use serde::de::DeserializeOwned;

use super::args::RecordFiles;
use super::{Failure, Refusal};
use crate::input;
use crate::violation::Violation;

/// Reads every record file `files` names into the member of `request` it fills (`--changes`
/// is a JSON array of the store's [`Change`](handshake_job_store::Change)); the first bad file
/// refuses the call.
pub fn read_records(files: &RecordFiles, request: &mut TransitionRequest) -> Result<(), Failure> {
    let job = Some(request.job_id);
    if let Some(changes) = optional(files.changes.as_deref(), "change set", job)? {
        request.changes = changes;
    }
    request.validation_result = optional(files.validation.as_deref(), "ValidationResult", job)?;
    if let Some(warnings) = optional(files.warnings.as_deref(), "list of Warning", job)? {
        request.warnings = warnings;
    }
    request.error_summary = optional(files.error.as_deref(), "ErrorSummary", job)?;
    Ok(())
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
