//! Lifecycle engine and job store for the AI Job Model (§2.6.6.3–2.6.6.5) on SQLite and PostgreSQL.
//!
//! One [`JobStore`] API over two backends: SQLite (embedded default: a file in WAL mode or memory,
//! the spec's "checkpointed in SQLite", §2.6.6.4; rusqlite, statements on the calling thread) and
//! PostgreSQL (several workers; sqlx). It stores the generated types of `handshake-job-model` in
//! the tables of the generated migrations (embedded with `sqlx::migrate!`), and enforces what
//! §2.6.6 says happens to a job where it is stored:
//!
//! - every record it writes is first checked with the spec's generated rules
//!   ([`handshake_job_model::Validate`]): a broken rule is refused with the rule's code;
//! - transitions follow the generated table and are refused before anything is written;
//!   terminal states never change ([`JobStore::transition`]);
//! - one transaction per transition: the job's row, the append-only history row whose sequence is
//!   the job's optimistic-concurrency version, and its Flight Recorder events in the outbox;
//! - capabilities at the three enforcement points of §2.6.6.5.2 through a [`CapabilityPolicy`];
//!   [`ProfilePolicy::spec_default`] requires what each job profile declares;
//! - the transition into `completed`/`completed_with_issues` is the commit: it carries the change
//!   set, checks it ([`checks`]), writes provenance (§2.6.6.5.1), and fails the job instead when a
//!   check refuses;
//! - retries keep the job id, refuse non-retryable errors and bound attempts by `max_attempts`;
//!   at most one attempt is open; checkpoints persist; crash recovery marks attempts
//!   `interrupted` ([`JobStore::recover`]);
//! - an outbox relay delivers the events at least once, in order per job
//!   ([`JobStore::claim_events`]);
//! - a workflow engine drives jobs through [`WorkflowEngineSeam`].
#![deny(missing_docs)]

pub mod capability;
pub mod checks;
pub mod engine;
mod error;
mod events;
mod sql;
mod statements;
mod store;

pub use capability::{
    CapabilityPolicy, CapabilityRegistry, CapabilityRequest, MANDATORY_AXES, NoRequirements,
    PolicyDecision, ProfilePolicy, spec_requirements,
};
pub use checks::Change;
pub use engine::WorkflowEngineSeam;
pub use error::StoreError;
pub use events::event_types;
pub use sql::Dialect;
pub use store::{
    Cursor, JobFilter, JobRecord, JobStore, OutboxBatch, Page, REASON_CAPABILITY_DENIED,
    REASON_CLAIMED, REASON_COMMIT_REFUSED, Recoverable, SqliteOptions, TransitionRequest,
    Transitioned,
};

/// Builds a [`handshake_job_model::StatusReason`] from a reason code (snake_case segments joined by
/// dots, e.g. `validation.passed`) and optional detail.
pub fn reason(
    code: &str,
    detail: Option<&str>,
) -> Result<handshake_job_model::StatusReason, handshake_job_model::ValueError> {
    Ok(handshake_job_model::StatusReason {
        code: handshake_job_model::ReasonCode::new(code)?,
        detail: detail.map(str::to_owned),
    })
}
