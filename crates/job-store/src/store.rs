//! `JobStore`: the lifecycle engine over SQLite or PostgreSQL.
//!
//! Every operation that changes a job runs in one database transaction and follows one pattern:
//! read the job under its row lock ([`JobStore::lock`]), compute the job as it will be, check it
//! (the lifecycle table, the generated cross-field rules, the enforcement points), then write the
//! whole row, the run bookkeeping, the Flight Recorder events and the history row. A refused
//! request writes nothing, except a refusal at an enforcement point, which is recorded (§11.1
//! audit requirement) and, where the lifecycle says so, moves the job to `failed`.
//!
//! The verbs live in submodules: [`create`](self::create), [`transition`](self::transition)
//! (including the completion that commits), [`runs`](self::runs) (retries, attempts,
//! checkpoints, recovery, claims), [`results`](self::results) (metrics, outputs, validation,
//! capability decisions, model calls), [`reads`](self::reads) and [`relay`](self::relay) (the
//! outbox consumer).

mod create;
mod reads;
mod recent;
mod relay;
mod results;
mod runs;
mod transition;

use handshake_job_model::generated::registry::tables;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use handshake_job_model::{
    AiJob, CapabilityCheckResult, CapabilityDecision, Decision, ErrorCode, ErrorSummary,
    FlightRecorderActor, FlightRecorderEvent, JobId, JobState, JobStateTransition, ModelError,
    ReasonCode, StatusReason, Timestamp, Validate, ValidationPhase, WorkflowRun, WorkflowRunId,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

use crate::capability::{CapabilityPolicy, CapabilityRequest, PolicyDecision};
use crate::error::StoreError;
use crate::events::{event, event_types, with_decision};
use crate::sql::sqlite::{SqlitePool, Target};
use crate::sql::{Arg, Dialect, Pool, Row, Schema, Tx};
use crate::statements::Statements;
use recent::{Recent, RecentWrites};

pub use relay::OutboxBatch;
pub use transition::{TransitionRequest, Transitioned};

/// Reason code the store writes when a capability check moves a job to `failed`.
pub const REASON_CAPABILITY_DENIED: &str = "capability.denied";
/// Reason code the store writes when the commit checks of a completion move a job to `failed`.
pub const REASON_COMMIT_REFUSED: &str = "commit.refused";
/// Reason code of a claim by a worker ([`JobStore::claim_next_queued`]).
pub const REASON_CLAIMED: &str = "worker.claimed";

/// A job with its optimistic-concurrency version (the sequence of its last history row).
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// The job.
    pub job: AiJob,
    /// Its version: 1 after creation, one more per transition.
    pub version: u64,
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
    /// Its latest run attempt, if it has one (after [`JobStore::recover`], never open).
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
    /// The WAL length, in pages, at which a commit copies the WAL back into the database file
    /// (SQLite's `wal_autocheckpoint`; 0 turns automatic checkpoints off). Default
    /// [`SqliteOptions::WAL_AUTOCHECKPOINT`].
    pub wal_autocheckpoint: u32,
}

impl SqliteOptions {
    /// The default [`SqliteOptions::wal_autocheckpoint`]: 10,000 pages, a WAL of about 40 MiB at
    /// SQLite's 4 KiB pages, where SQLite's own default is 1,000.
    ///
    /// A transition writes some twenty pages (the job's row and its indexes, the event, its
    /// delivery row, the history row and theirs), so at SQLite's default the store checkpointed
    /// every fifty or so transitions, each time copying the same hot pages back and, under
    /// `synchronous = NORMAL`, syncing the file. Ten times fewer checkpoints copy each hot page
    /// once for ten times as many transitions: about 20 % more transitions per second on an
    /// SQLite file (README, the job store's figures). Durability does not change: a commit is
    /// as durable as `synchronous` makes it whenever the checkpoint runs. The cost is disk space
    /// for the longer WAL and a larger WAL index for readers to search.
    pub const WAL_AUTOCHECKPOINT: u32 = 10_000;
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            max_connections: 4,
            synchronous_full: true,
            busy_timeout: Duration::from_secs(30),
            wal_autocheckpoint: Self::WAL_AUTOCHECKPOINT,
        }
    }
}

/// The job store: create, transition, complete and query AI jobs on SQLite or PostgreSQL.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct JobStore {
    pool: Pool,
    schema: Arc<Schema>,
    sql: Arc<Statements>,
    policy: Arc<dyn CapabilityPolicy>,
    /// The jobs this store last wrote, for their next transition (Postgres).
    recent: Arc<RecentWrites>,
}

impl std::fmt::Debug for JobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobStore")
            .field("dialect", &self.dialect())
            .finish_non_exhaustive()
    }
}

impl JobStore {
    /// Opens the store a URL names: `sqlite:PATH` (a file, created and migrated if new, with the
    /// default [`SqliteOptions`]), `sqlite::memory:`, or `postgres://…` / `postgresql://…` (up to
    /// 8 connections). Anything else is a [`StoreError::Schema`] naming the accepted forms.
    pub async fn open(url: &str, policy: impl CapabilityPolicy) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::open_postgres(url, 8, policy).await;
        }
        match url.strip_prefix("sqlite:") {
            Some(":memory:") => Self::open_sqlite_memory(policy).await,
            Some(path) if !path.is_empty() => {
                let path = path.strip_prefix("//").unwrap_or(path);
                Self::open_sqlite(path, SqliteOptions::default(), policy).await
            }
            _ => Err(StoreError::Schema {
                detail: format!(
                    "unsupported database URL `{url}`: use sqlite:PATH, sqlite::memory: or postgres://…"
                ),
            }),
        }
    }

    /// Opens (creating if missing) an SQLite database file in WAL mode with foreign keys on, and
    /// applies the embedded generated migrations.
    pub async fn open_sqlite(
        path: impl AsRef<Path>,
        options: SqliteOptions,
        policy: impl CapabilityPolicy,
    ) -> Result<Self, StoreError> {
        let target = Target::File {
            path: path.as_ref().to_owned(),
            synchronous_full: options.synchronous_full,
            busy_timeout: options.busy_timeout,
            wal_autocheckpoint: options.wal_autocheckpoint,
        };
        let pool = SqlitePool::open(target, options.max_connections)?;
        Self::from_pool(Pool::Sqlite(pool), Arc::new(policy)).await
    }

    /// Opens a private in-memory SQLite database (one connection, so it lives as long as the store).
    pub async fn open_sqlite_memory(policy: impl CapabilityPolicy) -> Result<Self, StoreError> {
        let pool = SqlitePool::open(Target::Memory, 1)?;
        Self::from_pool(Pool::Sqlite(pool), Arc::new(policy)).await
    }

    /// Connects to PostgreSQL and applies the embedded generated migrations.
    pub async fn open_postgres(
        url: &str,
        max_connections: u32,
        policy: impl CapabilityPolicy,
    ) -> Result<Self, StoreError> {
        // Each distinct statement is prepared once per connection; a transition's deferred
        // writes make a few dozen shapes of statement (sql.rs, `Tx::defer`), more than sqlx's
        // default cache of 100 holds beside the others once every verb has run.
        let options = PgConnectOptions::from_str(url)?.statement_cache_capacity(512);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect_with(options)
            .await?;
        Self::from_pool(Pool::Postgres(pool), Arc::new(policy)).await
    }

    async fn from_pool(pool: Pool, policy: Arc<dyn CapabilityPolicy>) -> Result<Self, StoreError> {
        match &pool {
            Pool::Sqlite(p) => {
                p.migrate(&sqlx::migrate!("../../migrations/sqlite"))
                    .await?
            }
            Pool::Postgres(p) => sqlx::migrate!("../../migrations/postgres").run(p).await?,
        }
        let schema = Schema::introspect(&pool).await?;
        let sql = Statements::new(pool.dialect(), &schema);
        Ok(Self {
            pool,
            schema: Arc::new(schema),
            sql: Arc::new(sql),
            policy,
            recent: Arc::default(),
        })
    }

    /// The backend in use.
    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
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
            Pool::Sqlite(pool) => pool.close(),
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    // ----- the shared write path ----------------------------------------------------------------

    /// The job and its version, read inside `tx` under the job's row lock (`FOR UPDATE` on
    /// Postgres; SQLite write transactions are exclusive), or `JobNotFound`. The job's version,
    /// the last number of its event order and its latest run are kept for the rest of the
    /// transaction ([`crate::sql::Memo`]).
    ///
    /// On Postgres one statement reads all of it; when that statement waited for the lock of a
    /// writer that committed after it started, it saw the other tables as they were before, so
    /// the context is read again by a statement of its own ([`Statements::context_at`]). On
    /// SQLite the context is always read by a second statement (no round trip: SQLite runs in
    /// the process).
    ///
    /// In an optimistic write ([`crate::sql::Pool::begin_optimistic`]) nothing is locked: the
    /// statement reads under one snapshot, and the row's `xmin` is kept for the write to check.
    async fn lock(&self, tx: &mut Tx, job_id: JobId) -> Result<JobRecord, StoreError> {
        self.recent.forget(job_id);
        let sql = match &self.sql.read_job {
            Some(read) if tx.is_optimistic() => read,
            _ => &self.sql.lock_job,
        };
        self.lock_with(tx, sql, vec![uuid_arg(job_id)])
            .await?
            .ok_or_else(|| ModelError::JobNotFound { job_id }.into())
    }

    /// [`JobStore::lock`] with the locking statement `sql` (which finds the job itself); `None`
    /// when it finds none.
    async fn lock_with(
        &self,
        tx: &mut Tx,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<Option<JobRecord>, StoreError> {
        let rows = tx.fetch_all(sql, args).await?;
        let Some(job) = self.job_of_rows(&rows)? else {
            return Ok(None);
        };
        let job_id = job.job_id;
        if let Some(at) = self.sql.context_at {
            let locked = rows[0].text(at)?;
            // Without a lock (optimistic) both were read under the one snapshot.
            if tx.is_optimistic() || (locked.is_some() && locked == rows[0].text(at + 1)?) {
                let version = self.remember_context(tx, job_id, &rows[0], at + 2)?;
                if let Some(xmin) = locked {
                    tx.witness(xmin);
                }
                return Ok(Some(JobRecord { job, version }));
            }
        }
        let context = tx
            .fetch_optional(
                &self.sql.lock_context,
                vec![uuid_arg(job_id), uuid_arg(job_id), uuid_arg(job_id)],
            )
            .await?
            .ok_or_else(|| StoreError::Decode {
                what: "lock context",
                detail: "no row".to_owned(),
            })?;
        let version = self.remember_context(tx, job_id, &context, 0)?;
        Ok(Some(JobRecord { job, version }))
    }

    /// The job in `rows`: its columns, then one row per entity ref (the ref's columns; NULL when
    /// it has none) in ref order. `None` when there is no row.
    fn job_of_rows(&self, rows: &[Row]) -> Result<Option<AiJob>, StoreError> {
        let Some(job) = rows.first() else {
            return Ok(None);
        };
        let jobs = self.schema.table(tables::AI_JOBS);
        let refs = self.schema.table(tables::AI_JOB_ENTITY_REFS);
        let mut object = jobs.object(job, 0)?;
        let mut entity_refs = Vec::with_capacity(rows.len());
        for row in rows {
            let mut element = refs.object(row, jobs.columns.len())?;
            // A job without refs joins one row of NULLs.
            if element.remove("job_id").is_some() {
                element.remove("position");
                entity_refs.push(Value::Object(element));
            }
        }
        object.insert("entity_refs".to_owned(), Value::Array(entity_refs));
        decode_job(object).map(Some)
    }

    /// Reads the lock context in `row` from column `at` (the version, the last number of the
    /// event order, the latest run's columns), keeps the last two in `tx`'s memo and returns the
    /// version.
    fn remember_context(
        &self,
        tx: &mut Tx,
        job_id: JobId,
        row: &Row,
        at: usize,
    ) -> Result<u64, StoreError> {
        let version = to_u64(row.int(at)?);
        let last_delivery = to_u64(row.int(at + 1)?);
        let run = self
            .schema
            .table(tables::AI_JOB_WORKFLOW_RUNS)
            .object(row, at + 2)?;
        let latest_run = if run.is_empty() {
            None
        } else {
            Some(serde_json::from_value(Value::Object(run))?)
        };
        tx.memo.latest_run = Some((job_id, latest_run));
        tx.memo.last_delivery = Some((job_id, last_delivery));
        Ok(version)
    }

    /// Writes every column of `next` over the stored row, guarded by the state the caller read:
    /// no row changed means another writer moved the job first (`VersionConflict`).
    async fn update_job(
        &self,
        tx: &mut Tx,
        before: &JobRecord,
        next: &AiJob,
    ) -> Result<(), StoreError> {
        let table = self.schema.table(tables::AI_JOBS);
        let after = encode(next)?;
        let stored = encode(&before.job)?;
        // Only the columns this step changes. Rewriting the others is not free: SQLite re-checks
        // every JSON column's json_valid CHECK and rewrites the index entries of every indexed
        // column it is told to set (a 36-column UPDATE costs ~175 µs more per transaction than
        // a 4-column one on this schema; README, job store figures). The two records are compared
        // member by member, so only the changed columns are turned into bind values.
        let changed: Vec<usize> = (0..table.columns.len())
            .filter(|&i| {
                let name = table.columns[i].0.as_str();
                i != self.sql.job_id_column && after.get(name) != stored.get(name)
            })
            .collect();
        let (sql, mut args) = if changed.is_empty() {
            let every = (0..table.columns.len()).filter(|&i| i != self.sql.job_id_column);
            (
                Arc::clone(&self.sql.update_job),
                table.args_of(&after, every)?,
            )
        } else {
            let sql = table.update_sql(self.dialect(), &changed, "job_id", "state");
            (Arc::from(sql), table.args_of(&after, changed)?)
        };
        args.push(uuid_arg(next.job_id));
        args.push(Arg::text(before.job.state.as_str()));
        if !tx.update_guarded(&sql, args).await? {
            return Err(ModelError::VersionConflict {
                job_id: next.job_id,
                expected_version: before.version,
                actual_version: before.version + 1,
            }
            .into());
        }
        Ok(())
    }

    /// Writes `events` (all about one job) to the outbox, each with its delivery row numbered in
    /// the job's event order (the job is locked, so the numbers are the order of writing), as
    /// deferred writes ([`Tx::defer`]).
    async fn write_events(
        &self,
        tx: &mut Tx,
        job_id: JobId,
        events: &[FlightRecorderEvent],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut last = match tx.memo.last_delivery {
            Some((job, last)) if job == job_id => last,
            _ => {
                let rows = tx
                    .fetch_all(&self.sql.last_delivery, vec![uuid_arg(job_id)])
                    .await?;
                to_u64(rows.first().map(|r| r.int(0)).transpose()?.flatten())
            }
        };
        let outbox = self.schema.table(tables::FLIGHT_RECORDER_OUTBOX);
        for event in events {
            last += 1;
            tx.defer(&self.sql.insert_event, outbox.args(&encode(event)?)?)
                .await?;
            tx.defer(
                &self.sql.insert_delivery,
                vec![uuid_arg(event.event_id), uuid_arg(job_id), Arg::int(last)],
            )
            .await?;
        }
        tx.memo.last_delivery = Some((job_id, last));
        Ok(())
    }

    /// Defers the insert of `record` as a row of `table` by `statement` ([`Tx::defer`]).
    async fn defer_insert<T: Serialize>(
        &self,
        tx: &mut Tx,
        table: &str,
        statement: &Arc<str>,
        record: &T,
    ) -> Result<(), StoreError> {
        let args = self.schema.table(table).args(&encode(record)?)?;
        Ok(tx.defer(statement, args).await?)
    }

    /// Writes the one event `event_type` about `job` with `payload`, then commits: the last step
    /// of a call that records a single event.
    async fn commit_with_event(
        &self,
        mut tx: Tx,
        job: &AiJob,
        event_type: &str,
        actor: FlightRecorderActor,
        now: Timestamp,
        payload: Value,
    ) -> Result<(), StoreError> {
        let recorded = event(job, event_type, actor, now, payload);
        self.write_events(&mut tx, job.job_id, &[recorded]).await?;
        self.touch(&mut tx, job.job_id).await?;
        tx.commit().await
    }

    /// On PostgreSQL, writes a new version of the job's row with nothing changed: the step that
    /// calls it wrote about the job (runs, events) without changing the row, and an optimistic
    /// write read before it must see that something changed ([`crate::sql::Pool::begin_optimistic`]).
    async fn touch(&self, tx: &mut Tx, job_id: JobId) -> Result<(), StoreError> {
        if let Some(touch) = &self.sql.touch_job {
            tx.defer(touch, vec![uuid_arg(job_id)]).await?;
        }
        Ok(())
    }

    /// Asks the policy at `point` about `job` (and the `changes` about to be committed), appends
    /// the decisions to `job.capability_check_result` and returns them with their events and the
    /// first denial. Nothing is written here.
    fn enforce(
        &self,
        point: ValidationPhase,
        job: &mut AiJob,
        changes: &[crate::checks::Change],
        actor: FlightRecorderActor,
        now: Timestamp,
    ) -> Enforced {
        if !self.policy.applies_at(point) {
            return Enforced::default();
        }
        let decisions = self.policy.evaluate(&CapabilityRequest {
            point,
            job,
            changes,
        });
        job.capability_check_result =
            append_decisions(job.capability_check_result.take(), point, &decisions, now);
        let events = decisions
            .iter()
            .map(|decision| decision_event(job, point, decision, actor, now))
            .collect();
        Enforced {
            denial: first_denial(&decisions),
            events,
        }
    }
}

/// What an enforcement point decided: its events (one per decision) and the first denial.
#[derive(Debug, Default)]
struct Enforced {
    denial: Option<ModelError>,
    events: Vec<FlightRecorderEvent>,
}

/// Refuses `job` with every rule it breaks (the generated cross-field rules, the profile
/// bindings and the §2.6.6.6.4 invariant), before anything is written.
fn validated(job: &AiJob) -> Result<(), StoreError> {
    let violations = job.validate();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Rule { violations })
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(value).map_err(|e| StoreError::Decode {
        what: "record (encoding)",
        detail: e.to_string(),
    })? {
        Value::Object(map) => Ok(map),
        other => Err(StoreError::Decode {
            what: "record",
            detail: format!("expected an object, found {other}"),
        }),
    }
}

/// The generated job from its record object.
fn decode_job(object: Map<String, Value>) -> Result<AiJob, StoreError> {
    serde_json::from_value(Value::Object(object)).map_err(|e| StoreError::Decode {
        what: "ai_jobs row",
        detail: e.to_string(),
    })
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

fn reason_code(code: &str) -> Result<ReasonCode, StoreError> {
    ReasonCode::new(code).map_err(|e| StoreError::Decode {
        what: "reason code",
        detail: e.to_string(),
    })
}

/// The first denial among `decisions`, as its typed error.
fn first_denial(decisions: &[PolicyDecision]) -> Option<ModelError> {
    decisions.iter().find_map(|d| d.denial.clone())
}

/// The `ai_job.capability_decision` event of one decision at `point`: one per decision, whether
/// the store's own enforcement made it or a caller recorded it.
fn decision_event(
    job: &AiJob,
    point: ValidationPhase,
    decision: &PolicyDecision,
    actor: FlightRecorderActor,
    now: Timestamp,
) -> FlightRecorderEvent {
    let payload = json!({
        "enforcement_point": point,
        "decision": if decision.denial.is_some() { Decision::Denied } else { Decision::Allowed },
        "error_code": decision.denial.as_ref().map(ModelError::code),
        "detail": decision.detail,
    });
    let recorded = event(job, event_types::CAPABILITY_DECISION, actor, now, payload);
    with_decision(recorded, decision)
}

/// The history row of `job` entering its present state (its `status_reason` is the row's
/// reason) as step `sequence` of its history, from `from`, in the workflow run
/// `workflow_run_id`: the step the event `recorded_by` announces, by its actor at its time.
fn history_row(
    job: &AiJob,
    sequence: u64,
    from: Option<JobState>,
    workflow_run_id: Option<WorkflowRunId>,
    recorded_by: &FlightRecorderEvent,
) -> JobStateTransition {
    JobStateTransition {
        job_id: job.job_id,
        sequence,
        from_state: from,
        to_state: job.state,
        reason: job.status_reason.code.clone(),
        reason_detail: job.status_reason.detail.clone(),
        actor: recorded_by.actor,
        workflow_run_id,
        event_id: recorded_by.event_id,
        occurred_at: recorded_by.timestamp,
    }
}

/// `existing` with `decisions` appended; `outcome` is denied once any decision was denied.
fn append_decisions(
    existing: Option<CapabilityCheckResult>,
    point: ValidationPhase,
    decisions: &[PolicyDecision],
    now: Timestamp,
) -> Option<CapabilityCheckResult> {
    if decisions.is_empty() {
        return existing;
    }
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

/// The error summary stored with a refusal recorded on the job (`failed`, §2.6.6.2.6).
///
/// Decision: a capability denial, or a change set refused by the commit checks, may pass on
/// another attempt (a grant is added, the next run stays in scope), so it is retryable; an unknown
/// capability never becomes known by retrying, so it is not (§2.6.6.4, §11.1).
fn error_summary(error: &ModelError, now: Timestamp) -> Result<ErrorSummary, StoreError> {
    Ok(ErrorSummary {
        code: ErrorCode::new(error.code()).map_err(|e| StoreError::Decode {
            what: "error code",
            detail: e.to_string(),
        })?,
        message: error.to_string(),
        retryable: !matches!(error, ModelError::UnknownCapability { .. }),
        step_id: None,
        occurred_at: Some(now),
    })
}

/// A status reason with `code` and `detail`.
fn status(code: &str, detail: impl Into<String>) -> Result<StatusReason, StoreError> {
    Ok(StatusReason {
        code: reason_code(code)?,
        detail: Some(detail.into()),
    })
}
