//! Lifecycle engine and job store for the AI Job Model (§2.6.6.3–2.6.6.5) on SQLite and PostgreSQL.
//!
//! One [`JobStore`] API over two backends: SQLite (embedded default: a file in WAL mode or memory,
//! the spec's "checkpointed in SQLite", §2.6.6.4) and PostgreSQL (several workers). It stores the
//! generated types of `handshake-job-model` in the tables of the generated migrations (embedded
//! with `sqlx::migrate!`), and enforces the lifecycle where it is stored:
//!
//! - transitions follow the generated table and are refused before anything is written;
//!   terminal states never change ([`JobStore::transition`]);
//! - one transaction per transition: guarded update, append-only history row whose sequence is
//!   the job's optimistic-concurrency version, and a Flight Recorder event in the outbox;
//! - capabilities at the three enforcement points of §2.6.6.5.2 through a [`CapabilityPolicy`];
//!   [`CapabilityRegistry`] implements §11.1.3; every decision is an event and is stored on the job;
//! - commits only from `completed`/`completed_with_issues`, only inside `entity_refs`,
//!   `layer_scope` and `access_mode` ([`checks`]), each change with provenance (§2.6.6.5.1);
//! - retries keep the job id and open a new workflow run; poisoned jobs are never retried;
//! - crash recovery lists every non-terminal job with its last run; on Postgres,
//!   [`JobStore::claim_next_queued`] never hands one job to two workers.
#![deny(missing_docs)]

pub mod capability;
pub mod checks;
mod error;
mod sql;
mod statements;
mod store;

pub use capability::{
    CapabilityPolicy, CapabilityRegistry, CapabilityRequest, MANDATORY_AXES, NoRequirements,
    PolicyDecision, ProfilePolicy,
};
pub use checks::Change;
pub use error::StoreError;
pub use sql::Dialect;
pub use store::{
    Cursor, JobFilter, JobRecord, JobStore, Page, REASON_CAPABILITY_DENIED, REASON_CLAIMED,
    Recoverable, SqliteOptions, TransitionRequest, Transitioned, event_types,
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
