//! `JobStore`: the lifecycle engine over SQLite or PostgreSQL.
//!
//! Every operation that changes a job runs in one database transaction; a refused request writes
//! nothing, except a capability refusal, which is recorded (§11.1 audit requirement).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use handshake_job_model::{
    AiJob, CapabilityCheckResult, CapabilityDecision, Decision, EntityProvenance, ErrorCode,
    ErrorSummary, FlightRecorderActor, FlightRecorderEvent, JobId, JobMetrics, JobOutputs,
    JobState, JobStateTransition, ModelError, ModelId, ReasonCode, StatusReason, Timestamp,
    ValidationPhase, ValidationResult, WorkflowRun, WorkflowRunId, WorkflowRunStatus,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

use crate::capability::{CapabilityPolicy, CapabilityRequest, PolicyDecision};
use crate::checks::{Change, check_commit};
use crate::error::StoreError;
use crate::sql::{Arg, Dialect, Kind, Pool, Row, Schema, Tx};
use crate::statements::Statements;

/// Reason code the store writes when a capability check moves a job to `failed`.
pub const REASON_CAPABILITY_DENIED: &str = "capability.denied";
/// Reason code of a claim by a worker ([`JobStore::claim_next_queued`]).
pub const REASON_CLAIMED: &str = "worker.claimed";

/// Flight Recorder event types the store writes (§11.5 `type`, stored as `event_type`).
pub mod event_types {
    /// A job was created (its first history row).
    pub const CREATED: &str = "ai_job.created";
    /// A job changed state.
    pub const STATE_CHANGED: &str = "ai_job.state_changed";
    /// A capability decision (allow or deny) at an enforcement point.
    pub const CAPABILITY_DECISION: &str = "ai_job.capability_decision";
    /// A workflow run attempt was opened.
    pub const WORKFLOW_RUN_STARTED: &str = "ai_job.workflow_run_started";
    /// A validation result was recorded.
    pub const VALIDATION_RECORDED: &str = "ai_job.validation_recorded";
    /// Workspace changes were committed, with provenance.
    pub const CHANGES_COMMITTED: &str = "ai_job.changes_committed";
}

/// A job with its optimistic-concurrency version (the sequence of its last history row).
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// The job.
    pub job: AiJob,
    /// Its version: 1 after creation, one more per transition.
    pub version: u64,
}

/// A request to move a job to another state.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionRequest {
    /// The job.
    pub job_id: JobId,
    /// The version the caller read; another writer's change in between is a `VersionConflict`.
    pub expected_version: u64,
    /// The state to enter.
    pub to: JobState,
    /// The reason (becomes the job's `status_reason` and the history row's reason).
    pub reason: StatusReason,
    /// Who asks.
    pub actor: FlightRecorderActor,
    /// The workflow run the change happens in; when absent the store uses the job's latest run
    /// (and opens a new attempt when entering `running` without an open one).
    pub workflow_run_id: Option<WorkflowRunId>,
    /// Error details to store when entering `failed` or `poisoned`.
    pub error_summary: Option<ErrorSummary>,
}

impl TransitionRequest {
    /// A request with no explicit run and no error summary.
    pub fn new(
        job_id: JobId,
        expected_version: u64,
        to: JobState,
        reason: StatusReason,
        actor: FlightRecorderActor,
    ) -> Self {
        Self {
            job_id,
            expected_version,
            to,
            reason,
            actor,
            workflow_run_id: None,
            error_summary: None,
        }
    }
}

/// What a successful transition wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Transitioned {
    /// The job.
    pub job_id: JobId,
    /// The state left.
    pub from: JobState,
    /// The state entered.
    pub to: JobState,
    /// The new version (the history row's sequence).
    pub version: u64,
    /// The Flight Recorder event written with it.
    pub event_id: Uuid,
    /// The workflow run the change was recorded in.
    pub workflow_run_id: Option<WorkflowRunId>,
    /// When it happened.
    pub occurred_at: Timestamp,
}

/// Filters of [`JobStore::list`]; all set filters must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilter {
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Only jobs of this kind.
    pub job_kind: Option<String>,
    /// Only jobs whose `workspace_scope.workspace_id` is this.
    pub workspace_id: Option<Uuid>,
    /// Only jobs whose `entity_refs` name this artefact.
    pub entity: Option<(handshake_job_model::ArtefactType, Uuid)>,
    /// Only children of this job.
    pub parent_job_id: Option<JobId>,
}

/// Where a page of [`JobStore::list`] starts: after this `(created_at, job_id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// `created_at` of the last job of the previous page.
    pub created_at: Timestamp,
    /// `job_id` of the last job of the previous page.
    pub job_id: JobId,
}

/// One page of jobs, ordered by `(created_at, job_id)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The jobs.
    pub jobs: Vec<JobRecord>,
    /// Where the next page starts, if there may be one.
    pub next: Option<Cursor>,
}

/// A job to resume after a crash, with its latest workflow run.
#[derive(Debug, Clone, PartialEq)]
pub struct Recoverable {
    /// The job (never in a terminal state).
    pub job: JobRecord,
    /// Its latest run attempt, if it has one.
    pub last_run: Option<WorkflowRun>,
}

/// Options of an SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Connections in the pool (files only; a memory database uses exactly one).
    pub max_connections: u32,
    /// `FULL` (default) makes every committed transition durable across power loss; `NORMAL` in WAL
    /// mode is durable across process crashes only.
    pub synchronous_full: bool,
    /// How long a writer waits for the write lock.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            max_connections: 4,
            synchronous_full: true,
            busy_timeout: Duration::from_secs(30),
        }
    }
}

/// The state a transition reads under the lock.
struct Current {
    state: JobState,
    version: u64,
    workspace_id: Option<String>,
    model_id: Option<ModelId>,
}

/// The job store: create, transition, commit and query AI jobs on SQLite or PostgreSQL.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct JobStore {
    pool: Pool,
    schema: Arc<Schema>,
    sql: Arc<Statements>,
    policy: Arc<dyn CapabilityPolicy>,
}

impl std::fmt::Debug for JobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobStore")
            .field("dialect", &self.dialect())
            .finish_non_exhaustive()
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(value)? {
        Value::Object(map) => Ok(map),
        other => Err(StoreError::Decode {
            what: "record",
            detail: format!("expected an object, found {other}"),
        }),
    }
}

fn json_text<T: Serialize>(value: &T) -> Result<Arg, StoreError> {
    Ok(Arg::Text(Some(serde_json::to_string(value)?)))
}

fn uuid_arg(id: impl std::fmt::Display) -> Arg {
    Arg::Text(Some(id.to_string()))
}

fn parse<T: FromStr>(what: &'static str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    T::from_str(text).map_err(|e| StoreError::Decode {
        what,
        detail: e.to_string(),
    })
}

fn to_u64(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// The run status a transition into `to` closes the open run with, if any.
fn run_status_on_entering(to: JobState) -> Option<WorkflowRunStatus> {
    match to {
        JobState::AwaitingValidation | JobState::Completed | JobState::CompletedWithIssues => {
            Some(WorkflowRunStatus::Succeeded)
        }
        JobState::Failed | JobState::Poisoned => Some(WorkflowRunStatus::Failed),
        JobState::Cancelled => Some(WorkflowRunStatus::Cancelled),
        JobState::Queued | JobState::Running | JobState::AwaitingUser => None,
    }
}

/// The enforcement point reached by entering `to`, if any (§2.6.6.5.2).
fn enforcement_point(to: JobState) -> Option<ValidationPhase> {
    match to {
        JobState::Queued => Some(ValidationPhase::BeforeQueued),
        JobState::AwaitingValidation => Some(ValidationPhase::AwaitingValidation),
        _ => None,
    }
}

fn reason_code(code: &str) -> Result<ReasonCode, StoreError> {
    ReasonCode::new(code).map_err(|e| StoreError::Decode {
        what: "reason code",
        detail: e.to_string(),
    })
}

impl JobStore {
    /// Opens (creating if missing) an SQLite database file in WAL mode with foreign keys on, and
    /// applies the embedded generated migrations.
    pub async fn open_sqlite(
        path: impl AsRef<Path>,
        options: SqliteOptions,
        policy: impl CapabilityPolicy,
    ) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if options.synchronous_full {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await?;
        Self::from_pool(Pool::Sqlite(pool), Arc::new(policy)).await
    }

    /// Opens a private in-memory SQLite database (one connection, so it lives as long as the store).
    pub async fn open_sqlite_memory(policy: impl CapabilityPolicy) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect)
            .await?;
        Self::from_pool(Pool::Sqlite(pool), Arc::new(policy)).await
    }

    /// Connects to PostgreSQL and applies the embedded generated migrations.
    pub async fn open_postgres(
        url: &str,
        max_connections: u32,
        policy: impl CapabilityPolicy,
    ) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect(url)
            .await?;
        Self::from_pool(Pool::Postgres(pool), Arc::new(policy)).await
    }

    async fn from_pool(pool: Pool, policy: Arc<dyn CapabilityPolicy>) -> Result<Self, StoreError> {
        match &pool {
            Pool::Sqlite(p) => sqlx::migrate!("../../migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("../../migrations/postgres").run(p).await?,
        }
        let schema = Schema::introspect(&pool).await?;
        let sql = Statements::new(pool.dialect(), &schema);
        Ok(Self {
            pool,
            schema: Arc::new(schema),
            sql: Arc::new(sql),
            policy,
        })
    }

    /// The backend in use.
    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    /// The SQLite pool, when the store is on SQLite (for tooling and tests).
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    /// The Postgres pool, when the store is on Postgres (for tooling and tests).
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.pool {
            Pool::Postgres(pool) => Some(pool),
            Pool::Sqlite(_) => None,
        }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    // ----- create -------------------------------------------------------------------------------

    /// Creates a job: it enters `queued` (§2.6.6.3.2 "created; capability and basic schema checks
    /// passed") with history row 1 and an `ai_job.created` event, in one transaction.
    ///
    /// The store owns `state`, `created_at`, `updated_at`, `completed_at` and
    /// `capability_check_result`: `job.state` must be `queued` (the lifecycle's initial state),
    /// the timestamps are set to now.
    ///
    /// **Enforcement point 1 (§2.6.6.5.2 "before queued").** The policy is asked before the job is
    /// stored. Decision: a job that fails it is still stored, so the refusal can be audited on the
    /// job itself, but never as `queued`: it is stored directly as `failed` ("capability checks
    /// failed", §2.6.6.3.2) with reason `capability.denied`, its `capability_check_result` and
    /// `error_summary`, and one `ai_job.capability_decision` event per decision; the call returns
    /// [`StoreError::Refused`]. Its history starts at `failed`; a retry re-runs the check.
    pub async fn create(
        &self,
        job: AiJob,
        actor: FlightRecorderActor,
    ) -> Result<JobRecord, StoreError> {
        let mut job = job;
        if job.state != JobState::INITIAL {
            return Err(ModelError::InvalidRecord {
                path: "state".to_owned(),
                message: format!(
                    "a new job starts in {}, not {}",
                    JobState::INITIAL,
                    job.state
                ),
            }
            .into());
        }
        let now = Timestamp::now();
        job.created_at = now;
        job.updated_at = now;
        job.completed_at = None;
        job.capability_check_result = None;

        let point = ValidationPhase::BeforeQueued;
        let decisions = if self.policy.applies_at(point) {
            self.policy.evaluate(&CapabilityRequest {
                point,
                job: &job,
                changes: &[],
            })
        } else {
            Vec::new()
        };
        let denial = first_denial(&decisions);
        let recorded = append_decisions(None, point, &decisions);
        job.capability_check_result = recorded;
        if let Some(error) = &denial {
            job.state = JobState::Failed;
            job.status_reason = StatusReason {
                code: reason_code(REASON_CAPABILITY_DENIED)?,
                detail: Some(error.to_string()),
            };
            job.error_summary = Some(error_summary(error, now)?);
        }

        let mut tx = self.pool.begin().await?;
        let job_args = self.schema.table("ai_jobs").args(&encode(&job)?)?;
        if let Err(error) = tx.execute(&self.sql.insert_job, job_args).await {
            return Err(if is_unique_violation(&error) {
                ModelError::InvalidRecord {
                    path: "job_id".to_owned(),
                    message: format!("job {} exists already", job.job_id),
                }
                .into()
            } else if is_foreign_key_violation(&error) {
                match job.parent_job_id {
                    Some(parent) => ModelError::JobNotFound { job_id: parent }.into(),
                    None => error.into(),
                }
            } else {
                error.into()
            });
        }
        let refs = self.schema.table("ai_job_entity_refs");
        for (position, entity) in job.entity_refs.iter().enumerate() {
            let mut row = encode(entity)?;
            row.insert("job_id".to_owned(), Value::String(job.job_id.to_string()));
            row.insert("position".to_owned(), Value::from(position as u64));
            tx.execute(&self.sql.insert_entity_ref, refs.args(&row)?)
                .await?;
        }
        let current = Current {
            state: job.state,
            version: 0,
            workspace_id: Some(job.workspace_scope.workspace_id.to_string()),
            model_id: job.executor_model_id.clone(),
        };
        self.insert_decision_events(&mut tx, job.job_id, &current, point, &decisions, actor, now)
            .await?;
        let payload = json!({
            "from_state": null,
            "to_state": job.state,
            "reason": job.status_reason.code,
            "reason_detail": job.status_reason.detail,
            "sequence": 1,
            "job_kind": job.job_kind,
        });
        let event_id = self
            .insert_event(
                &mut tx,
                event_types::CREATED,
                job.job_id,
                &current,
                actor,
                now,
                None,
                payload,
            )
            .await?;
        let history = JobStateTransition {
            job_id: job.job_id,
            sequence: 1,
            from_state: None,
            to_state: job.state,
            reason: job.status_reason.code.clone(),
            reason_detail: job.status_reason.detail.clone(),
            actor,
            workflow_run_id: None,
            event_id,
            occurred_at: now,
        };
        let history_args = self
            .schema
            .table("ai_job_state_history")
            .args(&encode(&history)?)?;
        tx.execute(&self.sql.insert_history, history_args).await?;
        tx.commit().await?;
        match denial {
            Some(error) => Err(StoreError::Refused {
                job_id: job.job_id,
                state: job.state,
                version: 1,
                error,
            }),
            None => Ok(JobRecord { job, version: 1 }),
        }
    }

    // ----- reads --------------------------------------------------------------------------------

    /// The job with its version, or `JobNotFound`.
    pub async fn get(&self, job_id: JobId) -> Result<JobRecord, StoreError> {
        let rows = self
            .pool
            .fetch_all(&self.sql.select_job, vec![uuid_arg(job_id)])
            .await?;
        let row = rows
            .into_iter()
            .next()
            .ok_or(ModelError::JobNotFound { job_id })?;
        let refs = self
            .pool
            .fetch_all(&self.sql.select_entity_refs, vec![uuid_arg(job_id)])
            .await?;
        self.job_from_rows(&row, &refs)
    }

    async fn get_in(&self, tx: &mut Tx, job_id: JobId) -> Result<JobRecord, StoreError> {
        let row = tx
            .fetch_optional(&self.sql.select_job, vec![uuid_arg(job_id)])
            .await?;
        let row = row.ok_or(ModelError::JobNotFound { job_id })?;
        let refs = tx
            .fetch_all(&self.sql.select_entity_refs, vec![uuid_arg(job_id)])
            .await?;
        self.job_from_rows(&row, &refs)
    }

    fn job_from_rows(&self, row: &Row, refs: &[Row]) -> Result<JobRecord, StoreError> {
        let jobs = self.schema.table("ai_jobs");
        let mut object = jobs.object(row, 0)?;
        let version = to_u64(row.int(jobs.columns.len())?);
        let ref_table = self.schema.table("ai_job_entity_refs");
        let mut entity_refs = Vec::with_capacity(refs.len());
        for r in refs {
            let mut element = ref_table.object(r, 0)?;
            element.remove("job_id");
            element.remove("position");
            entity_refs.push(Value::Object(element));
        }
        object.insert("entity_refs".to_owned(), Value::Array(entity_refs));
        let job: AiJob =
            serde_json::from_value(Value::Object(object)).map_err(|e| StoreError::Decode {
                what: "ai_jobs row",
                detail: e.to_string(),
            })?;
        Ok(JobRecord { job, version })
    }

    /// Jobs matching `filter`, ordered by `(created_at, job_id)`, at most `limit`, starting after
    /// `after`. `next` is set when the page is full.
    pub async fn list(
        &self,
        filter: &JobFilter,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page, StoreError> {
        let dialect = self.dialect();
        let mut sql = format!("{} WHERE 1 = 1", self.sql.list_prefix);
        let mut args = Vec::new();
        let next = |kind: Kind, args: &mut Vec<Arg>, arg: Arg| -> String {
            args.push(arg);
            crate::sql::placeholder(dialect, args.len(), kind)
        };
        if let Some(state) = filter.state {
            sql.push_str(&format!(
                " AND j.state = {}",
                next(Kind::Text, &mut args, Arg::text(state.as_str()))
            ));
        }
        if let Some(kind) = &filter.job_kind {
            sql.push_str(&format!(
                " AND j.job_kind = {}",
                next(Kind::Text, &mut args, Arg::text(kind.clone()))
            ));
        }
        if let Some(workspace) = filter.workspace_id {
            let p = next(Kind::Text, &mut args, uuid_arg(workspace));
            sql.push_str(&match dialect {
                Dialect::Sqlite => {
                    format!(" AND json_extract(j.workspace_scope, '$.workspace_id') = {p}")
                }
                Dialect::Postgres => format!(" AND j.workspace_scope->>'workspace_id' = {p}"),
            });
        }
        if let Some(parent) = filter.parent_job_id {
            sql.push_str(&format!(
                " AND j.parent_job_id = {}",
                next(Kind::Uuid, &mut args, uuid_arg(parent))
            ));
        }
        if let Some((artefact_type, artefact_id)) = filter.entity {
            let t = next(Kind::Text, &mut args, Arg::text(artefact_type.as_str()));
            let i = next(Kind::Uuid, &mut args, uuid_arg(artefact_id));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM ai_job_entity_refs e WHERE e.job_id = j.job_id AND e.artefact_type = {t} AND e.artefact_id = {i})"
            ));
        }
        if let Some(cursor) = after {
            let t1 = next(
                Kind::Timestamp,
                &mut args,
                Arg::text(cursor.created_at.to_string()),
            );
            let t2 = next(
                Kind::Timestamp,
                &mut args,
                Arg::text(cursor.created_at.to_string()),
            );
            let id = next(Kind::Uuid, &mut args, uuid_arg(cursor.job_id));
            sql.push_str(&format!(
                " AND (j.created_at > {t1} OR (j.created_at = {t2} AND j.job_id > {id}))"
            ));
        }
        let l = next(Kind::Int, &mut args, Arg::int(u64::from(limit)));
        sql.push_str(&format!(" ORDER BY j.created_at, j.job_id LIMIT {l}"));
        let rows = self.pool.fetch_all(&Arc::from(sql), args).await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in &rows {
            let jobs_table = self.schema.table("ai_jobs");
            let id_index = jobs_table
                .columns
                .iter()
                .position(|(n, _)| n == "job_id")
                .unwrap_or(0);
            let id: JobId = parse("job_id", &row.text(id_index)?.unwrap_or_default())?;
            let refs = self
                .pool
                .fetch_all(&self.sql.select_entity_refs, vec![uuid_arg(id)])
                .await?;
            jobs.push(self.job_from_rows(row, &refs)?);
        }
        let next = if jobs.len() == limit as usize && limit > 0 {
            jobs.last().map(|r| Cursor {
                created_at: r.job.created_at,
                job_id: r.job.job_id,
            })
        } else {
            None
        };
        Ok(Page { jobs, next })
    }

    /// The job's history, in sequence order.
    pub async fn history(&self, job_id: JobId) -> Result<Vec<JobStateTransition>, StoreError> {
        self.records(
            &self.sql.select_history,
            "ai_job_state_history",
            vec![uuid_arg(job_id)],
        )
        .await
    }

    /// The job's Flight Recorder events, in time order.
    pub async fn events(&self, job_id: JobId) -> Result<Vec<FlightRecorderEvent>, StoreError> {
        self.records(
            &self.sql.select_events,
            "flight_recorder_outbox",
            vec![uuid_arg(job_id)],
        )
        .await
    }

    /// The job's workflow runs, by attempt.
    pub async fn workflow_runs(&self, job_id: JobId) -> Result<Vec<WorkflowRun>, StoreError> {
        self.records(
            &self.sql.select_runs,
            "ai_job_workflow_runs",
            vec![uuid_arg(job_id)],
        )
        .await
    }

    /// §2.6.6.5.1 "which job produced this entity": every provenance record of the artefact, oldest
    /// first, in one indexed query (`ai_entity_provenance_entity`).
    pub async fn provenance_of(
        &self,
        artefact_type: handshake_job_model::ArtefactType,
        artefact_id: Uuid,
    ) -> Result<Vec<EntityProvenance>, StoreError> {
        let args = vec![Arg::text(artefact_type.as_str()), uuid_arg(artefact_id)];
        self.records(
            &self.sql.select_provenance_of_entity,
            "ai_entity_provenance",
            args,
        )
        .await
    }

    /// Every provenance record a job wrote.
    pub async fn provenance_of_job(
        &self,
        job_id: JobId,
    ) -> Result<Vec<EntityProvenance>, StoreError> {
        self.records(
            &self.sql.select_provenance_of_job,
            "ai_entity_provenance",
            vec![uuid_arg(job_id)],
        )
        .await
    }

    async fn records<T: serde::de::DeserializeOwned>(
        &self,
        sql: &Arc<str>,
        table: &'static str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        let columns = self.schema.table(table);
        let rows = self.pool.fetch_all(sql, args).await?;
        rows.iter()
            .map(|row| {
                let object = columns.object(row, 0)?;
                serde_json::from_value(Value::Object(object)).map_err(|e| StoreError::Decode {
                    what: table,
                    detail: e.to_string(),
                })
            })
            .collect()
    }

    /// §2.6.6.4 crash recovery: every job not in a terminal state, with its latest run, so an
    /// engine can resume (or retry) each one. Ordered by `(created_at, job_id)`.
    pub async fn recoverable_jobs(&self) -> Result<Vec<Recoverable>, StoreError> {
        let rows = self
            .pool
            .fetch_all(&self.sql.select_recoverable, Vec::new())
            .await?;
        let jobs_table = self.schema.table("ai_jobs");
        let id_index = jobs_table
            .columns
            .iter()
            .position(|(n, _)| n == "job_id")
            .unwrap_or(0);
        let runs = self.schema.table("ai_job_workflow_runs");
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: JobId = parse("job_id", &row.text(id_index)?.unwrap_or_default())?;
            let refs = self
                .pool
                .fetch_all(&self.sql.select_entity_refs, vec![uuid_arg(id)])
                .await?;
            let job = self.job_from_rows(row, &refs)?;
            let run_rows = self
                .pool
                .fetch_all(&self.sql.select_latest_run, vec![uuid_arg(id)])
                .await?;
            let last_run = match run_rows.first() {
                Some(r) => Some(serde_json::from_value(Value::Object(runs.object(r, 0)?))?),
                None => None,
            };
            out.push(Recoverable { job, last_run });
        }
        Ok(out)
    }

    // ----- transitions --------------------------------------------------------------------------

    async fn current(&self, tx: &mut Tx, job_id: JobId) -> Result<Current, StoreError> {
        let row = tx
            .fetch_optional(&self.sql.lock_job, vec![uuid_arg(job_id)])
            .await?;
        let row = row.ok_or(ModelError::JobNotFound { job_id })?;
        let state: JobState = parse("state", &row.text(0)?.unwrap_or_default())?;
        let workspace_id = match row.text(1)? {
            Some(text) => serde_json::from_str::<Value>(&text)?
                .get("workspace_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            None => None,
        };
        let model_id = match row.text(2)? {
            Some(text) => Some(parse::<ModelId>("executor_model_id", &text)?),
            None => None,
        };
        let version_rows = tx
            .fetch_all(&self.sql.job_version, vec![uuid_arg(job_id)])
            .await?;
        let version = match version_rows.first() {
            Some(r) => to_u64(r.int(0)?),
            None => 0,
        };
        Ok(Current {
            state,
            version,
            workspace_id,
            model_id,
        })
    }

    /// Moves a job to `request.to` (§2.6.6.3), in one transaction:
    ///
    /// 1. the job row is read (and locked on Postgres) with its version; a version other than
    ///    `expected_version` is `VersionConflict` (§2.6.6.3, optimistic concurrency);
    /// 2. the generated table decides ([`JobState::check_transition`], §2.6.6.3.1): an illegal
    ///    transition or any change of a terminal state is refused **before anything is written**;
    /// 3. entering `queued` (a retry) or `awaiting_validation` runs enforcement points 1 and 2 of
    ///    §2.6.6.5.2 (see below);
    /// 4. the guarded `UPDATE … WHERE job_id = ? AND state = <read state>` (0 rows ⇒
    ///    `VersionConflict`), the workflow run bookkeeping, one `ai_job.state_changed` event in the
    ///    outbox and the append-only history row with `sequence = expected_version + 1` (a primary
    ///    key collision ⇒ `VersionConflict`) are written; `updated_at` is now and `completed_at` is
    ///    set on entering a terminal state (§2.6.6.2.7).
    ///
    /// **Enforcement point 2 (at `awaiting_validation`, "full capability and policy check").** On
    /// a denial the job does not enter `awaiting_validation`: it moves from its current state to
    /// `failed` (an edge of the table) with reason `capability.denied`, in the same transaction that
    /// records the decisions; the call returns [`StoreError::Refused`] with the new version.
    /// A denial of the `before_queued` check on a retry leaves the job `failed`, records the
    /// decisions and returns [`StoreError::Refused`].
    ///
    /// Runs: entering `running` uses `workflow_run_id`, else the latest open run, else opens the
    /// next attempt; entering `queued` opens the next attempt (§2.6.6.4: a retry keeps the job id
    /// and starts a new run); entering `awaiting_validation` or a completed state closes the open
    /// run as `succeeded`, `failed`/`poisoned` as `failed`, `cancelled` as `cancelled`.
    pub async fn transition(&self, request: TransitionRequest) -> Result<Transitioned, StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = self.current(&mut tx, request.job_id).await?;
        if current.version != request.expected_version {
            return Err(ModelError::VersionConflict {
                job_id: request.job_id,
                expected_version: request.expected_version,
                actual_version: current.version,
            }
            .into());
        }
        current.state.check_transition(request.to)?;

        if let Some(point) = enforcement_point(request.to)
            && self.policy.applies_at(point)
        {
            let record = self.get_in(&mut tx, request.job_id).await?;
            let decisions = self.policy.evaluate(&CapabilityRequest {
                point,
                job: &record.job,
                changes: &[],
            });
            let now = Timestamp::now();
            self.record_decisions(
                &mut tx,
                &record.job,
                &current,
                point,
                &decisions,
                request.actor,
                now,
            )
            .await?;
            if let Some(error) = first_denial(&decisions) {
                if point == ValidationPhase::AwaitingValidation
                    && current.state.can_transition_to(JobState::Failed)
                {
                    let failed = TransitionRequest {
                        to: JobState::Failed,
                        reason: StatusReason {
                            code: reason_code(REASON_CAPABILITY_DENIED)?,
                            detail: Some(error.to_string()),
                        },
                        error_summary: Some(error_summary(&error, now)?),
                        ..request
                    };
                    let done = self.apply(&mut tx, &current, &failed, None).await?;
                    tx.commit().await?;
                    return Err(StoreError::Refused {
                        job_id: failed.job_id,
                        state: JobState::Failed,
                        version: done.version,
                        error,
                    });
                }
                tx.commit().await?;
                return Err(StoreError::Refused {
                    job_id: request.job_id,
                    state: current.state,
                    version: current.version,
                    error,
                });
            }
        }
        let done = self.apply(&mut tx, &current, &request, None).await;
        let done = match done {
            Ok(done) => done,
            Err(error) => {
                drop(tx);
                return Err(self
                    .conflict_or(error, request.job_id, request.expected_version)
                    .await);
            }
        };
        tx.commit().await?;
        Ok(done)
    }

    /// Turns a "lost the race" database outcome into `VersionConflict` with the version now stored.
    async fn conflict_or(
        &self,
        error: StoreError,
        job_id: JobId,
        expected_version: u64,
    ) -> StoreError {
        let lost = match &error {
            StoreError::Database(db) => is_unique_violation(db),
            StoreError::Model(ModelError::VersionConflict { .. }) => true,
            _ => false,
        };
        if !lost {
            return error;
        }
        let actual_version = match self
            .pool
            .fetch_all(&self.sql.job_version, vec![uuid_arg(job_id)])
            .await
        {
            Ok(rows) => rows
                .first()
                .and_then(|r| r.int(0).ok().flatten())
                .map(|v| to_u64(Some(v)))
                .unwrap_or(expected_version + 1),
            Err(_) => expected_version + 1,
        };
        ModelError::VersionConflict {
            job_id,
            expected_version,
            actual_version,
        }
        .into()
    }

    /// The writes of one transition (the checks have passed).
    async fn apply(
        &self,
        tx: &mut Tx,
        current: &Current,
        request: &TransitionRequest,
        extra_payload: Option<(&str, Value)>,
    ) -> Result<Transitioned, StoreError> {
        let now = Timestamp::now();
        let job_id = request.job_id;
        let to = request.to;
        let completed_at = if to.is_terminal() {
            Some(now.to_string())
        } else {
            None
        };
        let error_summary = match (&request.error_summary, to) {
            (Some(summary), JobState::Failed | JobState::Poisoned) => {
                Some(serde_json::to_string(summary)?)
            }
            _ => None,
        };
        let changed = tx
            .execute(
                &self.sql.update_state,
                vec![
                    Arg::text(to.as_str()),
                    json_text(&request.reason)?,
                    Arg::text(now.to_string()),
                    Arg::Text(completed_at),
                    Arg::Text(error_summary),
                    uuid_arg(job_id),
                    Arg::text(current.state.as_str()),
                ],
            )
            .await?;
        if changed == 0 {
            return Err(ModelError::VersionConflict {
                job_id,
                expected_version: request.expected_version,
                actual_version: current.version + 1,
            }
            .into());
        }

        // Workflow runs (§2.6.6.4).
        let mut attempt = None;
        let run_id = match to {
            JobState::Queued => {
                let (id, n) = self.open_run(tx, job_id, None, now).await?;
                attempt = Some(n);
                Some(id)
            }
            JobState::Running => match request.workflow_run_id {
                Some(id) => Some(id),
                None => match self.latest_run(tx, job_id).await? {
                    Some((id, true)) => Some(id),
                    _ => {
                        let (id, n) = self.open_run(tx, job_id, None, now).await?;
                        attempt = Some(n);
                        Some(id)
                    }
                },
            },
            _ => match request.workflow_run_id {
                Some(id) => Some(id),
                None => self.latest_run(tx, job_id).await?.map(|(id, _)| id),
            },
        };
        if let Some(status) = run_status_on_entering(to) {
            tx.execute(
                &self.sql.close_runs,
                vec![
                    Arg::text(status.as_str()),
                    Arg::text(now.to_string()),
                    uuid_arg(job_id),
                ],
            )
            .await?;
        }

        let sequence = request.expected_version + 1;
        let mut payload = json!({
            "from_state": current.state,
            "to_state": to,
            "reason": request.reason.code,
            "reason_detail": request.reason.detail,
            "sequence": sequence,
            "workflow_run_id": run_id,
        });
        if let Some(n) = attempt {
            payload["opened_attempt"] = Value::from(n);
        }
        if let Some((key, value)) = extra_payload {
            payload[key] = value;
        }
        let event_id = self
            .insert_event(
                tx,
                event_types::STATE_CHANGED,
                job_id,
                current,
                request.actor,
                now,
                None,
                payload,
            )
            .await?;
        let history = JobStateTransition {
            job_id,
            sequence,
            from_state: Some(current.state),
            to_state: to,
            reason: request.reason.code.clone(),
            reason_detail: request.reason.detail.clone(),
            actor: request.actor,
            workflow_run_id: run_id,
            event_id,
            occurred_at: now,
        };
        let args = self
            .schema
            .table("ai_job_state_history")
            .args(&encode(&history)?)?;
        if let Err(error) = tx.execute(&self.sql.insert_history, args).await {
            if is_unique_violation(&error) {
                return Err(ModelError::VersionConflict {
                    job_id,
                    expected_version: request.expected_version,
                    actual_version: sequence,
                }
                .into());
            }
            return Err(error.into());
        }
        Ok(Transitioned {
            job_id,
            from: current.state,
            to,
            version: sequence,
            event_id,
            workflow_run_id: run_id,
            occurred_at: now,
        })
    }

    async fn latest_run(
        &self,
        tx: &mut Tx,
        job_id: JobId,
    ) -> Result<Option<(WorkflowRunId, bool)>, StoreError> {
        let row = tx
            .fetch_optional(&self.sql.latest_run, vec![uuid_arg(job_id)])
            .await?;
        match row {
            None => Ok(None),
            Some(row) => {
                let id: WorkflowRunId =
                    parse("workflow_run_id", &row.text(0)?.unwrap_or_default())?;
                Ok(Some((id, row.int(1)? == Some(1))))
            }
        }
    }

    async fn open_run(
        &self,
        tx: &mut Tx,
        job_id: JobId,
        workflow_definition_id: Option<String>,
        now: Timestamp,
    ) -> Result<(WorkflowRunId, u64), StoreError> {
        let rows = tx
            .fetch_all(&self.sql.next_attempt, vec![uuid_arg(job_id)])
            .await?;
        let attempt = rows
            .first()
            .map(|r| r.int(0))
            .transpose()?
            .flatten()
            .map(|v| to_u64(Some(v)))
            .unwrap_or(1);
        let run = WorkflowRun {
            workflow_run_id: WorkflowRunId::new(),
            job_id,
            attempt,
            status: WorkflowRunStatus::Running,
            workflow_definition_id,
            checkpoint: None,
            started_at: now,
            finished_at: None,
        };
        let args = self
            .schema
            .table("ai_job_workflow_runs")
            .args(&encode(&run)?)?;
        tx.execute(&self.sql.insert_run, args).await?;
        Ok((run.workflow_run_id, attempt))
    }

    /// Cancels a job (§2.6.6.3.2 "explicitly stopped before completion"): a transition to
    /// `cancelled`; terminal jobs are refused with `TerminalState`.
    pub async fn cancel(
        &self,
        job_id: JobId,
        expected_version: u64,
        reason: StatusReason,
        actor: FlightRecorderActor,
    ) -> Result<Transitioned, StoreError> {
        self.transition(TransitionRequest::new(
            job_id,
            expected_version,
            JobState::Cancelled,
            reason,
            actor,
        ))
        .await
    }

    /// Retries a failed job (§2.6.6.4, §2.6.6.3.2): `failed → queued`, keeping the job id and
    /// opening the next workflow run attempt. A `poisoned` job is refused with `RetryPoisoned`
    /// before anything is written; the `before_queued` capability check runs again.
    pub async fn retry(
        &self,
        job_id: JobId,
        expected_version: u64,
        reason: StatusReason,
        actor: FlightRecorderActor,
    ) -> Result<Transitioned, StoreError> {
        let record = self.get(job_id).await?;
        if record.job.state == JobState::Poisoned {
            return Err(ModelError::RetryPoisoned { job_id }.into());
        }
        self.transition(TransitionRequest::new(
            job_id,
            expected_version,
            JobState::Queued,
            reason,
            actor,
        ))
        .await
    }

    /// Opens the next workflow run attempt of a non-terminal job (`attempt = max + 1`, status
    /// `running`) and records an `ai_job.workflow_run_started` event.
    pub async fn start_workflow_run(
        &self,
        job_id: JobId,
        workflow_definition_id: Option<String>,
        actor: FlightRecorderActor,
    ) -> Result<WorkflowRun, StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = self.current(&mut tx, job_id).await?;
        if current.state.is_terminal() {
            return Err(ModelError::TerminalState {
                state: current.state,
            }
            .into());
        }
        let now = Timestamp::now();
        let (run_id, attempt) = self
            .open_run(&mut tx, job_id, workflow_definition_id.clone(), now)
            .await?;
        let payload = json!({ "workflow_run_id": run_id, "attempt": attempt, "workflow_definition_id": workflow_definition_id });
        self.insert_event(
            &mut tx,
            event_types::WORKFLOW_RUN_STARTED,
            job_id,
            &current,
            actor,
            now,
            None,
            payload,
        )
        .await?;
        tx.commit().await?;
        Ok(WorkflowRun {
            workflow_run_id: run_id,
            job_id,
            attempt,
            status: WorkflowRunStatus::Running,
            workflow_definition_id,
            checkpoint: None,
            started_at: now,
            finished_at: None,
        })
    }

    /// Claims the oldest queued job for `worker` and moves it to `running` (with its open run, or a
    /// new attempt). On Postgres the candidate row is taken with `FOR UPDATE SKIP LOCKED`, so
    /// concurrent workers never get the same job; on SQLite the write transaction is exclusive.
    /// `None` when no job is queued.
    pub async fn claim_next_queued(
        &self,
        worker: &str,
    ) -> Result<Option<Transitioned>, StoreError> {
        let reason = StatusReason {
            code: reason_code(REASON_CLAIMED)?,
            detail: Some(format!("claimed by {worker}")),
        };
        loop {
            let mut tx = self.pool.begin().await?;
            let Some(row) = tx.fetch_optional(&self.sql.next_queued, Vec::new()).await? else {
                return Ok(None);
            };
            let job_id: JobId = parse("job_id", &row.text(0)?.unwrap_or_default())?;
            let current = self.current(&mut tx, job_id).await?;
            if current.state != JobState::Queued {
                continue;
            }
            let request = TransitionRequest::new(
                job_id,
                current.version,
                JobState::Running,
                reason.clone(),
                FlightRecorderActor::System,
            );
            match self
                .apply(
                    &mut tx,
                    &current,
                    &request,
                    Some(("worker", Value::String(worker.to_owned()))),
                )
                .await
            {
                Ok(done) => {
                    tx.commit().await?;
                    return Ok(Some(done));
                }
                Err(StoreError::Model(ModelError::VersionConflict { .. })) => continue,
                Err(error) => return Err(error),
            }
        }
    }

    // ----- results ------------------------------------------------------------------------------

    /// Stores the job's metrics (§2.6.6.2.7); allowed in every state (metrics of a finished job are
    /// still completed after the fact). Does not change the version.
    pub async fn record_metrics(
        &self,
        job_id: JobId,
        metrics: &JobMetrics,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        self.current(&mut tx, job_id).await?;
        tx.execute(
            &self.sql.update_metrics,
            vec![json_text(metrics)?, uuid_arg(job_id)],
        )
        .await?;
        tx.commit().await
    }

    /// Stores the profile outputs (`job_outputs`, §2.6.6.6.1, spec/outputs.yaml) of a non-terminal
    /// job, replacing any recorded before. Does not change the version.
    ///
    /// Refused with nothing written when the job is terminal (`TerminalState`: the validators of
    /// `awaiting_validation` and the user's review judge the outputs, so they are in place before
    /// the job ends), or when the outputs belong to another profile than the one the job kind is
    /// bound to (`InvalidRecord` at `job_outputs.profile`, the store-side form of the
    /// HSK-RULE-PRF-02x bindings).
    ///
    /// Decision: outputs are recorded here, not by [`JobStore::commit_changes`]. Export and
    /// analysis jobs have outputs (artifacts, export records, transcripts) but never commit: an
    /// export must not write back into the document (§2.5.10.2) and `analysis_only` jobs are
    /// refused at commit (§2.6.6.2.2).
    pub async fn record_outputs(
        &self,
        job_id: JobId,
        outputs: &JobOutputs,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = self.current(&mut tx, job_id).await?;
        if current.state.is_terminal() {
            return Err(ModelError::TerminalState {
                state: current.state,
            }
            .into());
        }
        let record = self.get_in(&mut tx, job_id).await?;
        let encoded = encode(outputs)?;
        let profile = encoded.get("profile").and_then(Value::as_str).unwrap_or("");
        let expected = record.job.job_kind.profile().name;
        if profile != expected {
            return Err(ModelError::InvalidRecord {
                path: "job_outputs.profile".to_owned(),
                message: format!(
                    "a {} job carries {expected} outputs, not {profile} outputs",
                    record.job.job_kind
                ),
            }
            .into());
        }
        tx.execute(
            &self.sql.update_outputs,
            vec![json_text(outputs)?, uuid_arg(job_id)],
        )
        .await?;
        tx.commit().await
    }

    /// Stores the validation result (§2.6.6.2.6) of a non-terminal job and records an
    /// `ai_job.validation_recorded` event. Does not change the version.
    pub async fn record_validation_result(
        &self,
        job_id: JobId,
        result: &ValidationResult,
        actor: FlightRecorderActor,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = self.current(&mut tx, job_id).await?;
        if current.state.is_terminal() {
            return Err(ModelError::TerminalState {
                state: current.state,
            }
            .into());
        }
        tx.execute(
            &self.sql.update_validation,
            vec![json_text(result)?, uuid_arg(job_id)],
        )
        .await?;
        let payload = json!({ "verdict": result.verdict, "validators": result.validators.len() });
        self.insert_event(
            &mut tx,
            event_types::VALIDATION_RECORDED,
            job_id,
            &current,
            actor,
            Timestamp::now(),
            None,
            payload,
        )
        .await?;
        tx.commit().await
    }

    /// Records one capability decision taken by the application outside the store's enforcement
    /// points: appended to `capability_check_result`, with its `ai_job.capability_decision` event.
    pub async fn record_capability_decision(
        &self,
        job_id: JobId,
        decision: &PolicyDecision,
        point: ValidationPhase,
        actor: FlightRecorderActor,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = self.current(&mut tx, job_id).await?;
        let record = self.get_in(&mut tx, job_id).await?;
        self.record_decisions(
            &mut tx,
            &record.job,
            &current,
            point,
            std::slice::from_ref(decision),
            actor,
            Timestamp::now(),
        )
        .await?;
        tx.commit().await
    }

    /// Appends `decisions` to the job's `capability_check_result` and writes one event per decision.
    #[allow(clippy::too_many_arguments)]
    async fn record_decisions(
        &self,
        tx: &mut Tx,
        job: &AiJob,
        current: &Current,
        point: ValidationPhase,
        decisions: &[PolicyDecision],
        actor: FlightRecorderActor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if decisions.is_empty() {
            return Ok(());
        }
        let result = append_decisions(job.capability_check_result.clone(), point, decisions);
        tx.execute(
            &self.sql.update_capability_result,
            vec![json_text(&result)?, uuid_arg(job.job_id)],
        )
        .await?;
        self.insert_decision_events(tx, job.job_id, current, point, decisions, actor, now)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_decision_events(
        &self,
        tx: &mut Tx,
        job_id: JobId,
        current: &Current,
        point: ValidationPhase,
        decisions: &[PolicyDecision],
        actor: FlightRecorderActor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        for decision in decisions {
            let outcome = if decision.denial.is_some() {
                Decision::Denied
            } else {
                Decision::Allowed
            };
            let payload = json!({
                "enforcement_point": point,
                "decision": outcome,
                "error_code": decision.denial.as_ref().map(ModelError::code),
                "detail": decision.detail,
            });
            self.insert_event(
                tx,
                event_types::CAPABILITY_DECISION,
                job_id,
                current,
                actor,
                now,
                Some(decision),
                payload,
            )
            .await?;
        }
        Ok(())
    }

    /// Writes one outbox event in the §11.5 base shape; returns its id.
    #[allow(clippy::too_many_arguments)]
    async fn insert_event(
        &self,
        tx: &mut Tx,
        event_type: &str,
        job_id: JobId,
        current: &Current,
        actor: FlightRecorderActor,
        now: Timestamp,
        decision: Option<&PolicyDecision>,
        payload: Value,
    ) -> Result<Uuid, StoreError> {
        let event = FlightRecorderEvent {
            event_id: Uuid::now_v7(),
            event_type: event_type.to_owned(),
            timestamp: now,
            actor,
            job_id: Some(job_id),
            model_id: current.model_id.clone(),
            wsids: current.workspace_id.clone().map(|w| vec![w]),
            activity_span_id: None,
            session_span_id: None,
            capability_id: decision.map(|d| d.capability_id.clone()),
            policy_decision_id: decision.map(|_| Uuid::now_v7().to_string()),
            payload: Some(without_nulls(payload)),
        };
        let args = self
            .schema
            .table("flight_recorder_outbox")
            .args(&encode(&event)?)?;
        tx.execute(&self.sql.insert_event, args).await?;
        Ok(event.event_id)
    }

    // ----- commit -------------------------------------------------------------------------------

    /// Commits workspace changes of a finished job, writing one `ai_entity_provenance` row per change
    /// (§2.6.6.5.1: job_id, planner/executor model ids, protocol_id) and an
    /// `ai_job.changes_committed` event, in one transaction.
    ///
    /// Refused with nothing written when ([`crate::checks::check_commit`]): the job is not
    /// `completed`/`completed_with_issues` (§2.6.6.3.3), its access mode is `analysis_only` or
    /// `preview_only` (§2.6.6.2.2), or any change touches an entity not listed in or derivable from
    /// `entity_refs` (§2.6.6.2.3) or a layer `layer_scope` does not allow writing (§2.6.6.7.0). One
    /// violation refuses the whole commit. A job commits once: a second call is refused with
    /// `AlreadyCommitted` (HSK-JOB-3006).
    ///
    /// **Enforcement point 3 (on commit, §2.6.6.5.2).** Then the policy decides; its decisions are
    /// recorded either way, and a denial refuses the commit ([`StoreError::Refused`]; no change, no
    /// provenance).
    pub async fn commit_changes(
        &self,
        job_id: JobId,
        changes: &[Change],
        actor: FlightRecorderActor,
    ) -> Result<Vec<EntityProvenance>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = self.current(&mut tx, job_id).await?;
        let record = self.get_in(&mut tx, job_id).await?;
        let job = &record.job;
        check_commit(job, changes)?;
        // §2.6.6.3.3: changes are applied when the job enters completed*, which happens once; a
        // second commit would apply (and attribute) changes the validators never saw together.
        if tx
            .fetch_optional(&self.sql.select_committed, vec![uuid_arg(job_id)])
            .await?
            .is_some()
        {
            return Err(ModelError::AlreadyCommitted { job_id }.into());
        }
        let now = Timestamp::now();
        let point = ValidationPhase::OnCommit;
        if self.policy.applies_at(point) {
            let decisions = self.policy.evaluate(&CapabilityRequest {
                point,
                job,
                changes,
            });
            self.record_decisions(&mut tx, job, &current, point, &decisions, actor, now)
                .await?;
            if let Some(error) = first_denial(&decisions) {
                tx.commit().await?;
                return Err(StoreError::Refused {
                    job_id,
                    state: current.state,
                    version: current.version,
                    error,
                });
            }
        }
        let run_id = self.latest_run(&mut tx, job_id).await?.map(|(id, _)| id);
        let table = self.schema.table("ai_entity_provenance");
        let mut written = Vec::with_capacity(changes.len());
        for change in changes {
            let row = EntityProvenance {
                provenance_id: Uuid::now_v7(),
                artefact_type: change.entity.artefact_type,
                artefact_id: change.entity.artefact_id,
                selector: change.entity.selector.clone(),
                layer: change.layer,
                job_id,
                workflow_run_id: run_id,
                protocol_id: job.protocol_id.clone(),
                planner_model_id: job.planner_model_id.clone(),
                executor_model_id: job.executor_model_id.clone(),
                committed_at: now,
            };
            tx.execute(&self.sql.insert_provenance, table.args(&encode(&row)?)?)
                .await?;
            written.push(row);
        }
        let payload = json!({
            "changes": written.iter().map(|p| json!({
                "provenance_id": p.provenance_id,
                "artefact_type": p.artefact_type,
                "artefact_id": p.artefact_id,
                "layer": p.layer,
            })).collect::<Vec<_>>(),
        });
        self.insert_event(
            &mut tx,
            event_types::CHANGES_COMMITTED,
            job_id,
            &current,
            actor,
            now,
            None,
            payload,
        )
        .await?;
        tx.commit().await?;
        Ok(written)
    }
}

/// The payload with every `null` member removed, recursively: in the spec's event payload types
/// (spec/events.yaml) an optional key is absent, never null, as in every other record.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(key, member)| (key, without_nulls(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The first denial among `decisions`, as its typed error.
fn first_denial(decisions: &[PolicyDecision]) -> Option<ModelError> {
    decisions.iter().find_map(|d| d.denial.clone())
}

/// `existing` with `decisions` appended; `outcome` is denied once any decision was denied.
fn append_decisions(
    existing: Option<CapabilityCheckResult>,
    point: ValidationPhase,
    decisions: &[PolicyDecision],
) -> Option<CapabilityCheckResult> {
    if decisions.is_empty() {
        return existing;
    }
    let now = Timestamp::now();
    let mut result = existing.unwrap_or(CapabilityCheckResult {
        outcome: Decision::Allowed,
        decisions: Vec::new(),
    });
    for decision in decisions {
        let denied = decision.denial.is_some();
        result.decisions.push(CapabilityDecision {
            enforcement_point: point,
            capability_id: decision.capability_id.clone(),
            decision: if denied {
                Decision::Denied
            } else {
                Decision::Allowed
            },
            error_code: decision
                .denial
                .as_ref()
                .and_then(|e| ErrorCode::new(e.code()).ok()),
            detail: decision.detail.clone(),
            decided_at: now,
        });
        if denied {
            result.outcome = Decision::Denied;
        }
    }
    Some(result)
}

/// The error summary stored with a capability refusal.
fn error_summary(error: &ModelError, now: Timestamp) -> Result<ErrorSummary, StoreError> {
    Ok(ErrorSummary {
        code: ErrorCode::new(error.code()).map_err(|e| StoreError::Decode {
            what: "error code",
            detail: e.to_string(),
        })?,
        message: error.to_string(),
        // A plain denial may pass once a grant is added; an unknown capability never will.
        retryable: !matches!(error, ModelError::UnknownCapability { .. }),
        step_id: None,
        occurred_at: Some(now),
    })
}
