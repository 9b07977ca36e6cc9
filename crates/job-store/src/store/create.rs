//! Creating a job: the first enforcement point of §2.6.6.5.2.

use handshake_job_model::generated::registry::tables;
use handshake_job_model::{
    AiJob, FlightRecorderActor, JobState, ModelError, Timestamp, ValidationPhase,
};
use serde_json::{Value, json};

use super::{
    JobRecord, JobStore, REASON_CAPABILITY_DENIED, encode, error_summary, history_row,
    is_foreign_key_violation, is_unique_violation, status, validated,
};
use crate::error::StoreError;
use crate::events::{event, event_types};

impl JobStore {
    /// Creates a job: it enters `queued` (§2.6.6.3.2 "created; capability and basic schema checks
    /// passed") with history row 1, an `ai_job.created` event and an `ai_job.inputs_recorded` event
    /// carrying its inputs (workspace scope, entity refs, profile inputs: §2.6.6.2.3, §2.6.6.1), in
    /// one transaction.
    ///
    /// The store owns `state`, `created_at`, `updated_at`, `completed_at` and
    /// `capability_check_result`: `job.state` must be `queued` (the lifecycle's initial state),
    /// the timestamps are set to now.
    ///
    /// **Schema checks.** The job as it will be stored must satisfy every rule of the spec (the
    /// generated [`handshake_job_model::Validate`]: cross-field rules, the profile bindings of its
    /// `job_kind`, `profile_id` and planned operations, the scope rules of §2.6.6.2.3); a broken
    /// rule is [`StoreError::Rule`] with that rule's code, and nothing is written.
    ///
    /// **Enforcement point 1 (§2.6.6.5.2 "before queued").** The policy is asked before the job is
    /// stored. Decision: a job that fails it is still stored, so the refusal can be audited on the
    /// job itself, but never as `queued`: it is stored directly as `failed` ("capability checks
    /// failed", §2.6.6.3.2) with reason `capability.denied`, its `capability_check_result` and
    /// `error_summary`, and one `ai_job.capability_decision` event per decision; the call returns
    /// [`StoreError::Refused`]. Its history starts at `failed`; a retry re-runs the check.
    pub async fn create(
        &self,
        job: AiJob,
        actor: FlightRecorderActor,
    ) -> Result<JobRecord, StoreError> {
        let mut job = job;
        if job.state != JobState::INITIAL {
            return Err(ModelError::InvalidRecord {
                path: "state".to_owned(),
                message: format!(
                    "a new job starts in {}, not {}",
                    JobState::INITIAL,
                    job.state
                ),
            }
            .into());
        }
        let now = Timestamp::now();
        job.created_at = now;
        job.updated_at = now;
        job.completed_at = None;
        job.capability_check_result = None;
        validated(&job)?;

        let enforced = self.enforce(ValidationPhase::BeforeQueued, &mut job, &[], actor, now);
        if let Some(error) = &enforced.denial {
            job.state = JobState::Failed;
            job.status_reason = status(REASON_CAPABILITY_DENIED, error.to_string())?;
            job.error_summary = Some(error_summary(error, now)?);
            validated(&job)?;
        }

        let mut tx = self.pool.begin().await?;
        let job_args = self.schema.table(tables::AI_JOBS).args(&encode(&job)?)?;
        if let Err(error) = tx.execute(&self.sql.insert_job, job_args).await {
            return Err(if is_unique_violation(&error) {
                ModelError::InvalidRecord {
                    path: "job_id".to_owned(),
                    message: format!("job {} exists already", job.job_id),
                }
                .into()
            } else if is_foreign_key_violation(&error) {
                match job.parent_job_id {
                    Some(parent) => ModelError::JobNotFound { job_id: parent }.into(),
                    None => error.into(),
                }
            } else {
                error.into()
            });
        }
        // A new job has no event yet; everything below is a deferred write (one statement with
        // the commit's flush on Postgres).
        tx.memo.last_delivery = Some((job.job_id, 0));
        let refs = self.schema.table(tables::AI_JOB_ENTITY_REFS);
        for (position, entity) in job.entity_refs.iter().enumerate() {
            let mut row = encode(entity)?;
            row.insert("job_id".to_owned(), Value::String(job.job_id.to_string()));
            row.insert("position".to_owned(), Value::from(position as u64));
            tx.defer(&self.sql.insert_entity_ref, refs.args(&row)?)
                .await?;
        }
        let payload = json!({
            "from_state": null,
            "to_state": job.state,
            "reason": job.status_reason.code,
            "reason_detail": job.status_reason.detail,
            "sequence": 1,
            "job_kind": job.job_kind,
        });
        let created = event(&job, event_types::CREATED, actor, now, payload);
        let history = history_row(&job, 1, None, None, &created);
        let inputs = json!({
            "workspace_scope": job.workspace_scope,
            "entity_refs": job.entity_refs,
            "context_snapshot_id": job.context_snapshot.as_ref().map(|s| s.context_snapshot_id),
            "job_inputs": job.job_inputs,
        });
        let mut events = enforced.events;
        events.push(created);
        events.push(event(
            &job,
            event_types::INPUTS_RECORDED,
            actor,
            now,
            inputs,
        ));
        self.write_events(&mut tx, job.job_id, &events).await?;
        self.defer_insert(
            &mut tx,
            tables::AI_JOB_STATE_HISTORY,
            &self.sql.insert_history,
            &history,
        )
        .await?;
        tx.commit().await?;
        match enforced.denial {
            Some(error) => Err(StoreError::Refused {
                job_id: job.job_id,
                state: job.state,
                version: 1,
                error,
            }),
            None => Ok(JobRecord { job, version: 1 }),
        }
    }
}
