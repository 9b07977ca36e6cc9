//! Capability enforcement points (§2.6.6.5.2, §11.1) and commit rules (§2.6.6.3.3, §2.6.6.2.2,
//! §2.6.6.2.3, §2.6.6.7.0, §2.6.6.5.1), each allowed and refused, on SQLite and Postgres.

mod common;

use common::*;
use handshake_job_model::{
    AccessMode, ArtefactType, Decision, EntityRef, FlightRecorderEvent, JobId, JobState, Layer,
    ModelError, Selector, ValidationPhase,
};
use handshake_job_store::{
    CapabilityPolicy, CapabilityRegistry, Change, JobStore, NoRequirements, ProfilePolicy,
    REASON_CAPABILITY_DENIED, StoreError, TransitionRequest, event_types,
};
use serde_json::Value;

fn policy() -> ProfilePolicy {
    let mut registry = CapabilityRegistry::with_mandatory_axes();
    registry.register_axis("doc.write");
    ProfilePolicy::new(registry)
        // Axis-only grants: every scope of each axis (§11.1.3.1).
        .profile("full", &["fs.read", "doc.write", "fs.write"])
        .and_then(|p| p.profile("no_commit", &["fs.read:inputs", "doc.write:derived"]))
        .and_then(|p| p.profile("reader", &["fs.read"]))
        .and_then(|p| p.profile("nobody", &[]))
        .and_then(|p| {
            p.require(
                ValidationPhase::BeforeQueued,
                Some("doc_rewrite"),
                "fs.read:inputs",
            )
        })
        .and_then(|p| {
            p.require(
                ValidationPhase::AwaitingValidation,
                Some("doc_rewrite"),
                "doc.write:derived",
            )
        })
        .and_then(|p| {
            p.require(
                ValidationPhase::OnCommit,
                Some("doc_rewrite"),
                "fs.write:workspace",
            )
        })
        // An id that is not in the registry: every decision on it is HSK-4001.
        .and_then(|p| {
            p.require(
                ValidationPhase::BeforeQueued,
                Some("canvas_cluster"),
                "magic.power",
            )
        })
        .expect("valid policy")
}

fn on_both<P, F, Fut>(make_policy: fn() -> P, check: F)
where
    P: CapabilityPolicy,
    F: Fn(JobStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    runtime().block_on(async {
        check(sqlite_memory(make_policy()).await).await;
        if let Some(db) = PgDb::create().await {
            let store = db.store(4, make_policy()).await;
            check(store.clone()).await;
            db.finish(&[&store]).await;
        }
    });
}

fn profile(name: &'static str) -> impl FnOnce(&mut Value) {
    move |v| v["capability_profile_id"] = Value::from(name)
}

fn decision_events(events: &[FlightRecorderEvent]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter(|e| e.event_type == event_types::CAPABILITY_DECISION)
        .map(|e| {
            let p = e.payload.as_ref().expect("payload");
            (
                e.capability_id
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                p["enforcement_point"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                p["decision"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn d(capability: &str, point: &str, decision: &str) -> (String, String, String) {
    (capability.to_owned(), point.to_owned(), decision.to_owned())
}

/// Enforcement point 1, before `queued`: allowed jobs are queued with the decision recorded; a
/// denied job is never queued — it is stored as `failed` with the refusal recorded.
async fn before_queued(store: JobStore) {
    let allowed = store
        .create(job_with(profile("full")), ACTOR)
        .await
        .expect("create");
    assert_eq!(allowed.job.state, JobState::Queued);
    let result = allowed
        .job
        .capability_check_result
        .clone()
        .expect("decision stored");
    assert_eq!(result.outcome, Decision::Allowed);
    assert_eq!(result.decisions.len(), 1);
    assert_eq!(
        result.decisions[0].enforcement_point,
        ValidationPhase::BeforeQueued
    );
    let events = store.events(allowed.job.job_id).await.expect("events");
    assert_eq!(
        decision_events(&events),
        vec![d("fs.read:inputs", "before_queued", "allowed")]
    );
    assert_eq!(store.get(allowed.job.job_id).await.expect("get"), allowed);

    let job = job_with(profile("nobody"));
    let id = job.job_id;
    let error = store.create(job, ACTOR).await.expect_err("denied");
    assert!(
        matches!(
            &error,
            StoreError::Refused {
                state: JobState::Failed,
                version: 1,
                error: ModelError::CapabilityDenied {
                    enforcement_point: ValidationPhase::BeforeQueued,
                    ..
                },
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.code(), Some("HSK-JOB-3005"));
    let stored = store
        .get(id)
        .await
        .expect("the refused job is stored for audit");
    assert_eq!(stored.job.state, JobState::Failed);
    assert_eq!(
        stored.job.status_reason.code.as_str(),
        REASON_CAPABILITY_DENIED
    );
    assert_eq!(
        stored.job.error_summary.as_ref().map(|e| e.code.as_str()),
        Some("HSK-JOB-3005")
    );
    let result = stored.job.capability_check_result.expect("denial stored");
    assert_eq!(result.outcome, Decision::Denied);
    assert_eq!(
        result.decisions[0].error_code.as_ref().map(|c| c.as_str()),
        Some("HSK-JOB-3005")
    );
    let history = store.history(id).await.expect("history");
    assert_eq!(
        history.iter().map(|h| h.to_state).collect::<Vec<_>>(),
        vec![JobState::Failed],
        "never queued"
    );
    let events = store.events(id).await.expect("events");
    assert_eq!(
        decision_events(&events),
        vec![d("fs.read:inputs", "before_queued", "denied")]
    );

    // A retry re-runs the check: still denied, still failed, the new decision recorded.
    let error = store
        .retry(id, 1, why("retry.requested"), ACTOR)
        .await
        .expect_err("denied again");
    assert!(
        matches!(
            error,
            StoreError::Refused {
                state: JobState::Failed,
                version: 1,
                ..
            }
        ),
        "{error}"
    );
    let events = store.events(id).await.expect("events");
    assert_eq!(decision_events(&events).len(), 2);
    assert_eq!(
        store
            .get(id)
            .await
            .expect("get")
            .job
            .capability_check_result
            .expect("result")
            .decisions
            .len(),
        2
    );
}

#[test]
fn enforcement_point_before_queued() {
    on_both(policy, before_queued);
}

/// HSK-4001: a capability that is not in the registry is refused with UnknownCapability, recorded.
async fn unknown_capability(store: JobStore) {
    let job = job_with(|v| {
        v["job_kind"] = Value::from("canvas_cluster");
        v["capability_profile_id"] = Value::from("full");
    });
    let id = job.job_id;
    let error = store
        .create(job, ACTOR)
        .await
        .expect_err("unknown capability");
    assert!(
        matches!(error.model_error(), Some(ModelError::UnknownCapability { capability_id }) if capability_id == "magic.power")
    );
    assert_eq!(error.code(), Some("HSK-4001"));
    let events = store.events(id).await.expect("events");
    let decision = events
        .iter()
        .find(|e| e.event_type == event_types::CAPABILITY_DECISION)
        .expect("decision event");
    assert_eq!(
        decision.payload.as_ref().expect("payload")["error_code"],
        Value::from("HSK-4001")
    );
    assert_eq!(
        store.get(id).await.expect("get").job.state,
        JobState::Failed
    );
}

#[test]
fn unknown_capability_is_hsk_4001_and_recorded() {
    on_both(policy, unknown_capability);
}

/// Enforcement point 2, at `awaiting_validation`: allowed jobs enter it; a denied job moves to
/// `failed` instead, with the decision recorded.
async fn at_awaiting_validation(store: JobStore) {
    let id = store
        .create(job_with(profile("full")), ACTOR)
        .await
        .expect("create")
        .job
        .job_id;
    let version = walk(
        &store,
        id,
        1,
        &[JobState::Running, JobState::AwaitingValidation],
    )
    .await;
    assert_eq!(version, 3);
    let events = store.events(id).await.expect("events");
    assert_eq!(
        decision_events(&events),
        vec![
            d("fs.read:inputs", "before_queued", "allowed"),
            d("doc.write:derived", "awaiting_validation", "allowed")
        ]
    );

    let id = store
        .create(job_with(profile("reader")), ACTOR)
        .await
        .expect("create")
        .job
        .job_id;
    let version = walk(&store, id, 1, &[JobState::Running]).await;
    let error = store
        .transition(TransitionRequest::new(
            id,
            version,
            JobState::AwaitingValidation,
            why("executor.done"),
            ACTOR,
        ))
        .await
        .expect_err("denied");
    assert!(
        matches!(
            error,
            StoreError::Refused {
                state: JobState::Failed,
                version: 3,
                ..
            }
        ),
        "{error}"
    );
    let stored = store.get(id).await.expect("get");
    assert_eq!((stored.job.state, stored.version), (JobState::Failed, 3));
    let last = store
        .history(id)
        .await
        .expect("history")
        .pop()
        .expect("row");
    assert_eq!(
        (last.from_state, last.to_state, last.reason.as_str()),
        (
            Some(JobState::Running),
            JobState::Failed,
            REASON_CAPABILITY_DENIED
        )
    );
    let events = store.events(id).await.expect("events");
    assert_eq!(
        decision_events(&events),
        vec![
            d("fs.read:inputs", "before_queued", "allowed"),
            d("doc.write:derived", "awaiting_validation", "denied")
        ]
    );
    assert_eq!(
        stored.job.capability_check_result.expect("result").outcome,
        Decision::Denied
    );
}

#[test]
fn enforcement_point_awaiting_validation() {
    on_both(policy, at_awaiting_validation);
}

fn derived(entity: EntityRef) -> Change {
    Change {
        entity,
        layer: Layer::Derived,
    }
}

/// Enforcement point 3, on commit: allowed commits write provenance; a denied one writes none but
/// records the decision.
async fn on_commit(store: JobStore) {
    let job = store
        .create(job_with(profile("full")), ACTOR)
        .await
        .expect("create")
        .job;
    walk(&store, job.job_id, 1, &path_to(JobState::Completed)).await;
    let written = store
        .commit_changes(job.job_id, &[derived(doc_ref(&job))], ACTOR)
        .await
        .expect("commit");
    assert_eq!(written.len(), 1);
    let events = store.events(job.job_id).await.expect("events");
    assert_payloads_are_spec_records(&events);
    assert_eq!(
        decision_events(&events).last(),
        Some(&d("fs.write:workspace", "on_commit", "allowed"))
    );
    assert!(
        events
            .iter()
            .any(|e| e.event_type == event_types::CHANGES_COMMITTED)
    );

    let job = store
        .create(job_with(profile("no_commit")), ACTOR)
        .await
        .expect("create")
        .job;
    walk(&store, job.job_id, 1, &path_to(JobState::Completed)).await;
    let error = store
        .commit_changes(job.job_id, &[derived(doc_ref(&job))], ACTOR)
        .await
        .expect_err("denied");
    assert!(
        matches!(
            error,
            StoreError::Refused {
                state: JobState::Completed,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        store
            .provenance_of_job(job.job_id)
            .await
            .expect("provenance")
            .is_empty(),
        "nothing committed"
    );
    let events = store.events(job.job_id).await.expect("events");
    assert_eq!(
        decision_events(&events).last(),
        Some(&d("fs.write:workspace", "on_commit", "denied"))
    );
    assert!(
        !events
            .iter()
            .any(|e| e.event_type == event_types::CHANGES_COMMITTED)
    );
    assert_eq!(
        store.get(job.job_id).await.expect("get").job.state,
        JobState::Completed
    );
}

/// Every payload the store writes is a record of its event type as spec/events.yaml declares it
/// (§11.5): parsed by the generated type, so a missing key, an extra key or a `null` fails.
fn assert_payloads_are_spec_records(events: &[FlightRecorderEvent]) {
    use handshake_job_model::{
        AiJobCapabilityDecision, AiJobChangesCommitted, AiJobCreated, AiJobStateChanged,
        AiJobValidationRecorded, AiJobWorkflowRunStarted,
    };
    fn parses<T: serde::de::DeserializeOwned>(event: &FlightRecorderEvent) {
        let payload = event
            .payload
            .clone()
            .expect("every store event has a payload");
        if let Err(error) = serde_json::from_value::<T>(payload.clone()) {
            panic!(
                "{} payload {payload} is not its spec record: {error}",
                event.event_type
            );
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for event in events {
        match event.event_type.as_str() {
            event_types::CREATED => parses::<AiJobCreated>(event),
            event_types::STATE_CHANGED => parses::<AiJobStateChanged>(event),
            event_types::CAPABILITY_DECISION => parses::<AiJobCapabilityDecision>(event),
            event_types::WORKFLOW_RUN_STARTED => parses::<AiJobWorkflowRunStarted>(event),
            event_types::VALIDATION_RECORDED => parses::<AiJobValidationRecorded>(event),
            event_types::CHANGES_COMMITTED => parses::<AiJobChangesCommitted>(event),
            other => panic!("event type {other} has no spec record"),
        }
        seen.insert(event.event_type.clone());
    }
    assert!(seen.contains(event_types::CREATED) && seen.contains(event_types::CHANGES_COMMITTED));
}

#[test]
fn enforcement_point_on_commit() {
    on_both(policy, on_commit);
}

/// Asserts that committing `changes` is refused with `expected` and writes nothing at all.
async fn refused_commit(store: &JobStore, id: JobId, changes: &[Change], expected: ModelError) {
    let events = store.events(id).await.expect("events");
    let before = store.get(id).await.expect("get");
    let error = store
        .commit_changes(id, changes, ACTOR)
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, StoreError::Model(e) if *e == expected),
        "expected {expected}, got {error}"
    );
    assert!(
        store
            .provenance_of_job(id)
            .await
            .expect("provenance")
            .is_empty()
    );
    assert_eq!(store.events(id).await.expect("events"), events);
    assert_eq!(store.get(id).await.expect("get"), before);
}

/// §2.6.6.3.3: only completed / completed_with_issues commit; failed, cancelled, poisoned and every
/// non-final state never do.
async fn commit_only_when_completed(store: JobStore) {
    for state in JobState::ALL {
        let job = store.create(sample_job(), ACTOR).await.expect("create").job;
        walk(&store, job.job_id, 1, &path_to(state)).await;
        let changes = [derived(doc_ref(&job))];
        if matches!(state, JobState::Completed | JobState::CompletedWithIssues) {
            let written = store
                .commit_changes(job.job_id, &changes, ACTOR)
                .await
                .expect("commit");
            assert_eq!(written.len(), 1, "{state} commits");
        } else {
            refused_commit(
                &store,
                job.job_id,
                &changes,
                ModelError::CommitNotAllowed { state },
            )
            .await;
        }
    }
}

/// §2.6.6.3.3: a job commits once; the second commit is refused and writes nothing.
async fn commit_only_once(store: JobStore) {
    let job = store.create(sample_job(), ACTOR).await.expect("create").job;
    walk(&store, job.job_id, 1, &path_to(JobState::Completed)).await;
    let changes = [derived(doc_ref(&job))];
    store
        .commit_changes(job.job_id, &changes, ACTOR)
        .await
        .expect("first commit");
    let provenance = store
        .provenance_of_job(job.job_id)
        .await
        .expect("provenance");
    let events = store.events(job.job_id).await.expect("events");
    let error = store
        .commit_changes(job.job_id, &changes, ACTOR)
        .await
        .expect_err("second commit refused");
    assert!(
        matches!(&error, StoreError::Model(ModelError::AlreadyCommitted { job_id }) if *job_id == job.job_id),
        "got {error}"
    );
    assert_eq!(error.code(), Some("HSK-JOB-3006"));
    assert_eq!(
        store
            .provenance_of_job(job.job_id)
            .await
            .expect("provenance"),
        provenance
    );
    assert_eq!(store.events(job.job_id).await.expect("events"), events);
}

#[test]
fn a_job_commits_once() {
    on_both(|| NoRequirements, commit_only_once);
}

#[test]
fn commit_only_from_completed_states() {
    on_both(|| NoRequirements, commit_only_when_completed);
}

async fn completed_job(
    store: &JobStore,
    edit: impl FnOnce(&mut Value),
) -> handshake_job_model::AiJob {
    let job = store
        .create(job_with(edit), ACTOR)
        .await
        .expect("create")
        .job;
    walk(store, job.job_id, 1, &path_to(JobState::Completed)).await;
    job
}

/// §2.6.6.2.2 access modes, §2.6.6.2.3 entity_refs (listed or derivable), §2.6.6.7.0 layer_scope;
/// one violation refuses the whole commit; provenance is one query by entity.
async fn commit_scope(store: JobStore) {
    for (mode, access) in [
        ("analysis_only", AccessMode::AnalysisOnly),
        ("preview_only", AccessMode::PreviewOnly),
    ] {
        let job = completed_job(&store, |v| v["access_mode"] = Value::from(mode)).await;
        refused_commit(
            &store,
            job.job_id,
            &[derived(doc_ref(&job))],
            ModelError::AccessModeForbidsCommit {
                access_mode: access,
            },
        )
        .await;
    }

    let job = completed_job(&store, |_| {}).await;
    let doc = doc_ref(&job);
    let sheet = job
        .entity_refs
        .iter()
        .find(|r| r.artefact_type == ArtefactType::Sheet)
        .cloned()
        .expect("sheet ref");
    let outsider = EntityRef {
        artefact_type: ArtefactType::Doc,
        artefact_id: uuid::Uuid::now_v7(),
        selector: None,
    };
    let wrong_row = EntityRef {
        selector: Some(Selector::RowId {
            row_id: "r2".parse().expect("row id"),
        }),
        ..sheet.clone()
    };
    let whole_sheet = EntityRef {
        selector: None,
        ..sheet.clone()
    };
    let block = EntityRef {
        selector: Some(Selector::BlockId {
            block_id: "b7".parse().expect("block id"),
        }),
        ..doc.clone()
    };
    let out_of_scope = |e: &EntityRef| ModelError::EntityOutOfScope {
        artefact_type: e.artefact_type,
        artefact_id: e.artefact_id,
    };
    // One bad change among good ones refuses everything.
    refused_commit(
        &store,
        job.job_id,
        &[derived(doc.clone()), derived(outsider.clone())],
        out_of_scope(&outsider),
    )
    .await;
    // A ref with a selector covers that selector only, not other rows nor the whole sheet.
    refused_commit(
        &store,
        job.job_id,
        &[derived(wrong_row.clone())],
        out_of_scope(&wrong_row),
    )
    .await;
    refused_commit(
        &store,
        job.job_id,
        &[derived(whole_sheet.clone())],
        out_of_scope(&whole_sheet),
    )
    .await;
    // Default layer scope writes derived only.
    refused_commit(
        &store,
        job.job_id,
        &[Change {
            entity: doc.clone(),
            layer: Layer::Raw,
        }],
        ModelError::LayerNotWritable { layer: Layer::Raw },
    )
    .await;
    // A whole-document ref derives its blocks; the listed row itself is fine.
    let written = store
        .commit_changes(
            job.job_id,
            &[derived(block.clone()), derived(sheet.clone())],
            ACTOR,
        )
        .await
        .expect("commit");
    assert_eq!(written.len(), 2);

    // layer_scope.write widens what may be written.
    let raw_ok = completed_job(&store, |v| {
        v["layer_scope"] = serde_json::json!({ "write": ["raw", "derived"] })
    })
    .await;
    store
        .commit_changes(
            raw_ok.job_id,
            &[Change {
                entity: doc_ref(&raw_ok),
                layer: Layer::Raw,
            }],
            ACTOR,
        )
        .await
        .expect("raw is writable here");

    // §2.6.6.5.1: which job produced this entity.
    let provenance = store
        .provenance_of(ArtefactType::Doc, doc.artefact_id)
        .await
        .expect("provenance");
    assert_eq!(provenance.len(), 1);
    let p = &provenance[0];
    assert_eq!(
        (p.job_id, p.layer, &p.selector),
        (job.job_id, Layer::Derived, &block.selector)
    );
    assert_eq!(p.protocol_id, job.protocol_id);
    assert_eq!(
        (&p.planner_model_id, &p.executor_model_id),
        (&job.planner_model_id, &job.executor_model_id)
    );
    assert!(p.workflow_run_id.is_some());
}

#[test]
fn commit_stays_inside_entity_refs_layer_scope_and_access_mode() {
    on_both(|| NoRequirements, commit_scope);
}
