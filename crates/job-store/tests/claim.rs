//! Multi-worker claims: 8 workers claiming 1,000 queued jobs on Postgres (`FOR UPDATE SKIP LOCKED`)
//! each get distinct jobs, and every job is claimed exactly once. The same on an SQLite file.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::*;
use handshake_job_model::{JobId, JobState};
use handshake_job_store::{JobStore, REASON_CLAIMED, SqliteOptions, event_types};

async fn claim_all(store: JobStore, jobs: usize) {
    let mut created = BTreeSet::new();
    for _ in 0..jobs {
        created.insert(create_sample(&store).await);
    }
    let store = Arc::new(store);
    let mut workers = Vec::new();
    for w in 0..8 {
        let store = Arc::clone(&store);
        workers.push(tokio::spawn(async move {
            let name = format!("worker-{w}");
            let mut claimed: Vec<JobId> = Vec::new();
            while let Some(done) = store.claim_next_queued(&name).await.expect("claim") {
                assert_eq!((done.from, done.to), (JobState::Queued, JobState::Running));
                claimed.push(done.job_id);
            }
            (name, claimed)
        }));
    }
    let mut all = Vec::new();
    let mut per_worker = Vec::new();
    for worker in workers {
        let (name, claimed) = worker.await.expect("worker");
        per_worker.push((name, claimed.len()));
        all.extend(claimed);
    }
    let unique: BTreeSet<JobId> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        jobs,
        "every job claimed once in total: {per_worker:?}"
    );
    assert_eq!(unique, created, "no job claimed twice, none missed");
    for id in all.iter().take(50) {
        let history = store.history(*id).await.expect("history");
        let claims: Vec<_> = history
            .iter()
            .filter(|h| h.to_state == JobState::Running)
            .collect();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].reason.as_str(), REASON_CLAIMED);
        let events = store.events(*id).await.expect("events");
        let event = events
            .iter()
            .find(|e| e.event_id == claims[0].event_id)
            .expect("claim event");
        assert_eq!(event.r#type, event_types::STATE_CHANGED);
        assert!(
            event.payload.as_ref().expect("payload")["worker"]
                .as_str()
                .expect("worker")
                .starts_with("worker-")
        );
        assert_eq!(store.workflow_runs(*id).await.expect("runs").len(), 1);
    }
    assert!(
        store
            .claim_next_queued("late")
            .await
            .expect("claim")
            .is_none()
    );
}

#[test]
fn eight_workers_claim_a_thousand_jobs_on_postgres_exactly_once() {
    on_postgres(16, |store| async move {
        claim_all(store.clone(), 1000).await;
    });
}

#[test]
fn eight_workers_claim_on_an_sqlite_file_exactly_once() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let unsynced = SqliteOptions {
            synchronous_full: false,
            ..Default::default()
        };
        let store = sqlite_file_pool(&dir, 8, unsynced).await;
        claim_all(store, 200).await;
    });
}
