//! What §2.6.6 says happens to a job, enforced where jobs are stored, on SQLite and Postgres:
//! every write runs the spec's rules (§2.6.6.2–§2.6.6.3.2), `profile_id` is bound to the job
//! kind's profile and its capabilities reach the checks (§2.6.6.6, §2.6.6.5.2), scope holds at
//! creation (§2.6.6.2.3), retries and attempts are bounded and checkpoints persist (§2.6.6.4),
//! and every record reaches the Flight Recorder under the job's span (§2.6.6.2.7, §11.5).
//!
//! Each refusal is asserted with its stable code, and with nothing written.

mod common;

use std::collections::BTreeMap;

use common::*;
use handshake_job_model::{
    AiJobModelCall, FlightRecorderEvent, JobMetrics, JobState, ModelError, ValidationPhase,
    WorkflowRunStatus,
};
use handshake_job_store::{
    JobRecord, JobStore, NoRequirements, ProfilePolicy, StoreError, event_types,
};
use serde_json::{Value, json};

/// Everything a refused call could have written, to compare before and after.
async fn snapshot(store: &JobStore, job: &JobRecord) -> impl PartialEq + std::fmt::Debug {
    let id = job.job.job_id;
    (
        store.get(id).await.expect("get"),
        store.history(id).await.expect("history"),
        store.events(id).await.expect("events"),
        store.workflow_runs(id).await.expect("runs"),
        store.provenance_of_job(id).await.expect("provenance"),
    )
}

/// Asserts `result` is a refusal by the spec rule `code`.
fn refused_by_rule<T: std::fmt::Debug>(result: Result<T, StoreError>, code: &str) {
    match result {
        Err(error @ StoreError::Rule { .. }) => assert_eq!(error.code(), Some(code), "{error}"),
        other => panic!("expected rule {code}, got {other:?}"),
    }
}

/// A sample job at `state` (walked there with valid requests).
async fn job_in(store: &JobStore, state: JobState) -> JobRecord {
    let created = store.create(sample_job(), ACTOR).await.expect("create");
    let path = path_to(state);
    let version = walk(store, created.job.job_id, 1, &path).await;
    let record = store.get(created.job.job_id).await.expect("get");
    assert_eq!(record.version, version);
    record
}

// ----- item 2: the store runs the generated rules on every write ------------------------------

async fn creation_runs_the_rules(store: JobStore) {
    // HSK-RULE-0101: an analysis_only job plans no operation.
    let job = job_with(|v| {
        v["access_mode"] = json!("analysis_only");
        v["planned_operations"] = json!([{ "op": "update_metadata", "target": v["entity_refs"][0].clone(), "metadata": { "k": "v" } }]);
    });
    let id = job.job_id;
    refused_by_rule(store.create(job, ACTOR).await, "HSK-RULE-0101");
    assert!(matches!(
        store.get(id).await,
        Err(StoreError::Model(ModelError::JobNotFound { .. }))
    ));
    // §2.6.6.6.4: a doc_rewrite carries its DocsAiJobProfile (a profile binding rule).
    let job = job_with(|v| {
        v.as_object_mut().expect("object").remove("job_inputs");
    });
    let error = store.create(job, ACTOR).await.expect_err("no docs profile");
    assert!(
        error.code().is_some_and(|c| c.starts_with("HSK-RULE-")),
        "{error}"
    );
    // The fixtures the store tests use are valid jobs.
    assert_eq!(rule_codes(&sample_job()), Vec::<&str>::new());
    for kind in handshake_job_model::JobKind::ALL {
        assert_eq!(
            rule_codes(&job_of_kind(kind.as_str())),
            Vec::<&str>::new(),
            "{kind}"
        );
    }
}

#[test]
fn creation_refuses_a_job_that_breaks_a_rule() {
    on_both(|| NoRequirements, creation_runs_the_rules);
}

/// A state, a way to spoil the request that enters it, and the rule that then refuses it.
type Spoiled = (
    JobState,
    fn(&mut handshake_job_store::TransitionRequest),
    &'static str,
);

/// §2.6.6.3.2 states, as rules the store runs on each transition: completed needs a passing
/// validation result, completed_with_issues warnings, awaiting_user a validator's request,
/// failed and poisoned an error summary, poisoned a non-retryable one.
async fn states_imply_their_records(store: JobStore) {
    let cases: [Spoiled; 6] = [
        (
            JobState::Completed,
            |r| r.validation_result = None,
            "HSK-RULE-0107",
        ),
        (
            JobState::Completed,
            |r| r.validation_result = Some(validation("warned")),
            "HSK-RULE-0107",
        ),
        (
            JobState::CompletedWithIssues,
            |r| r.warnings.clear(),
            "HSK-RULE-0108",
        ),
        (
            JobState::AwaitingUser,
            |r| r.validation_result = Some(validation("passed")),
            "HSK-RULE-0109",
        ),
        (
            JobState::Failed,
            |r| r.error_summary = None,
            "HSK-RULE-0110",
        ),
        (
            JobState::Poisoned,
            |r| r.error_summary = Some(error("HSK-JOB-9002", true)),
            "HSK-RULE-0111",
        ),
    ];
    for (to, spoil, code) in cases {
        let from = if matches!(to, JobState::Failed | JobState::Poisoned) {
            JobState::Running
        } else {
            JobState::AwaitingValidation
        };
        let record = job_in(&store, from).await;
        let before = snapshot(&store, &record).await;
        let mut request = request_for(record.job.job_id, record.version, to);
        spoil(&mut request);
        refused_by_rule(store.transition(request).await, code);
        assert_eq!(
            snapshot(&store, &record).await,
            before,
            "{to}: nothing written"
        );
        // The same transition with what the rule asks for goes through.
        store
            .transition(request_for(record.job.job_id, record.version, to))
            .await
            .unwrap_or_else(|e| panic!("{to}: {e}"));
    }
    // A validation result recorded while awaiting the user must still ask for the user.
    let record = job_in(&store, JobState::AwaitingUser).await;
    let before = snapshot(&store, &record).await;
    refused_by_rule(
        store
            .record_validation_result(record.job.job_id, &validation("passed"), ACTOR)
            .await,
        "HSK-RULE-0109",
    );
    assert_eq!(snapshot(&store, &record).await, before);
}

#[test]
fn each_state_carries_what_the_spec_says_it_means() {
    on_both(|| NoRequirements, states_imply_their_records);
}

// ----- item 3: profile_id is bound, and its capabilities reach the checks --------------------

async fn profile_binding(store: JobStore) {
    // A docs kind naming the ASR profile: the docs_sheets profile_id binding.
    let job = job_with(|v| v["profile_id"] = json!("asr_transcribe_v0.1"));
    refused_by_rule(store.create(job, ACTOR).await, "HSK-RULE-PRF-050");
    // A profile id no profile has.
    let job = job_with(|v| v["profile_id"] = json!("docs_sheets_ai_v9"));
    let error = store.create(job, ACTOR).await.expect_err("unknown profile");
    assert!(
        matches!(error, StoreError::Rule { ref violations } if violations.iter().any(|v| v.rule == "profile_id_is_registered")),
        "{error}"
    );
    assert!(error.code().is_some_and(|c| c.starts_with("HSK-RULE-")));
}

#[test]
fn profile_id_is_the_profile_of_the_job_kind() {
    on_both(|| NoRequirements, profile_binding);
}

/// `ProfilePolicy::spec_default`: each job is asked for what its profile declares (all of it
/// before queued and at awaiting_validation, the write capabilities on commit) and granted it.
async fn spec_policy_requires_the_declared_capabilities(store: JobStore) {
    let record = store.create(sample_job(), ACTOR).await.expect("create");
    let declared = record.job.job_kind.profile().capabilities;
    let decided = |record: &JobRecord, point: ValidationPhase| -> Vec<String> {
        record
            .job
            .capability_check_result
            .as_ref()
            .map(|r| {
                r.decisions
                    .iter()
                    .filter(|d| d.enforcement_point == point)
                    .map(|d| d.capability_id.to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(decided(&record, ValidationPhase::BeforeQueued), declared);
    let id = record.job.job_id;
    let version = walk(
        &store,
        id,
        1,
        &[JobState::Running, JobState::AwaitingValidation],
    )
    .await;
    let change = handshake_job_store::Change {
        entity: doc_ref(&record.job),
        layer: handshake_job_model::Layer::Derived,
    };
    store
        .transition(request_for(id, version, JobState::Completed).with_changes(vec![change]))
        .await
        .expect("a well-formed job of its profile passes every point");
    let done = store.get(id).await.expect("get");
    assert_eq!(
        decided(&done, ValidationPhase::AwaitingValidation),
        declared
    );
    let writes: Vec<&str> = declared
        .iter()
        .copied()
        .filter(|c| c.ends_with(".write"))
        .collect();
    assert_eq!(decided(&done, ValidationPhase::OnCommit), writes);
}

#[test]
fn the_default_policy_requires_and_grants_what_the_profile_declares() {
    on_both(
        ProfilePolicy::spec_default,
        spec_policy_requires_the_declared_capabilities,
    );
}

fn reader_grants() -> ProfilePolicy {
    let grants = BTreeMap::from([(
        "docs_editor_default".to_owned(),
        vec!["doc.read".to_owned(), "sheet.read".to_owned()],
    )]);
    ProfilePolicy::spec_with_grants(grants).expect("grants of registered axes")
}

/// With grants that lack a declared capability, the basic check before queued refuses the job.
async fn missing_grant_is_refused_before_queued(store: JobStore) {
    let job = sample_job();
    let (id, error) = refused_creation(&store, job, "doc.write missing").await;
    assert_denied_at(&error, ValidationPhase::BeforeQueued);
    let stored = store.get(id).await.expect("stored for audit");
    let denied: Vec<String> = stored
        .job
        .capability_check_result
        .expect("decisions")
        .decisions
        .iter()
        .filter(|d| d.error_code.is_some())
        .map(|d| d.capability_id.to_string())
        .collect();
    assert_eq!(denied, ["doc.write", "sheet.write"]);
    // An unregistered grant in a policy file is HSK-4001.
    let bad = BTreeMap::from([("p".to_owned(), vec!["magic.power".to_owned()])]);
    assert_eq!(
        ProfilePolicy::spec_with_grants(bad)
            .expect_err("unknown")
            .code(),
        "HSK-4001"
    );
}

#[test]
fn grants_that_miss_a_declared_capability_refuse_the_job() {
    on_both(reader_grants, missing_grant_is_refused_before_queued);
}

// ----- item 5: scope at creation -----------------------------------------------------------

async fn scope_at_creation(store: JobStore) {
    // An operation whose target entity is not listed in, nor derivable from, entity_refs.
    let job = job_with(|v| {
        v["planned_operations"] = json!([{
            "op": "update_metadata",
            "target": { "artefact_type": "doc", "artefact_id": uuid::Uuid::now_v7() },
            "metadata": { "title": "x" }
        }]);
    });
    refused_by_rule(store.create(job, ACTOR).await, "HSK-RULE-0112");
    // The same operation on a listed entity is accepted.
    let job = job_with(|v| {
        v["planned_operations"] = json!([{
            "op": "update_metadata",
            "target": v["entity_refs"][0].clone(),
            "metadata": { "title": "x" }
        }]);
    });
    store.create(job, ACTOR).await.expect("a listed target");
    // An entity ref outside the documents the workspace scope narrows to.
    let job = job_with(|v| {
        v["workspace_scope"]["document_ids"] = json!([uuid::Uuid::now_v7()]);
    });
    refused_by_rule(store.create(job, ACTOR).await, "HSK-RULE-0118");
}

#[test]
fn planned_targets_and_entity_refs_stay_in_scope_at_creation() {
    on_both(|| NoRequirements, scope_at_creation);
}

// ----- item 7: retries, attempts, one open run, recovery, checkpoints -----------------------

async fn retries_and_attempts(store: JobStore) {
    // A failure that says a retry cannot succeed.
    let record = job_in(&store, JobState::Running).await;
    let id = record.job.job_id;
    let failed = store
        .transition(
            request_for(id, record.version, JobState::Failed)
                .with_error(error("HSK-JOB-9003", false)),
        )
        .await
        .expect("fail");
    let record = store.get(id).await.expect("get");
    let before = snapshot(&store, &record).await;
    refused_with(
        store
            .retry(id, failed.version, why("retry.requested"), ACTOR)
            .await,
        "HSK-JOB-2006",
    );
    assert_eq!(snapshot(&store, &record).await, before);

    // max_attempts bounds the attempts: two runs, then the retry is refused.
    let job = job_with(|v| v["runtime_config"] = json!({ "max_attempts": 2 }));
    let id = store.create(job, ACTOR).await.expect("create").job.job_id;
    let mut version = walk(&store, id, 1, &[JobState::Running, JobState::Failed]).await;
    version = store
        .retry(id, version, why("retry.requested"), ACTOR)
        .await
        .expect("second attempt allowed")
        .version;
    version = walk(&store, id, version, &[JobState::Running, JobState::Failed]).await;
    let record = store.get(id).await.expect("get");
    let before = snapshot(&store, &record).await;
    let error = store
        .retry(id, version, why("retry.requested"), ACTOR)
        .await
        .expect_err("attempts exhausted");
    assert_eq!(
        error.model_error(),
        Some(&ModelError::AttemptsExhausted {
            job_id: id,
            attempts: 2,
            max_attempts: 2
        })
    );
    assert_eq!(error.code(), Some("HSK-JOB-2007"));
    assert_eq!(snapshot(&store, &record).await, before);
    let runs = store.workflow_runs(id).await.expect("runs");
    assert_eq!(
        runs.iter()
            .map(|r| (r.attempt, r.status))
            .collect::<Vec<_>>(),
        [
            (1, WorkflowRunStatus::Failed),
            (2, WorkflowRunStatus::Failed)
        ]
    );
    // A retry clears the failed attempt's error from the job (the history keeps it).
    let record = job_in(&store, JobState::Failed).await;
    store
        .retry(
            record.job.job_id,
            record.version,
            why("retry.requested"),
            ACTOR,
        )
        .await
        .expect("retry");
    let retried = store.get(record.job.job_id).await.expect("get");
    assert_eq!(retried.job.state, JobState::Queued);
    assert_eq!(retried.job.error_summary, None);
}

#[test]
fn retries_respect_retryable_and_max_attempts() {
    on_both(|| NoRequirements, retries_and_attempts);
}

async fn one_open_run_recovery_and_checkpoints(store: JobStore) {
    let record = job_in(&store, JobState::Running).await;
    let id = record.job.job_id;
    let run = last_run(&store, id).await;
    assert_eq!((run.attempt, run.status), (1, WorkflowRunStatus::Running));
    // At most one attempt open at a time.
    refused_with(
        store.start_workflow_run(id, None, ACTOR).await,
        "HSK-JOB-2008",
    );
    // Checkpoints persist on the open attempt, each with its event and hash.
    store
        .checkpoint(id, run.workflow_run_id, &json!({ "node": "plan" }), ACTOR)
        .await
        .expect("checkpoint 1");
    let saved = store
        .checkpoint(
            id,
            run.workflow_run_id,
            &json!({ "node": "rewrite" }),
            ACTOR,
        )
        .await
        .expect("checkpoint 2");
    assert_eq!(saved.checkpoint, Some(json!({ "node": "rewrite" })));
    assert!(saved.checkpointed_at.is_some());
    // Recovery after a crash: the open attempt is interrupted, keeping its last checkpoint.
    let recovered = store.recover(ACTOR).await.expect("recover");
    let mine = recovered
        .iter()
        .find(|r| r.job.job.job_id == id)
        .expect("the running job is recoverable");
    let last = mine.last_run.as_ref().expect("its run");
    assert_eq!(last.status, WorkflowRunStatus::Interrupted);
    assert!(last.finished_at.is_some());
    // A checkpoint for the interrupted attempt is refused.
    refused_with(
        store
            .checkpoint(id, run.workflow_run_id, &json!({ "node": "late" }), ACTOR)
            .await,
        "HSK-JOB-2009",
    );
    // Resuming opens attempt 2 from the last checkpoint.
    let resumed = store
        .start_workflow_run(id, None, ACTOR)
        .await
        .expect("resume");
    assert_eq!(resumed.attempt, 2);
    assert_eq!(resumed.checkpoint, Some(json!({ "node": "rewrite" })));
    let events = store.events(id).await.expect("events");
    let types: Vec<&str> = events.iter().map(|e| e.r#type.as_str()).collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == event_types::CHECKPOINTED)
            .count(),
        2
    );
    assert_eq!(
        payload_of(&events, event_types::RUN_INTERRUPTED)["checkpointed"],
        json!(true)
    );
    let checkpointed = events
        .iter()
        .rfind(|e| e.r#type == event_types::CHECKPOINTED)
        .expect("checkpoint event");
    let expected = handshake_canonical::canonical_hash(&json!({ "node": "rewrite" }))
        .expect("hash")
        .to_hex();
    assert_eq!(
        checkpointed.payload.as_ref().expect("payload")["checkpoint_hash"],
        json!(expected)
    );
    // Recovery does not touch a job whose attempt already ended.
    let again = store.recover(ACTOR).await.expect("recover again");
    let mine = again.iter().find(|r| r.job.job.job_id == id).expect("job");
    assert_eq!(
        mine.last_run.as_ref().map(|r| (r.attempt, r.status)),
        Some((2, WorkflowRunStatus::Interrupted)),
        "the resumed attempt was open, so a second recovery interrupts it too"
    );
}

#[test]
fn one_attempt_at_a_time_checkpoints_and_recovery() {
    on_both(|| NoRequirements, one_open_run_recovery_and_checkpoints);
}

// ----- item 8: observability ----------------------------------------------------------------

fn model_call() -> AiJobModelCall {
    let h = |c: char| c.to_string().repeat(64);
    serde_json::from_value(json!({
        "step_id": "rewrite",
        "model_id": "llama3.1:8b-instruct",
        "scope_inputs_hash": h('a'),
        "determinism_mode": "strict",
        "retrieval_candidates": { "ids_hash": h('b'), "count": 3 },
        "selected_sources": { "ids_hash": h('c'), "count": 2 },
        "prompt_envelope_hashes": { "stable_prefix_hash": h('d'), "variable_suffix_hash": h('e'), "full_prompt_hash": h('f') },
        "context_snapshot_id": uuid::Uuid::now_v7(),
        "context_snapshot_hash": h('0'),
        "query_plan_id": uuid::Uuid::now_v7(),
        "query_plan_hash": h('1'),
        "normalized_query_hash": h('2'),
        "retrieval_trace_id": uuid::Uuid::now_v7(),
        "retrieval_trace_hash": h('3'),
        "cache_hits": ["retrieval_candidates"],
        "cache_misses": ["rerank_order"]
    }))
    .expect("a model call record")
}

async fn everything_reaches_the_flight_recorder(store: JobStore) {
    let record = job_in(&store, JobState::Running).await;
    let id = record.job.job_id;
    let metrics: JobMetrics = serde_json::from_value(json!({
        "duration_ms": 1200, "tokens_planner": 10, "tokens_executor": 20,
        "entities_read_count": 2, "entities_written_count": 1, "validators_run_count": 3
    }))
    .expect("metrics");
    store
        .record_metrics(id, &metrics, ACTOR)
        .await
        .expect("metrics");
    store
        .record_model_call(id, &model_call(), ACTOR)
        .await
        .expect("model call");
    // A retrieval-backed call that logs a query plan but no trace breaks HSK-RULE-0301.
    let mut partial = model_call();
    partial.retrieval_trace_id = None;
    let before = snapshot(&store, &record).await;
    refused_by_rule(
        store.record_model_call(id, &partial, ACTOR).await,
        "HSK-RULE-0301",
    );
    assert_eq!(snapshot(&store, &record).await, before);
    let version = walk(&store, id, record.version, &[JobState::AwaitingValidation]).await;
    store
        .record_validation_result(id, &validation("passed"), ACTOR)
        .await
        .expect("validation");
    store
        .transition(request_for(id, version, JobState::Completed))
        .await
        .expect("complete");

    let events: Vec<FlightRecorderEvent> = store.events(id).await.expect("events");
    enforcement_payloads(&events);
    let types: Vec<&str> = events.iter().map(|e| e.r#type.as_str()).collect();
    for expected in [
        event_types::CREATED,
        event_types::INPUTS_RECORDED,
        event_types::METRICS_RECORDED,
        event_types::MODEL_CALL,
        event_types::VALIDATION_RECORDED,
        event_types::STATE_CHANGED,
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    // Every event carries the job's Flight Recorder span.
    for event in &events {
        assert_eq!(
            event.activity_span_id.as_ref(),
            Some(&record.job.flight_recorder_span_id),
            "{}",
            event.r#type
        );
    }
    let inputs = payload_of(&events, event_types::INPUTS_RECORDED);
    assert_eq!(
        inputs["entity_refs"],
        serde_json::to_value(&record.job.entity_refs).expect("refs")
    );
    assert_eq!(
        inputs["job_inputs"],
        serde_json::to_value(&record.job.job_inputs).expect("inputs")
    );
    let logged = payload_of(&events, event_types::MODEL_CALL);
    assert_eq!(
        *logged,
        serde_json::to_value(model_call_without_ids(logged)).expect("record")
    );
}

/// The logged model call parsed back as the spec record (ids differ per call of `model_call`).
fn model_call_without_ids(logged: &Value) -> AiJobModelCall {
    serde_json::from_value(logged.clone()).expect("the payload is an AiJobModelCall")
}

/// Every payload parses as its spec record (see enforcement.rs for the full mapping).
fn enforcement_payloads(events: &[FlightRecorderEvent]) {
    for event in events {
        let payload = event.payload.clone().expect("payload");
        let ok = match event.r#type.as_str() {
            event_types::METRICS_RECORDED => {
                serde_json::from_value::<handshake_job_model::AiJobMetricsRecorded>(payload).is_ok()
            }
            event_types::INPUTS_RECORDED => {
                serde_json::from_value::<handshake_job_model::AiJobInputsRecorded>(payload).is_ok()
            }
            event_types::MODEL_CALL => serde_json::from_value::<AiJobModelCall>(payload).is_ok(),
            event_types::VALIDATION_RECORDED => {
                serde_json::from_value::<handshake_job_model::AiJobValidationRecorded>(payload)
                    .is_ok()
            }
            _ => true,
        };
        assert!(ok, "{} payload is not its spec record", event.r#type);
    }
}

#[test]
fn metrics_inputs_model_calls_and_validation_reach_the_flight_recorder() {
    on_both(|| NoRequirements, everything_reaches_the_flight_recorder);
}

// ----- the transition path: what cargo-mutants found no test of --------------------------------

/// A transition names the run it happens in only if that run is the open one (§2.6.6.4).
async fn a_transition_names_only_the_open_run(store: JobStore) {
    let record = job_in(&store, JobState::Running).await;
    let id = record.job.job_id;
    let open = last_run(&store, id).await;
    let mut elsewhere = request_for(id, record.version, JobState::AwaitingValidation);
    elsewhere.workflow_run_id = Some(handshake_job_model::WorkflowRunId::new());
    refused_with(store.transition(elsewhere).await, "HSK-JOB-2009");
    assert_eq!(store.get(id).await.expect("get"), record, "nothing written");

    let mut here = request_for(id, record.version, JobState::AwaitingValidation);
    here.workflow_run_id = Some(open.workflow_run_id);
    let done = store.transition(here).await.expect("the open run");
    assert_eq!(done.workflow_run_id, Some(open.workflow_run_id));
}

#[test]
fn a_transition_names_only_its_open_run() {
    on_both(|| NoRequirements, a_transition_names_only_the_open_run);
}

/// Poisoning a failed job is not a retry: a non-retryable error does not stop it, and the failed
/// attempt's error stays the job's error when the request brings none (§2.6.6.3.2, §2.6.6.4).
async fn poisoning_keeps_the_error(store: JobStore) {
    let created = store.create(sample_job(), ACTOR).await.expect("create").job;
    let id = created.job_id;
    let running = walk(&store, id, 1, &[JobState::Running]).await;
    let failed = store
        .transition(
            request_for(id, running, JobState::Failed).with_error(error("HSK-JOB-9003", false)),
        )
        .await
        .expect("fail");
    let poisoned = handshake_job_store::TransitionRequest::new(
        id,
        failed.version,
        JobState::Poisoned,
        handshake_job_store::reason("test.poisoned", None).expect("reason"),
        ACTOR,
    );
    store.transition(poisoned).await.expect("poison");
    let stored = store.get(id).await.expect("get").job;
    assert_eq!(stored.state, JobState::Poisoned);
    let kept = stored.error_summary.expect("the failed attempt's error");
    assert_eq!(
        (kept.code.as_str(), kept.retryable),
        ("HSK-JOB-9003", false)
    );
}

#[test]
fn poisoning_a_failed_job_keeps_its_error() {
    on_both(|| NoRequirements, poisoning_keeps_the_error);
}

/// The request's error is stored only when the job enters `failed` or `poisoned`.
async fn error_only_on_failure(store: JobStore) {
    let created = store.create(sample_job(), ACTOR).await.expect("create").job;
    let running = store
        .transition(
            request_for(created.job_id, 1, JobState::Running)
                .with_error(error("HSK-JOB-9001", true)),
        )
        .await
        .expect("run");
    let stored = store.get(created.job_id).await.expect("get");
    assert_eq!(stored.version, running.version);
    assert_eq!(stored.job.error_summary, None);
}

#[test]
fn an_error_is_stored_only_on_failure() {
    on_both(|| NoRequirements, error_only_on_failure);
}
