//! Shared test helpers: job fixtures and stores on each backend (fresh Postgres database per test).
#![allow(dead_code)]

use handshake_job_model::{
    AiJob, ArtefactType, EntityProvenance, EntityRef, ErrorSummary, FlightRecorderActor,
    FlightRecorderEvent, JobId, JobState, JobStateTransition, ModelError, StatusReason,
    ValidationPhase, Warning, WorkflowRun,
};
use handshake_job_store::{
    CapabilityPolicy, JobFilter, JobRecord, JobStore, NoRequirements, SqliteOptions, StoreError,
    TransitionRequest, Transitioned, reason,
};
use handshake_test_support::ScratchDatabase;
pub use handshake_test_support::validation;
use serde_json::{Value, json};
use uuid::Uuid;

pub const ACTOR: FlightRecorderActor = FlightRecorderActor::System;

/// A valid `doc_rewrite` job over one whole document, apply_scoped, as the generated type: it
/// satisfies every rule of the spec (the store refuses any other).
pub fn sample_job() -> AiJob {
    job_with(|_| {})
}

/// The fixture's JSON (the shared `doc_rewrite` job with the DocsAiJobProfile inputs §2.6.6.6.4
/// asks of it, and a second entity ref: one row of a sheet), edited by `edit`, deserialised into
/// the generated `AiJob`.
pub fn job_with(edit: impl FnOnce(&mut Value)) -> AiJob {
    let mut value = handshake_test_support::doc_rewrite_json(Uuid::now_v7());
    value["entity_refs"]
        .as_array_mut()
        .expect("entity_refs")
        .push(json!({ "artefact_type": "sheet", "artefact_id": Uuid::now_v7(), "selector": { "kind": "row_id", "row_id": "r1" } }));
    edit(&mut value);
    serde_json::from_value(value).expect("the fixture is a valid AiJob")
}

/// A valid job of `kind` (a `JobKind` string): the sample job with the kind's profile id, and
/// job inputs only where the kind must carry them (the docs rewrite and summarize kinds).
pub fn job_of_kind(kind: &str) -> AiJob {
    let job_kind: handshake_job_model::JobKind = kind.parse().expect("a job kind");
    let profile_id = job_kind.profile().profile_id;
    let keeps_inputs = matches!(kind, "doc_rewrite" | "doc_summarize");
    job_with(move |v| {
        v["job_kind"] = Value::from(kind);
        v["profile_id"] = Value::from(profile_id);
        if !keeps_inputs {
            v.as_object_mut().expect("object").remove("job_inputs");
        }
    })
}

/// The violations of the spec's rules `job` has (empty for a valid job).
pub fn rule_codes(job: &AiJob) -> Vec<&'static str> {
    use handshake_job_model::Validate;
    job.validate().iter().map(|v| v.code).collect()
}

/// An error summary with `code`, retryable or not.
pub fn error(code: &str, retryable: bool) -> ErrorSummary {
    serde_json::from_value(json!({
        "code": code, "message": "the step failed", "retryable": retryable
    }))
    .expect("a valid ErrorSummary")
}

/// A non-fatal warning.
pub fn warning() -> Warning {
    serde_json::from_value(
        json!({ "code": "partial.application", "message": "one block was skipped" }),
    )
    .expect("a valid Warning")
}

/// A request to enter `to` carrying what the spec's rules require of a job in `to`: a
/// `needs_user` validation for `awaiting_user`, a passing one for `completed`, a warned one with a
/// warning for `completed_with_issues`, an error for `failed` (retryable) and `poisoned` (not).
pub fn request_for(job_id: JobId, version: u64, to: JobState) -> TransitionRequest {
    let request = plain_request(job_id, version, to, "test.step");
    match to {
        JobState::AwaitingUser => request.with_validation(validation("needs_user")),
        JobState::Completed => request.with_validation(validation("passed")),
        JobState::CompletedWithIssues => request
            .with_validation(validation("warned"))
            .with_warnings(vec![warning()]),
        JobState::Failed => request.with_error(error("HSK-JOB-9001", true)),
        JobState::Poisoned => request.with_error(error("HSK-JOB-9002", false)),
        _ => request,
    }
}

/// A request to enter `to` for the reason `code`, by the test actor, carrying nothing else (no
/// validation, error or warning): what a test sends when the payload is not what it checks.
pub fn plain_request(job_id: JobId, version: u64, to: JobState, code: &str) -> TransitionRequest {
    TransitionRequest::new(job_id, version, to, why(code), ACTOR)
}

/// Stores a fresh [`sample_job`] and returns its id: where most store tests begin.
pub async fn create_sample(store: &JobStore) -> JobId {
    store
        .create(sample_job(), ACTOR)
        .await
        .expect("create")
        .job
        .job_id
}

/// Creating `job` is refused (`why` names the refusal expected); returns the job's id (a refused
/// job may be stored, failed, for audit) and the error.
pub async fn refused_creation(store: &JobStore, job: AiJob, why: &str) -> (JobId, StoreError) {
    let id = job.job_id;
    let error = store.create(job, ACTOR).await.expect_err(why);
    (id, error)
}

/// `job` stored and walked to `awaiting_validation` (through `running`), with its version: where
/// the tests of validation, commit and completion begin.
pub async fn awaiting_validation(store: &JobStore, job: AiJob) -> (AiJob, u64) {
    let job = store.create(job, ACTOR).await.expect("create").job;
    let path = [JobState::Running, JobState::AwaitingValidation];
    let version = walk(store, job.job_id, 1, &path).await;
    (job, version)
}

/// Asserts that `result` is a refusal with the stable `code`; returns the error.
pub fn refused_with<T: std::fmt::Debug>(result: Result<T, StoreError>, code: &str) -> StoreError {
    match result {
        Err(error) => {
            assert_eq!(error.code(), Some(code), "{error}");
            error
        }
        Ok(value) => panic!("expected a refusal with {code}, got {value:?}"),
    }
}

/// Asserts that `error` is a capability denial at `point` (HSK-JOB-3005) that failed the job.
pub fn assert_denied_at(error: &StoreError, point: ValidationPhase) {
    assert!(
        matches!(
            error,
            StoreError::Refused {
                state: JobState::Failed,
                error: ModelError::CapabilityDenied { enforcement_point, .. },
                ..
            } if *enforcement_point == point
        ),
        "{error}"
    );
    assert_eq!(error.code(), Some("HSK-JOB-3005"));
}

/// Asserts that the stored job `id` failed for the reason `reason`, with the error `code` as its
/// error summary; returns it.
pub async fn assert_failed_for(store: &JobStore, id: JobId, reason: &str, code: &str) -> JobRecord {
    let stored = store.get(id).await.expect("the failed job is stored");
    assert_eq!(stored.job.state, JobState::Failed);
    assert_eq!(stored.job.status_reason.code.as_str(), reason);
    assert_eq!(
        stored.job.error_summary.as_ref().map(|e| e.code.as_str()),
        Some(code)
    );
    stored
}

/// The payload of the first event of `event_type` among `events`.
pub fn payload_of<'a>(events: &'a [FlightRecorderEvent], event_type: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e.r#type == event_type)
        .and_then(|e| e.payload.as_ref())
        .unwrap_or_else(|| panic!("an {event_type} event with a payload"))
}

/// Every job in the store (one unbounded page, unfiltered).
pub async fn all_jobs(store: &JobStore) -> Vec<JobRecord> {
    store
        .list(&JobFilter::default(), None, u32::MAX)
        .await
        .expect("list")
        .jobs
}

/// The job's newest workflow run: its open attempt, or the last one that ended.
pub async fn last_run(store: &JobStore, job_id: JobId) -> WorkflowRun {
    store
        .workflow_runs(job_id)
        .await
        .expect("runs")
        .pop()
        .expect("a run")
}

/// The job's newest history row: the transition that put it in its present state.
pub async fn last_transition(store: &JobStore, job_id: JobId) -> JobStateTransition {
    store
        .history(job_id)
        .await
        .expect("history")
        .pop()
        .expect("a history row")
}

/// The provenance rows (committed changes) of the job.
pub async fn provenance(store: &JobStore, job_id: JobId) -> Vec<EntityProvenance> {
    store.provenance_of_job(job_id).await.expect("provenance")
}

/// Where a crash test splits: when the test binary was started with `env` set (by the parent,
/// through [`std::process::Command`]), this is the child: it runs `child` on the value and returns
/// `None`, and the test returns at once. In the parent it returns a fresh directory for the
/// database the children share.
pub fn parent_tempdir<Fut>(
    env: &str,
    child: impl FnOnce(String) -> Fut,
) -> Option<tempfile::TempDir>
where
    Fut: std::future::Future<Output = ()>,
{
    match std::env::var(env) {
        Ok(value) => {
            runtime().block_on(child(value));
            None
        }
        Err(_) => Some(tempfile::tempdir().expect("tempdir")),
    }
}

pub fn why(code: &str) -> StatusReason {
    reason(code, None).expect("valid reason code")
}

pub fn doc_ref(job: &AiJob) -> EntityRef {
    job.entity_refs
        .iter()
        .find(|r| r.artefact_type == ArtefactType::Doc)
        .cloned()
        .expect("fixture has a doc")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A fresh Postgres database for one test; dropped by [`PgDb::finish`].
pub struct PgDb(ScratchDatabase);

impl std::ops::Deref for PgDb {
    type Target = ScratchDatabase;

    fn deref(&self) -> &ScratchDatabase {
        &self.0
    }
}

impl PgDb {
    pub async fn create() -> Option<PgDb> {
        ScratchDatabase::create("hs_job_store").await.map(PgDb)
    }

    pub async fn store(&self, max_connections: u32, policy: impl CapabilityPolicy) -> JobStore {
        JobStore::open_postgres(&self.0.url, max_connections, policy)
            .await
            .expect("open postgres store")
    }

    pub async fn finish(self, stores: &[&JobStore]) {
        for store in stores {
            store.close().await;
        }
        self.0.drop_database().await;
    }
}

pub async fn sqlite_memory(policy: impl CapabilityPolicy) -> JobStore {
    JobStore::open_sqlite_memory(policy)
        .await
        .expect("open sqlite memory store")
}

pub async fn sqlite_file(dir: &tempfile::TempDir, policy: impl CapabilityPolicy) -> JobStore {
    JobStore::open_sqlite(dir.path().join("jobs.db"), SqliteOptions::default(), policy)
        .await
        .expect("open sqlite file store")
}

/// Runs `check` on an SQLite memory store, then on a fresh Postgres database (a pool of eight), each
/// under the policy `make_policy` builds.
pub fn on_both<P, F, Fut>(make_policy: fn() -> P, check: F)
where
    P: CapabilityPolicy,
    F: Fn(JobStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    runtime().block_on(async {
        check(sqlite_memory(make_policy()).await).await;
        if let Some(db) = PgDb::create().await {
            let store = db.store(8, make_policy()).await;
            check(store.clone()).await;
            db.finish(&[&store]).await;
        }
    });
}

/// Runs `check` on a fresh Postgres database only (a pool of `max_connections`, no capability
/// requirements): for the tests of what only Postgres does concurrently. Without a server it skips
/// loudly, and fails in CI (see `handshake_test_support::postgres_url`).
pub fn on_postgres<F, Fut>(max_connections: u32, check: F)
where
    F: FnOnce(JobStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    on_postgres_at(max_connections, |store, _url| check(store));
}

/// [`on_postgres`], also handing `check` the database's URL, for connections of the test's own.
pub fn on_postgres_at<F, Fut>(max_connections: u32, check: F)
where
    F: FnOnce(JobStore, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    runtime().block_on(async {
        let Some(db) = PgDb::create().await else {
            return;
        };
        let store = db.store(max_connections, NoRequirements).await;
        check(store.clone(), db.url.clone()).await;
        db.finish(&[&store]).await;
    });
}

/// An SQLite file store in `dir` with a pool of `max_connections` and the `rest` of its options,
/// without capability requirements: for the tests of concurrent writers on one file.
pub async fn sqlite_file_pool(
    dir: &tempfile::TempDir,
    max_connections: u32,
    rest: SqliteOptions,
) -> JobStore {
    let options = SqliteOptions {
        max_connections,
        ..rest
    };
    JobStore::open_sqlite(dir.path().join("jobs.db"), options, NoRequirements)
        .await
        .expect("open sqlite file store")
}

pub async fn plain_memory() -> JobStore {
    sqlite_memory(NoRequirements).await
}

/// Moves a job along `path` (each step one transition); returns the last result.
pub async fn walk(store: &JobStore, job_id: JobId, start_version: u64, path: &[JobState]) -> u64 {
    let mut version = start_version;
    for to in path {
        let done: Transitioned = store
            .transition(request_for(job_id, version, *to))
            .await
            .unwrap_or_else(|e| panic!("step to {to} failed: {e}"));
        version = done.version;
    }
    version
}

/// A shortest path of allowed transitions from `queued` to `target` (BFS over the generated table).
pub fn path_to(target: JobState) -> Vec<JobState> {
    let mut previous: std::collections::BTreeMap<JobState, JobState> =
        std::collections::BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([JobState::INITIAL]);
    let mut seen = vec![JobState::INITIAL];
    while let Some(state) = queue.pop_front() {
        if state == target {
            break;
        }
        for next in state.allowed_targets() {
            if !seen.contains(next) {
                seen.push(*next);
                previous.insert(*next, state);
                queue.push_back(*next);
            }
        }
    }
    let mut path = Vec::new();
    let mut at = target;
    while at != JobState::INITIAL {
        path.push(at);
        at = previous[&at];
    }
    path.reverse();
    path
}

/// The store's invariants over every job (issue #14's list), after whatever happened to it:
/// - every job's state equals its last history row, and the history replays through the table;
/// - every history row has its event in the outbox;
/// - no change (provenance row) exists without its completed transition, and every commit is
///   announced by its `ai_job.changes_committed` event;
/// - at most one workflow run is open, and only while the job runs.
///
/// Returns the number of jobs checked.
pub async fn assert_invariants(store: &JobStore) -> usize {
    use handshake_job_store::event_types;
    let jobs = all_jobs(store).await;
    for record in &jobs {
        let id = record.job.job_id;
        let history = store.history(id).await.expect("history");
        let mut state: Option<JobState> = None;
        for (i, row) in history.iter().enumerate() {
            assert_eq!(row.sequence, i as u64 + 1, "job {id}: contiguous history");
            assert_eq!(
                row.from_state, state,
                "job {id}: row {} chains",
                row.sequence
            );
            if let Some(from) = state {
                assert!(
                    from.can_transition_to(row.to_state),
                    "{from} -> {}",
                    row.to_state
                );
            }
            state = Some(row.to_state);
        }
        assert_eq!(
            state,
            Some(record.job.state),
            "job {id}: state is its last history row"
        );
        assert_eq!(record.version, history.len() as u64);
        let events = store.events(id).await.expect("events");
        for row in &history {
            assert!(
                events.iter().any(|e| e.event_id == row.event_id),
                "job {id}: history row {} has its event",
                row.sequence
            );
        }
        let provenance = store.provenance_of_job(id).await.expect("provenance");
        let committed = history.iter().any(|row| {
            matches!(
                row.to_state,
                JobState::Completed | JobState::CompletedWithIssues
            )
        });
        if !provenance.is_empty() {
            assert!(committed, "job {id}: provenance without a completion");
            assert!(
                events
                    .iter()
                    .any(|e| e.r#type == event_types::CHANGES_COMMITTED),
                "job {id}: a commit without its event"
            );
        }
        let runs = store.workflow_runs(id).await.expect("runs");
        let open = runs.iter().filter(|r| r.finished_at.is_none()).count();
        assert!(open <= 1, "job {id}: {open} open runs");
        if open == 1 {
            assert_eq!(record.job.state, JobState::Running, "job {id}: an open run");
        }
    }
    jobs.len()
}

/// Relays every undelivered event (batches of `batch`) and asserts that, per job, what was
/// delivered now plus `earlier` (deliveries before, in order) is exactly the job's events in order,
/// each at least once. Returns the number of events delivered now.
pub async fn assert_relay_delivers_everything(
    store: &JobStore,
    batch: u32,
    earlier: &std::collections::BTreeMap<JobId, Vec<Uuid>>,
) -> usize {
    let mut delivered: std::collections::BTreeMap<JobId, Vec<Uuid>> = earlier.clone();
    let mut now = 0;
    loop {
        let claimed = store.claim_events(batch).await.expect("claim");
        if claimed.is_empty() {
            break;
        }
        for event in claimed.events() {
            delivered
                .entry(event.job_id.expect("job event"))
                .or_default()
                .push(event.event_id);
            now += 1;
        }
        claimed.ack().await.expect("ack");
    }
    for record in all_jobs(store).await {
        let id = record.job.job_id;
        let want: Vec<Uuid> = store
            .events(id)
            .await
            .expect("events")
            .iter()
            .map(|e| e.event_id)
            .collect();
        let mut got = delivered.remove(&id).unwrap_or_default();
        // At least once: a redelivered prefix may repeat; what counts is the order of first
        // deliveries and that nothing is missing.
        let mut seen = std::collections::BTreeSet::new();
        got.retain(|e| seen.insert(*e));
        assert_eq!(got, want, "job {id}: every event, in order");
    }
    now
}
