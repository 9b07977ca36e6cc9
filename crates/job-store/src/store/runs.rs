//! Workflow runs (§2.6.6.4): retries, attempts and their bound, checkpoints, crash recovery and
//! claims by workers.
//!
//! Decision on "checkpointed" (§2.6.6.4 "AI job state checkpointed in SQLite; crash-recoverable",
//! and §2.6's durable execution: state is checkpointed before each node, and after a crash the
//! engine resumes from the last successful node): the engine's checkpoint is stored on the open
//! attempt ([`JobStore::checkpoint`]: `ai_job_workflow_runs.checkpoint`, `checkpointed_at`), each
//! in its own committed transaction, so a crash loses only the work after the last checkpoint.
//! [`JobStore::recover`] marks the attempts a crash cut short `interrupted`; the next attempt of
//! the job starts from the interrupted attempt's last checkpoint.

use handshake_job_model::generated::registry::tables;
use handshake_job_model::{
    AiJob, FlightRecorderActor, JobId, JobState, ModelError, StatusReason, Timestamp, WorkflowRun,
    WorkflowRunId, WorkflowRunStatus,
};
use serde_json::{Value, json};

use super::transition::{Step, Transitioned, is_open};
use super::{
    JobStore, REASON_CLAIMED, Recoverable, json_text, parse, reason_code, uuid_arg, validated,
};
use crate::TransitionRequest;
use crate::error::StoreError;
use crate::events::event_types;
use crate::sql::{Arg, Tx};

impl JobStore {
    /// The job's latest workflow run (open or not), read inside `tx` (or remembered from the
    /// lock, when no run was written since).
    pub(super) async fn latest_run(
        &self,
        tx: &mut Tx,
        job_id: JobId,
    ) -> Result<Option<WorkflowRun>, StoreError> {
        if let Some((job, run)) = &tx.memo.latest_run
            && *job == job_id
        {
            return Ok(run.clone());
        }
        let row = tx
            .fetch_optional(&self.sql.select_latest_run, vec![uuid_arg(job_id)])
            .await?;
        let run = match row {
            None => None,
            Some(row) => {
                let object = self
                    .schema
                    .table(tables::AI_JOB_WORKFLOW_RUNS)
                    .object(&row, 0)?;
                Some(serde_json::from_value(Value::Object(object))?)
            }
        };
        tx.memo.latest_run = Some((job_id, run.clone()));
        Ok(run)
    }

    /// The number of attempts the job has had: the highest attempt number, the latest run's.
    async fn attempts(&self, tx: &mut Tx, job_id: JobId) -> Result<u64, StoreError> {
        Ok(self
            .latest_run(tx, job_id)
            .await?
            .map_or(0, |run| run.attempt))
    }

    /// Refuses a new attempt past `runtime_config.max_attempts` (§2.6.6.2.5, §2.6.6.4).
    async fn check_attempts_left(&self, tx: &mut Tx, job: &AiJob) -> Result<u64, StoreError> {
        let attempts = self.attempts(tx, job.job_id).await?;
        if let Some(max_attempts) = job.runtime_config.as_ref().and_then(|c| c.max_attempts)
            && attempts >= max_attempts
        {
            return Err(ModelError::AttemptsExhausted {
                job_id: job.job_id,
                attempts,
                max_attempts,
            }
            .into());
        }
        Ok(attempts)
    }

    /// The checks of a retry (`failed → queued`) that the record and the runs decide: the error
    /// must be retryable (§2.6.6.4; a poisoned job never gets here, it is terminal) and an attempt
    /// must be left under `max_attempts`.
    pub(super) async fn check_retry(&self, tx: &mut Tx, job: &AiJob) -> Result<(), StoreError> {
        if let Some(error) = &job.error_summary
            && !error.retryable
        {
            return Err(ModelError::RetryNotAllowed {
                job_id: job.job_id,
                error_code: error.code.clone(),
            }
            .into());
        }
        self.check_attempts_left(tx, job).await?;
        Ok(())
    }

    /// Opens the next attempt of `job` (`attempt = max + 1`, status `running`), refusing one
    /// past `max_attempts`; it resumes from the checkpoint of the previous attempt when that one
    /// was interrupted.
    pub(super) async fn open_run(
        &self,
        tx: &mut Tx,
        job: &AiJob,
        workflow_definition_id: Option<String>,
        now: Timestamp,
    ) -> Result<WorkflowRun, StoreError> {
        let previous = self.latest_run(tx, job.job_id).await?;
        let attempts = self.check_attempts_left(tx, job).await?;
        let resumed = previous.filter(|run| run.status == WorkflowRunStatus::Interrupted);
        let run = WorkflowRun {
            workflow_run_id: WorkflowRunId::new(),
            job_id: job.job_id,
            attempt: attempts + 1,
            status: WorkflowRunStatus::Running,
            workflow_definition_id: workflow_definition_id.or_else(|| {
                resumed
                    .as_ref()
                    .and_then(|r| r.workflow_definition_id.clone())
            }),
            checkpoint: resumed.as_ref().and_then(|r| r.checkpoint.clone()),
            checkpointed_at: resumed.as_ref().and_then(|r| r.checkpointed_at),
            started_at: now,
            finished_at: None,
        };
        self.defer_insert(tx, tables::AI_JOB_WORKFLOW_RUNS, &self.sql.insert_run, &run)
            .await?;
        tx.memo.latest_run = Some((job.job_id, Some(run.clone())));
        Ok(run)
    }

    /// Cancels a job (§2.6.6.3.2 "explicitly stopped before completion"): a transition to
    /// `cancelled`; terminal jobs are refused with `TerminalState`.
    pub async fn cancel(
        &self,
        job_id: JobId,
        expected_version: u64,
        reason: StatusReason,
        actor: FlightRecorderActor,
    ) -> Result<Transitioned, StoreError> {
        self.plain_transition(job_id, expected_version, JobState::Cancelled, reason, actor)
            .await
    }

    /// Retries a failed job (§2.6.6.4, §2.6.6.3.2): `failed → queued`, keeping the job id; the
    /// next claim opens the next workflow run attempt. Refused before anything is written for a
    /// `poisoned` job (`RetryPoisoned`), a non-retryable error (`RetryNotAllowed`) and a job that
    /// used its `max_attempts` (`AttemptsExhausted`); the `before_queued` capability check runs
    /// again.
    pub async fn retry(
        &self,
        job_id: JobId,
        expected_version: u64,
        reason: StatusReason,
        actor: FlightRecorderActor,
    ) -> Result<Transitioned, StoreError> {
        let record = self.get(job_id).await?;
        if record.job.state == JobState::Poisoned {
            return Err(ModelError::RetryPoisoned { job_id }.into());
        }
        self.plain_transition(job_id, expected_version, JobState::Queued, reason, actor)
            .await
    }

    /// Moves the job to `to` with nothing but a reason: the transition [`JobStore::cancel`] and
    /// [`JobStore::retry`] ask for.
    async fn plain_transition(
        &self,
        job_id: JobId,
        expected_version: u64,
        to: JobState,
        reason: StatusReason,
        actor: FlightRecorderActor,
    ) -> Result<Transitioned, StoreError> {
        self.transition(TransitionRequest::new(
            job_id,
            expected_version,
            to,
            reason,
            actor,
        ))
        .await
    }

    /// Opens the next workflow run attempt of a `running` job whose attempt ended without the job
    /// moving on: after [`JobStore::recover`] marked it interrupted, this is how the engine resumes
    /// it (from the interrupted attempt's checkpoint). Refused when an attempt is still open
    /// (`RunAlreadyOpen`: at most one at a time), past `max_attempts` (`AttemptsExhausted`), and
    /// for a job not `running` (`IllegalTransition`: only a running job executes).
    pub async fn start_workflow_run(
        &self,
        job_id: JobId,
        workflow_definition_id: Option<String>,
        actor: FlightRecorderActor,
    ) -> Result<WorkflowRun, StoreError> {
        let mut tx = self.pool.begin().await?;
        let record = self.lock(&mut tx, job_id).await?;
        let job = &record.job;
        if job.state.is_terminal() {
            return Err(ModelError::TerminalState { state: job.state }.into());
        }
        if job.state != JobState::Running {
            return Err(ModelError::IllegalTransition {
                from_state: job.state,
                to_state: JobState::Running,
            }
            .into());
        }
        if let Some(open) = self.latest_run(&mut tx, job_id).await?.filter(is_open) {
            return Err(ModelError::RunAlreadyOpen {
                job_id,
                workflow_run_id: open.workflow_run_id,
            }
            .into());
        }
        let now = Timestamp::now();
        let run = self
            .open_run(&mut tx, job, workflow_definition_id, now)
            .await?;
        let payload = json!({
            "workflow_run_id": run.workflow_run_id,
            "attempt": run.attempt,
            "workflow_definition_id": run.workflow_definition_id,
        });
        self.commit_with_event(
            tx,
            job,
            event_types::WORKFLOW_RUN_STARTED,
            actor,
            now,
            payload,
        )
        .await?;
        Ok(run)
    }

    /// Stores the engine's checkpoint of the open attempt `workflow_run_id` (see the module
    /// docs), with an `ai_job.checkpointed` event naming its canonical hash. Refused with
    /// `RunNotOpen` when the attempt is not the job's open one, `TerminalState` for a finished job.
    pub async fn checkpoint(
        &self,
        job_id: JobId,
        workflow_run_id: WorkflowRunId,
        checkpoint: &Value,
        actor: FlightRecorderActor,
    ) -> Result<WorkflowRun, StoreError> {
        let hash = handshake_canonical::canonical_hash(checkpoint).map_err(|e| {
            ModelError::InvalidRecord {
                path: "checkpoint".to_owned(),
                message: e.to_string(),
            }
        })?;
        let mut tx = self.pool.begin().await?;
        let record = self.lock(&mut tx, job_id).await?;
        if record.job.state.is_terminal() {
            return Err(ModelError::TerminalState {
                state: record.job.state,
            }
            .into());
        }
        let now = Timestamp::now();
        let changed = tx
            .execute(
                &self.sql.checkpoint_run,
                vec![
                    json_text(checkpoint)?,
                    Arg::text(now.to_string()),
                    uuid_arg(workflow_run_id),
                    uuid_arg(job_id),
                ],
            )
            .await?;
        if changed == 0 {
            return Err(ModelError::RunNotOpen {
                job_id,
                workflow_run_id,
            }
            .into());
        }
        let run = self
            .latest_run(&mut tx, job_id)
            .await?
            .ok_or(ModelError::RunNotOpen {
                job_id,
                workflow_run_id,
            })?;
        let payload = json!({
            "workflow_run_id": workflow_run_id,
            "attempt": run.attempt,
            "checkpoint_hash": hash.to_hex(),
        });
        self.commit_with_event(
            tx,
            &record.job,
            event_types::CHECKPOINTED,
            actor,
            now,
            payload,
        )
        .await?;
        Ok(run)
    }

    /// §2.6.6.4 crash recovery, run when the engine starts: every attempt still open on a job that
    /// is not terminal was cut short by the crash, so it is marked `interrupted` (with an
    /// `ai_job.run_interrupted` event saying whether it left a checkpoint); then every job not in
    /// a terminal state is returned with its latest run, for the engine to resume (a running job
    /// resumes with [`JobStore::start_workflow_run`], from its checkpoint) or to retry.
    ///
    /// Call it only when no worker of this store is running: an attempt that is open is taken to
    /// belong to the crashed process.
    pub async fn recover(
        &self,
        actor: FlightRecorderActor,
    ) -> Result<Vec<Recoverable>, StoreError> {
        let rows = self
            .pool
            .fetch_all(&self.sql.select_open_runs, Vec::new())
            .await?;
        for row in rows {
            let job_id: JobId = parse("job_id", &row.text(0)?.unwrap_or_default())?;
            let mut tx = self.pool.begin().await?;
            let record = self.lock(&mut tx, job_id).await?;
            let Some(open) = self.latest_run(&mut tx, job_id).await?.filter(is_open) else {
                continue;
            };
            if record.job.state.is_terminal() {
                continue;
            }
            let now = Timestamp::now();
            tx.execute(
                &self.sql.interrupt_run,
                vec![Arg::text(now.to_string()), uuid_arg(open.workflow_run_id)],
            )
            .await?;
            let payload = json!({
                "workflow_run_id": open.workflow_run_id,
                "attempt": open.attempt,
                "checkpointed": open.checkpoint.is_some(),
            });
            self.commit_with_event(
                tx,
                &record.job,
                event_types::RUN_INTERRUPTED,
                actor,
                now,
                payload,
            )
            .await?;
        }
        self.recoverable_jobs().await
    }

    /// Every job not in a terminal state, with its latest run, ordered by `(created_at, job_id)`;
    /// reads only (see [`JobStore::recover`] for what a restarting engine calls).
    pub async fn recoverable_jobs(&self) -> Result<Vec<Recoverable>, StoreError> {
        let rows = self
            .pool
            .fetch_all(&self.sql.select_recoverable, Vec::new())
            .await?;
        let runs = self.schema.table(tables::AI_JOB_WORKFLOW_RUNS);
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let job = self.job_with_refs(row).await?;
            let id = job.job.job_id;
            let run_rows = self
                .pool
                .fetch_all(&self.sql.select_latest_run, vec![uuid_arg(id)])
                .await?;
            let last_run = match run_rows.first() {
                Some(r) => Some(serde_json::from_value(Value::Object(runs.object(r, 0)?))?),
                None => None,
            };
            out.push(Recoverable { job, last_run });
        }
        Ok(out)
    }

    /// Claims the oldest queued job for `worker` and moves it to `running`, opening its next
    /// attempt. On Postgres the candidate row is taken with `FOR UPDATE SKIP LOCKED`, so
    /// concurrent workers never get the same job; on SQLite the write transaction is exclusive.
    /// `None` when no job is queued.
    pub async fn claim_next_queued(
        &self,
        worker: &str,
    ) -> Result<Option<Transitioned>, StoreError> {
        let reason = StatusReason {
            code: reason_code(REASON_CLAIMED)?,
            detail: Some(format!("claimed by {worker}")),
        };
        loop {
            let mut tx = self.pool.begin().await?;
            let Some(before) = self
                .lock_with(&mut tx, &self.sql.claim_job, Vec::new())
                .await?
            else {
                return Ok(None);
            };
            if before.job.state != JobState::Queued {
                continue;
            }
            let now = Timestamp::now();
            let mut next = before.job.clone();
            next.state = JobState::Running;
            next.status_reason = reason.clone();
            next.updated_at = now;
            validated(&next)?;
            let step = Step {
                before: &before,
                next,
                actor: FlightRecorderActor::System,
                workflow_run_id: None,
                events: Vec::new(),
                extra: vec![("worker", Value::String(worker.to_owned()))],
                now,
            };
            match self.write_step(&mut tx, step).await {
                Ok(done) => {
                    self.commit_and_remember(tx).await?;
                    return Ok(Some(done));
                }
                Err(StoreError::Model(ModelError::VersionConflict { .. })) => continue,
                Err(error) => return Err(error),
            }
        }
    }
}
