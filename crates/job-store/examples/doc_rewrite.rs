//! Walks a `doc_rewrite` job through queued → running → awaiting_validation → awaiting_user →
//! completed on an embedded SQLite file, commits one change with provenance, and prints the
//! history and the Flight Recorder events.
//!
//! Run: `cargo run -p handshake-job-store --example doc_rewrite [path/to/jobs.db]`

use handshake_job_model::{AiJob, FlightRecorderActor, JobState, Layer, ValidationPhase};
use handshake_job_store::{
    CapabilityRegistry, Change, JobStore, ProfilePolicy, SqliteOptions, StoreError,
    TransitionRequest, reason,
};
use serde_json::json;
use uuid::Uuid;

fn job() -> Result<AiJob, serde_json::Error> {
    let now = handshake_job_model::Timestamp::now().to_string();
    serde_json::from_value(json!({
        "job_id": Uuid::now_v7(),
        "job_kind": "doc_rewrite",
        "protocol_id": "docs_sheets_ai_v0.5",
        "task_schema_version": "1.0.0",
        "profile_id": "docs_sheets_ai_v0.5",
        "capability_profile_id": "docs_editor_default",
        "access_mode": "apply_scoped",
        "safety_mode": "normal",
        "workspace_scope": { "workspace_id": Uuid::now_v7() },
        "entity_refs": [{ "artefact_type": "doc", "artefact_id": Uuid::now_v7() }],
        "planned_operations": [],
        "execution_mode": "single_step",
        "runtime_id": "local.ollama",
        "planner_model_id": "llama3.1:8b-instruct",
        "executor_model_id": "llama3.1:8b-instruct",
        "state": "queued",
        "status_reason": { "code": "job.created" },
        "created_at": now,
        "updated_at": now,
        "metrics": { "duration_ms": 0, "tokens_planner": 0, "tokens_executor": 0,
                     "entities_read_count": 0, "entities_written_count": 0, "validators_run_count": 0 },
        "flight_recorder_span_id": "4bf92f3577b34da6a3ce929d0e0e4736"
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("handshake-doc-rewrite.db")
            .display()
            .to_string()
    });

    // §11.1.3: a registry of axes, a profile that whitelists grants, and what a doc_rewrite needs.
    let mut registry = CapabilityRegistry::with_mandatory_axes();
    registry.register_axis("doc.write");
    let policy = ProfilePolicy::new(registry)
        .profile("docs_editor_default", &["fs.read", "doc.write:derived"])?
        .require(
            ValidationPhase::BeforeQueued,
            Some("doc_rewrite"),
            "fs.read:inputs",
        )?
        .require(
            ValidationPhase::AwaitingValidation,
            Some("doc_rewrite"),
            "doc.write:derived",
        )?
        .require(
            ValidationPhase::OnCommit,
            Some("doc_rewrite"),
            "doc.write:derived",
        )?;
    let store = JobStore::open_sqlite(&path, SqliteOptions::default(), policy).await?;

    let created = store.create(job()?, FlightRecorderActor::Human).await?;
    let id = created.job.job_id;
    println!(
        "created job {id} in {} (version {}) at {path}",
        created.job.state, created.version
    );

    let steps = [
        (
            JobState::Running,
            "worker.started",
            FlightRecorderActor::System,
        ),
        (
            JobState::AwaitingValidation,
            "executor.done",
            FlightRecorderActor::Agent,
        ),
        (
            JobState::AwaitingUser,
            "validation.needs_user",
            FlightRecorderActor::System,
        ),
        (
            JobState::Completed,
            "user.accepted",
            FlightRecorderActor::Human,
        ),
    ];
    let mut version = created.version;
    for (to, code, actor) in steps {
        let done = store
            .transition(TransitionRequest::new(
                id,
                version,
                to,
                reason(code, None)?,
                actor,
            ))
            .await?;
        println!("  {} -> {} (version {})", done.from, done.to, done.version);
        version = done.version;
    }

    // A cancel can no longer overwrite a completed job.
    match store
        .cancel(
            id,
            version,
            reason("user.cancelled", None)?,
            FlightRecorderActor::Human,
        )
        .await
    {
        Err(StoreError::Model(error)) => {
            println!("cancel after completion refused: {} {error}", error.code())
        }
        other => println!("unexpected: {other:?}"),
    }

    let doc = created.job.entity_refs[0].clone();
    let written = store
        .commit_changes(
            id,
            &[Change {
                entity: doc.clone(),
                layer: Layer::Derived,
            }],
            FlightRecorderActor::System,
        )
        .await?;
    println!("committed {} change(s)", written.len());
    for p in store
        .provenance_of(doc.artefact_type, doc.artefact_id)
        .await?
    {
        println!(
            "  provenance: {}/{} layer {} <- job {} protocol {} planner {:?} executor {:?}",
            p.artefact_type,
            p.artefact_id,
            p.layer,
            p.job_id,
            p.protocol_id,
            p.planner_model_id.map(|m| m.to_string()),
            p.executor_model_id.map(|m| m.to_string())
        );
    }

    println!("history:");
    for row in store.history(id).await? {
        let from = row
            .from_state
            .map_or_else(|| "-".to_owned(), |s| s.to_string());
        println!(
            "  #{} {from} -> {} ({}, {}) event {}",
            row.sequence, row.to_state, row.reason, row.actor, row.event_id
        );
    }
    println!("flight recorder events:");
    for event in store.events(id).await? {
        println!("  {}", serde_json::to_string(&event)?);
    }
    store.close().await;
    Ok(())
}
