//! `StoreError`: the model's typed errors (stable codes) plus what storage itself can fail with.

use handshake_job_model::{JobId, JobState, ModelError, Violation};

/// An error of the job store.
///
/// [`StoreError::Model`] and [`StoreError::Rule`] mean the request was refused and **nothing was
/// written**. [`StoreError::Refused`] means an enforcement point refused it and the refusal **was
/// recorded** (decisions, Flight Recorder events and, where the lifecycle says so, the job's move
/// to `failed`). Each carries a stable code ([`StoreError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A model rule refused the request; nothing was written.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The record the request would write breaks cross-field rules of the spec (the generated
    /// [`handshake_job_model::Validate`]); nothing was written. The violations are in the spec's
    /// order; the first one's code is [`StoreError::code`].
    #[error("the job record would break {} rule(s): {}", violations.len(), first_violation(violations))]
    Rule {
        /// Every violated rule, with its JSON pointer, code and clause.
        violations: Vec<Violation>,
    },
    /// An enforcement point (capabilities, or the commit checks of a completion) refused the
    /// request; the refusal was recorded.
    #[error("{error} (job {job_id} is {state} at version {version}; the refusal was recorded)")]
    Refused {
        /// The job the refusal concerns.
        job_id: JobId,
        /// The job's state after recording the refusal.
        state: JobState,
        /// The job's version after recording the refusal.
        version: u64,
        /// The first denial, as the spec's typed error.
        error: ModelError,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value does not decode into the generated type.
    #[error("stored {what} does not decode: {detail}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// The database does not have the tables the store needs.
    #[error("schema mismatch: {detail}")]
    Schema {
        /// What is missing.
        detail: String,
    },
}

impl StoreError {
    /// The spec's typed error, if this is one (refused or recorded).
    pub fn model_error(&self) -> Option<&ModelError> {
        match self {
            StoreError::Model(error) | StoreError::Refused { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The stable code (`HSK-JOB-…`, `HSK-4001`, or a rule's `HSK-RULE-…`) of a refusal; `None`
    /// for a database, migration or decoding failure.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            StoreError::Rule { violations } => violations.first().map(|v| v.code),
            other => other.model_error().map(ModelError::code),
        }
    }

    /// Whether the request was refused by the spec (a typed error or a rule), as opposed to a
    /// failure of the database or of decoding.
    pub fn is_refusal(&self) -> bool {
        self.code().is_some()
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Decode {
            what: "record",
            detail: error.to_string(),
        }
    }
}

fn first_violation(violations: &[Violation]) -> String {
    violations
        .first()
        .map(Violation::to_string)
        .unwrap_or_default()
}
