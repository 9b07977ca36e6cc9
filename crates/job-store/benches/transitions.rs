//! Transitions per second through `JobStore::transition` against a hand-written baseline that runs
//! the same statements in one transaction with plain sqlx, on an SQLite file and (when
//! `HANDSHAKE_TEST_POSTGRES_URL` is set) on Postgres; then resident memory over 100k transitions.
//!
//! Each transition moves one job around the lifecycle cycle running → awaiting_validation →
//! awaiting_user → running, so every iteration is a legal transition. SQLite runs with
//! `synchronous = NORMAL` in both arms so that the fsync of each commit does not hide the
//! library's own overhead.
//!
//! Run: `cargo bench -p handshake-job-store --bench transitions` (divan latencies first, then
//! the throughput ratio and the memory figures).

use std::cell::Cell;
use std::time::Instant;

use handshake_job_model::{FlightRecorderActor, JobId, JobState};
use handshake_job_store::{JobStore, NoRequirements, SqliteOptions, TransitionRequest, reason};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

const CYCLE: [JobState; 3] = [
    JobState::AwaitingValidation,
    JobState::AwaitingUser,
    JobState::Running,
];

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn job() -> handshake_job_model::AiJob {
    let now = handshake_job_model::Timestamp::now().to_string();
    serde_json::from_value(json!({
        "job_id": Uuid::now_v7(), "job_kind": "doc_rewrite", "protocol_id": "docs_sheets_ai_v0.5",
        "task_schema_version": "1.0.0", "profile_id": "docs_sheets_ai_v0.5",
        "capability_profile_id": "docs_editor_default", "access_mode": "apply_scoped", "safety_mode": "normal",
        "workspace_scope": { "workspace_id": Uuid::now_v7() },
        "entity_refs": [{ "artefact_type": "doc", "artefact_id": Uuid::now_v7() }],
        "planned_operations": [], "execution_mode": "single_step", "runtime_id": "local.ollama",
        "executor_model_id": "llama3.1:8b-instruct", "state": "queued", "status_reason": { "code": "job.created" },
        "created_at": now, "updated_at": now,
        "metrics": { "duration_ms": 0, "tokens_planner": 0, "tokens_executor": 0,
                     "entities_read_count": 0, "entities_written_count": 0, "validators_run_count": 0 },
        "flight_recorder_span_id": "span1"
    }))
    .expect("valid job")
}

/// A job in `running` at version 2, and the cycle position.
struct Cycling {
    id: JobId,
    version: Cell<u64>,
    step: Cell<usize>,
}

async fn running_job(store: &JobStore) -> Cycling {
    let id = store
        .create(job(), FlightRecorderActor::System)
        .await
        .expect("create")
        .job
        .job_id;
    let reason = reason("bench.start", None).expect("reason");
    store
        .transition(TransitionRequest::new(
            id,
            1,
            JobState::Running,
            reason,
            FlightRecorderActor::System,
        ))
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
    let reason = reason("bench.step", None).expect("reason");
    let done = store
        .transition(TransitionRequest::new(
            job.id,
            job.version.get(),
            to,
            reason,
            FlightRecorderActor::System,
        ))
        .await
        .expect("transition");
    job.version.set(done.version);
    job.step.set(job.step.get() + 1);
}

/// The same statements the library runs for one transition, written by hand.
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
                "INSERT INTO flight_recorder_outbox (event_id, event_type, timestamp, actor, job_id, model_id, wsids, payload) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
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
        let from = match $job.step.get() % 3 { 0 => JobState::Running, 1 => JobState::AwaitingValidation, _ => JobState::AwaitingUser };
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
        let payload = json!({ "from_state": from, "to_state": to, "reason": "bench.step", "reason_detail": null,
                              "sequence": version + 1, "workflow_run_id": run_id });
        sqlx::query(AssertSqlSafe($b.event.clone()))
            .bind(&event_id).bind("ai_job.state_changed").bind(&now).bind("system").bind(&id).bind(model)
            .bind(serde_json::to_string(&workspace.map(|w| vec![w])).expect("json")).bind(payload.to_string())
            .execute(&mut *$tx).await.expect("event");
        sqlx::query(AssertSqlSafe($b.history.clone()))
            .bind(&id).bind(version + 1).bind(from.as_str()).bind(to.as_str()).bind("bench.step").bind("system")
            .bind(run_id).bind(&event_id).bind(&now)
            .execute(&mut *$tx).await.expect("history");
        $job.version.set(version as u64 + 1);
        $job.step.set($job.step.get() + 1);
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
    let store = rt.block_on(sqlite_store(&dir, "base.db"));
    let job = rt.block_on(running_job(&store));
    let pool = store.sqlite_pool().expect("sqlite").clone();
    let b = Baseline::new(false);
    bencher.bench_local(|| rt.block_on(sqlite_baseline_step(&pool, &b, &job)));
}

/// A fresh database on the server of `HANDSHAKE_TEST_POSTGRES_URL` (never the shared one itself).
fn pg_url() -> Option<String> {
    let admin = std::env::var("HANDSHAKE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("hs_job_store_bench_{}", Uuid::now_v7().simple());
    rt().block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
    });
    let (path, query) = admin
        .split_once('?')
        .map_or((admin.as_str(), String::new()), |(p, q)| {
            (p, format!("?{q}"))
        });
    let base = path.rsplit_once('/').map_or(path, |(base, _)| base);
    Some(format!("{base}/{name}{query}"))
}

async fn pg_store(url: &str) -> JobStore {
    JobStore::open_postgres(url, 2, NoRequirements)
        .await
        .expect("open postgres")
}

#[divan::bench(sample_count = 100)]
fn postgres_library(bencher: divan::Bencher) {
    let Some(url) = pg_url() else { return };
    let rt = rt();
    let store = rt.block_on(pg_store(&url));
    let job = rt.block_on(running_job(&store));
    bencher.bench_local(|| rt.block_on(library_step(&store, &job)));
}

#[divan::bench(sample_count = 100)]
fn postgres_baseline(bencher: divan::Bencher) {
    let Some(url) = pg_url() else { return };
    let rt = rt();
    let store = rt.block_on(pg_store(&url));
    let job = rt.block_on(running_job(&store));
    let pool = store.postgres_pool().expect("postgres").clone();
    let b = Baseline::new(true);
    bencher.bench_local(|| rt.block_on(pg_baseline_step(&pool, &b, &job)));
}

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

/// Throughput of `n` transitions per arm, alternating arms in rounds to share machine noise.
fn throughput(label: &str, n: usize, library: impl Fn() -> f64, baseline: impl Fn() -> f64) {
    let (mut lib, mut base) = (0.0, 0.0);
    for _ in 0..3 {
        lib += library();
        base += baseline();
    }
    let (lib_tps, base_tps) = (3.0 * n as f64 / lib, 3.0 * n as f64 / base);
    println!(
        "{label}: library {lib_tps:.0} transitions/s, baseline {base_tps:.0} transitions/s, ratio {:.2}",
        lib_tps / base_tps
    );
}

fn summary() {
    let rt = rt();
    let n = 2_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let lib_store = rt.block_on(sqlite_store(&dir, "sum-lib.db"));
    let lib_job = rt.block_on(running_job(&lib_store));
    let base_store = rt.block_on(sqlite_store(&dir, "sum-base.db"));
    let base_job = rt.block_on(running_job(&base_store));
    let pool = base_store.sqlite_pool().expect("sqlite").clone();
    let b = Baseline::new(false);
    throughput(
        "sqlite (file, WAL, synchronous=NORMAL)",
        n,
        || {
            let t = Instant::now();
            rt.block_on(async {
                for _ in 0..n {
                    library_step(&lib_store, &lib_job).await
                }
            });
            t.elapsed().as_secs_f64()
        },
        || {
            let t = Instant::now();
            rt.block_on(async {
                for _ in 0..n {
                    sqlite_baseline_step(&pool, &b, &base_job).await
                }
            });
            t.elapsed().as_secs_f64()
        },
    );
    if let Some(url) = pg_url() {
        let n = 1_000;
        let lib_store = rt.block_on(pg_store(&url));
        let lib_job = rt.block_on(running_job(&lib_store));
        let base_job = rt.block_on(running_job(&lib_store));
        let pool = lib_store.postgres_pool().expect("postgres").clone();
        let b = Baseline::new(true);
        throughput(
            "postgres",
            n,
            || {
                let t = Instant::now();
                rt.block_on(async {
                    for _ in 0..n {
                        library_step(&lib_store, &lib_job).await
                    }
                });
                t.elapsed().as_secs_f64()
            },
            || {
                let t = Instant::now();
                rt.block_on(async {
                    for _ in 0..n {
                        pg_baseline_step(&pool, &b, &base_job).await
                    }
                });
                t.elapsed().as_secs_f64()
            },
        );
    } else {
        println!("postgres: skipped (HANDSHAKE_TEST_POSTGRES_URL unset)");
    }

    // Memory over 100k transitions: the store keeps nothing per transition in process.
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

fn main() {
    divan::main();
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}
