//! Every statement the store runs, rendered once per dialect when the store opens.

use std::sync::Arc;

use handshake_job_model::JobState;

use crate::sql::{Dialect, Schema, render};

/// Rendered SQL, shared by all clones of a store (`Arc<str>` clones are cheap to bind).
#[derive(Debug)]
pub(crate) struct Statements {
    pub insert_job: Arc<str>,
    pub insert_entity_ref: Arc<str>,
    pub insert_run: Arc<str>,
    pub insert_event: Arc<str>,
    pub insert_history: Arc<str>,
    pub insert_provenance: Arc<str>,
    /// Job columns plus its version, by id.
    pub select_job: Arc<str>,
    pub select_entity_refs: Arc<str>,
    /// The fields a transition needs, locking the row on Postgres.
    pub lock_job: Arc<str>,
    pub job_version: Arc<str>,
    pub update_state: Arc<str>,
    pub latest_run: Arc<str>,
    pub select_latest_run: Arc<str>,
    pub next_attempt: Arc<str>,
    pub close_runs: Arc<str>,
    pub update_capability_result: Arc<str>,
    pub update_metrics: Arc<str>,
    pub update_outputs: Arc<str>,
    pub update_validation: Arc<str>,
    pub select_history: Arc<str>,
    pub select_events: Arc<str>,
    /// Whether a job already committed its changes (§2.6.6.3.3: once).
    pub select_committed: Arc<str>,
    pub select_runs: Arc<str>,
    pub select_provenance_of_entity: Arc<str>,
    pub select_provenance_of_job: Arc<str>,
    pub select_recoverable: Arc<str>,
    pub next_queued: Arc<str>,
    /// The start of a list query (filters and paging are appended per call).
    pub list_prefix: String,
}

impl Statements {
    pub fn new(dialect: Dialect, schema: &Schema) -> Self {
        let r = |template: &str| -> Arc<str> { Arc::from(render(dialect, template)) };
        let jobs = schema.table("ai_jobs");
        let refs = schema.table("ai_job_entity_refs");
        let runs = schema.table("ai_job_workflow_runs");
        let events = schema.table("flight_recorder_outbox");
        let history = schema.table("ai_job_state_history");
        let provenance = schema.table("ai_entity_provenance");
        let job_select = format!(
            "SELECT {}, (SELECT MAX(h.sequence) FROM ai_job_state_history h WHERE h.job_id = j.job_id) FROM ai_jobs j",
            jobs.select_list(dialect, "j")
        );
        let non_terminal = JobState::ALL
            .iter()
            .filter(|s| !s.is_terminal())
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let lock = if dialect == Dialect::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let skip_locked = if dialect == Dialect::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        Self {
            insert_job: Arc::from(jobs.insert_sql(dialect)),
            insert_entity_ref: Arc::from(refs.insert_sql(dialect)),
            insert_run: Arc::from(runs.insert_sql(dialect)),
            insert_event: Arc::from(events.insert_sql(dialect)),
            insert_history: Arc::from(history.insert_sql(dialect)),
            insert_provenance: Arc::from(provenance.insert_sql(dialect)),
            select_job: r(&format!("{job_select} WHERE j.job_id = {{uuid}}")),
            select_entity_refs: r(&format!(
                "SELECT {} FROM ai_job_entity_refs e WHERE e.job_id = {{uuid}} ORDER BY e.position",
                refs.select_list(dialect, "e")
            )),
            lock_job: r(&format!(
                "SELECT j.state, [json:j.workspace_scope], j.executor_model_id FROM ai_jobs j WHERE j.job_id = {{uuid}}{lock}"
            )),
            job_version: r(
                "SELECT CAST(COALESCE(MAX(sequence), 0) AS BIGINT) FROM ai_job_state_history WHERE job_id = {uuid}",
            ),
            update_state: r(
                "UPDATE ai_jobs SET state = {}, status_reason = {json}, updated_at = {ts}, completed_at = {ts}, \
                 error_summary = COALESCE({json}, error_summary) WHERE job_id = {uuid} AND state = {}",
            ),
            latest_run: r(
                "SELECT [uuid:workflow_run_id], CAST(CASE WHEN finished_at IS NULL THEN 1 ELSE 0 END AS BIGINT) \
                 FROM ai_job_workflow_runs WHERE job_id = {uuid} ORDER BY attempt DESC LIMIT 1",
            ),
            select_latest_run: r(&format!(
                "SELECT {} FROM ai_job_workflow_runs w WHERE w.job_id = {{uuid}} ORDER BY w.attempt DESC LIMIT 1",
                runs.select_list(dialect, "w")
            )),
            next_attempt: r(
                "SELECT CAST(COALESCE(MAX(attempt), 0) + 1 AS BIGINT) FROM ai_job_workflow_runs WHERE job_id = {uuid}",
            ),
            close_runs: r(
                "UPDATE ai_job_workflow_runs SET status = {}, finished_at = {ts} WHERE job_id = {uuid} AND finished_at IS NULL",
            ),
            update_capability_result: r(
                "UPDATE ai_jobs SET capability_check_result = {json} WHERE job_id = {uuid}",
            ),
            update_metrics: r("UPDATE ai_jobs SET metrics = {json} WHERE job_id = {uuid}"),
            update_outputs: r("UPDATE ai_jobs SET job_outputs = {json} WHERE job_id = {uuid}"),
            update_validation: r(
                "UPDATE ai_jobs SET validation_result = {json} WHERE job_id = {uuid}",
            ),
            select_history: r(&format!(
                "SELECT {} FROM ai_job_state_history h WHERE h.job_id = {{uuid}} ORDER BY h.sequence",
                history.select_list(dialect, "h")
            )),
            select_events: r(&format!(
                "SELECT {} FROM flight_recorder_outbox e WHERE e.job_id = {{uuid}} ORDER BY e.timestamp, e.event_id",
                events.select_list(dialect, "e")
            )),
            select_committed: r(
                "SELECT e.event_id FROM flight_recorder_outbox e WHERE e.job_id = {uuid} \
                 AND e.event_type = 'ai_job.changes_committed' LIMIT 1",
            ),
            select_runs: r(&format!(
                "SELECT {} FROM ai_job_workflow_runs w WHERE w.job_id = {{uuid}} ORDER BY w.attempt",
                runs.select_list(dialect, "w")
            )),
            select_provenance_of_entity: r(&format!(
                "SELECT {} FROM ai_entity_provenance p WHERE p.artefact_type = {{}} AND p.artefact_id = {{uuid}} \
                 ORDER BY p.committed_at, p.provenance_id",
                provenance.select_list(dialect, "p")
            )),
            select_provenance_of_job: r(&format!(
                "SELECT {} FROM ai_entity_provenance p WHERE p.job_id = {{uuid}} ORDER BY p.committed_at, p.provenance_id",
                provenance.select_list(dialect, "p")
            )),
            select_recoverable: r(&format!(
                "{job_select} WHERE j.state IN ({non_terminal}) ORDER BY j.created_at, j.job_id"
            )),
            next_queued: r(&format!(
                "SELECT [uuid:j.job_id] FROM ai_jobs j WHERE j.state = 'queued' ORDER BY j.created_at, j.job_id LIMIT 1{skip_locked}"
            )),
            list_prefix: job_select,
        }
    }
}
