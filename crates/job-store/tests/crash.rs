//! Crash recovery (§2.6.6.4): a child process doing a burst of transitions, completions with
//! change sets and checkpoints on an SQLite file (WAL) is killed with SIGKILL; afterwards no
//! transition is half-written: every job's state equals its last history row, history replays
//! through the table, every history row has its event, provenance exists only for completed
//! jobs, and recovery marks every attempt the crash cut short `interrupted`.
//!
//! The child is this test binary re-executed with `HANDSHAKE_JOB_STORE_CRASH_CHILD` set.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use handshake_job_model::{JobState, Layer, ModelError, WorkflowRunStatus};
use handshake_job_store::{Change, JobStore, NoRequirements, SqliteOptions, StoreError};

const CHILD_ENV: &str = "HANDSHAKE_JOB_STORE_CRASH_CHILD";
const TEST_NAME: &str = "sigkill_mid_burst_leaves_no_half_written_transition";

/// The child: 4 tasks creating jobs and moving them around the lifecycle forever.
async fn burst(path: &str) {
    let options = SqliteOptions {
        max_connections: 4,
        ..Default::default()
    };
    let store = JobStore::open_sqlite(path, options, NoRequirements)
        .await
        .expect("child opens the store");
    let mut tasks = Vec::new();
    for t in 0..4u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                let id = create_sample(&store).await;
                let mut version = 1;
                // running → awaiting_validation → awaiting_user → running … then a final state.
                let mut path = vec![JobState::Running];
                for _ in 0..(n % 4) {
                    path.extend([
                        JobState::AwaitingValidation,
                        JobState::AwaitingUser,
                        JobState::Running,
                    ]);
                }
                match (n + t) % 4 {
                    0 => path.push(JobState::Failed),
                    1 => path.push(JobState::Cancelled),
                    2 => path.push(JobState::AwaitingValidation),
                    _ => path.extend([JobState::AwaitingValidation, JobState::Completed]),
                }
                let doc = store.get(id).await.expect("get").job.entity_refs[0].clone();
                for to in path {
                    if to == JobState::AwaitingValidation {
                        let run = last_run(&store, id).await;
                        store
                            .checkpoint(
                                id,
                                run.workflow_run_id,
                                &serde_json::json!({ "node": n }),
                                ACTOR,
                            )
                            .await
                            .expect("checkpoint");
                    }
                    let mut request = request_for(id, version, to);
                    if to == JobState::Completed {
                        request = request.with_changes(vec![Change {
                            entity: doc.clone(),
                            layer: Layer::Derived,
                        }]);
                    }
                    match store.transition(request).await {
                        Ok(done) => version = done.version,
                        Err(StoreError::Model(ModelError::VersionConflict { .. })) => break,
                        Err(e) => panic!("child transition failed: {e}"),
                    }
                }
                n += 1;
                if n == 5 && t == 0 {
                    println!("\nchild-ready");
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

/// The shared invariants ([`assert_invariants`]: state = last history row, every row has its
/// event, no provenance without its completion, one open run at most), then what a crash adds:
/// each completed job committed its one change, and recovery leaves no attempt open, marking the
/// running jobs' attempts interrupted.
async fn check_consistent(store: &JobStore) -> usize {
    let jobs = assert_invariants(store).await;
    let all = all_jobs(store).await;
    for record in &all {
        let provenance = provenance(store, record.job.job_id).await;
        let completed = record.job.state == JobState::Completed;
        assert_eq!(
            provenance.len(),
            usize::from(completed),
            "{}",
            record.job.state
        );
    }
    let recoverable = store.recover(ACTOR).await.expect("recover");
    let non_terminal = all.iter().filter(|r| !r.job.state.is_terminal()).count();
    assert_eq!(recoverable.len(), non_terminal);
    for job in &recoverable {
        if let Some(run) = &job.last_run {
            assert!(
                run.finished_at.is_some(),
                "no attempt stays open after recovery"
            );
            if job.job.job.state == JobState::Running {
                assert_eq!(run.status, WorkflowRunStatus::Interrupted);
            }
        }
    }
    jobs
}

#[test]
fn sigkill_mid_burst_leaves_no_half_written_transition() {
    let Some(dir) = parent_tempdir(CHILD_ENV, |path| async move { burst(&path).await }) else {
        return;
    };
    let db = dir.path().join("crash.db");
    let exe = std::env::current_exe().expect("test binary");
    let mut jobs_seen = 0;
    for round in 0..3u64 {
        let mut child = Command::new(&exe)
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("child stdout");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("child-ready") => break,
                Some(Ok(_)) => continue,
                _ => panic!("child exited before it was ready (round {round})"),
            }
        }
        std::thread::sleep(Duration::from_millis(150 + 70 * round));
        child.kill().expect("SIGKILL the child"); // SIGKILL on Unix: no destructor, no rollback
        let status = child.wait().expect("reap child");
        assert!(!status.success());

        let jobs = runtime().block_on(async {
            let store = JobStore::open_sqlite(&db, SqliteOptions::default(), NoRequirements)
                .await
                .expect("reopen after crash");
            // A connection of its own, beside the store's (SQLite checks the file, not a pool).
            let integrity: String = rusqlite::Connection::open(&db)
                .and_then(|conn| conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)))
                .expect("integrity");
            assert_eq!(integrity, "ok");
            let jobs = check_consistent(&store).await;
            store.close().await;
            jobs
        });
        assert!(jobs > jobs_seen, "round {round}: the child made progress");
        jobs_seen = jobs;
    }
}
