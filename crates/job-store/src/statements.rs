//! Every statement the store runs, rendered once per dialect when the store opens.

use std::sync::Arc;

use handshake_job_model::{JobState, WorkflowRunStatus};

use crate::sql::{Dialect, Schema, placeholder, render};

/// Rendered SQL, shared by all clones of a store (`Arc<str>` clones are cheap to bind).
#[derive(Debug)]
pub(crate) struct Statements {
    pub insert_job: Arc<str>,
    pub insert_entity_ref: Arc<str>,
    pub insert_run: Arc<str>,
    pub insert_event: Arc<str>,
    pub insert_delivery: Arc<str>,
    pub insert_history: Arc<str>,
    pub insert_provenance: Arc<str>,
    /// Job columns plus its version, by id.
    pub select_job: Arc<str>,
    pub select_entity_refs: Arc<str>,
    /// The job's columns, then one row per entity ref (its columns; NULL when it has none), in
    /// ref order, locking the job's row on Postgres. Entity refs never change after creation, so
    /// reading them in the locking statement is safe even on Postgres, where a statement that
    /// waited for the lock still reads other tables as of when it started.
    pub lock_job: Arc<str>,
    /// After the lock: the job's version, the last number of its event order, and its latest
    /// workflow run's columns (NULL when it has none), as one row.
    pub lock_context: Arc<str>,
    /// The last number of a job's event order.
    pub last_delivery: Arc<str>,
    /// Every job column but `job_id` from the record, `WHERE job_id = ? AND state = ?`.
    pub update_job: Arc<str>,
    /// Where `job_id` is among the bind values of a whole `ai_jobs` row.
    pub job_id_column: usize,
    pub select_latest_run: Arc<str>,
    /// Closes the open run with this id.
    pub close_run: Arc<str>,
    pub interrupt_run: Arc<str>,
    pub checkpoint_run: Arc<str>,
    /// Jobs (not terminal) that have an open run, oldest run first.
    pub select_open_runs: Arc<str>,
    pub select_history: Arc<str>,
    pub select_events: Arc<str>,
    pub select_runs: Arc<str>,
    pub select_provenance_of_entity: Arc<str>,
    pub select_provenance_of_job: Arc<str>,
    pub select_recoverable: Arc<str>,
    /// [`Statements::lock_job`] for the oldest queued job no other worker holds (Postgres: `SKIP
    /// LOCKED`), found and locked by the same statement.
    pub claim_job: Arc<str>,
    /// Undelivered events, oldest first, with their job order; skipping rows other relays hold.
    pub claim_events: Arc<str>,
    /// The first undelivered event number of a job.
    pub pending_head: Arc<str>,
    pub ack_event: Arc<str>,
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
        let (lock, skip_locked, skip_locked_delivery) = match dialect {
            Dialect::Postgres => (
                " FOR UPDATE OF j",
                " FOR UPDATE SKIP LOCKED",
                " FOR UPDATE OF d SKIP LOCKED",
            ),
            Dialect::Sqlite => ("", "", ""),
        };

        // UPDATE ai_jobs SET <every column but job_id> WHERE job_id = ? AND state = ?
        let job_id_column = jobs
            .columns
            .iter()
            .position(|(name, _)| name == "job_id")
            .unwrap_or_else(|| unreachable!("ai_jobs has a job_id column (checked on open)"));
        let mut n = 0;
        let mut next = |kind| {
            n += 1;
            placeholder(dialect, n, kind)
        };
        let assignments: Vec<String> = jobs
            .columns
            .iter()
            .filter(|(name, _)| name != "job_id")
            .map(|(name, kind)| format!("{name} = {}", next(*kind)))
            .collect();
        let update_job = format!(
            "UPDATE ai_jobs SET {} WHERE job_id = {} AND state = {}",
            assignments.join(", "),
            next(crate::sql::Kind::Uuid),
            next(crate::sql::Kind::Text),
        );

        Self {
            insert_job: Arc::from(jobs.insert_sql(dialect)),
            insert_entity_ref: Arc::from(refs.insert_sql(dialect)),
            insert_run: Arc::from(runs.insert_sql(dialect)),
            insert_event: Arc::from(events.insert_sql(dialect)),
            // The job's number in its event order is counted by the store from the last one,
            // read under the job's lock ([`Statements::lock_context`]), so the row needs no read.
            insert_delivery: r(
                "INSERT INTO flight_recorder_delivery (event_id, job_id, job_sequence) \
                   VALUES ({uuid}, {uuid}, {})",
            ),
            insert_history: Arc::from(history.insert_sql(dialect)),
            insert_provenance: Arc::from(provenance.insert_sql(dialect)),
            select_job: r(&format!("{job_select} WHERE j.job_id = {{uuid}}")),
            select_entity_refs: r(&format!(
                "SELECT {} FROM ai_job_entity_refs e WHERE e.job_id = {{uuid}} ORDER BY e.position",
                refs.select_list(dialect, "e")
            )),
            lock_job: r(&format!(
                "SELECT {}, {} FROM ai_jobs j LEFT JOIN ai_job_entity_refs e ON e.job_id = j.job_id \
                 WHERE j.job_id = {{uuid}} ORDER BY e.position{lock}",
                jobs.select_list(dialect, "j"),
                refs.select_list(dialect, "e"),
            )),
            lock_context: r(&format!(
                "SELECT \
                   (SELECT CAST(COALESCE(MAX(h.sequence), 0) AS BIGINT) FROM ai_job_state_history h WHERE h.job_id = {{uuid}}), \
                   (SELECT CAST(COALESCE(MAX(d.job_sequence), 0) AS BIGINT) FROM flight_recorder_delivery d WHERE d.job_id = {{uuid}}), \
                   {} \
                 FROM (SELECT 1 AS one) x LEFT JOIN (\
                   SELECT * FROM ai_job_workflow_runs r WHERE r.job_id = {{uuid}} ORDER BY r.attempt DESC LIMIT 1\
                 ) w ON 1 = 1",
                runs.select_list(dialect, "w")
            )),
            last_delivery: r(
                "SELECT CAST(COALESCE(MAX(job_sequence), 0) AS BIGINT) FROM flight_recorder_delivery WHERE job_id = {uuid}",
            ),
            update_job: Arc::from(update_job),
            job_id_column,
            select_latest_run: r(&format!(
                "SELECT {} FROM ai_job_workflow_runs w WHERE w.job_id = {{uuid}} ORDER BY w.attempt DESC LIMIT 1",
                runs.select_list(dialect, "w")
            )),
            close_run: r(
                "UPDATE ai_job_workflow_runs SET status = {}, finished_at = {ts} WHERE workflow_run_id = {uuid} AND finished_at IS NULL",
            ),
            interrupt_run: r(&format!(
                "UPDATE ai_job_workflow_runs SET status = '{}', finished_at = {{ts}} \
                 WHERE workflow_run_id = {{uuid}} AND finished_at IS NULL",
                WorkflowRunStatus::Interrupted.as_str()
            )),
            checkpoint_run: r(
                "UPDATE ai_job_workflow_runs SET checkpoint = {json}, checkpointed_at = {ts} \
                 WHERE workflow_run_id = {uuid} AND job_id = {uuid} AND finished_at IS NULL",
            ),
            select_open_runs: r(&format!(
                "SELECT [uuid:w.job_id] FROM ai_job_workflow_runs w JOIN ai_jobs j ON j.job_id = w.job_id \
                 WHERE w.finished_at IS NULL AND j.state IN ({non_terminal}) ORDER BY w.started_at, w.job_id"
            )),
            select_history: r(&format!(
                "SELECT {} FROM ai_job_state_history h WHERE h.job_id = {{uuid}} ORDER BY h.sequence",
                history.select_list(dialect, "h")
            )),
            select_events: r(&format!(
                "SELECT {} FROM flight_recorder_outbox e \
                 LEFT JOIN flight_recorder_delivery d ON d.event_id = e.event_id \
                 WHERE e.job_id = {{uuid}} ORDER BY COALESCE(d.job_sequence, 0), e.timestamp, e.event_id",
                events.select_list(dialect, "e")
            )),
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
            claim_job: r(&format!(
                "SELECT {}, {} FROM ai_jobs j LEFT JOIN ai_job_entity_refs e ON e.job_id = j.job_id \
                 WHERE j.job_id = (SELECT q.job_id FROM ai_jobs q WHERE q.state = 'queued' \
                   ORDER BY q.created_at, q.job_id LIMIT 1{skip_locked}) \
                 ORDER BY e.position{lock}",
                jobs.select_list(dialect, "j"),
                refs.select_list(dialect, "e"),
            )),
            claim_events: r(&format!(
                "SELECT d.job_sequence, {} FROM flight_recorder_delivery d \
                 JOIN flight_recorder_outbox e ON e.event_id = d.event_id \
                 WHERE d.delivered_at IS NULL ORDER BY e.timestamp, d.job_id, d.job_sequence \
                 LIMIT {{}}{skip_locked_delivery}",
                events.select_list(dialect, "e")
            )),
            pending_head: r(
                "SELECT CAST(MIN(job_sequence) AS BIGINT) FROM flight_recorder_delivery \
                 WHERE job_id = {uuid} AND delivered_at IS NULL",
            ),
            ack_event: r(
                "UPDATE flight_recorder_delivery SET delivered_at = {ts} WHERE event_id = {uuid} AND delivered_at IS NULL",
            ),
            list_prefix: job_select,
        }
    }
}
