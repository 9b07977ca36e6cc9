//! What a job records without changing state: metrics, outputs, validation results, capability
//! decisions and model calls. Each is validated with the job as it will be stored, written in one
//! transaction with its Flight Recorder event (§2.6.6.1 "fully logged": inputs, outputs, status,
//! metrics, errors), and leaves the version unchanged.

use handshake_job_model::{
    AiJob, AiJobModelCall, FlightRecorderActor, FlightRecorderEvent, JobId, JobMetrics, JobOutputs,
    ModelError, Timestamp, Validate, ValidationPhase, ValidationResult,
};
use serde_json::{Value, json};

use super::{JobRecord, JobStore, append_decisions, decision_event, validated};
use crate::capability::PolicyDecision;
use crate::error::StoreError;
use crate::events::{event, event_types};
use crate::sql::Tx;

/// Whether a recording is allowed once the job is terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WhenTerminal {
    Allowed,
    Refused,
}

impl JobStore {
    /// Locks the job, applies `change` to it, validates the result and writes the row with
    /// `event_of(job)`; nothing is written when a check refuses.
    async fn record(
        &self,
        job_id: JobId,
        terminal: WhenTerminal,
        change: impl FnOnce(&mut AiJob),
        event_of: impl FnOnce(&AiJob, Timestamp) -> FlightRecorderEvent,
    ) -> Result<JobRecord, StoreError> {
        let mut tx: Tx = self.pool.begin().await?;
        let before = self.lock(&mut tx, job_id).await?;
        if terminal == WhenTerminal::Refused && before.job.state.is_terminal() {
            return Err(ModelError::TerminalState {
                state: before.job.state,
            }
            .into());
        }
        let mut next = before.job.clone();
        change(&mut next);
        validated(&next)?;
        let now = Timestamp::now();
        let recorded = event_of(&next, now);
        self.update_job(&mut tx, &before, &next).await?;
        self.write_events(&mut tx, job_id, &[recorded]).await?;
        tx.commit().await?;
        Ok(JobRecord {
            job: next,
            version: before.version,
        })
    }

    /// Stores the job's metrics (§2.6.6.2.7) with an `ai_job.metrics_recorded` event; allowed in
    /// every state (metrics of a finished job are completed after the fact).
    pub async fn record_metrics(
        &self,
        job_id: JobId,
        metrics: &JobMetrics,
        actor: FlightRecorderActor,
    ) -> Result<JobRecord, StoreError> {
        self.record(
            job_id,
            WhenTerminal::Allowed,
            |job| job.metrics = metrics.clone(),
            recorded(
                event_types::METRICS_RECORDED,
                actor,
                json!({ "metrics": metrics }),
            ),
        )
        .await
    }

    /// Stores the profile outputs (`job_outputs`, §2.6.6.6.1, spec/outputs.yaml) of a non-terminal
    /// job, replacing any recorded before, with an `ai_job.outputs_recorded` event.
    ///
    /// Refused with nothing written when the job is terminal (`TerminalState`: the validators of
    /// `awaiting_validation` and the user's review judge the outputs, so they are in place before
    /// the job ends), or when the job with these outputs breaks a rule of the spec (for outputs of
    /// another profile than its kind's, the profile's output binding, HSK-RULE-PRF-02x).
    ///
    /// Decision: outputs are recorded here, not by the completion. Export and analysis jobs have
    /// outputs (artifacts, export records, transcripts) but commit no change: an export must not
    /// write back into the document (§2.5.10.2) and `analysis_only` jobs write nothing (§2.6.6.2.2).
    pub async fn record_outputs(
        &self,
        job_id: JobId,
        outputs: &JobOutputs,
        actor: FlightRecorderActor,
    ) -> Result<JobRecord, StoreError> {
        self.record(
            job_id,
            WhenTerminal::Refused,
            |job| job.job_outputs = Some(outputs.clone()),
            recorded(
                event_types::OUTPUTS_RECORDED,
                actor,
                json!({ "job_outputs": outputs }),
            ),
        )
        .await
    }

    /// Stores the validation result (§2.6.6.2.6) of a non-terminal job with an
    /// `ai_job.validation_recorded` event carrying every validator's outcome.
    pub async fn record_validation_result(
        &self,
        job_id: JobId,
        result: &ValidationResult,
        actor: FlightRecorderActor,
    ) -> Result<JobRecord, StoreError> {
        self.record(
            job_id,
            WhenTerminal::Refused,
            |job| job.validation_result = Some(result.clone()),
            recorded(
                event_types::VALIDATION_RECORDED,
                actor,
                json!({
                    "verdict": result.verdict,
                    "validators": result.validators.len(),
                    "outcomes": result.validators,
                }),
            ),
        )
        .await
    }

    /// Records one capability decision taken by the application outside the store's enforcement
    /// points: appended to `capability_check_result`, with its `ai_job.capability_decision` event.
    pub async fn record_capability_decision(
        &self,
        job_id: JobId,
        decision: &PolicyDecision,
        point: ValidationPhase,
        actor: FlightRecorderActor,
    ) -> Result<JobRecord, StoreError> {
        let now = Timestamp::now();
        self.record(
            job_id,
            WhenTerminal::Allowed,
            |job| {
                job.capability_check_result = append_decisions(
                    job.capability_check_result.take(),
                    point,
                    std::slice::from_ref(decision),
                    now,
                );
            },
            |job, now| decision_event(job, point, decision, actor, now),
        )
        .await
    }

    /// Logs one model call (job step) of a non-terminal job: an `ai_job.model_call` event whose
    /// payload is the [`AiJobModelCall`] record of what §2.6.6.7.12 (and §2.6.6.7.14.12 for
    /// retrieval-backed calls) asks to be logged per call. The record is checked against the
    /// spec's rules first; a broken rule is [`StoreError::Rule`] and nothing is written.
    pub async fn record_model_call(
        &self,
        job_id: JobId,
        call: &AiJobModelCall,
        actor: FlightRecorderActor,
    ) -> Result<(), StoreError> {
        let violations = call.validate();
        if !violations.is_empty() {
            return Err(StoreError::Rule { violations });
        }
        let payload = serde_json::to_value(call)?;
        self.record(
            job_id,
            WhenTerminal::Refused,
            |_| {},
            recorded(event_types::MODEL_CALL, actor, payload),
        )
        .await
        .map(|_| ())
    }
}

/// The event of a recording: `event_type` about the job as recorded, with `payload`.
fn recorded(
    event_type: &'static str,
    actor: FlightRecorderActor,
    payload: Value,
) -> impl FnOnce(&AiJob, Timestamp) -> FlightRecorderEvent {
    move |job, now| event(job, event_type, actor, now, payload)
}
