//! Lifecycle rules through the store, on SQLite and Postgres: every (from, to) pair, the version
//! race, retries, cancel, crash-recovery listing, list filters and paging.

mod common;

use std::sync::Arc;

use common::*;
use handshake_job_model::{ArtefactType, JobState, ModelError, WorkflowRunStatus};
use handshake_job_store::{
    JobFilter, JobStore, NoRequirements, SqliteOptions, StoreError, event_types,
};
use serde_json::Value;

/// §2.6.6.3.1: all 81 (from, to) pairs. Allowed ones succeed and leave exactly one history row and
/// one `ai_job.state_changed` event; refused ones return the typed error and change nothing.
async fn every_pair(store: JobStore) {
    let mut allowed = 0;
    for from in JobState::ALL {
        for to in JobState::ALL {
            let record = store.create(sample_job(), ACTOR).await.expect("create");
            let id = record.job.job_id;
            let version = walk(&store, id, 1, &path_to(from)).await;
            let before = store.get(id).await.expect("get");
            assert_eq!((before.job.state, before.version), (from, version));
            let history_before = store.history(id).await.expect("history");
            let events_before = store.events(id).await.expect("events");

            let mut request = request_for(id, version, to);
            request.reason = why("test.pair");
            let result = store.transition(request).await;
            let after = store.get(id).await.expect("get");
            let history = store.history(id).await.expect("history");
            let events = store.events(id).await.expect("events");
            if from.can_transition_to(to) {
                allowed += 1;
                let done =
                    result.unwrap_or_else(|e| panic!("{from} -> {to} is allowed but failed: {e}"));
                assert_eq!((done.from, done.to, done.version), (from, to, version + 1));
                assert_eq!((after.job.state, after.version), (to, version + 1));
                // every member the transition changes is written back, not only the state
                assert_eq!(after.job.status_reason, why("test.pair"), "{from} -> {to}");
                assert!(
                    after.job.updated_at > before.job.updated_at,
                    "{from} -> {to}"
                );
                assert_eq!(
                    after.job.completed_at.is_some(),
                    to.is_terminal(),
                    "completed_at on entering {to}"
                );
                assert_eq!(history.len(), history_before.len() + 1);
                let row = history.last().expect("new row");
                assert_eq!(
                    (row.sequence, row.from_state, row.to_state),
                    (version + 1, Some(from), to)
                );
                assert_eq!(row.event_id, done.event_id);
                assert_eq!(
                    events.len(),
                    events_before.len() + 1,
                    "{from} -> {to}: exactly one new event"
                );
                let event = events
                    .iter()
                    .find(|e| e.event_id == done.event_id)
                    .expect("the history row's event exists");
                assert_eq!(event.r#type, event_types::STATE_CHANGED);
                assert_eq!(event.job_id, Some(id));
                let payload = event.payload.as_ref().expect("payload");
                assert_eq!(payload["from_state"], Value::from(from.as_str()));
                assert_eq!(payload["to_state"], Value::from(to.as_str()));
                assert_eq!(payload["reason"], Value::from("test.pair"));
            } else {
                let error = result.expect_err(&format!("{from} -> {to} must be refused"));
                let expected = if from.is_terminal() {
                    ModelError::TerminalState { state: from }
                } else {
                    ModelError::IllegalTransition {
                        from_state: from,
                        to_state: to,
                    }
                };
                assert!(
                    matches!(&error, StoreError::Model(e) if *e == expected),
                    "{from} -> {to}: {error}"
                );
                assert_eq!(
                    after, before,
                    "{from} -> {to}: a refused transition changes nothing"
                );
                assert_eq!(history, history_before);
                assert_eq!(events, events_before);
            }
        }
    }
    assert_eq!(allowed, JobState::TRANSITIONS.len());
}

#[test]
fn every_state_pair_through_the_store() {
    on_both(|| NoRequirements, every_pair);
}

/// §2.6.6.3 optimistic concurrency: 16 tasks transition the same job from the same version;
/// exactly one wins, the others get `VersionConflict`, and history has one new row.
async fn race(store: JobStore) {
    let store = Arc::new(store);
    let record = store.create(sample_job(), ACTOR).await.expect("create");
    let id = record.job.job_id;
    let version = walk(&store, id, 1, &[JobState::Running]).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = Arc::clone(&store);
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .transition(plain_request(
                    id,
                    version,
                    JobState::AwaitingValidation,
                    "test.race",
                ))
                .await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(done) => {
                wins += 1;
                assert_eq!(done.version, version + 1);
            }
            Err(StoreError::Model(ModelError::VersionConflict {
                expected_version,
                actual_version,
                ..
            })) => {
                assert_eq!((expected_version, actual_version), (version, version + 1));
            }
            Err(other) => panic!("a loser must get VersionConflict, got {other}"),
        }
    }
    assert_eq!(wins, 1, "exactly one writer wins");
    let history = store.history(id).await.expect("history");
    assert_eq!(history.len() as u64, version + 1, "one new history row");
    assert_eq!(
        store.get(id).await.expect("get").job.state,
        JobState::AwaitingValidation
    );
}

#[test]
fn sixteen_racers_one_winner() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = sqlite_file_pool(&dir, 16, SqliteOptions::default()).await;
        race(store).await;
        if let Some(db) = PgDb::create().await {
            let store = db.store(16, NoRequirements).await;
            race(store.clone()).await;
            db.finish(&[&store]).await;
        }
    });
}

/// A stale version is refused before anything is written, even for a legal transition.
async fn stale_version(store: JobStore) {
    let id = create_sample(&store).await;
    let before = store.get(id).await.expect("get");
    refused_with(
        store
            .transition(plain_request(id, 7, JobState::Running, "test.stale"))
            .await,
        "HSK-JOB-2004",
    );
    assert_eq!(store.get(id).await.expect("get"), before);
    let missing = handshake_job_model::JobId::new();
    let error = store
        .transition(plain_request(missing, 1, JobState::Running, "test.missing"))
        .await
        .expect_err("missing job");
    assert!(
        matches!(error, StoreError::Model(ModelError::JobNotFound { job_id }) if job_id == missing)
    );
}

#[test]
fn stale_version_and_missing_job_are_refused() {
    on_both(|| NoRequirements, stale_version);
}

/// §2.6.6.4, §2.6.6.3.2: a retry keeps the job id and the next run opens the next attempt;
/// poisoned jobs are never retried and the refusal writes nothing.
async fn retries(store: JobStore) {
    let id = create_sample(&store).await;
    let version = walk(&store, id, 1, &[JobState::Running, JobState::Failed]).await;
    let runs = store.workflow_runs(id).await.expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].attempt, runs[0].status),
        (1, WorkflowRunStatus::Failed)
    );

    let retried = store
        .retry(id, version, why("retry.requested"), ACTOR)
        .await
        .expect("retry");
    assert_eq!(
        (retried.from, retried.to),
        (JobState::Failed, JobState::Queued)
    );
    // The retry opens no attempt: the job waits in the queue between attempts.
    assert_eq!(retried.workflow_run_id, None);
    assert_eq!(store.workflow_runs(id).await.expect("runs").len(), 1);
    // Entering running opens attempt 2.
    let running = store
        .transition(plain_request(
            id,
            retried.version,
            JobState::Running,
            "test.run",
        ))
        .await
        .expect("run");
    let runs = store.workflow_runs(id).await.expect("runs");
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[1].attempt, runs[1].status),
        (2, WorkflowRunStatus::Running)
    );
    assert_eq!(running.workflow_run_id, Some(runs[1].workflow_run_id));

    let version = walk(&store, id, running.version, &[JobState::Poisoned]).await;
    let before = store.get(id).await.expect("get");
    let history = store.history(id).await.expect("history");
    let error = store
        .retry(id, version, why("retry.requested"), ACTOR)
        .await
        .expect_err("poisoned");
    assert!(
        matches!(error, StoreError::Model(ModelError::RetryPoisoned { job_id }) if job_id == id)
    );
    assert_eq!(error.code(), Some("HSK-JOB-2003"));
    assert_eq!(store.get(id).await.expect("get"), before);
    assert_eq!(store.history(id).await.expect("history"), history);

    // A retry of a job that is not failed is the table's refusal.
    let other = create_sample(&store).await;
    refused_with(
        store.retry(other, 1, why("retry.requested"), ACTOR).await,
        "HSK-JOB-2001",
    );
}

#[test]
fn retry_opens_a_new_attempt_and_poisoned_is_never_retried() {
    on_both(|| NoRequirements, retries);
}

/// §2.6.6.3.2: cancel works before completion, never on a terminal job (a cancel can no longer
/// overwrite a completed job).
async fn cancels(store: JobStore) {
    let id = create_sample(&store).await;
    let done = store
        .cancel(
            id,
            1,
            why("user.cancelled"),
            handshake_job_model::FlightRecorderActor::Human,
        )
        .await
        .expect("cancel");
    assert_eq!(done.to, JobState::Cancelled);
    let completed = create_sample(&store).await;
    let version = walk(&store, completed, 1, &path_to(JobState::Completed)).await;
    let error = store
        .cancel(completed, version, why("user.cancelled"), ACTOR)
        .await
        .expect_err("terminal");
    assert!(matches!(
        error,
        StoreError::Model(ModelError::TerminalState {
            state: JobState::Completed
        })
    ));
    assert_eq!(
        store.get(completed).await.expect("get").job.state,
        JobState::Completed
    );
}

#[test]
fn cancel_never_overwrites_a_terminal_job() {
    on_both(|| NoRequirements, cancels);
}

/// §2.6.6.4 crash recovery: every non-terminal job is listed with its last run; terminal ones are not.
async fn recovery_listing(store: JobStore) {
    let mut expected = Vec::new();
    for target in JobState::ALL {
        let id = create_sample(&store).await;
        walk(&store, id, 1, &path_to(target)).await;
        if !target.is_terminal() {
            expected.push((id, target));
        }
    }
    let recoverable = store.recoverable_jobs().await.expect("recoverable");
    let got: Vec<_> = recoverable
        .iter()
        .map(|r| (r.job.job.job_id, r.job.job.state))
        .collect();
    assert_eq!(got, expected);
    for r in &recoverable {
        let runs = store.workflow_runs(r.job.job.job_id).await.expect("runs");
        assert_eq!(
            r.last_run,
            runs.last().cloned(),
            "last run of a {} job",
            r.job.job.state
        );
    }
}

#[test]
fn recoverable_jobs_are_every_non_terminal_job_with_its_last_run() {
    on_both(|| NoRequirements, recovery_listing);
}

/// Filters (state, kind, workspace, entity, parent) and keyset paging by (created_at, job_id).
async fn listing(store: JobStore) {
    let parent = store.create(sample_job(), ACTOR).await.expect("create").job;
    let mut children = Vec::new();
    for i in 0..5 {
        let job = job_with(|v| {
            v["parent_job_id"] = Value::from(parent.job_id.to_string());
            v["workspace_scope"]["workspace_id"] =
                Value::from(parent.workspace_scope.workspace_id.to_string());
            if i % 2 == 1 {
                v["job_kind"] = Value::from("sheet_transform");
                // Its Docs & Sheets inputs name the sheet it transforms (HSK-RULE-PRF-031).
                v["job_inputs"]["sheet_id"] = v["entity_refs"][1]["artefact_id"].clone();
            }
        });
        children.push(store.create(job, ACTOR).await.expect("create child").job);
    }
    walk(&store, children[0].job_id, 1, &[JobState::Running]).await;

    let by_parent = JobFilter {
        parent_job_id: Some(parent.job_id),
        ..Default::default()
    };
    let all = listed(&store, &by_parent).await;
    assert_eq!(all, children.iter().map(|c| c.job_id).collect::<Vec<_>>());

    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list(&by_parent, cursor.as_ref(), 2)
            .await
            .expect("page");
        paged.extend(page.jobs.iter().map(|r| r.job.job_id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, all, "pages cover the list once, in order");

    let sheets = JobFilter {
        job_kind: Some("sheet_transform".into()),
        ..by_parent.clone()
    };
    assert_eq!(listed(&store, &sheets).await.len(), 2);
    let running = JobFilter {
        state: Some(JobState::Running),
        ..by_parent.clone()
    };
    assert_eq!(listed(&store, &running).await, vec![children[0].job_id]);
    let workspace = JobFilter {
        workspace_id: Some(parent.workspace_scope.workspace_id),
        ..Default::default()
    };
    assert_eq!(listed(&store, &workspace).await.len(), 6);
    let doc = doc_ref(&children[3]);
    let entity = JobFilter {
        entity: Some((ArtefactType::Doc, doc.artefact_id)),
        ..Default::default()
    };
    let found = store.list(&entity, None, 100).await.expect("list").jobs;
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].job, children[3],
        "a listed job round-trips exactly"
    );
}

/// The ids of the jobs `filter` lists (one page of up to 100), in list order.
async fn listed(store: &JobStore, filter: &JobFilter) -> Vec<handshake_job_model::JobId> {
    let page = store.list(filter, None, 100).await.expect("list");
    page.jobs.iter().map(|r| r.job.job_id).collect()
}

#[test]
fn list_filters_and_pages() {
    on_both(|| NoRequirements, listing);
}

/// The stored job is the generated record, round-tripped exactly (entity refs in order).
async fn round_trip(store: JobStore) {
    let created = store.create(sample_job(), ACTOR).await.expect("create");
    let got = store.get(created.job.job_id).await.expect("get");
    assert_eq!(got, created);
    let history = store.history(created.job.job_id).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(
        (
            history[0].sequence,
            history[0].from_state,
            history[0].to_state
        ),
        (1, None, JobState::Queued)
    );
    let events = store.events(created.job.job_id).await.expect("events");
    assert_eq!(events.len(), 2, "the creation and the job's inputs");
    assert_eq!(events[0].r#type, event_types::CREATED);
    assert_eq!(events[1].r#type, event_types::INPUTS_RECORDED);
    assert_eq!(events[0].event_id, history[0].event_id);
    assert_eq!(
        events[0].wsids,
        Some(vec![created.job.workspace_scope.workspace_id.to_string()])
    );
    // A new job must start in the lifecycle's initial state.
    refused_with(
        store
            .create(job_with(|v| v["state"] = Value::from("running")), ACTOR)
            .await,
        "HSK-JOB-1001",
    );
}

#[test]
fn create_round_trips_the_generated_record() {
    on_both(|| NoRequirements, round_trip);
}
