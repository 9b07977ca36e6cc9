//! Every statement the store runs, rendered once per dialect when the store opens.

use std::sync::Arc;

use handshake_job_model::{JobState, WorkflowRunStatus};

use crate::sql::{Dialect, Schema, placeholder, render};
use handshake_job_model::generated::registry::tables::{
    AI_ENTITY_PROVENANCE, AI_JOB_ENTITY_REFS, AI_JOB_STATE_HISTORY, AI_JOB_WORKFLOW_RUNS, AI_JOBS,
    FLIGHT_RECORDER_DELIVERY, FLIGHT_RECORDER_OUTBOX,
};

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
    ///
    /// On Postgres each row goes on with the lock context ([`Statements::context_at`]).
    pub lock_job: Arc<str>,
    /// After the lock: the job's version, the last number of its event order, and its latest
    /// workflow run's columns (NULL when it has none), as one row.
    pub lock_context: Arc<str>,
    /// Postgres only: [`Statements::lock_job`] without the lock, for an optimistic write
    /// ([`crate::sql::Pool::begin_optimistic`]), which checks the row's `xmin` instead.
    pub read_job: Option<Arc<str>>,
    /// Postgres: the column where the rows of [`Statements::lock_job`],
    /// [`Statements::claim_job`] and [`Statements::read_job`] go on with the job row's `xmin`
    /// as locked (or read), its `xmin` as the statement's snapshot sees it, then the lock
    /// context (as [`Statements::lock_context`] reads it). The context read so is the job's
    /// current one when the two `xmin`s are equal: every writer of a job's rows writes its row
    /// too (see [`Statements::touch_job`]), so the snapshot then holds everything written about
    /// the job before the lock was taken. When they differ, the statement waited for a writer
    /// that committed after its snapshot was taken, and the context is read again. `None` on
    /// SQLite, whose write transaction is exclusive: the context is read by its own statement.
    pub context_at: Option<usize>,
    /// PostgreSQL only: a new version of the job's row with nothing changed, for a write about a
    /// job that changes none of its columns (a run started, a checkpoint, an interrupted run),
    /// so that an optimistic write read before it sees the row changed.
    pub touch_job: Option<Arc<str>>,
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
        let jobs = schema.table(AI_JOBS);
        let refs = schema.table(AI_JOB_ENTITY_REFS);
        let runs = schema.table(AI_JOB_WORKFLOW_RUNS);
        let events = schema.table(FLIGHT_RECORDER_OUTBOX);
        let history = schema.table(AI_JOB_STATE_HISTORY);
        let provenance = schema.table(AI_ENTITY_PROVENANCE);
        let job_select = format!(
            "SELECT {}, (SELECT MAX(h.sequence) FROM {AI_JOB_STATE_HISTORY} h WHERE h.job_id = j.job_id) FROM {AI_JOBS} j",
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

        // The lock context's first two columns for the job `job` (an expression): its version and
        // the last number of its event order. Its latest run is joined after them.
        let counts = |job: &str| {
            format!(
                "(SELECT CAST(COALESCE(MAX(h.sequence), 0) AS BIGINT) FROM {AI_JOB_STATE_HISTORY} h WHERE h.job_id = {job}), \
                 (SELECT CAST(COALESCE(MAX(d.job_sequence), 0) AS BIGINT) FROM {FLIGHT_RECORDER_DELIVERY} d WHERE d.job_id = {job})"
            )
        };
        // The job's rows (see `lock_job`): on Postgres with the two `xmin`s and the context.
        let job_rows = |condition: &str, lock: &str| match dialect {
            Dialect::Sqlite => format!(
                "SELECT {}, {} FROM {AI_JOBS} j LEFT JOIN {AI_JOB_ENTITY_REFS} e ON e.job_id = j.job_id \
                 WHERE {condition} ORDER BY e.position{lock}",
                jobs.select_list(dialect, "j"),
                refs.select_list(dialect, "e"),
            ),
            Dialect::Postgres => format!(
                "SELECT {}, {}, CAST(j.xmin AS text), \
                   (SELECT CAST(x.xmin AS text) FROM {AI_JOBS} x WHERE x.job_id = j.job_id), {}, {} \
                 FROM {AI_JOBS} j \
                 LEFT JOIN LATERAL (\
                   SELECT * FROM {AI_JOB_WORKFLOW_RUNS} r WHERE r.job_id = j.job_id ORDER BY r.attempt DESC LIMIT 1\
                 ) w ON TRUE \
                 LEFT JOIN {AI_JOB_ENTITY_REFS} e ON e.job_id = j.job_id \
                 WHERE {condition} ORDER BY e.position{lock}",
                jobs.select_list(dialect, "j"),
                refs.select_list(dialect, "e"),
                counts("j.job_id"),
                runs.select_list(dialect, "w"),
            ),
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
            "UPDATE {AI_JOBS} SET {} WHERE job_id = {} AND state = {}",
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
            insert_delivery: r(&format!(
                "INSERT INTO {FLIGHT_RECORDER_DELIVERY} (event_id, job_id, job_sequence) \
                   VALUES ({{uuid}}, {{uuid}}, {{}})"
            )),
            insert_history: Arc::from(history.insert_sql(dialect)),
            insert_provenance: Arc::from(provenance.insert_sql(dialect)),
            select_job: r(&format!("{job_select} WHERE j.job_id = {{uuid}}")),
            select_entity_refs: r(&format!(
                "SELECT {} FROM {AI_JOB_ENTITY_REFS} e WHERE e.job_id = {{uuid}} ORDER BY e.position",
                refs.select_list(dialect, "e")
            )),
            lock_job: r(&job_rows("j.job_id = {uuid}", lock)),
            lock_context: r(&format!(
                "SELECT {}, {} \
                 FROM (SELECT 1 AS one) x LEFT JOIN (\
                   SELECT * FROM {AI_JOB_WORKFLOW_RUNS} r WHERE r.job_id = {{uuid}} ORDER BY r.attempt DESC LIMIT 1\
                 ) w ON 1 = 1",
                counts("{uuid}"),
                runs.select_list(dialect, "w")
            )),
            read_job: (dialect == Dialect::Postgres).then(|| r(&job_rows("j.job_id = {uuid}", ""))),
            context_at: (dialect == Dialect::Postgres)
                .then(|| jobs.columns.len() + refs.columns.len()),
            touch_job: (dialect == Dialect::Postgres).then(|| {
                r(&format!(
                    "UPDATE {AI_JOBS} SET updated_at = updated_at WHERE job_id = {{uuid}}"
                ))
            }),
            last_delivery: r(&format!(
                "SELECT CAST(COALESCE(MAX(job_sequence), 0) AS BIGINT) FROM {FLIGHT_RECORDER_DELIVERY} WHERE job_id = {{uuid}}"
            )),
            update_job: Arc::from(update_job),
            job_id_column,
            select_latest_run: r(&format!(
                "SELECT {} FROM {AI_JOB_WORKFLOW_RUNS} w WHERE w.job_id = {{uuid}} ORDER BY w.attempt DESC LIMIT 1",
                runs.select_list(dialect, "w")
            )),
            close_run: r(&format!(
                "UPDATE {AI_JOB_WORKFLOW_RUNS} SET status = {{}}, finished_at = {{ts}} WHERE workflow_run_id = {{uuid}} AND finished_at IS NULL"
            )),
            interrupt_run: r(&format!(
                "UPDATE {AI_JOB_WORKFLOW_RUNS} SET status = '{}', finished_at = {{ts}} \
                 WHERE workflow_run_id = {{uuid}} AND finished_at IS NULL",
                WorkflowRunStatus::Interrupted.as_str()
            )),
            checkpoint_run: r(&format!(
                "UPDATE {AI_JOB_WORKFLOW_RUNS} SET checkpoint = {{json}}, checkpointed_at = {{ts}} \
                 WHERE workflow_run_id = {{uuid}} AND job_id = {{uuid}} AND finished_at IS NULL"
            )),
            select_open_runs: r(&format!(
                "SELECT [uuid:w.job_id] FROM {AI_JOB_WORKFLOW_RUNS} w JOIN {AI_JOBS} j ON j.job_id = w.job_id \
                 WHERE w.finished_at IS NULL AND j.state IN ({non_terminal}) ORDER BY w.started_at, w.job_id"
            )),
            select_history: r(&format!(
                "SELECT {} FROM {AI_JOB_STATE_HISTORY} h WHERE h.job_id = {{uuid}} ORDER BY h.sequence",
                history.select_list(dialect, "h")
            )),
            select_events: r(&format!(
                "SELECT {} FROM {FLIGHT_RECORDER_OUTBOX} e \
                 LEFT JOIN {FLIGHT_RECORDER_DELIVERY} d ON d.event_id = e.event_id \
                 WHERE e.job_id = {{uuid}} ORDER BY COALESCE(d.job_sequence, 0), e.timestamp, e.event_id",
                events.select_list(dialect, "e")
            )),
            select_runs: r(&format!(
                "SELECT {} FROM {AI_JOB_WORKFLOW_RUNS} w WHERE w.job_id = {{uuid}} ORDER BY w.attempt",
                runs.select_list(dialect, "w")
            )),
            select_provenance_of_entity: r(&format!(
                "SELECT {} FROM {AI_ENTITY_PROVENANCE} p WHERE p.artefact_type = {{}} AND p.artefact_id = {{uuid}} \
                 ORDER BY p.committed_at, p.provenance_id",
                provenance.select_list(dialect, "p")
            )),
            select_provenance_of_job: r(&format!(
                "SELECT {} FROM {AI_ENTITY_PROVENANCE} p WHERE p.job_id = {{uuid}} ORDER BY p.committed_at, p.provenance_id",
                provenance.select_list(dialect, "p")
            )),
            select_recoverable: r(&format!(
                "{job_select} WHERE j.state IN ({non_terminal}) ORDER BY j.created_at, j.job_id"
            )),
            claim_job: r(&job_rows(
                &format!(
                    "j.job_id = (SELECT q.job_id FROM {AI_JOBS} q WHERE q.state = 'queued' \
                       ORDER BY q.created_at, q.job_id LIMIT 1{skip_locked})"
                ),
                lock,
            )),
            claim_events: r(&format!(
                "SELECT d.job_sequence, {} FROM {FLIGHT_RECORDER_DELIVERY} d \
                 JOIN {FLIGHT_RECORDER_OUTBOX} e ON e.event_id = d.event_id \
                 WHERE d.delivered_at IS NULL ORDER BY e.timestamp, d.job_id, d.job_sequence \
                 LIMIT {{}}{skip_locked_delivery}",
                events.select_list(dialect, "e")
            )),
            pending_head: r(&format!(
                "SELECT CAST(MIN(job_sequence) AS BIGINT) FROM {FLIGHT_RECORDER_DELIVERY} \
                 WHERE job_id = {{uuid}} AND delivered_at IS NULL"
            )),
            ack_event: r(&format!(
                "UPDATE {FLIGHT_RECORDER_DELIVERY} SET delivered_at = {{ts}} WHERE event_id = {{uuid}} AND delivered_at IS NULL"
            )),
            list_prefix: job_select,
        }
    }
}
