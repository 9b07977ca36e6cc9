//! Transitions (§2.6.6.3), including the one that completes a job and commits its changes.

use handshake_job_model::generated::registry::tables;
use handshake_job_model::{
    AiJob, EntityProvenance, ErrorSummary, FlightRecorderActor, FlightRecorderEvent, JobId,
    JobState, ModelError, StatusReason, Timestamp, ValidationPhase, ValidationResult, Warning,
    WorkflowRun, WorkflowRunId, WorkflowRunStatus,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    JobRecord, JobStore, REASON_CAPABILITY_DENIED, REASON_COMMIT_REFUSED, Recent, error_summary,
    history_row, status, uuid_arg, validated,
};
use crate::checks::{Change, check_changes};
use crate::error::StoreError;
use crate::events::{event, event_types};
use crate::sql::{Arg, Tx};

/// A request to move a job to another state.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionRequest {
    /// The job.
    pub job_id: JobId,
    /// The version the caller read; another writer's change in between is a `VersionConflict`.
    pub expected_version: u64,
    /// The state to enter.
    pub to: JobState,
    /// The reason (becomes the job's `status_reason` and the history row's reason).
    pub reason: StatusReason,
    /// Who asks.
    pub actor: FlightRecorderActor,
    /// The workflow run the change happens in; when absent the store uses the job's open run (and
    /// opens the next attempt when entering `running` without one).
    pub workflow_run_id: Option<WorkflowRunId>,
    /// The error, stored as the job's `error_summary` when entering `failed` or `poisoned` (the
    /// spec's rules require one there).
    pub error_summary: Option<ErrorSummary>,
    /// The result of validation, stored as the job's `validation_result` (entering
    /// `awaiting_user`, `completed` or `completed_with_issues` requires one, by the spec's rules).
    pub validation_result: Option<ValidationResult>,
    /// Non-fatal issues, appended to the job's `warnings` (`completed_with_issues` requires some).
    pub warnings: Vec<Warning>,
    /// The workspace changes the job commits. Only a transition into `completed` or
    /// `completed_with_issues` carries them (§2.6.6.3.3); it applies them, with provenance, in
    /// the same transaction.
    pub changes: Vec<Change>,
}

impl TransitionRequest {
    /// A request with no explicit run, error, validation result, warnings or changes.
    pub fn new(
        job_id: JobId,
        expected_version: u64,
        to: JobState,
        reason: StatusReason,
        actor: FlightRecorderActor,
    ) -> Self {
        Self {
            job_id,
            expected_version,
            to,
            reason,
            actor,
            workflow_run_id: None,
            error_summary: None,
            validation_result: None,
            warnings: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// This request, with `changes` to commit.
    pub fn with_changes(mut self, changes: Vec<Change>) -> Self {
        self.changes = changes;
        self
    }

    /// This request, with a validation result to store.
    pub fn with_validation(mut self, result: ValidationResult) -> Self {
        self.validation_result = Some(result);
        self
    }

    /// This request, with warnings to append.
    pub fn with_warnings(mut self, warnings: Vec<Warning>) -> Self {
        self.warnings = warnings;
        self
    }

    /// This request, with an error summary to store.
    pub fn with_error(mut self, error: ErrorSummary) -> Self {
        self.error_summary = Some(error);
        self
    }
}

/// What a successful transition wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Transitioned {
    /// The job.
    pub job_id: JobId,
    /// The state left.
    pub from: JobState,
    /// The state entered.
    pub to: JobState,
    /// The new version (the history row's sequence).
    pub version: u64,
    /// The `ai_job.state_changed` event written with it.
    pub event_id: Uuid,
    /// The workflow run the change was recorded in.
    pub workflow_run_id: Option<WorkflowRunId>,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// The provenance written, one per committed change (a completion only).
    pub provenance: Vec<EntityProvenance>,
}

/// A transition ready to be written: the job before (as locked) and after.
pub(super) struct Step<'a> {
    pub before: &'a JobRecord,
    pub next: AiJob,
    pub actor: FlightRecorderActor,
    pub workflow_run_id: Option<WorkflowRunId>,
    /// Events written before the `ai_job.state_changed` event (decisions, commits).
    pub events: Vec<FlightRecorderEvent>,
    /// Members added to the `ai_job.state_changed` payload.
    pub extra: Vec<(&'static str, Value)>,
    pub now: Timestamp,
}

/// Whether entering `state` completes a job, which is when its changes are committed.
pub(super) fn completes(state: JobState) -> bool {
    matches!(state, JobState::Completed | JobState::CompletedWithIssues)
}

/// The run status a transition into `to` closes the open run with, if any.
fn run_status_on_entering(to: JobState) -> Option<WorkflowRunStatus> {
    match to {
        JobState::AwaitingValidation | JobState::Completed | JobState::CompletedWithIssues => {
            Some(WorkflowRunStatus::Succeeded)
        }
        JobState::Failed | JobState::Poisoned => Some(WorkflowRunStatus::Failed),
        JobState::Cancelled => Some(WorkflowRunStatus::Cancelled),
        JobState::Queued | JobState::Running | JobState::AwaitingUser => None,
    }
}

impl JobStore {
    /// Moves a job to `request.to` (§2.6.6.3), in one transaction:
    ///
    /// 1. the job is read with its version (on Postgres first without a lock, see below; on
    ///    SQLite in an exclusive transaction); a version other than `expected_version` is
    ///    `VersionConflict` (§2.6.6.3, optimistic concurrency);
    /// 2. the generated table decides ([`JobState::check_transition`], §2.6.6.3.1): an illegal
    ///    transition or any change of a terminal state is refused **before anything is written**;
    ///    so is a change set on a transition that does not complete the job
    ///    (`ChangesOutsideCompletion`), a retry (`failed → queued`) of a job whose error is not
    ///    retryable (`RetryNotAllowed`) or that used its `max_attempts` (`AttemptsExhausted`), and
    ///    a job the spec's rules refuse in its new state ([`StoreError::Rule`]: e.g. `completed`
    ///    without a passing validation result, `failed` without an error summary);
    /// 3. entering `queued` (a retry) or `awaiting_validation` runs enforcement points 1 and 2 of
    ///    §2.6.6.5.2; entering `completed`/`completed_with_issues` runs the commit (below);
    /// 4. the guarded row update (0 rows ⇒ `VersionConflict`), the workflow run bookkeeping, the
    ///    Flight Recorder events and the append-only history row with
    ///    `sequence = expected_version + 1` are written; `updated_at` is now and `completed_at` is
    ///    set on entering a terminal state (§2.6.6.2.7).
    ///
    /// **Completion is the commit (§2.6.6.3.3, §2.6.6.3.2, §2.6.6.5.2).** A transition into
    /// `completed` or `completed_with_issues` carries the change set. In the same transaction the
    /// store checks the access mode, every change's entity and layer ([`check_changes`]), then
    /// asks the policy at `on_commit`; only if all pass does it write one provenance row per change
    /// (§2.6.6.5.1), an `ai_job.changes_committed` event and the transition. If one refuses, the
    /// same transaction moves the job to `failed` instead, with reason `commit.refused` or
    /// `capability.denied`, an `error_summary` naming the refusal and the decisions recorded, and
    /// writes no change and no provenance; the call returns [`StoreError::Refused`].
    /// `analysis_only` and `preview_only` jobs complete with an empty change set.
    ///
    /// **Enforcement point 2 (at `awaiting_validation`).** On a denial the job moves to `failed`
    /// in the same transaction; a denial of the `before_queued` check on a retry leaves the job
    /// `failed`; both record the decisions and return [`StoreError::Refused`].
    ///
    /// **One transaction, two statements (Postgres).** The job, its version, its event order and
    /// its latest run are read by one statement, with no lock held while the store decides; all
    /// the writes then go in one statement, conditional on the job's row still being the version
    /// read (its `xmin`; [`crate::sql::Pool::begin_optimistic`]). If another writer changed the
    /// job in between, that statement writes nothing and the transition is decided again, this
    /// time under the job's row lock (`FOR UPDATE`), so it waits for the other writer and never
    /// loses to it twice. Either way the outcome is one of a serial order of the writers. When
    /// this store wrote the job last and the caller expects that version, the read is skipped
    /// and the guarded write is the only statement (`store/recent.rs`).
    ///
    /// Runs (§2.6.6.4): entering `running` uses the open run (or `workflow_run_id`, which must be
    /// it), else opens the next attempt, resuming from the checkpoint of an interrupted one;
    /// entering `awaiting_validation` or a completed state closes the open run as `succeeded`,
    /// `failed`/`poisoned` as `failed`, `cancelled` as `cancelled`.
    pub async fn transition(&self, request: TransitionRequest) -> Result<Transitioned, StoreError> {
        // On the job as this store last wrote it, when it did and the caller expects that
        // version (Postgres): one statement, the guarded write. If the job changed since, or a
        // refusal was decided on what may be out of date, the step is decided again on the job
        // as stored. A recorded refusal was written under the guard, so it stands; so does a
        // failure of the database (nothing is sent twice).
        if let Some(recent) = self.recent.take(request.job_id, request.expected_version) {
            let tx = self.pool.begin_optimistic().await?;
            match self.transition_in(tx, &request, Some(recent)).await {
                Ok(Some(result)) => return result,
                Ok(None) => {}
                Err(error) if error.is_refusal() => {}
                Err(error) => return Err(error),
            }
        }
        // Then optimistically (Postgres: read, decide, then one guarded write, two statements
        // in all; SQLite: the locked transaction). If another writer changed the job in between,
        // nothing was written: the step is decided again under the job's lock.
        let mut tx = self.pool.begin_optimistic().await?;
        loop {
            match self.transition_in(tx, &request, None).await? {
                Some(done) => return done,
                None => tx = self.pool.begin().await?,
            }
        }
    }

    /// One attempt at [`JobStore::transition`] in `tx`, on the job as `recent` holds it (an
    /// optimistic `tx` only) or as read. `None`: `tx` was an optimistic write and the job changed
    /// after it was read, so nothing was written (never for a locked `tx`).
    async fn transition_in(
        &self,
        mut tx: Tx,
        request: &TransitionRequest,
        recent: Option<Recent>,
    ) -> Result<Option<Result<Transitioned, StoreError>>, StoreError> {
        let before = match recent {
            Some(recent) => recent.resume(&mut tx),
            None => self.lock(&mut tx, request.job_id).await?,
        };
        if before.version != request.expected_version {
            return Err(ModelError::VersionConflict {
                job_id: request.job_id,
                expected_version: request.expected_version,
                actual_version: before.version,
            }
            .into());
        }
        let from = before.job.state;
        let to = request.to;
        from.check_transition(to)?;
        if !request.changes.is_empty() && !completes(to) {
            return Err(ModelError::ChangesOutsideCompletion { state: to }.into());
        }
        if from == JobState::Failed && to == JobState::Queued {
            self.check_retry(&mut tx, &before.job).await?;
        }
        let now = Timestamp::now();
        let next = next_job(&before.job, request, now);
        validated(&next)?;

        let outcome = if completes(to) {
            self.complete(&mut tx, &before, next, request, now).await
        } else {
            self.move_to(&mut tx, &before, next, request, now).await
        };
        // A refusal decided on what was read is returned as it is, and nothing is written:
        // dropping `tx` rolls a locked transaction back, and an optimistic write sends nothing
        // before its commit. (What was read was the job as last committed, under the row lock or
        // in one snapshot, so a refusal decided on it is a refusal of the job at that point.)
        let result = match outcome? {
            Outcome::Done(done) => Ok(done),
            Outcome::Recorded(refusal) => Err(refusal),
        };
        Ok(self.commit_and_remember(tx).await?.then_some(result))
    }

    /// A transition that does not complete the job, with enforcement points 1 (a retry) and 2.
    async fn move_to(
        &self,
        tx: &mut Tx,
        before: &JobRecord,
        mut next: AiJob,
        request: &TransitionRequest,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let point = match request.to {
            JobState::Queued => Some(ValidationPhase::BeforeQueued),
            JobState::AwaitingValidation => Some(ValidationPhase::AwaitingValidation),
            _ => None,
        };
        let mut events = Vec::new();
        if let Some(point) = point {
            let enforced = self.enforce(point, &mut next, &[], request.actor, now);
            events = enforced.events;
            if let Some(error) = enforced.denial {
                if point == ValidationPhase::AwaitingValidation {
                    // The job does not reach awaiting_validation: it fails here.
                    let failure = Failure::new(error, REASON_CAPABILITY_DENIED, events);
                    return self.fail(tx, before, &next, failure, request, now).await;
                }
                // A refused retry stays failed, with the decisions recorded on it.
                let kept = self.keep_with_decisions(tx, before, &next, &events).await?;
                return Ok(refused(before.job.job_id, kept, error));
            }
        }
        let done = self
            .write_step(
                tx,
                Step {
                    before,
                    next,
                    actor: request.actor,
                    workflow_run_id: request.workflow_run_id,
                    events,
                    extra: Vec::new(),
                    now,
                },
            )
            .await?;
        Ok(Outcome::Done(done))
    }

    /// The completion: commit checks, enforcement point 3, provenance and the transition, or the
    /// job's move to `failed` when a check refuses.
    async fn complete(
        &self,
        tx: &mut Tx,
        before: &JobRecord,
        mut next: AiJob,
        request: &TransitionRequest,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let job_id = before.job.job_id;
        if completes(before.job.state) && !request.changes.is_empty() {
            // Already completed (and committed) once: a later completion state adds no change.
            return Err(ModelError::AlreadyCommitted { job_id }.into());
        }
        if let Err(error) = check_changes(&next, &request.changes) {
            let failure = Failure::new(error, REASON_COMMIT_REFUSED, Vec::new());
            return self.fail(tx, before, &next, failure, request, now).await;
        }
        let enforced = self.enforce(
            ValidationPhase::OnCommit,
            &mut next,
            &request.changes,
            request.actor,
            now,
        );
        let mut events = enforced.events;
        if let Some(error) = enforced.denial {
            let failure = Failure::new(error, REASON_CAPABILITY_DENIED, events);
            return self.fail(tx, before, &next, failure, request, now).await;
        }

        let run_id = match request.workflow_run_id {
            Some(id) => Some(id),
            None => self
                .latest_run(tx, job_id)
                .await?
                .map(|r| r.workflow_run_id),
        };
        let mut provenance = Vec::with_capacity(request.changes.len());
        for change in &request.changes {
            let row = EntityProvenance {
                provenance_id: Uuid::now_v7(),
                artefact_type: change.entity.artefact_type,
                artefact_id: change.entity.artefact_id,
                selector: change.entity.selector.clone(),
                layer: change.layer,
                job_id,
                workflow_run_id: run_id,
                protocol_id: next.protocol_id.clone(),
                planner_model_id: next.planner_model_id.clone(),
                executor_model_id: next.executor_model_id.clone(),
                committed_at: now,
            };
            self.defer_insert(
                tx,
                tables::AI_ENTITY_PROVENANCE,
                &self.sql.insert_provenance,
                &row,
            )
            .await?;
            provenance.push(row);
        }
        if !provenance.is_empty() {
            let payload = json!({
                "changes": provenance.iter().map(|p| json!({
                    "provenance_id": p.provenance_id,
                    "artefact_type": p.artefact_type,
                    "artefact_id": p.artefact_id,
                    "layer": p.layer,
                })).collect::<Vec<_>>(),
            });
            events.push(event(
                &next,
                event_types::CHANGES_COMMITTED,
                request.actor,
                now,
                payload,
            ));
        }
        let committed = provenance.len() as u64;
        let mut done = self
            .write_step(
                tx,
                Step {
                    before,
                    next,
                    actor: request.actor,
                    workflow_run_id: run_id,
                    events,
                    extra: vec![("committed_changes", Value::from(committed))],
                    now,
                },
            )
            .await?;
        done.provenance = provenance;
        Ok(Outcome::Done(done))
    }

    /// Moves the job to `failed` because `failure.error` refused the step it asked for: the
    /// decisions taken so far (on `attempted`) and their events are kept, the validation result
    /// the request brought is stored, and no change is written. The outcome is the recorded
    /// refusal, with the job's state and version after it.
    async fn fail(
        &self,
        tx: &mut Tx,
        before: &JobRecord,
        attempted: &AiJob,
        failure: Failure,
        request: &TransitionRequest,
        now: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let Failure {
            error,
            reason,
            events,
        } = failure;
        let job_id = before.job.job_id;
        if !before.job.state.can_transition_to(JobState::Failed) {
            // A job that cannot fail from here (it already completed) keeps its state; the
            // decisions are still recorded on it.
            let kept = self
                .keep_with_decisions(tx, before, attempted, &events)
                .await?;
            return Ok(refused(job_id, kept, error));
        }
        let mut failed = before.job.clone();
        failed.state = JobState::Failed;
        failed.status_reason = status(reason, error.to_string())?;
        failed.error_summary = Some(error_summary(&error, now)?);
        failed.capability_check_result = attempted.capability_check_result.clone();
        if request.validation_result.is_some() {
            failed.validation_result = request.validation_result.clone();
        }
        failed.updated_at = now;
        failed.completed_at = None;
        validated(&failed)?;
        let done = self
            .write_step(
                tx,
                Step {
                    before,
                    next: failed,
                    actor: request.actor,
                    workflow_run_id: None,
                    events,
                    extra: Vec::new(),
                    now,
                },
            )
            .await?;
        Ok(refused(job_id, (JobState::Failed, done.version), error))
    }

    /// Keeps the job in its state, recording the capability decisions taken on `attempted` and
    /// their `events`. Returns the (unchanged) state and version.
    async fn keep_with_decisions(
        &self,
        tx: &mut Tx,
        before: &JobRecord,
        attempted: &AiJob,
        events: &[FlightRecorderEvent],
    ) -> Result<(JobState, u64), StoreError> {
        let mut kept = before.job.clone();
        kept.capability_check_result = attempted.capability_check_result.clone();
        self.update_job(tx, before, &kept).await?;
        self.write_events(tx, kept.job_id, events).await?;
        Ok((before.job.state, before.version))
    }

    /// Writes a checked step: the job row, the run bookkeeping, the events (with the
    /// `ai_job.state_changed` event last) and the history row.
    pub(super) async fn write_step(
        &self,
        tx: &mut Tx,
        step: Step<'_>,
    ) -> Result<Transitioned, StoreError> {
        let Step {
            before,
            next,
            actor,
            workflow_run_id,
            mut events,
            extra,
            now,
        } = step;
        let job_id = next.job_id;
        let (from, to) = (before.job.state, next.state);

        // Workflow runs (§2.6.6.4).
        let mut opened = None;
        // One read of the latest run serves both questions below (is one open; which was last).
        let latest = self.latest_run(tx, job_id).await?;
        let latest_id = latest.as_ref().map(|r| r.workflow_run_id);
        let open_run = latest.filter(is_open);
        if let (Some(asked), Some(open)) = (workflow_run_id, &open_run)
            && asked != open.workflow_run_id
        {
            return Err(ModelError::RunNotOpen {
                job_id,
                workflow_run_id: asked,
            }
            .into());
        }
        let open_run_record = open_run.clone();
        let run_id = match (to, open_run) {
            (_, Some(open)) => Some(open.workflow_run_id),
            (JobState::Running, None) => {
                if let Some(asked) = workflow_run_id {
                    return Err(ModelError::RunNotOpen {
                        job_id,
                        workflow_run_id: asked,
                    }
                    .into());
                }
                let run = self.open_run(tx, &next, None, now).await?;
                let id = run.workflow_run_id;
                opened = Some(run.attempt);
                Some(id)
            }
            // A retry happens between attempts: the next one opens when the job runs again.
            (JobState::Queued, None) => None,
            (_, None) => workflow_run_id.or(latest_id),
        };
        // At most one attempt is open, and it is the latest: it is closed by its id (looking
        // for open runs among all of a job's attempts costs a visit to each of them).
        if let (Some(status), Some(open)) = (run_status_on_entering(to), open_run_record) {
            tx.defer(
                &self.sql.close_run,
                vec![
                    Arg::text(status.as_str()),
                    Arg::text(now.to_string()),
                    uuid_arg(open.workflow_run_id),
                ],
            )
            .await?;
            let closed = WorkflowRun {
                status,
                finished_at: Some(now),
                ..open
            };
            tx.memo.latest_run = Some((job_id, Some(closed)));
        }

        let sequence = before.version + 1;
        let mut payload = json!({
            "from_state": from,
            "to_state": to,
            "reason": next.status_reason.code,
            "reason_detail": next.status_reason.detail,
            "sequence": sequence,
            "workflow_run_id": run_id,
        });
        if let Some(attempt) = opened {
            payload["opened_attempt"] = Value::from(attempt);
        }
        if matches!(to, JobState::Failed | JobState::Poisoned) {
            payload["error_summary"] = serde_json::to_value(&next.error_summary)?;
        }
        for (key, value) in extra {
            payload[key] = value;
        }
        let changed = event(&next, event_types::STATE_CHANGED, actor, now, payload);
        let event_id = changed.event_id;
        let history = history_row(&next, sequence, Some(from), run_id, &changed);
        events.push(changed);
        self.write_events(tx, job_id, &events).await?;
        self.defer_insert(
            tx,
            tables::AI_JOB_STATE_HISTORY,
            &self.sql.insert_history,
            &history,
        )
        .await?;
        // The job's row last: on Postgres the writes above go with it in one statement.
        self.update_job(tx, before, &next).await?;
        tx.memo.written = Some(JobRecord {
            job: next,
            version: sequence,
        });
        Ok(Transitioned {
            job_id,
            from,
            to,
            version: sequence,
            event_id,
            workflow_run_id: run_id,
            occurred_at: now,
            provenance: Vec::new(),
        })
    }
}

/// What a transition ended with: written, or refused with the refusal recorded.
pub(super) enum Outcome {
    Done(Transitioned),
    Recorded(StoreError),
}

/// A refusal that fails the job: the typed error, the status reason code, and the events of the
/// decisions taken before it.
struct Failure {
    error: ModelError,
    reason: &'static str,
    events: Vec<FlightRecorderEvent>,
}

impl Failure {
    fn new(error: ModelError, reason: &'static str, events: Vec<FlightRecorderEvent>) -> Self {
        Self {
            error,
            reason,
            events,
        }
    }
}

/// The recorded refusal of job `job_id` by `error`, with the job's `(state, version)` after it.
fn refused(job_id: JobId, (state, version): (JobState, u64), error: ModelError) -> Outcome {
    Outcome::Recorded(StoreError::Refused {
        job_id,
        state,
        version,
        error,
    })
}

/// Whether a run is still open (not finished).
pub(super) fn is_open(run: &WorkflowRun) -> bool {
    run.finished_at.is_none()
}

/// The job as `request` leaves it, before any enforcement point decides.
///
/// Decision (§2.6.6.4, §2.6.6.3.2): a retry (`failed → queued`) starts a fresh attempt, so the
/// error, validation result and warnings of the failed one are cleared from the job; the history,
/// the events and the runs keep them. Entering `failed`/`poisoned` stores the request's error.
fn next_job(job: &AiJob, request: &TransitionRequest, now: Timestamp) -> AiJob {
    let mut next = job.clone();
    let to = request.to;
    if job.state == JobState::Failed && to == JobState::Queued {
        next.error_summary = None;
        next.validation_result = None;
        next.warnings = None;
    }
    next.state = to;
    next.status_reason = request.reason.clone();
    next.updated_at = now;
    next.completed_at = if to.is_terminal() { Some(now) } else { None };
    if matches!(to, JobState::Failed | JobState::Poisoned) && request.error_summary.is_some() {
        next.error_summary = request.error_summary.clone();
    }
    if let Some(result) = &request.validation_result {
        next.validation_result = Some(result.clone());
    }
    if !request.warnings.is_empty() {
        next.warnings
            .get_or_insert_with(Vec::new)
            .extend(request.warnings.iter().cloned());
    }
    next
}
