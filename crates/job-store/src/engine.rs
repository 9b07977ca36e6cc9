//! The seam a workflow engine plugs into (§2.6.6.1, §2.6.6.4).
//!
//! The spec makes the workflow engine of §2.6 the only execution path of AI jobs: it schedules
//! them, runs their nodes and validators, and resumes them after a crash. This workspace stores
//! and guards jobs; it does not execute them (`out_of_scope` in the spec says so). An engine
//! drives a job only through [`WorkflowEngineSeam`], and [`JobStore`] implements it, so every step
//! an engine takes is checked by the store: the lifecycle, the spec's rules, the enforcement
//! points, the commit and the attempts.
//!
//! The loop an engine runs:
//! 1. on start, [`recover`](WorkflowEngineSeam::recover) and resume what it returns;
//! 2. [`claim_next_queued`](WorkflowEngineSeam::claim_next_queued) (the job enters `running` and
//!    its next attempt opens);
//! 3. before each node, [`checkpoint`](WorkflowEngineSeam::checkpoint); per model call,
//!    [`record_model_call`](WorkflowEngineSeam::record_model_call);
//! 4. [`transition`](WorkflowEngineSeam::transition) to `awaiting_validation` (enforcement
//!    point 2), then to `completed`/`completed_with_issues` with the change set (the commit), or to
//!    `awaiting_user`, `failed`, `poisoned`.

use std::future::Future;

use handshake_job_model::{AiJobModelCall, FlightRecorderActor, JobId, WorkflowRun, WorkflowRunId};
use serde_json::Value;

use crate::{JobStore, Recoverable, StoreError, TransitionRequest, Transitioned};

/// What a workflow engine calls to execute jobs held by a store.
pub trait WorkflowEngineSeam: Send + Sync {
    /// Marks attempts cut short by a crash `interrupted` and returns the jobs to resume.
    fn recover(
        &self,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<Vec<Recoverable>, StoreError>> + Send;

    /// Takes the oldest queued job into `running` for `worker`.
    fn claim_next_queued(
        &self,
        worker: &str,
    ) -> impl Future<Output = Result<Option<Transitioned>, StoreError>> + Send;

    /// Opens the next attempt of a running job whose last attempt was interrupted.
    fn start_workflow_run(
        &self,
        job_id: JobId,
        workflow_definition_id: Option<String>,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<WorkflowRun, StoreError>> + Send;

    /// Stores the checkpoint of the open attempt before a node runs.
    fn checkpoint(
        &self,
        job_id: JobId,
        workflow_run_id: WorkflowRunId,
        checkpoint: &Value,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<WorkflowRun, StoreError>> + Send;

    /// Logs one model call of the job.
    fn record_model_call(
        &self,
        job_id: JobId,
        call: &AiJobModelCall,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Moves the job on; a completion carries the change set and commits it.
    fn transition(
        &self,
        request: TransitionRequest,
    ) -> impl Future<Output = Result<Transitioned, StoreError>> + Send;
}

impl WorkflowEngineSeam for JobStore {
    fn recover(
        &self,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<Vec<Recoverable>, StoreError>> + Send {
        JobStore::recover(self, actor)
    }

    fn claim_next_queued(
        &self,
        worker: &str,
    ) -> impl Future<Output = Result<Option<Transitioned>, StoreError>> + Send {
        JobStore::claim_next_queued(self, worker)
    }

    fn start_workflow_run(
        &self,
        job_id: JobId,
        workflow_definition_id: Option<String>,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<WorkflowRun, StoreError>> + Send {
        JobStore::start_workflow_run(self, job_id, workflow_definition_id, actor)
    }

    fn checkpoint(
        &self,
        job_id: JobId,
        workflow_run_id: WorkflowRunId,
        checkpoint: &Value,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<WorkflowRun, StoreError>> + Send {
        JobStore::checkpoint(self, job_id, workflow_run_id, checkpoint, actor)
    }

    fn record_model_call(
        &self,
        job_id: JobId,
        call: &AiJobModelCall,
        actor: FlightRecorderActor,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        JobStore::record_model_call(self, job_id, call, actor)
    }

    fn transition(
        &self,
        request: TransitionRequest,
    ) -> impl Future<Output = Result<Transitioned, StoreError>> + Send {
        JobStore::transition(self, request)
    }
}
