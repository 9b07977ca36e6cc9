//! Flight Recorder events (§11.5, §2.6.6.1): the event types the store writes, how each event is
//! built from the job it concerns, and how it is numbered in its job's event order.
//!
//! Every event carries the job's `flight_recorder_span_id` as its `activity_span_id`
//! (§2.6.6.2.7: the job's primary link into the Flight Recorder), the executor model and the
//! workspace. Its payload is one of the payload records of `spec/events.yaml`, named after the
//! event type (`ai_job.state_changed` → `AiJobStateChanged`).

use handshake_job_model::{AiJob, FlightRecorderActor, FlightRecorderEvent, Timestamp};
use serde_json::Value;
use uuid::Uuid;

use crate::capability::PolicyDecision;

/// Flight Recorder event types the store writes (§11.5 `type`, the Rust field `r#type`).
pub mod event_types {
    /// A job was created (its first history row).
    pub const CREATED: &str = "ai_job.created";
    /// The inputs a job was created with (written right after `ai_job.created`).
    pub const INPUTS_RECORDED: &str = "ai_job.inputs_recorded";
    /// A job changed state.
    pub const STATE_CHANGED: &str = "ai_job.state_changed";
    /// A capability decision (allow or deny) at an enforcement point.
    pub const CAPABILITY_DECISION: &str = "ai_job.capability_decision";
    /// A workflow run attempt was opened.
    pub const WORKFLOW_RUN_STARTED: &str = "ai_job.workflow_run_started";
    /// A validation result was recorded.
    pub const VALIDATION_RECORDED: &str = "ai_job.validation_recorded";
    /// Workspace changes were committed, with provenance.
    pub const CHANGES_COMMITTED: &str = "ai_job.changes_committed";
    /// The job's metrics were stored.
    pub const METRICS_RECORDED: &str = "ai_job.metrics_recorded";
    /// The job's profile outputs were stored.
    pub const OUTPUTS_RECORDED: &str = "ai_job.outputs_recorded";
    /// The engine stored the checkpoint of an open attempt.
    pub const CHECKPOINTED: &str = "ai_job.checkpointed";
    /// Crash recovery marked an attempt interrupted.
    pub const RUN_INTERRUPTED: &str = "ai_job.run_interrupted";
    /// One model call (job step) with what §2.6.6.7.12 asks to be logged.
    pub const MODEL_CALL: &str = "ai_job.model_call";
}

/// Builds the event `event_type` about `job`, in the §11.5 base shape, without the governance
/// fields (a capability decision's event fills them, see [`with_decision`]).
///
/// The payload loses its `null` members: in the spec's payload records an optional key is
/// absent, never null.
pub(crate) fn event(
    job: &AiJob,
    event_type: &str,
    actor: FlightRecorderActor,
    now: Timestamp,
    payload: Value,
) -> FlightRecorderEvent {
    FlightRecorderEvent {
        event_id: Uuid::now_v7(),
        r#type: event_type.to_owned(),
        timestamp: now,
        actor,
        job_id: Some(job.job_id),
        model_id: job.executor_model_id.clone(),
        wsids: Some(vec![job.workspace_scope.workspace_id.to_string()]),
        activity_span_id: Some(job.flight_recorder_span_id.clone()),
        session_span_id: None,
        capability_id: None,
        policy_decision_id: None,
        payload: Some(without_nulls(payload)),
    }
}

/// `event` with the governance fields of the capability decision it records: the capability
/// decided on and a fresh policy decision id.
pub(crate) fn with_decision(
    mut event: FlightRecorderEvent,
    decision: &PolicyDecision,
) -> FlightRecorderEvent {
    event.capability_id = Some(decision.capability_id.clone());
    event.policy_decision_id = Some(Uuid::now_v7().to_string());
    event
}

/// The value with every `null` member removed, recursively.
pub(crate) fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(key, member)| (key, without_nulls(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}
