//! Reads: jobs, pages of jobs, history, events, runs and provenance.

use handshake_job_model::generated::registry::tables;
use std::sync::Arc;

use handshake_job_model::{
    EntityProvenance, FlightRecorderEvent, JobId, JobStateTransition, ModelError, WorkflowRun,
};
use serde_json::Value;
use uuid::Uuid;

use super::{Cursor, JobFilter, JobRecord, JobStore, Page, parse, to_u64, uuid_arg};
use crate::error::StoreError;
use crate::sql::{Arg, Dialect, Kind, Row};

impl JobStore {
    /// The job with its version, or `JobNotFound`.
    pub async fn get(&self, job_id: JobId) -> Result<JobRecord, StoreError> {
        let rows = self
            .pool
            .fetch_all(&self.sql.select_job, vec![uuid_arg(job_id)])
            .await?;
        let row = rows
            .into_iter()
            .next()
            .ok_or(ModelError::JobNotFound { job_id })?;
        self.job_with_refs(&row).await
    }

    /// The job of a row of `ai_jobs` columns, completed by its entity refs (a second query: the
    /// refs are rows of their own table).
    pub(super) async fn job_with_refs(&self, row: &Row) -> Result<JobRecord, StoreError> {
        let id = self.job_id_of(row)?;
        let refs = self
            .pool
            .fetch_all(&self.sql.select_entity_refs, vec![uuid_arg(id)])
            .await?;
        self.job_from_rows(row, &refs)
    }

    /// The `job_id` of a row of `ai_jobs` columns.
    pub(super) fn job_id_of(&self, row: &Row) -> Result<JobId, StoreError> {
        parse(
            "job_id",
            &row.text(self.sql.job_id_column)?.unwrap_or_default(),
        )
    }

    pub(super) fn job_from_rows(&self, row: &Row, refs: &[Row]) -> Result<JobRecord, StoreError> {
        let jobs = self.schema.table(tables::AI_JOBS);
        let mut object = jobs.object(row, 0)?;
        let version = to_u64(row.int(jobs.columns.len())?);
        let ref_table = self.schema.table(tables::AI_JOB_ENTITY_REFS);
        let mut entity_refs = Vec::with_capacity(refs.len());
        for r in refs {
            let mut element = ref_table.object(r, 0)?;
            element.remove("job_id");
            element.remove("position");
            entity_refs.push(Value::Object(element));
        }
        object.insert("entity_refs".to_owned(), Value::Array(entity_refs));
        Ok(JobRecord {
            job: super::decode_job(object)?,
            version,
        })
    }

    /// Jobs matching `filter`, ordered by `(created_at, job_id)`, at most `limit`, starting after
    /// `after`. `next` is set when the page is full.
    pub async fn list(
        &self,
        filter: &JobFilter,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page, StoreError> {
        let dialect = self.dialect();
        let mut sql = format!("{} WHERE 1 = 1", self.sql.list_prefix);
        let mut args = Vec::new();
        let next = |kind: Kind, args: &mut Vec<Arg>, arg: Arg| -> String {
            args.push(arg);
            crate::sql::placeholder(dialect, args.len(), kind)
        };
        if let Some(state) = filter.state {
            sql.push_str(&format!(
                " AND j.state = {}",
                next(Kind::Text, &mut args, Arg::text(state.as_str()))
            ));
        }
        if let Some(kind) = &filter.job_kind {
            sql.push_str(&format!(
                " AND j.job_kind = {}",
                next(Kind::Text, &mut args, Arg::text(kind.clone()))
            ));
        }
        if let Some(workspace) = filter.workspace_id {
            let p = next(Kind::Text, &mut args, uuid_arg(workspace));
            sql.push_str(&match dialect {
                Dialect::Sqlite => {
                    format!(" AND json_extract(j.workspace_scope, '$.workspace_id') = {p}")
                }
                Dialect::Postgres => format!(" AND j.workspace_scope->>'workspace_id' = {p}"),
            });
        }
        if let Some(parent) = filter.parent_job_id {
            sql.push_str(&format!(
                " AND j.parent_job_id = {}",
                next(Kind::Uuid, &mut args, uuid_arg(parent))
            ));
        }
        if let Some((artefact_type, artefact_id)) = filter.entity {
            let t = next(Kind::Text, &mut args, Arg::text(artefact_type.as_str()));
            let i = next(Kind::Uuid, &mut args, uuid_arg(artefact_id));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM ai_job_entity_refs e WHERE e.job_id = j.job_id AND e.artefact_type = {t} AND e.artefact_id = {i})"
            ));
        }
        if let Some(cursor) = after {
            let t1 = next(
                Kind::Timestamp,
                &mut args,
                Arg::text(cursor.created_at.to_string()),
            );
            let t2 = next(
                Kind::Timestamp,
                &mut args,
                Arg::text(cursor.created_at.to_string()),
            );
            let id = next(Kind::Uuid, &mut args, uuid_arg(cursor.job_id));
            sql.push_str(&format!(
                " AND (j.created_at > {t1} OR (j.created_at = {t2} AND j.job_id > {id}))"
            ));
        }
        let l = next(Kind::Int, &mut args, Arg::int(u64::from(limit)));
        sql.push_str(&format!(" ORDER BY j.created_at, j.job_id LIMIT {l}"));
        let rows = self.pool.fetch_all(&Arc::from(sql), args).await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in &rows {
            jobs.push(self.job_with_refs(row).await?);
        }
        let next = if jobs.len() == limit as usize && limit > 0 {
            jobs.last().map(|r| Cursor {
                created_at: r.job.created_at,
                job_id: r.job.job_id,
            })
        } else {
            None
        };
        Ok(Page { jobs, next })
    }

    /// The job's history, in sequence order.
    pub async fn history(&self, job_id: JobId) -> Result<Vec<JobStateTransition>, StoreError> {
        self.records_of_job(
            &self.sql.select_history,
            tables::AI_JOB_STATE_HISTORY,
            job_id,
        )
        .await
    }

    /// The job's Flight Recorder events, in time order.
    pub async fn events(&self, job_id: JobId) -> Result<Vec<FlightRecorderEvent>, StoreError> {
        self.records_of_job(
            &self.sql.select_events,
            tables::FLIGHT_RECORDER_OUTBOX,
            job_id,
        )
        .await
    }

    /// The job's workflow runs, by attempt.
    pub async fn workflow_runs(&self, job_id: JobId) -> Result<Vec<WorkflowRun>, StoreError> {
        self.records_of_job(&self.sql.select_runs, tables::AI_JOB_WORKFLOW_RUNS, job_id)
            .await
    }

    /// §2.6.6.5.1 "which job produced this entity": every provenance record of the artefact, oldest
    /// first, in one indexed query (`ai_entity_provenance_entity`).
    pub async fn provenance_of(
        &self,
        artefact_type: handshake_job_model::ArtefactType,
        artefact_id: Uuid,
    ) -> Result<Vec<EntityProvenance>, StoreError> {
        let args = vec![Arg::text(artefact_type.as_str()), uuid_arg(artefact_id)];
        self.records(
            &self.sql.select_provenance_of_entity,
            tables::AI_ENTITY_PROVENANCE,
            args,
        )
        .await
    }

    /// Every provenance record a job wrote.
    pub async fn provenance_of_job(
        &self,
        job_id: JobId,
    ) -> Result<Vec<EntityProvenance>, StoreError> {
        self.records_of_job(
            &self.sql.select_provenance_of_job,
            tables::AI_ENTITY_PROVENANCE,
            job_id,
        )
        .await
    }

    /// [`JobStore::records`] of the statement `sql` that selects by one argument, the job's id.
    async fn records_of_job<T: serde::de::DeserializeOwned>(
        &self,
        sql: &Arc<str>,
        table: &'static str,
        job_id: JobId,
    ) -> Result<Vec<T>, StoreError> {
        self.records(sql, table, vec![uuid_arg(job_id)]).await
    }

    async fn records<T: serde::de::DeserializeOwned>(
        &self,
        sql: &Arc<str>,
        table: &'static str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        let columns = self.schema.table(table);
        let rows = self.pool.fetch_all(sql, args).await?;
        rows.iter()
            .map(|row| {
                let object = columns.object(row, 0)?;
                serde_json::from_value(Value::Object(object)).map_err(|e| StoreError::Decode {
                    what: table,
                    detail: e.to_string(),
                })
            })
            .collect()
    }
}
