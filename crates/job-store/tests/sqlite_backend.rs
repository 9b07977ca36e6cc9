//! The SQLite backend's own guarantees (it runs rusqlite on the calling thread, not sqlx; see
//! `src/sql/sqlite.rs`): files migrated by either one open in the other, a modified migration is
//! refused, a transaction dropped half-way leaves nothing and no stuck connection, and the WAL
//! checkpoint interval of `SqliteOptions` is applied.

mod common;

use std::str::FromStr;

use common::{ACTOR, create_sample, request_for, runtime, sample_job, sqlite_file_pool};
use handshake_job_model::JobState;
use handshake_job_store::{JobStore, NoRequirements, SqliteOptions, StoreError};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// Opening the SQLite store at `path` fails (`why` names the expected failure); the error.
async fn refused_to_open(path: &std::path::Path, why: &str) -> StoreError {
    JobStore::open_sqlite(path, SqliteOptions::default(), NoRequirements)
        .await
        .expect_err(why)
}

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

async fn sqlx_pool(path: &std::path::Path) -> sqlx::SqlitePool {
    let options = SqliteConnectOptions::from_str(&format!("sqlite:{}", path.display()))
        .expect("url")
        .create_if_missing(true)
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("sqlx pool")
}

/// A file the store created and migrated, closed, and a plain connection to it.
async fn migrated_by_the_store(
    dir: &tempfile::TempDir,
    name: &str,
) -> (std::path::PathBuf, rusqlite::Connection) {
    let path = dir.path().join(name);
    let store = JobStore::open_sqlite(&path, SqliteOptions::default(), NoRequirements)
        .await
        .expect("open");
    store.close().await;
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    (path, conn)
}

#[test]
fn a_file_migrated_by_sqlx_opens_and_works() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sqlx.db");
        let pool = sqlx_pool(&path).await;
        MIGRATOR.run(&pool).await.expect("sqlx migrates");
        pool.close().await;

        let store = JobStore::open_sqlite(&path, SqliteOptions::default(), NoRequirements)
            .await
            .expect("the store opens a file sqlx migrated, applying nothing again");
        let created = store.create(sample_job(), ACTOR).await.expect("create");
        let moved = store
            .transition(request_for(created.job.job_id, 1, JobState::Running))
            .await
            .expect("transition");
        assert_eq!(moved.version, 2);
    });
}

#[test]
fn a_file_the_store_migrated_is_current_for_sqlx() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("store.db");
        let store = JobStore::open_sqlite(&path, SqliteOptions::default(), NoRequirements)
            .await
            .expect("open");
        store.close().await;

        let pool = sqlx_pool(&path).await;
        MIGRATOR
            .run(&pool)
            .await
            .expect("sqlx finds every migration applied with its own checksum");
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .expect("count");
        assert_eq!(
            applied,
            i64::try_from(MIGRATOR.iter().count()).expect("count")
        );
    });
}

/// Whether a migration error is the one expected for the version tampered with.
type ExpectedRefusal = fn(&MigrateError, i64) -> bool;

/// Opens a file the store migrated, runs `tamper` on its migration table with the version that
/// `version_query` selects, and asserts that the store then refuses to open it with the
/// migration error `expected` accepts for that version.
async fn refused_after_tampering(version_query: &str, tamper: &str, expected: ExpectedRefusal) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, conn) = migrated_by_the_store(&dir, "tampered.db").await;
    let version: i64 = conn
        .query_row(version_query, [], |r| r.get(0))
        .expect("a migration version");
    conn.execute(tamper, [version]).expect("tamper");
    let error = refused_to_open(&path, tamper).await;
    assert!(
        matches!(&error, StoreError::Migrate(migrate) if expected(migrate, version)),
        "{tamper}: {error:?}"
    );
}

/// The ways an applied migration can be off, each as `refused_after_tampering` takes it: modified
/// (its checksum changed), unknown (applied by a newer store) and dirty (failed half-way).
const TAMPERINGS: [(&str, &str, ExpectedRefusal); 3] = [
    (
        "SELECT MIN(version) FROM _sqlx_migrations",
        "UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = ?1",
        |error, first| matches!(error, MigrateError::VersionMismatch(v) if *v == first),
    ),
    (
        "SELECT 99999999999999",
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?1, 'from a newer store', TRUE, x'00', 0)",
        |error, unknown| matches!(error, MigrateError::VersionMissing(v) if *v == unknown),
    ),
    (
        "SELECT MAX(version) FROM _sqlx_migrations",
        "UPDATE _sqlx_migrations SET success = FALSE WHERE version = ?1",
        |error, last| matches!(error, MigrateError::Dirty(v) if *v == last),
    ),
];

#[test]
fn a_modified_unknown_or_dirty_applied_migration_is_refused() {
    runtime().block_on(async {
        for (version_query, tamper, expected) in TAMPERINGS {
            refused_after_tampering(version_query, tamper, expected).await;
        }
    });
}

#[test]
fn many_writers_on_one_file_store_serialise_without_busy_errors() {
    // Writers of one store queue in the process before BEGIN IMMEDIATE; none waits out the busy
    // timeout on a runtime thread while another holds the lock (a short timeout would show it).
    runtime().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let impatient = SqliteOptions {
            busy_timeout: std::time::Duration::from_millis(1),
            ..SqliteOptions::default()
        };
        let store = sqlite_file_pool(&dir, 4, impatient).await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..10 {
                    let job = store.create(sample_job(), ACTOR).await.expect("create").job;
                    store
                        .transition(request_for(job.job_id, 1, JobState::Running))
                        .await
                        .expect("transition");
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        let all = store
            .list(&handshake_job_store::JobFilter::default(), None, 1000)
            .await
            .expect("list");
        assert_eq!(all.jobs.len(), 80);
        assert!(all.jobs.iter().all(|r| r.job.state == JobState::Running));
    });
}

/// The length of the WAL file beside the database `jobs.db` in `dir`, in bytes.
fn wal_bytes(dir: &tempfile::TempDir) -> u64 {
    std::fs::metadata(dir.path().join("jobs.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// Creates `jobs` jobs on `store` and moves each to `running`.
async fn create_and_run(store: &JobStore, jobs: usize) {
    for _ in 0..jobs {
        let job_id = create_sample(store).await;
        store
            .transition(request_for(job_id, 1, JobState::Running))
            .await
            .expect("transition");
    }
}

#[test]
fn the_checkpoint_interval_option_is_applied_and_bounds_the_wal() {
    // The same writes (about 3,300 pages of WAL) on two files: with a short interval every
    // connection checkpoints and the WAL restarts, so it stays short; at the default (10,000
    // pages, where SQLite's own is 1,000, which would hold it near 1,000 pages) it grows.
    const PAGE_FRAME: u64 = 4096 + 24;
    runtime().block_on(async {
        let mut lengths = Vec::new();
        for interval in [100, SqliteOptions::WAL_AUTOCHECKPOINT] {
            let dir = tempfile::tempdir().expect("tempdir");
            let options = SqliteOptions {
                synchronous_full: false,
                wal_autocheckpoint: interval,
                ..SqliteOptions::default()
            };
            let store = sqlite_file_pool(&dir, 2, options).await;
            create_and_run(&store, 80).await;
            lengths.push(wal_bytes(&dir));
            store.close().await;
        }
        let (short, default) = (lengths[0], lengths[1]);
        assert!(
            short < 300 * PAGE_FRAME,
            "a 100-page interval keeps the WAL short: {short} bytes"
        );
        assert!(
            default > 2_000 * PAGE_FRAME,
            "the default interval lets the WAL grow well past the 1,000 pages SQLite's own \
             default allows: {default} bytes"
        );
    });
}
