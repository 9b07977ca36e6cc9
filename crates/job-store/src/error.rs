//! `StoreError`: the model's typed errors (stable codes) plus what storage itself can fail with.

use handshake_job_model::{JobId, JobState, ModelError};

/// An error of the job store.
///
/// [`StoreError::Model`] means the request was refused and **nothing was written**.
/// [`StoreError::Refused`] means a capability check refused it and the refusal **was recorded**
/// (decisions, Flight Recorder events and, where the lifecycle says so, the job's move to
/// `failed`). Both carry the spec's typed error with its stable code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A model rule refused the request; nothing was written.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A capability enforcement point refused the request; the refusal was recorded.
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

    /// The stable error code (`HSK-…`) of the spec's typed error, if this is one.
    pub fn code(&self) -> Option<&'static str> {
        self.model_error().map(ModelError::code)
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
