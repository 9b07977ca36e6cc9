//! Transitions per second through `JobStore`, each arm against anchors measured in the same run.
//!
//! - **SQLite file** (WAL, `synchronous = NORMAL` in every arm, so the fsync of each commit does
//!   not hide the library's own cost): the store (rusqlite since issue #9); the hand-written sqlx
//!   baseline (the pre-#9 store's statements, in one transaction, with plain sqlx, on a pool of
//!   its own); the same statements through rusqlite;
//!   and the physical anchor, rusqlite running three prepared statements per transaction (an
//!   update guarded by the version, an outbox insert, a history insert).
//! - **Postgres** (only when `HANDSHAKE_TEST_POSTGRES_URL` is set; each arm gets a scratch database
//!   that the bench drops again): the store against the baseline, serially; then 8 workers, each
//!   claiming jobs (`claim_next_queued`) and walking them to completion with a change set,
//!   against `pgbench -N -c 8` on the same server.
//! - **Memory**: resident memory over 100k transitions.
//! - **Round trips** (divan): one statement through sqlx on each backend, and a pool acquire:
//!   the per-statement hop that bounded the store before it left sqlx for SQLite (README).
//!
//! Every serial transition moves one job around the cycle running → awaiting_validation →
//! awaiting_user → running, so each iteration is a legal transition.
//!
//! Run: `cargo bench -p handshake-job-store --bench transitions` (divan latencies first, then the
//! throughput summary). `HANDSHAKE_BENCH_PARTS=sqlite,postgres,concurrent,memory` picks summary
//! parts (default: all; `none` for divan only); a divan filter that matches nothing (`-- summary`)
//! skips the divan part. For the concurrent part, `HANDSHAKE_BENCH_JOBS` sets the jobs per round
//! (default 1500), and `HANDSHAKE_BENCH_WITHOUT=checks|foreign_keys` drops that kind of
//! constraint from the store's database first, to measure what it costs.

use std::cell::Cell;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use handshake_job_model::{EntityRef, FlightRecorderActor, JobId, JobState, Layer};
use handshake_job_store::{
    Change, JobStore, NoRequirements, SqliteOptions, TransitionRequest, reason,
};
use handshake_test_support::{ScratchDatabase, doc_rewrite_job as job, validation};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

const CYCLE: [JobState; 3] = [
    JobState::AwaitingValidation,
    JobState::AwaitingUser,
    JobState::Running,
];

/// The state a cycling job is in before step `step`.
fn cycle_from(step: usize) -> JobState {
    match step % 3 {
        0 => JobState::Running,
        1 => JobState::AwaitingValidation,
        _ => JobState::AwaitingUser,
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `step` `n` times, one after another, on `rt`: the body of an async arm of [`throughput`].
fn repeat<F>(rt: &tokio::runtime::Runtime, n: usize, mut step: impl FnMut() -> F)
where
    F: std::future::Future<Output = ()>,
{
    rt.block_on(async {
        for _ in 0..n {
            step().await
        }
    })
}

/// Both cores, for the concurrent arm.
fn rt_multi() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A request to enter `to` with what the spec's rules require there: a `needs_user` validation
/// for `awaiting_user`, a passing one for `completed`.
fn request(job_id: JobId, version: u64, to: JobState, code: &str) -> TransitionRequest {
    let reason = reason(code, None).expect("reason");
    let request = TransitionRequest::new(job_id, version, to, reason, FlightRecorderActor::System);
    match to {
        JobState::AwaitingUser => request.with_validation(validation("needs_user")),
        JobState::Completed => request.with_validation(validation("passed")),
        _ => request,
    }
}

/// A job in `running` at version 2, and the cycle position.
struct Cycling {
    id: JobId,
    version: Cell<u64>,
    step: Cell<usize>,
}

impl Cycling {
    fn advance(&self, version: u64) {
        self.version.set(version);
        self.step.set(self.step.get() + 1);
    }
}

async fn running_job(store: &JobStore) -> Cycling {
    let id = store
        .create(job(), FlightRecorderActor::System)
        .await
        .expect("create")
        .job
        .job_id;
    store
        .transition(request(id, 1, JobState::Running, "bench.start"))
        .await
        .expect("run");
    Cycling {
        id,
        version: Cell::new(2),
        step: Cell::new(0),
    }
}

async fn library_step(store: &JobStore, job: &Cycling) {
    let to = CYCLE[job.step.get() % 3];
    let done = store
        .transition(request(job.id, job.version.get(), to, "bench.step"))
        .await
        .expect("transition");
    job.advance(done.version);
}

// ----- the hand-written sqlx baseline ------------------------------------------------------------

/// The statements the store ran for one transition before issue #9 (lock, version, guarded
/// update, run bookkeeping, outbox event, history row), written by hand: the baseline the store
/// must stay within 0.9× of. The store now also reads and validates the whole record and writes
/// every column; the difference is what that costs.
struct Baseline {
    lock: String,
    version: String,
    update: String,
    latest_run: String,
    close_runs: String,
    next_attempt: String,
    insert_run: String,
    event: String,
    history: String,
}

impl Baseline {
    fn new(pg: bool) -> Self {
        // `p(n, cast)` is `?n` on SQLite and `$n::cast` on Postgres.
        let p = |n: usize, cast: &str| {
            if pg {
                if cast.is_empty() {
                    format!("${n}")
                } else {
                    format!("${n}::{cast}")
                }
            } else {
                format!("?{n}")
            }
        };
        let text = |c: &str| {
            if pg {
                format!("{c}::text")
            } else {
                c.to_owned()
            }
        };
        Self {
            lock: format!(
                "SELECT j.state, {}, j.executor_model_id FROM ai_jobs j WHERE j.job_id = {}{}",
                text("j.workspace_scope"),
                p(1, "uuid"),
                if pg { " FOR UPDATE" } else { "" }
            ),
            version: format!(
                "SELECT CAST(COALESCE(MAX(sequence), 0) AS BIGINT) FROM ai_job_state_history WHERE job_id = {}",
                p(1, "uuid")
            ),
            update: format!(
                "UPDATE ai_jobs SET state = {}, status_reason = {}, updated_at = {}, completed_at = {}, error_summary = COALESCE({}, error_summary) WHERE job_id = {} AND state = {}",
                p(1, ""),
                p(2, "jsonb"),
                p(3, "timestamptz"),
                p(4, "timestamptz"),
                p(5, "jsonb"),
                p(6, "uuid"),
                p(7, "")
            ),
            latest_run: format!(
                "SELECT {}, CAST(CASE WHEN finished_at IS NULL THEN 1 ELSE 0 END AS BIGINT) FROM ai_job_workflow_runs WHERE job_id = {} ORDER BY attempt DESC LIMIT 1",
                text("workflow_run_id"),
                p(1, "uuid")
            ),
            close_runs: format!(
                "UPDATE ai_job_workflow_runs SET status = {}, finished_at = {} WHERE job_id = {} AND finished_at IS NULL",
                p(1, ""),
                p(2, "timestamptz"),
                p(3, "uuid")
            ),
            next_attempt: format!(
                "SELECT CAST(COALESCE(MAX(attempt), 0) + 1 AS BIGINT) FROM ai_job_workflow_runs WHERE job_id = {}",
                p(1, "uuid")
            ),
            insert_run: format!(
                "INSERT INTO ai_job_workflow_runs (workflow_run_id, job_id, attempt, status, started_at) VALUES ({}, {}, {}, {}, {})",
                p(1, "uuid"),
                p(2, "uuid"),
                p(3, ""),
                p(4, ""),
                p(5, "timestamptz")
            ),
            event: format!(
                "INSERT INTO flight_recorder_outbox (event_id, type, timestamp, actor, job_id, model_id, wsids, payload) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
                p(1, "uuid"),
                p(2, ""),
                p(3, "timestamptz"),
                p(4, ""),
                p(5, "uuid"),
                p(6, ""),
                p(7, "jsonb"),
                p(8, "jsonb")
            ),
            history: format!(
                "INSERT INTO ai_job_state_history (job_id, sequence, from_state, to_state, reason, actor, workflow_run_id, event_id, occurred_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})",
                p(1, "uuid"),
                p(2, ""),
                p(3, ""),
                p(4, ""),
                p(5, ""),
                p(6, ""),
                p(7, "uuid"),
                p(8, "uuid"),
                p(9, "timestamptz")
            ),
        }
    }
}

macro_rules! baseline_step {
    ($tx:expr, $b:expr, $job:expr) => {{
        let from = cycle_from($job.step.get());
        let to = CYCLE[$job.step.get() % 3];
        let id = $job.id.to_string();
        let now = handshake_job_model::Timestamp::now().to_string();
        let row = sqlx::query(AssertSqlSafe($b.lock.clone())).bind(&id).fetch_one(&mut *$tx).await.expect("lock");
        let state: String = row.get(0);
        let scope: String = row.get(1);
        let model: Option<String> = row.get(2);
        assert_eq!(state, from.as_str());
        let workspace = serde_json::from_str::<serde_json::Value>(&scope).expect("scope")["workspace_id"].as_str().map(str::to_owned);
        let version: i64 = sqlx::query_scalar(AssertSqlSafe($b.version.clone())).bind(&id).fetch_one(&mut *$tx).await.expect("version");
        assert_eq!(version as u64, $job.version.get());
        let status = serde_json::to_string(&json!({ "code": "bench.step" })).expect("json");
        let changed = sqlx::query(AssertSqlSafe($b.update.clone()))
            .bind(to.as_str()).bind(status).bind(&now).bind(None::<String>).bind(None::<String>).bind(&id).bind(from.as_str())
            .execute(&mut *$tx).await.expect("update").rows_affected();
        assert_eq!(changed, 1);
        let run = sqlx::query(AssertSqlSafe($b.latest_run.clone())).bind(&id).fetch_optional(&mut *$tx).await.expect("run");
        let (mut run_id, open): (Option<String>, bool) = match run {
            Some(r) => (Some(r.get(0)), r.get::<i64, _>(1) == 1),
            None => (None, false),
        };
        if to == JobState::Running && !open {
            // Entering running without an open run opens the next attempt, as the library does.
            let attempt: i64 = sqlx::query_scalar(AssertSqlSafe($b.next_attempt.clone())).bind(&id).fetch_one(&mut *$tx).await.expect("attempt");
            let new_run = Uuid::now_v7().to_string();
            sqlx::query(AssertSqlSafe($b.insert_run.clone()))
                .bind(&new_run).bind(&id).bind(attempt).bind("running").bind(&now)
                .execute(&mut *$tx).await.expect("insert run");
            run_id = Some(new_run);
        }
        if to == JobState::AwaitingValidation {
            sqlx::query(AssertSqlSafe($b.close_runs.clone())).bind("succeeded").bind(&now).bind(&id).execute(&mut *$tx).await.expect("close");
        }
        let event_id = Uuid::now_v7().to_string();
        let payload = json!({ "from_state": from, "to_state": to, "reason": "bench.step",
                              "sequence": version + 1, "workflow_run_id": run_id });
        sqlx::query(AssertSqlSafe($b.event.clone()))
            .bind(&event_id).bind("ai_job.state_changed").bind(&now).bind("system").bind(&id).bind(model)
            .bind(serde_json::to_string(&workspace.map(|w| vec![w])).expect("json")).bind(payload.to_string())
            .execute(&mut *$tx).await.expect("event");
        sqlx::query(AssertSqlSafe($b.history.clone()))
            .bind(&id).bind(version + 1).bind(from.as_str()).bind(to.as_str()).bind("bench.step").bind("system")
            .bind(run_id).bind(&event_id).bind(&now)
            .execute(&mut *$tx).await.expect("history");
        $job.advance(version as u64 + 1);
    }};
}

async fn sqlite_baseline_step(pool: &sqlx::SqlitePool, b: &Baseline, job: &Cycling) {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.expect("begin");
    baseline_step!(tx, b, job);
    tx.commit().await.expect("commit");
}

async fn pg_baseline_step(pool: &sqlx::PgPool, b: &Baseline, job: &Cycling) {
    let mut tx = pool.begin().await.expect("begin");
    baseline_step!(tx, b, job);
    tx.commit().await.expect("commit");
}

// ----- raw SQLite (rusqlite): the anchors ---------------------------------------------------------

/// A rusqlite connection to a store's file, configured as the store configures its own: WAL,
/// `synchronous = NORMAL`, the store's default checkpoint interval, foreign keys on; statements
/// are prepared once and cached.
fn raw_connection(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .expect("wal");
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("synchronous");
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        SqliteOptions::WAL_AUTOCHECKPOINT,
    )
    .expect("wal_autocheckpoint");
    conn.pragma_update(None, "foreign_keys", true)
        .expect("foreign keys");
    conn.busy_timeout(Duration::from_secs(30)).expect("busy");
    conn
}

/// The anchor: what a transition must write, and nothing else. The update is guarded by the
/// state and by the version (the job's last history sequence).
const RAW_UPDATE: &str = "UPDATE ai_jobs SET state = ?1, status_reason = ?2, updated_at = ?3 \
     WHERE job_id = ?4 AND state = ?5 \
     AND (SELECT MAX(sequence) FROM ai_job_state_history WHERE job_id = ?4) = ?6";

fn raw_anchor_step(conn: &mut rusqlite::Connection, b: &Baseline, job: &Cycling) {
    let from = cycle_from(job.step.get());
    let to = CYCLE[job.step.get() % 3];
    let id = job.id.to_string();
    let now = handshake_job_model::Timestamp::now().to_string();
    let version = job.version.get() as i64;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("begin");
    let changed = tx
        .prepare_cached(RAW_UPDATE)
        .expect("prepare")
        .execute(rusqlite::params![
            to.as_str(),
            r#"{"code":"bench.step"}"#,
            now,
            id,
            from.as_str(),
            version
        ])
        .expect("update");
    assert_eq!(changed, 1);
    let payload = json!({ "from_state": from, "to_state": to, "reason": "bench.step", "sequence": version + 1 });
    let written = RawWrites {
        model: Some("llama3.1:8b-instruct"),
        wsids: "[\"w\"]",
        run_id: None,
        payload,
    };
    raw_event_and_history(tx, b, job, &now, version, written);
}

/// What both rusqlite arms write last for a transition.
struct RawWrites<'a> {
    /// The event's model.
    model: Option<&'a str>,
    /// The event's workspace ids, as JSON.
    wsids: &'a str,
    /// The workflow run the history row names.
    run_id: Option<&'a str>,
    /// The `ai_job.state_changed` payload.
    payload: serde_json::Value,
}

/// Inserts the `ai_job.state_changed` event and its history row (step `version + 1` of `job`,
/// at `now`), commits, and moves `job` on.
fn raw_event_and_history(
    tx: rusqlite::Transaction<'_>,
    b: &Baseline,
    job: &Cycling,
    now: &str,
    version: i64,
    written: RawWrites<'_>,
) {
    let from = cycle_from(job.step.get());
    let to = CYCLE[job.step.get() % 3];
    let id = job.id.to_string();
    let event_id = Uuid::now_v7().to_string();
    tx.prepare_cached(&b.event)
        .expect("prepare")
        .execute(rusqlite::params![
            event_id,
            "ai_job.state_changed",
            now,
            "system",
            id,
            written.model,
            written.wsids,
            written.payload.to_string()
        ])
        .expect("event");
    tx.prepare_cached(&b.history)
        .expect("prepare")
        .execute(rusqlite::params![
            id,
            version + 1,
            from.as_str(),
            to.as_str(),
            "bench.step",
            "system",
            written.run_id,
            event_id,
            now
        ])
        .expect("history");
    tx.commit().expect("commit");
    job.advance(version as u64 + 1);
}

/// The baseline's statements (all of them, with the same reads) through rusqlite: what the
/// store's statement list costs without sqlx's per-statement hop to its worker thread.
fn raw_statements_step(conn: &mut rusqlite::Connection, b: &Baseline, job: &Cycling) {
    use rusqlite::OptionalExtension;
    let from = cycle_from(job.step.get());
    let to = CYCLE[job.step.get() % 3];
    let id = job.id.to_string();
    let now = handshake_job_model::Timestamp::now().to_string();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("begin");
    let (state, scope, model): (String, String, Option<String>) = tx
        .prepare_cached(&b.lock)
        .expect("prepare")
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("lock");
    assert_eq!(state, from.as_str());
    let workspace =
        serde_json::from_str::<serde_json::Value>(&scope).expect("scope")["workspace_id"]
            .as_str()
            .map(str::to_owned);
    let version: i64 = tx
        .prepare_cached(&b.version)
        .expect("prepare")
        .query_row([&id], |r| r.get(0))
        .expect("version");
    assert_eq!(version as u64, job.version.get());
    let status = serde_json::to_string(&json!({ "code": "bench.step" })).expect("json");
    let changed = tx
        .prepare_cached(&b.update)
        .expect("prepare")
        .execute(rusqlite::params![
            to.as_str(),
            status,
            now,
            None::<String>,
            None::<String>,
            id,
            from.as_str()
        ])
        .expect("update");
    assert_eq!(changed, 1);
    let run: Option<(String, i64)> = tx
        .prepare_cached(&b.latest_run)
        .expect("prepare")
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .expect("run");
    let (mut run_id, open) = match run {
        Some((run, open)) => (Some(run), open == 1),
        None => (None, false),
    };
    if to == JobState::Running && !open {
        let attempt: i64 = tx
            .prepare_cached(&b.next_attempt)
            .expect("prepare")
            .query_row([&id], |r| r.get(0))
            .expect("attempt");
        let new_run = Uuid::now_v7().to_string();
        tx.prepare_cached(&b.insert_run)
            .expect("prepare")
            .execute(rusqlite::params![new_run, id, attempt, "running", now])
            .expect("insert run");
        run_id = Some(new_run);
    }
    if to == JobState::AwaitingValidation {
        tx.prepare_cached(&b.close_runs)
            .expect("prepare")
            .execute(rusqlite::params!["succeeded", now, id])
            .expect("close");
    }
    let payload = json!({ "from_state": from, "to_state": to, "reason": "bench.step",
                          "sequence": version + 1, "workflow_run_id": run_id });
    let wsids = serde_json::to_string(&workspace.map(|w| vec![w])).expect("json");
    let written = RawWrites {
        model: model.as_deref(),
        wsids: &wsids,
        run_id: run_id.as_deref(),
        payload,
    };
    raw_event_and_history(tx, b, job, &now, version, written);
}

// ----- stores and scratch databases ----------------------------------------------------------------

async fn sqlite_store(dir: &tempfile::TempDir, name: &str) -> JobStore {
    let options = SqliteOptions {
        max_connections: 1,
        synchronous_full: false,
        ..Default::default()
    };
    JobStore::open_sqlite(dir.path().join(name), options, NoRequirements)
        .await
        .expect("open")
}

/// A pool of sqlx's SQLite driver on a store's file, configured as the store configures its own
/// connections (WAL, `synchronous = NORMAL`, the checkpoint interval, foreign keys): the
/// hand-written sqlx baseline's.
async fn sqlx_pool(dir: &tempfile::TempDir, name: &str) -> sqlx::SqlitePool {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    let connect = SqliteConnectOptions::new()
        .filename(dir.path().join(name))
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .pragma(
            "wal_autocheckpoint",
            SqliteOptions::WAL_AUTOCHECKPOINT.to_string(),
        )
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(30));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(connect)
        .await
        .expect("sqlx pool")
}

/// A store file with one running job, then an sqlx pool on it ([`sqlx_pool`]; the store's own
/// pool is closed).
async fn sqlx_fixture(dir: &tempfile::TempDir, name: &str) -> (sqlx::SqlitePool, Cycling) {
    let store = sqlite_store(dir, name).await;
    let job = running_job(&store).await;
    store.close().await;
    (sqlx_pool(dir, name).await, job)
}

/// A store file with one running job, then a raw connection to it (the store's pool is closed).
fn raw_fixture(dir: &tempfile::TempDir, name: &str) -> (rusqlite::Connection, Cycling) {
    let rt = rt();
    let store = rt.block_on(sqlite_store(dir, name));
    let job = rt.block_on(running_job(&store));
    rt.block_on(store.close());
    (raw_connection(&dir.path().join(name)), job)
}

/// A database of its own on the server of `HANDSHAKE_TEST_POSTGRES_URL` (never the shared one),
/// dropped when this is dropped, even if the store still holds connections to it. Without the
/// variable the Postgres benches are skipped.
struct ScratchDb(ScratchDatabase);

impl ScratchDb {
    fn create(purpose: &str) -> Option<Self> {
        std::env::var("HANDSHAKE_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let prefix = format!("hs_job_store_bench_{purpose}");
        on_a_thread_of_its_own(ScratchDatabase::create(&prefix)).map(Self)
    }
}

impl std::ops::Deref for ScratchDb {
    type Target = ScratchDatabase;

    fn deref(&self) -> &ScratchDatabase {
        &self.0
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        on_a_thread_of_its_own(self.0.drop_database());
    }
}

/// Runs `future` to its end on a thread of its own (so it works from inside a runtime, e.g. in
/// `Drop`).
fn on_a_thread_of_its_own<T: Send>(future: impl std::future::Future<Output = T> + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(|| rt().block_on(future))
            .join()
            .expect("admin thread")
    })
}

async fn pg_store(url: &str, connections: u32) -> JobStore {
    JobStore::open_postgres(url, connections, NoRequirements)
        .await
        .expect("open postgres")
}

// ----- divan: latency of one transition, and of one driver round trip -----------------------------

#[divan::bench(sample_count = 200)]
fn sqlite_library(bencher: divan::Bencher) {
    let rt = rt();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = rt.block_on(sqlite_store(&dir, "lib.db"));
    let job = rt.block_on(running_job(&store));
    bencher.bench_local(|| rt.block_on(library_step(&store, &job)));
}

#[divan::bench(sample_count = 200)]
fn sqlite_baseline(bencher: divan::Bencher) {
    let rt = rt();
    let dir = tempfile::tempdir().expect("tempdir");
    let (pool, job) = rt.block_on(sqlx_fixture(&dir, "base.db"));
    let b = Baseline::new(false);
    bencher.bench_local(|| rt.block_on(sqlite_baseline_step(&pool, &b, &job)));
}

#[divan::bench(sample_count = 200)]
fn sqlite_raw_statements(bencher: divan::Bencher) {
    raw_bench(bencher, "raw-statements.db", raw_statements_step);
}

#[divan::bench(sample_count = 200)]
fn sqlite_raw_anchor(bencher: divan::Bencher) {
    raw_bench(bencher, "raw-anchor.db", raw_anchor_step);
}

/// `step` on a raw connection to a store file `name` ([`raw_fixture`]).
fn raw_bench(
    bencher: divan::Bencher,
    name: &str,
    step: fn(&mut rusqlite::Connection, &Baseline, &Cycling),
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut conn, job) = raw_fixture(&dir, name);
    let b = Baseline::new(false);
    bencher.bench_local(|| step(&mut conn, &b, &job));
}

/// One `SELECT 1` through sqlx on a held SQLite connection: the hop to sqlx's worker thread and
/// back, paid once per statement.
#[divan::bench(sample_count = 500)]
fn sqlite_sqlx_round_trip(bencher: divan::Bencher) {
    let rt = rt();
    // The held connection goes back to the pool on drop, which needs the runtime.
    let _enter = rt.enter();
    let dir = tempfile::tempdir().expect("tempdir");
    let (pool, _) = rt.block_on(sqlx_fixture(&dir, "rt.db"));
    select_one_round_trips::<_, i64>(bencher, &rt, &pool);
}

/// One `SELECT 1` per iteration on a held connection of `pool`, decoded as `T` (SQLite's integer
/// is an `i64`, Postgres's an `i32`).
fn select_one_round_trips<DB, T>(
    bencher: divan::Bencher,
    rt: &tokio::runtime::Runtime,
    pool: &sqlx::Pool<DB>,
) where
    DB: sqlx::Database,
    DB::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    (T,): for<'r> sqlx::FromRow<'r, DB::Row>,
    T: Send + Unpin + PartialEq + From<u8> + std::fmt::Debug,
{
    let mut conn = rt.block_on(pool.acquire()).expect("acquire");
    bencher.bench_local(|| {
        rt.block_on(async {
            let one: T = sqlx::query_scalar("SELECT 1")
                .fetch_one(&mut *conn)
                .await
                .expect("select");
            assert_eq!(one, T::from(1));
        })
    });
}

/// A pool acquire and release (sqlx pings the connection on each acquire by default).
#[divan::bench(sample_count = 500)]
fn sqlite_sqlx_acquire(bencher: divan::Bencher) {
    let rt = rt();
    let dir = tempfile::tempdir().expect("tempdir");
    let (pool, _) = rt.block_on(sqlx_fixture(&dir, "acquire.db"));
    bencher.bench_local(|| rt.block_on(async { drop(pool.acquire().await.expect("acquire")) }));
}

/// A scratch database for a Postgres divan bench (`None` without a server: the bench is skipped),
/// with a store of two connections on it and one running job.
fn pg_fixture(rt: &tokio::runtime::Runtime) -> Option<(ScratchDb, JobStore, Cycling)> {
    let db = ScratchDb::create("divan")?;
    let store = rt.block_on(pg_store(&db.url, 2));
    let job = rt.block_on(running_job(&store));
    Some((db, store, job))
}

#[divan::bench(sample_count = 100)]
fn postgres_library(bencher: divan::Bencher) {
    let rt = rt();
    let Some((_db, store, job)) = pg_fixture(&rt) else {
        return;
    };
    bencher.bench_local(|| rt.block_on(library_step(&store, &job)));
    rt.block_on(store.close());
}

#[divan::bench(sample_count = 100)]
fn postgres_baseline(bencher: divan::Bencher) {
    let rt = rt();
    let Some((_db, store, job)) = pg_fixture(&rt) else {
        return;
    };
    let pool = store.postgres_pool().expect("postgres").clone();
    let b = Baseline::new(true);
    bencher.bench_local(|| rt.block_on(pg_baseline_step(&pool, &b, &job)));
    rt.block_on(store.close());
}

/// One `SELECT 1` through sqlx on a held Postgres connection (one network round trip).
#[divan::bench(sample_count = 500)]
fn postgres_sqlx_round_trip(bencher: divan::Bencher) {
    let rt = rt();
    let _enter = rt.enter();
    let Some((_db, store, _)) = pg_fixture(&rt) else {
        return;
    };
    let pool = store.postgres_pool().expect("postgres").clone();
    select_one_round_trips::<_, i32>(bencher, &rt, &pool);
    rt.block_on(store.close());
}

// ----- divan: the in-process work a transition does on the whole record ---------------------------

/// A stored job as the store holds it: the fixture in `running`, with a validation result.
fn record() -> handshake_job_model::AiJob {
    let mut job = job();
    job.state = JobState::Running;
    job.validation_result = Some(validation("needs_user"));
    job
}

/// The generated rules on the whole record (the store validates each record it writes).
#[divan::bench]
fn record_validate(bencher: divan::Bencher) {
    use handshake_job_model::Validate;
    let job = record();
    bencher.bench_local(|| divan::black_box(&job).validate().len());
}

/// The record as bind values: serde into a JSON object, each JSON column's member to text (what
/// `sql::TableColumns::args` does with the whole row on every transition).
#[divan::bench]
fn record_encode(bencher: divan::Bencher) {
    let job = record();
    bencher.bench_local(|| {
        let serde_json::Value::Object(map) =
            serde_json::to_value(divan::black_box(&job)).expect("encode")
        else {
            unreachable!("a record is an object")
        };
        map.values()
            .map(|v| match v {
                serde_json::Value::String(s) => s.len(),
                other => other.to_string().len(),
            })
            .sum::<usize>()
    });
}

/// The record back from its columns: each JSON column's text parsed, then the object into the
/// generated type (what the store's read of the whole row does on every transition).
#[divan::bench]
fn record_decode(bencher: divan::Bencher) {
    let serde_json::Value::Object(map) = serde_json::to_value(record()).expect("encode") else {
        unreachable!("a record is an object")
    };
    let columns: Vec<(String, String, bool)> = map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s, false),
            other => (k, other.to_string(), true),
        })
        .collect();
    bencher.bench_local(|| {
        let object: serde_json::Map<String, serde_json::Value> = columns
            .iter()
            .map(|(k, text, json)| {
                let value = if *json {
                    serde_json::from_str(text).expect("column")
                } else {
                    serde_json::Value::String(text.clone())
                };
                (k.clone(), value)
            })
            .collect();
        serde_json::from_value::<handshake_job_model::AiJob>(serde_json::Value::Object(object))
            .expect("decode")
    });
}

// ----- the summary: throughput of every arm, in one run --------------------------------------------

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time of every thread of this process so far, in nanoseconds (`/proc/self/task/*/schedstat`):
/// the cost of an arm on a machine whose other load stretches wall-clock time.
fn process_cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|task| {
                    let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
                    stat.split_whitespace().next()?.parse::<u64>().ok()
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Transitions per second of each arm, and this process's CPU time per transition: `rounds`
/// rounds of `n` transitions, the arms alternating within each round so that they share the
/// machine's noise. The second arm is the baseline the others are compared with.
fn throughput(
    label: &str,
    n: usize,
    rounds: usize,
    arms: &mut [(&str, &mut dyn FnMut(usize))],
) -> Vec<f64> {
    let mut seconds = vec![0.0; arms.len()];
    let mut cpu_ns = vec![0u64; arms.len()];
    for _ in 0..rounds {
        for (i, (_, arm)) in arms.iter_mut().enumerate() {
            let (t, cpu) = (Instant::now(), process_cpu_ns());
            arm(n);
            seconds[i] += t.elapsed().as_secs_f64();
            cpu_ns[i] += process_cpu_ns().saturating_sub(cpu);
        }
    }
    let total = (rounds * n) as f64;
    let tps: Vec<f64> = seconds.iter().map(|s| total / s).collect();
    println!("{label} ({rounds} rounds of {n} transitions per arm):");
    for (((name, _), t), cpu) in arms.iter().zip(&tps).zip(&cpu_ns) {
        println!(
            "  {name:<34} {t:>8.0} transitions/s  {:>5.2}× baseline  {:>6.0} µs CPU (this process) per transition",
            t / tps[1],
            *cpu as f64 / total / 1000.0
        );
    }
    tps
}

fn sqlite_summary() {
    let rt = rt();
    let n = 2_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let lib_store = rt.block_on(sqlite_store(&dir, "sum-lib.db"));
    let lib_job = rt.block_on(running_job(&lib_store));
    let (pool, base_job) = rt.block_on(sqlx_fixture(&dir, "sum-base.db"));
    let b = Baseline::new(false);
    let (mut raw_conn, raw_job) = raw_fixture(&dir, "sum-raw.db");
    let (mut anchor_conn, anchor_job) = raw_fixture(&dir, "sum-anchor.db");
    one_writer(
        "sqlite file (WAL, synchronous=NORMAL), one writer",
        n,
        (&rt, &lib_store, &lib_job),
        &mut |n| repeat(&rt, n, || sqlite_baseline_step(&pool, &b, &base_job)),
        vec![
            ("same statements, rusqlite", &mut |n| {
                for _ in 0..n {
                    raw_statements_step(&mut raw_conn, &b, &raw_job)
                }
            }),
            ("anchor: 3 statements, rusqlite", &mut |n| {
                for _ in 0..n {
                    raw_anchor_step(&mut anchor_conn, &b, &anchor_job)
                }
            }),
        ],
    );
}

fn postgres_summary(db: &ScratchDb) {
    let rt = rt();
    let n = 1_000;
    let store = rt.block_on(pg_store(&db.url, 2));
    let lib_job = rt.block_on(running_job(&store));
    let base_job = rt.block_on(running_job(&store));
    let pool = store.postgres_pool().expect("postgres").clone();
    let b = Baseline::new(true);
    one_writer(
        "postgres, one writer",
        n,
        (&rt, &store, &lib_job),
        &mut |n| repeat(&rt, n, || pg_baseline_step(&pool, &b, &base_job)),
        Vec::new(),
    );
    rt.block_on(store.close());
}

/// [`throughput`] of one writer, 3 rounds: the store's transitions of `job`, the hand-written sqlx
/// `baseline` (same statements), then the `others`.
fn one_writer(
    label: &str,
    n: usize,
    (rt, store, job): (&tokio::runtime::Runtime, &JobStore, &Cycling),
    baseline: &mut dyn FnMut(usize),
    others: Vec<(&str, &mut dyn FnMut(usize))>,
) {
    let mut library = |n| repeat(rt, n, || library_step(store, job));
    let mut arms: Vec<(&str, &mut dyn FnMut(usize))> = vec![
        ("store (JobStore::transition)", &mut library),
        ("baseline (same statements, sqlx)", baseline),
    ];
    arms.extend(
        others
            .into_iter()
            .map(|(name, arm)| -> (&str, &mut dyn FnMut(usize)) { (name, arm) }),
    );
    throughput(label, n, 3, &mut arms);
}

const WORKERS: usize = 8;

/// The entity each queued job will change, by job (what a worker knows from its task).
type Targets = Arc<std::sync::Mutex<std::collections::HashMap<JobId, EntityRef>>>;

/// One worker's walk of a claimed job to completion: running → awaiting_validation → completed,
/// the completion carrying a passing validation and the change set (it is the commit). Returns
/// the transitions made (the claim included).
async fn complete_claimed(store: &JobStore, job_id: JobId, version: u64, entity: EntityRef) -> u64 {
    let validating = store
        .transition(request(
            job_id,
            version,
            JobState::AwaitingValidation,
            "bench.walk",
        ))
        .await
        .expect("to awaiting_validation");
    let change = Change {
        entity,
        layer: Layer::Derived,
    };
    let done = store
        .transition(
            request(
                job_id,
                validating.version,
                JobState::Completed,
                "bench.walk",
            )
            .with_changes(vec![change]),
        )
        .await
        .expect("to completed");
    assert_eq!(
        done.provenance.len(),
        1,
        "the completion committed the change"
    );
    3
}

/// Runs `task(w)` for each worker `w` of the [`WORKERS`] at once, until every one has ended.
fn on_every_worker<Fut>(rt: &tokio::runtime::Runtime, task: impl Fn(usize) -> Fut)
where
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    rt.block_on(async {
        let tasks: Vec<_> = (0..WORKERS).map(|w| tokio::spawn(task(w))).collect();
        for task in tasks {
            task.await.expect("worker");
        }
    });
}

/// `jobs` queued jobs (created untimed, 8 at a time), then 8 workers claiming and completing them
/// until none is left. Returns transitions per second.
fn concurrent_round(rt: &tokio::runtime::Runtime, store: &JobStore, jobs: usize) -> f64 {
    let targets = Targets::default();
    on_every_worker(rt, |w| {
        let store = store.clone();
        let targets = Arc::clone(&targets);
        let count = jobs / WORKERS + usize::from(w < jobs % WORKERS);
        async move {
            for _ in 0..count {
                let job = job();
                let entity = job.entity_refs[0].clone();
                let id = store
                    .create(job, FlightRecorderActor::System)
                    .await
                    .expect("create")
                    .job
                    .job_id;
                targets.lock().expect("targets").insert(id, entity);
            }
        }
    });
    let transitions = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    on_every_worker(rt, |w| {
        let store = store.clone();
        let transitions = Arc::clone(&transitions);
        let targets = Arc::clone(&targets);
        async move {
            let name = format!("bench-worker-{w}");
            while let Some(claimed) = store.claim_next_queued(&name).await.expect("claim") {
                let entity = targets
                    .lock()
                    .expect("targets")
                    .remove(&claimed.job_id)
                    .expect("a job this round created");
                let walked =
                    complete_claimed(&store, claimed.job_id, claimed.version, entity).await;
                transitions.fetch_add(walked, Ordering::Relaxed);
            }
        }
    });
    let done = transitions.load(Ordering::Relaxed);
    assert_eq!(done, 3 * jobs as u64, "every job walked once");
    done as f64 / t.elapsed().as_secs_f64()
}

/// `pgbench -N -c 8` for `seconds` on a scratch database of the same server: its tps.
fn pgbench(db: &ScratchDb, seconds: u32) -> Option<f64> {
    let bin = std::env::var("PGBENCH").unwrap_or_else(|_| "pgbench".to_owned());
    let init = Command::new(&bin)
        .args(["-i", "-q", "-s", "1", &db.url])
        .output();
    match init {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            println!(
                "  pgbench -i failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Err(error) => {
            println!("  pgbench not run ({bin}: {error})");
            return None;
        }
    }
    let out = Command::new(&bin)
        .args([
            "-n",
            "-N",
            "-c",
            "8",
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            &db.url,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Drops every constraint of `kind` (`checks` or `foreign_keys`) from the store's scratch
/// database: an experiment measuring what the generated constraints cost the server
/// (`HANDSHAKE_BENCH_WITHOUT`, README), never a way the store runs.
async fn drop_constraints(url: &str, kind: &str) {
    let contype = match kind {
        "checks" => 'c',
        "foreign_keys" => 'f',
        other => panic!("HANDSHAKE_BENCH_WITHOUT={other}: expected checks or foreign_keys"),
    };
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let sql = format!(
        "DO $$ DECLARE r record; BEGIN \
           FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint \
                    WHERE contype = '{contype}' AND connamespace = 'public'::regnamespace LOOP \
             EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname); \
           END LOOP; END $$"
    );
    sqlx::query(AssertSqlSafe(sql))
        .execute(&pool)
        .await
        .expect("drop the constraints");
    pool.close().await;
    println!("  (experiment: every {kind} constraint dropped from the store's database)");
}

fn concurrent_summary(store_db: &ScratchDb, bench_db: &ScratchDb) {
    let rt = rt_multi();
    let store = rt.block_on(pg_store(&store_db.url, WORKERS as u32));
    if let Ok(kind) = std::env::var("HANDSHAKE_BENCH_WITHOUT") {
        rt.block_on(drop_constraints(&store_db.url, &kind));
    }
    let jobs = std::env::var("HANDSHAKE_BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let rounds = 2;
    let (mut store_tps, mut pgbench_tps) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        store_tps.push(concurrent_round(&rt, &store, jobs));
        match pgbench(bench_db, 5) {
            Some(tps) => pgbench_tps.push(tps),
            None => break,
        }
    }
    rt.block_on(store.close());
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (s, p) = (mean(&store_tps), mean(&pgbench_tps));
    println!(
        "postgres, {WORKERS} workers ({rounds} rounds of {jobs} jobs claimed and walked to completion, which commits one change; 3 transitions each):"
    );
    println!(
        "  store (claim_next_queued + transition) {s:>8.0} transitions/s  rounds {store_tps:.0?}"
    );
    if pgbench_tps.is_empty() {
        println!("  pgbench: not run");
    } else {
        println!(
            "  pgbench -N -c 8 -j 2                   {p:>8.0} tps            rounds {pgbench_tps:.0?}"
        );
        println!("  store / pgbench                        {:>8.2}×", s / p);
    }
}

fn memory_summary() {
    let rt = rt();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = rt.block_on(sqlite_store(&dir, "memory.db"));
    let job = rt.block_on(running_job(&store));
    rt.block_on(async {
        for _ in 0..1_000 {
            library_step(&store, &job).await
        }
    });
    let before = rss_kib();
    let t = Instant::now();
    rt.block_on(async {
        for i in 0..100_000 {
            library_step(&store, &job).await;
            if i == 49_999 {
                println!("memory: RSS after 50k transitions {} KiB", rss_kib());
            }
        }
    });
    let after = rss_kib();
    println!(
        "memory: RSS before {before} KiB, after 100k transitions {after} KiB (delta {} KiB) in {:.1} s",
        after as i64 - before as i64,
        t.elapsed().as_secs_f64()
    );
}

fn summary() {
    let parts = std::env::var("HANDSHAKE_BENCH_PARTS")
        .unwrap_or_else(|_| "sqlite,postgres,concurrent,memory".to_owned());
    let part = |name: &str| parts.split(',').any(|p| p.trim() == name);
    if part("sqlite") {
        sqlite_summary();
    }
    if part("postgres") || part("concurrent") {
        if std::env::var("HANDSHAKE_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
            if part("postgres") {
                let db = ScratchDb::create("serial").expect("scratch database");
                postgres_summary(&db);
            }
            if part("concurrent") {
                let store_db = ScratchDb::create("workers").expect("scratch database");
                let bench_db = ScratchDb::create("pgbench").expect("scratch database");
                concurrent_summary(&store_db, &bench_db);
            }
        } else {
            println!("postgres: skipped (HANDSHAKE_TEST_POSTGRES_URL unset)");
        }
    }
    if part("memory") {
        memory_summary();
    }
}

fn main() {
    divan::main();
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}
