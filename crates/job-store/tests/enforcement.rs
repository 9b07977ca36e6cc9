//! Capability enforcement points (§2.6.6.5.2, §11.1) and commit rules (§2.6.6.3.3, §2.6.6.2.2,
//! §2.6.6.2.3, §2.6.6.7.0, §2.6.6.5.1), each allowed and refused, on SQLite and Postgres.

mod common;

use common::*;
use handshake_job_model::{
    AccessMode, ArtefactType, Decision, EntityRef, FlightRecorderEvent, JobId, JobState, Layer,
    ModelError, Selector, ValidationPhase,
};
use handshake_job_store::{
    CapabilityRegistry, Change, JobStore, NoRequirements, ProfilePolicy, REASON_CAPABILITY_DENIED,
    REASON_COMMIT_REFUSED, StoreError, event_types,
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

fn profile(name: &'static str) -> impl FnOnce(&mut Value) {
    move |v| v["capability_profile_id"] = Value::from(name)
}

fn decision_events(events: &[FlightRecorderEvent]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter(|e| e.r#type == event_types::CAPABILITY_DECISION)
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

/// The capability decisions among the job's events, as [`decision_events`] lists them.
async fn decisions(store: &JobStore, id: JobId) -> Vec<(String, String, String)> {
    decision_events(&store.events(id).await.expect("events"))
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
    assert_eq!(
        decisions(&store, allowed.job.job_id).await,
        vec![d("fs.read:inputs", "before_queued", "allowed")]
    );
    assert_eq!(store.get(allowed.job.job_id).await.expect("get"), allowed);

    let job = job_with(profile("nobody"));
    let (id, error) = refused_creation(&store, job, "denied").await;
    assert_denied_at(&error, ValidationPhase::BeforeQueued);
    assert!(matches!(error, StoreError::Refused { version: 1, .. }));
    // Stored for audit.
    let stored = assert_failed_for(&store, id, REASON_CAPABILITY_DENIED, "HSK-JOB-3005").await;
    assert_eq!(stored.version, 1);
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
    assert_eq!(
        decisions(&store, id).await,
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
    assert_eq!(decisions(&store, id).await.len(), 2);
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
    let mut job = job_of_kind("canvas_cluster");
    job.capability_profile_id = "full".parse().expect("profile id");
    let (id, error) = refused_creation(&store, job, "unknown capability").await;
    assert!(
        matches!(error.model_error(), Some(ModelError::UnknownCapability { capability_id }) if capability_id == "magic.power")
    );
    assert_eq!(error.code(), Some("HSK-4001"));
    let events = store.events(id).await.expect("events");
    assert_eq!(
        payload_of(&events, event_types::CAPABILITY_DECISION)["error_code"],
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
    let (job, version) = awaiting_validation(&store, job_with(profile("full"))).await;
    let id = job.job_id;
    assert_eq!(version, 3);
    assert_eq!(
        decisions(&store, id).await,
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
        .transition(plain_request(
            id,
            version,
            JobState::AwaitingValidation,
            "executor.done",
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
    let last = last_transition(&store, id).await;
    assert_eq!(
        (last.from_state, last.to_state, last.reason.as_str()),
        (
            Some(JobState::Running),
            JobState::Failed,
            REASON_CAPABILITY_DENIED
        )
    );
    assert_eq!(
        decisions(&store, id).await,
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

/// Completes `id` (at `version`, in `awaiting_validation` or `awaiting_user`) into `to` with
/// `changes`, carrying what the spec's rules require of a completed job.
async fn complete(
    store: &JobStore,
    id: JobId,
    version: u64,
    to: JobState,
    changes: Vec<Change>,
) -> Result<handshake_job_store::Transitioned, StoreError> {
    store
        .transition(request_for(id, version, to).with_changes(changes))
        .await
}

/// Completes `job` (at `version`, in `awaiting_validation`) committing one derived change to its
/// document: the change every profile that may commit at all is allowed.
async fn complete_with_doc_change(
    store: &JobStore,
    job: &handshake_job_model::AiJob,
    version: u64,
) -> Result<handshake_job_store::Transitioned, StoreError> {
    let changes = vec![derived(doc_ref(job))];
    complete(store, job.job_id, version, JobState::Completed, changes).await
}

/// Enforcement point 3, on commit, is part of the completion (§2.6.6.5.2, §2.6.6.3.3): an allowed
/// completion writes provenance; a denied one moves the job to `failed` in the same transaction,
/// with the decision and the error recorded, and commits nothing.
async fn on_commit(store: JobStore) {
    let (job, version) = awaiting_validation(&store, job_with(profile("full"))).await;
    let done = complete_with_doc_change(&store, &job, version)
        .await
        .expect("complete");
    assert_eq!(done.provenance.len(), 1);
    assert_eq!(provenance(&store, job.job_id).await, done.provenance);
    let events = store.events(job.job_id).await.expect("events");
    assert_payloads_are_spec_records(&events);
    assert_eq!(
        decision_events(&events).last(),
        Some(&d("fs.write:workspace", "on_commit", "allowed"))
    );
    let types: Vec<&str> = events.iter().map(|e| e.r#type.as_str()).collect();
    assert_eq!(
        &types[types.len() - 2..],
        [event_types::CHANGES_COMMITTED, event_types::STATE_CHANGED],
        "the commit and the completion are one step"
    );
    assert_eq!(
        store.get(job.job_id).await.expect("get").job.state,
        JobState::Completed
    );

    let (job, version) = awaiting_validation(&store, job_with(profile("no_commit"))).await;
    let error = complete_with_doc_change(&store, &job, version)
        .await
        .expect_err("denied");
    assert_denied_at(&error, ValidationPhase::OnCommit);
    assert!(
        provenance(&store, job.job_id).await.is_empty(),
        "nothing committed"
    );
    let stored =
        assert_failed_for(&store, job.job_id, REASON_CAPABILITY_DENIED, "HSK-JOB-3005").await;
    assert_eq!(
        stored.job.capability_check_result.expect("result").outcome,
        Decision::Denied
    );
    let events = store.events(job.job_id).await.expect("events");
    assert_payloads_are_spec_records(&events);
    assert_eq!(
        decision_events(&events).last(),
        Some(&d("fs.write:workspace", "on_commit", "denied"))
    );
    assert!(
        !events
            .iter()
            .any(|e| e.r#type == event_types::CHANGES_COMMITTED)
    );
    let last = last_transition(&store, job.job_id).await;
    assert_eq!(
        (last.from_state, last.to_state),
        (Some(JobState::AwaitingValidation), JobState::Failed)
    );
}

/// Every payload the store writes is a record of its event type as spec/events.yaml declares it
/// (§11.5): parsed by the generated type, so a missing key, an extra key or a `null` fails.
pub fn assert_payloads_are_spec_records(events: &[FlightRecorderEvent]) {
    fn parses<T: serde::de::DeserializeOwned>(event: &FlightRecorderEvent) {
        let payload = event
            .payload
            .clone()
            .expect("every store event has a payload");
        if let Err(error) = serde_json::from_value::<T>(payload.clone()) {
            panic!(
                "{} payload {payload} is not its spec record: {error}",
                event.r#type
            );
        }
    }
    // The record of an event type is the root type named after it (`ai_job.created`:
    // `ai_job_created`), from the generator's registry (no hand-kept list).
    macro_rules! by_stem {
        ($(($ty:path, $name:literal, $stem:literal, $kind:ident, $place:ident)),* $(,)?) => {
            for event in events {
                match event.r#type.replace('.', "_").as_str() {
                    $($stem => parses::<$ty>(event),)*
                    _ => panic!("event type {} has no spec record", event.r#type),
                }
            }
        };
    }
    handshake_job_model::for_each_root_type!(by_stem);
}

#[test]
fn enforcement_point_on_commit() {
    on_both(policy, on_commit);
}

/// Asserts that completing the job with `changes` is refused with `expected`: the same
/// transaction moves the job to `failed` (reason `commit.refused`, `error_summary` naming the
/// refusal) and writes no change and no provenance.
async fn refused_completion(
    store: &JobStore,
    changes: Vec<Change>,
    edit: impl FnOnce(&mut Value),
    expected: ModelError,
) {
    let (job, version) = awaiting_validation(store, job_with(edit)).await;
    let error = complete(store, job.job_id, version, JobState::Completed, changes)
        .await
        .expect_err("refused");
    match &error {
        StoreError::Refused {
            state: JobState::Failed,
            version: v,
            error,
            ..
        } => {
            assert_eq!(*error, expected);
            assert_eq!(*v, version + 1);
        }
        other => panic!("expected {expected} recorded as failed, got {other}"),
    }
    assert!(provenance(store, job.job_id).await.is_empty());
    assert_failed_for(store, job.job_id, REASON_COMMIT_REFUSED, expected.code()).await;
    let events = store.events(job.job_id).await.expect("events");
    assert!(
        !events
            .iter()
            .any(|e| e.r#type == event_types::CHANGES_COMMITTED)
    );
}

/// §2.6.6.3.3: changes ride only on the transition into completed / completed_with_issues; any
/// other transition with a change set is refused and writes nothing.
async fn changes_only_on_completion(store: JobStore) {
    for state in JobState::ALL {
        if matches!(
            state,
            JobState::Completed | JobState::CompletedWithIssues | JobState::Queued
        ) {
            continue;
        }
        let job = store.create(sample_job(), ACTOR).await.expect("create").job;
        let path = path_to(state);
        let version = walk(&store, job.job_id, 1, &path[..path.len() - 1]).await;
        let before = store.get(job.job_id).await.expect("get");
        let events = store.events(job.job_id).await.expect("events");
        let error = store
            .transition(
                request_for(job.job_id, version, state).with_changes(vec![derived(doc_ref(&job))]),
            )
            .await
            .expect_err("a change set outside a completion");
        assert_eq!(
            error.model_error(),
            Some(&ModelError::ChangesOutsideCompletion { state }),
            "{state}"
        );
        assert_eq!(error.code(), Some("HSK-JOB-3007"));
        assert_eq!(store.get(job.job_id).await.expect("get"), before);
        assert_eq!(store.events(job.job_id).await.expect("events"), events);
    }
}

#[test]
fn only_a_completion_carries_changes() {
    on_both(|| NoRequirements, changes_only_on_completion);
}

/// §2.6.6.3.3: once completed, a job never commits again: every later transition that would
/// carry a change set is refused and the provenance stays as it was.
async fn commit_only_once(store: JobStore) {
    for completion in [JobState::Completed, JobState::CompletedWithIssues] {
        let (job, version) = awaiting_validation(&store, job_with(|_| {})).await;
        let changes = vec![derived(doc_ref(&job))];
        let done = complete(&store, job.job_id, version, completion, changes.clone())
            .await
            .expect("first completion");
        let committed = provenance(&store, job.job_id).await;
        assert_eq!(committed.len(), 1);
        for to in [JobState::Completed, JobState::CompletedWithIssues] {
            let error = complete(&store, job.job_id, done.version, to, changes.clone())
                .await
                .expect_err("second commit refused");
            assert!(
                matches!(
                    error.model_error(),
                    Some(
                        ModelError::AlreadyCommitted { .. }
                            | ModelError::TerminalState { .. }
                            | ModelError::IllegalTransition { .. }
                    )
                ),
                "{completion} → {to}: {error}"
            );
        }
        assert_eq!(provenance(&store, job.job_id).await, committed);
    }
}

#[test]
fn a_job_commits_once() {
    on_both(|| NoRequirements, commit_only_once);
}

/// §2.6.6.2.2 access modes, §2.6.6.2.3 entity_refs (listed or derivable), §2.6.6.7.0 layer_scope;
/// one violation refuses the whole change set and fails the job; provenance is one query by
/// entity.
async fn commit_scope(store: JobStore) {
    for (mode, access) in [
        ("analysis_only", AccessMode::AnalysisOnly),
        ("preview_only", AccessMode::PreviewOnly),
    ] {
        let set_mode = move |v: &mut Value| v["access_mode"] = Value::from(mode);
        let job = job_with(set_mode);
        refused_completion(
            &store,
            vec![derived(doc_ref(&job))],
            set_mode,
            ModelError::AccessModeForbidsCommit {
                access_mode: access,
            },
        )
        .await;
        // With nothing to apply, such a job completes (its result is its outputs and preview).
        let (job, version) = awaiting_validation(&store, job_with(set_mode)).await;
        let done = complete(&store, job.job_id, version, JobState::Completed, Vec::new())
            .await
            .expect("an empty change set completes");
        assert!(done.provenance.is_empty(), "{mode}");
    }

    let template = sample_job();
    let doc = doc_ref(&template);
    let sheet = template
        .entity_refs
        .iter()
        .find(|r| r.artefact_type == ArtefactType::Sheet)
        .cloned()
        .expect("sheet ref");
    let same_refs = {
        let refs = serde_json::to_value(&template.entity_refs).expect("refs");
        let inputs = serde_json::to_value(&template.job_inputs).expect("inputs");
        move |v: &mut Value| {
            v["entity_refs"] = refs.clone();
            v["job_inputs"] = inputs.clone();
        }
    };
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
    let refusals = [
        // One bad change among good ones refuses everything.
        (
            vec![derived(doc.clone()), derived(outsider.clone())],
            out_of_scope(&outsider),
        ),
        // A ref with a selector covers that selector only, not other rows nor the whole sheet.
        (vec![derived(wrong_row.clone())], out_of_scope(&wrong_row)),
        (
            vec![derived(whole_sheet.clone())],
            out_of_scope(&whole_sheet),
        ),
        // Default layer scope writes derived only.
        (
            vec![Change {
                entity: doc.clone(),
                layer: Layer::Raw,
            }],
            ModelError::LayerNotWritable { layer: Layer::Raw },
        ),
    ];
    for (changes, expected) in refusals {
        refused_completion(&store, changes, same_refs.clone(), expected).await;
    }
    // A whole-document ref derives its blocks; the listed row itself is fine.
    let (job, version) = awaiting_validation(&store, job_with(same_refs.clone())).await;
    let done = complete(
        &store,
        job.job_id,
        version,
        JobState::Completed,
        vec![derived(block.clone()), derived(sheet.clone())],
    )
    .await
    .expect("complete");
    assert_eq!(done.provenance.len(), 2);

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

/// §2.6.6.7.0: only ingestion and import kinds write the raw layer. A `doc_rewrite` job that
/// asks for it is refused at creation by the spec's rule (HSK-RULE-0102) and nothing is stored;
/// an import job whose layer_scope writes raw commits a raw change.
async fn raw_layer_only_for_ingestion(store: JobStore) {
    let raw = |v: &mut Value| v["layer_scope"] = serde_json::json!({ "write": ["raw", "derived"] });
    let job = job_with(raw);
    let (id, error) = refused_creation(&store, job, "raw for a rewrite").await;
    assert_eq!(error.code(), Some("HSK-RULE-0102"), "{error}");
    assert!(matches!(
        store.get(id).await,
        Err(StoreError::Model(ModelError::JobNotFound { .. }))
    ));

    let import = job_of_kind("doc_import_docx");
    let import = {
        let mut v = serde_json::to_value(import).expect("job");
        raw(&mut v);
        serde_json::from_value::<handshake_job_model::AiJob>(v).expect("job")
    };
    assert!(handshake_job_store::checks::raw_writes_allowed(&import));
    let job = store.create(import, ACTOR).await.expect("create").job;
    let version = walk(
        &store,
        job.job_id,
        1,
        &[JobState::Running, JobState::AwaitingValidation],
    )
    .await;
    let done = complete(
        &store,
        job.job_id,
        version,
        JobState::Completed,
        vec![Change {
            entity: doc_ref(&job),
            layer: Layer::Raw,
        }],
    )
    .await
    .expect("an import writes raw");
    assert_eq!(done.provenance[0].layer, Layer::Raw);
    // The store's own layer check agrees with the rule for every kind.
    for kind in handshake_job_model::JobKind::ALL {
        let mut v = serde_json::to_value(job_of_kind(kind.as_str())).expect("job");
        raw(&mut v);
        let job: handshake_job_model::AiJob = serde_json::from_value(v).expect("job");
        let rule_allows = !rule_codes(&job).contains(&"HSK-RULE-0102");
        assert_eq!(
            handshake_job_store::checks::check_layer(&job, Layer::Raw).is_ok(),
            rule_allows,
            "{kind}"
        );
        // The kind decides, whatever the job's own layer_scope says.
        assert_eq!(
            handshake_job_store::checks::raw_writes_allowed(&job_of_kind(kind.as_str())),
            rule_allows,
            "{kind} without raw in its layer_scope"
        );
    }
}

#[test]
fn raw_layer_writes_only_for_ingestion_and_import_kinds() {
    on_both(|| NoRequirements, raw_layer_only_for_ingestion);
}

/// A policy that implements only `evaluate`: it allows everything, and says so at every point.
#[derive(Debug, Clone, Copy)]
struct AllowsAndRecords;

impl handshake_job_store::CapabilityPolicy for AllowsAndRecords {
    fn evaluate(
        &self,
        request: &handshake_job_store::CapabilityRequest<'_>,
    ) -> Vec<handshake_job_store::PolicyDecision> {
        let id = handshake_job_model::CapabilityId::new("fs.read").expect("capability id");
        vec![handshake_job_store::PolicyDecision::allow(
            id,
            format!("consulted at {:?}", request.point),
        )]
    }
}

async fn default_applies_everywhere(store: JobStore) {
    let job = store.create(sample_job(), ACTOR).await.expect("create").job;
    let version = walk(
        &store,
        job.job_id,
        1,
        &[JobState::Running, JobState::AwaitingValidation],
    )
    .await;
    store
        .transition(request_for(job.job_id, version, JobState::Completed))
        .await
        .expect("complete");
    assert_eq!(
        decisions(&store, job.job_id).await,
        vec![
            d("fs.read", "before_queued", "allowed"),
            d("fs.read", "awaiting_validation", "allowed"),
            d("fs.read", "on_commit", "allowed"),
        ],
        "a policy that does not override applies_at is consulted at all three points"
    );
}

#[test]
fn a_policy_is_consulted_at_every_point_unless_it_says_otherwise() {
    on_both(|| AllowsAndRecords, default_applies_everywhere);
}
