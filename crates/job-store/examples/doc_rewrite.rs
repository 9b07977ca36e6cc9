//! Walks a `doc_rewrite` job through queued → running → awaiting_validation → awaiting_user →
//! completed on an embedded SQLite file; the completion commits one change with provenance.
//! Prints the history and the Flight Recorder events. The job record is the valid `doc_rewrite`
//! job the store's tests start from (`crates/test-support`).
//!
//! Run: `cargo run -p handshake-job-store --example doc_rewrite [path/to/jobs.db]`

use handshake_job_model::{AiJob, FlightRecorderActor, JobState, Layer, ValidationResult};
use handshake_job_store::{
    Change, JobStore, ProfilePolicy, SqliteOptions, StoreError, TransitionRequest, reason,
};
use handshake_test_support::{doc_rewrite_json, validation_json};
use uuid::Uuid;

/// A validation result (§2.6.6.2.6): the validators' outcomes and their overall verdict.
fn validation(
    verdict: &str,
    outcomes: &[(&str, &str)],
) -> Result<ValidationResult, serde_json::Error> {
    serde_json::from_value(validation_json(verdict, outcomes))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("handshake-doc-rewrite.db")
            .display()
            .to_string()
    });

    // The capabilities each job profile declares in the spec are required of its jobs, and each
    // job is granted what its own profile declares (§2.6.6.5.2, §11.1.3).
    let policy = ProfilePolicy::spec_default();
    let store = JobStore::open_sqlite(&path, SqliteOptions::default(), policy).await?;

    let doc_id = Uuid::now_v7();
    let created = store
        .create(
            serde_json::from_value::<AiJob>(doc_rewrite_json(doc_id))?,
            FlightRecorderActor::Human,
        )
        .await?;
    let id = created.job.job_id;
    println!(
        "created job {id} in {} (version {}) at {path}",
        created.job.state, created.version
    );

    let doc = created.job.entity_refs[0].clone();
    let needs_user = validation(
        "needs_user",
        &[("scope", "passed"), ("large_diff", "needs_user")],
    )?;
    // The user's acceptance is the last validator outcome of the final result (§2.6.6.3.2).
    let accepted = validation(
        "passed",
        &[
            ("scope", "passed"),
            ("large_diff", "passed"),
            ("user_review", "passed"),
        ],
    )?;
    let steps = [
        (
            JobState::Running,
            "worker.started",
            FlightRecorderActor::System,
            None,
            vec![],
        ),
        (
            JobState::AwaitingValidation,
            "executor.done",
            FlightRecorderActor::Agent,
            None,
            vec![],
        ),
        (
            JobState::AwaitingUser,
            "validation.needs_user",
            FlightRecorderActor::System,
            Some(needs_user),
            vec![],
        ),
        // Completing is committing: the change set rides on this transition (§2.6.6.3.3).
        (
            JobState::Completed,
            "user.accepted",
            FlightRecorderActor::Human,
            Some(accepted),
            vec![Change {
                entity: doc.clone(),
                layer: Layer::Derived,
            }],
        ),
    ];
    let mut version = created.version;
    for (to, code, actor, result, changes) in steps {
        let mut request = TransitionRequest::new(id, version, to, reason(code, None)?, actor)
            .with_changes(changes);
        request.validation_result = result;
        let done = store.transition(request).await?;
        println!(
            "  {} -> {} (version {}, {} change(s) committed)",
            done.from,
            done.to,
            done.version,
            done.provenance.len()
        );
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
    // The rows as stored, like the events below (`handshake jobs history` prints them for people).
    for row in store.history(id).await? {
        println!("  {}", serde_json::to_string(&row)?);
    }
    println!("flight recorder events:");
    for event in store.events(id).await? {
        println!("  {}", serde_json::to_string(&event)?);
    }
    store.close().await;
    Ok(())
}
