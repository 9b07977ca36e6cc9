//! Postgres: writers that interleave with each other. A transition reads the job without a lock
//! and writes it with one statement that checks the job's row is still the version it read
//! (`xmin`); a locking read that waited for another writer reads what that writer committed.
//! Each test puts a second connection's writes exactly between the two steps it is about.

mod common;

use std::time::Duration;

use common::*;
use handshake_job_model::{JobId, JobState, ModelError, WorkflowRunStatus};
use handshake_job_store::{JobStore, NoRequirements, StoreError, Transitioned, event_types};
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

/// A second connection holding the job's row lock in an open transaction, as another writer of
/// the job does between its read and its commit.
async fn hold_row_lock(url: &str, job_id: JobId) -> PgConnection {
    let mut other = PgConnection::connect(url).await.expect("connect");
    other.execute("BEGIN").await.expect("begin");
    sqlx::query("SELECT 1 FROM ai_jobs WHERE job_id = $1::uuid FOR UPDATE")
        .bind(job_id.to_string())
        .execute(&mut other)
        .await
        .expect("lock the job's row");
    other
}

/// Waits until some other backend of this database waits for a lock.
async fn until_a_backend_waits_for_a_lock(other: &mut PgConnection) {
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut *other)
        .await
        .expect("pg_stat_activity");
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What another writer of the job writes, in `other`'s open transaction: one event, numbered next
/// in the job's event order, and a new version of the job's row (the store's writers all write it).
async fn write_an_event_as_another_writer(other: &mut PgConnection, job_id: JobId) {
    let event_id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO flight_recorder_outbox (event_id, type, timestamp, actor, job_id, payload) \
         VALUES ($1::uuid, 'test.other_writer', now(), 'system', $2::uuid, '{}'::jsonb)",
    )
    .bind(&event_id)
    .bind(job_id.to_string())
    .execute(&mut *other)
    .await
    .expect("event");
    sqlx::query(
        "INSERT INTO flight_recorder_delivery (event_id, job_id, job_sequence) \
         SELECT $1::uuid, $2::uuid, MAX(job_sequence) + 1 FROM flight_recorder_delivery WHERE job_id = $2::uuid",
    )
    .bind(&event_id)
    .bind(job_id.to_string())
    .execute(&mut *other)
    .await
    .expect("delivery");
    sqlx::query("UPDATE ai_jobs SET updated_at = updated_at WHERE job_id = $1::uuid")
        .bind(job_id.to_string())
        .execute(&mut *other)
        .await
        .expect("the job's row");
}

/// The numbers of the job's event order, in order.
async fn event_order(url: &str, job_id: JobId) -> Vec<i64> {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    sqlx::query_scalar(
        "SELECT job_sequence FROM flight_recorder_delivery WHERE job_id = $1::uuid ORDER BY job_sequence",
    )
    .bind(job_id.to_string())
    .fetch_all(&mut conn)
    .await
    .expect("event order")
}

/// The job row's `xmin`: which version of the row is current.
async fn row_version(url: &str, job_id: JobId) -> String {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    sqlx::query_scalar("SELECT CAST(xmin AS text) FROM ai_jobs WHERE job_id = $1::uuid")
        .bind(job_id.to_string())
        .fetch_one(&mut conn)
        .await
        .expect("xmin")
}

/// Starts the transition `running → awaiting_validation` of the job at `version`, through a store
/// of its own: one that has not written the job, so it reads it (no remembered job).
async fn spawn_transition(
    url: &str,
    id: JobId,
    version: u64,
) -> tokio::task::JoinHandle<Result<Transitioned, StoreError>> {
    let store = JobStore::open_postgres(url, 2, NoRequirements)
        .await
        .expect("open a second store");
    tokio::spawn(async move {
        let result = store
            .transition(plain_request(
                id,
                version,
                JobState::AwaitingValidation,
                "test.interleaved",
            ))
            .await;
        store.close().await;
        result
    })
}

/// A running job (its first attempt open) and its version.
async fn running_job(store: &JobStore) -> (JobId, u64) {
    let id = create_sample(store).await;
    let version = walk(store, id, 1, &[JobState::Running]).await;
    (id, version)
}

/// A transition reads the job, then another writer writes an event about it and commits before
/// the transition's write: the write, which numbered its event after the ones it read, must not
/// land (nor fail on the taken number); the transition is decided again under the lock and
/// numbers its events after the other writer's.
async fn a_write_after_the_read_sends_the_transition_round_again(db: &PgDb) {
    let store = db.store(4, NoRequirements).await;
    let (id, version) = running_job(&store).await;
    let before = event_order(&db.url, id).await;

    let mut other = hold_row_lock(&db.url, id).await;
    let transition = spawn_transition(&db.url, id, version).await;
    // The transition has read the job and its write now waits for the row.
    until_a_backend_waits_for_a_lock(&mut other).await;
    write_an_event_as_another_writer(&mut other, id).await;
    other.execute("COMMIT").await.expect("commit");

    let done = transition
        .await
        .expect("task")
        .expect("the transition is decided again and succeeds");
    assert_eq!(
        (done.from, done.to, done.version),
        (JobState::Running, JobState::AwaitingValidation, version + 1)
    );
    let after = event_order(&db.url, id).await;
    let expected: Vec<i64> = (1..=i64::try_from(before.len()).expect("count") + 2).collect();
    assert_eq!(
        after, expected,
        "the other writer's event, then the transition's, in one order without gaps"
    );
    let events = store.events(id).await.expect("events");
    let kinds: Vec<&str> = events
        .iter()
        .rev()
        .take(2)
        .map(|e| e.r#type.as_str())
        .collect();
    assert_eq!(kinds, [event_types::STATE_CHANGED, "test.other_writer"]);
    assert_eq!(
        store.history(id).await.expect("history").len() as u64,
        version + 1
    );
    store.close().await;
}

/// The store remembers the job it last wrote and starts its next transition from there, with
/// no read. Another writer (another process) writes an event about the job in between: the
/// transition must not trust what it remembered. Its write, guarded by the row's `xmin`, writes
/// nothing; the step is decided again on the job as stored and numbers its event after the
/// other writer's.
async fn a_remembered_job_another_writer_changed_is_read_again(db: &PgDb) {
    let store = db.store(4, NoRequirements).await;
    let (id, version) = running_job(&store).await;
    let before = event_order(&db.url, id).await;
    let mut other = PgConnection::connect(&db.url).await.expect("connect");
    other.execute("BEGIN").await.expect("begin");
    write_an_event_as_another_writer(&mut other, id).await;
    other.execute("COMMIT").await.expect("commit");

    let done = store
        .transition(plain_request(
            id,
            version,
            JobState::AwaitingValidation,
            "test.remembered",
        ))
        .await
        .expect("the transition is decided again on the job as stored");
    assert_eq!(done.version, version + 1);
    let expected: Vec<i64> = (1..=i64::try_from(before.len()).expect("count") + 2).collect();
    assert_eq!(event_order(&db.url, id).await, expected);
    // And the next one starts from what this one wrote.
    let next = store
        .transition(request_for(id, done.version, JobState::AwaitingUser))
        .await
        .expect("awaiting the user");
    assert_eq!(next.version, version + 2);
    assert_eq!(event_order(&db.url, id).await.len(), expected.len() + 1);
    store.close().await;
}

/// Another writer changes the job (a new version of its row, nothing else) between a
/// transition's read and its write, and the job's version stays: the transition still succeeds,
/// once, on the job as the other writer left it.
async fn a_change_of_the_row_alone_is_not_a_conflict(db: &PgDb) {
    let store = db.store(4, NoRequirements).await;
    let (id, version) = running_job(&store).await;
    let mut other = hold_row_lock(&db.url, id).await;
    let transition = spawn_transition(&db.url, id, version).await;
    until_a_backend_waits_for_a_lock(&mut other).await;
    sqlx::query(
        "UPDATE ai_jobs SET metrics = jsonb_set(metrics, '{duration_ms}', '77') WHERE job_id = $1::uuid",
    )
    .bind(id.to_string())
    .execute(&mut other)
    .await
    .expect("metrics");
    other.execute("COMMIT").await.expect("commit");
    let done = transition.await.expect("task").expect("transition");
    assert_eq!(done.version, version + 1);
    let job = store.get(id).await.expect("get").job;
    assert_eq!(job.state, JobState::AwaitingValidation);
    assert_eq!(
        job.metrics.duration_ms, 77,
        "the other writer's change is kept"
    );
    store.close().await;
}

/// A locking read that waited for another writer reads what that writer committed, not the
/// tables as they were when the read began. Here the other writer opened the job's next attempt
/// while `start_workflow_run` waited: it must see that attempt open and refuse
/// (`RunAlreadyOpen`), not open the same attempt again.
async fn a_lock_that_waited_reads_what_the_writer_committed(db: &PgDb) {
    let store = db.store(4, NoRequirements).await;
    let (id, _) = running_job(&store).await;
    // The crash recovery closes the first attempt as interrupted: the job may start the next.
    store.recover(ACTOR).await.expect("recover");
    assert_eq!(
        last_run(&store, id).await.status,
        WorkflowRunStatus::Interrupted
    );

    let mut other = hold_row_lock(&db.url, id).await;
    let start = tokio::spawn({
        let store = store.clone();
        async move { store.start_workflow_run(id, None, ACTOR).await }
    });
    until_a_backend_waits_for_a_lock(&mut other).await;
    let opened = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO ai_job_workflow_runs (workflow_run_id, job_id, attempt, status, started_at) \
         VALUES ($1::uuid, $2::uuid, 2, 'running', now())",
    )
    .bind(opened.to_string())
    .bind(id.to_string())
    .execute(&mut other)
    .await
    .expect("the next attempt");
    sqlx::query("UPDATE ai_jobs SET updated_at = updated_at WHERE job_id = $1::uuid")
        .bind(id.to_string())
        .execute(&mut other)
        .await
        .expect("the job's row");
    other.execute("COMMIT").await.expect("commit");

    match start.await.expect("task") {
        Err(StoreError::Model(ModelError::RunAlreadyOpen {
            workflow_run_id, ..
        })) => assert_eq!(workflow_run_id.to_string(), opened.to_string()),
        other => {
            panic!("expected RunAlreadyOpen for the attempt the other writer opened, got {other:?}")
        }
    }
    store.close().await;
}

/// Every store write about a job gives the job's row a new version, even one that changes none
/// of its columns (a run started, a checkpoint, an interrupted run): that version is what a
/// transition's write checks, so a write that skipped it would go unnoticed.
async fn every_write_about_a_job_makes_a_new_row_version(db: &PgDb) {
    let store = db.store(4, NoRequirements).await;
    let (id, _) = running_job(&store).await;
    let run = last_run(&store, id).await;

    let mut seen = row_version(&db.url, id).await;
    let mut changed = |what: &str, now: String| {
        assert_ne!(
            now, seen,
            "{what} must write a new version of the job's row"
        );
        seen = now;
    };
    store
        .checkpoint(id, run.workflow_run_id, &json!({ "node": "n1" }), ACTOR)
        .await
        .expect("checkpoint");
    changed("a checkpoint", row_version(&db.url, id).await);
    store.recover(ACTOR).await.expect("recover");
    changed("an interrupted run", row_version(&db.url, id).await);
    store
        .start_workflow_run(id, None, ACTOR)
        .await
        .expect("start the next attempt");
    changed("a run started", row_version(&db.url, id).await);

    store.close().await;
}

#[test]
fn optimistic_transitions_and_waiting_locks_on_postgres() {
    runtime().block_on(async {
        let Some(db) = PgDb::create().await else {
            return;
        };
        a_write_after_the_read_sends_the_transition_round_again(&db).await;
        a_change_of_the_row_alone_is_not_a_conflict(&db).await;
        a_remembered_job_another_writer_changed_is_read_again(&db).await;
        a_lock_that_waited_reads_what_the_writer_committed(&db).await;
        every_write_about_a_job_makes_a_new_row_version(&db).await;
        db.finish(&[]).await;
    });
}
