//! The outbox relay: the consumer side of the transactional outbox (§11.5, §2.6.6.1).
//!
//! Events are written to `flight_recorder_outbox` in the transaction of the change they record,
//! each with a `flight_recorder_delivery` row that numbers it in its job's event order. A relay
//! [claims](JobStore::claim_events) a batch of undelivered events, hands them to its consumer and
//! [acknowledges](OutboxBatch::ack) them, which marks them delivered.
//!
//! - **At least once.** The claim is a transaction that stays open until the acknowledgement; a
//!   consumer that crashes (or drops the batch) before acknowledging rolls it back, and the same
//!   events are claimed again.
//! - **In order per job.** A batch holds, for each job, only a prefix of the job's undelivered
//!   events in job order: an event is delivered only after every earlier event of its job.
//! - **No event twice at once.** On Postgres the delivery rows are claimed with
//!   `FOR UPDATE SKIP LOCKED`, so concurrent relays take disjoint events, and a relay that sees
//!   an earlier event of a job held by another relay leaves that job's later events alone. On
//!   SQLite the claim holds the write lock until it ends, so keep batches short there.

use handshake_job_model::generated::registry::tables;
use std::collections::BTreeMap;

use handshake_job_model::{FlightRecorderEvent, JobId, Timestamp};
use serde_json::Value;

use super::{JobStore, to_u64, uuid_arg};
use crate::error::StoreError;
use crate::sql::{Arg, Tx};

/// A claimed batch of undelivered events; [`OutboxBatch::ack`] marks them delivered. Dropped
/// without acknowledging, it releases them for the next claim.
pub struct OutboxBatch {
    tx: Tx,
    events: Vec<FlightRecorderEvent>,
    ack_sql: std::sync::Arc<str>,
}

impl std::fmt::Debug for OutboxBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxBatch")
            .field("events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl OutboxBatch {
    /// The events, grouped by job in the order their jobs were first met, each job's in its event
    /// order.
    pub fn events(&self) -> &[FlightRecorderEvent] {
        &self.events
    }

    /// Whether the batch is empty (nothing was waiting, or other relays hold what is waiting).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Ends the claim without delivering: the events are claimed again by the next relay. (A
    /// batch that is merely dropped is released too, once its connection rolls back.)
    pub async fn release(self) -> Result<(), StoreError> {
        self.tx.rollback().await
    }

    /// Marks every event of the batch delivered and ends the claim.
    pub async fn ack(mut self) -> Result<usize, StoreError> {
        let now = Timestamp::now().to_string();
        for event in &self.events {
            self.tx
                .execute(
                    &self.ack_sql,
                    vec![Arg::text(now.clone()), uuid_arg(event.event_id)],
                )
                .await?;
        }
        self.tx.commit().await?;
        Ok(self.events.len())
    }
}

impl JobStore {
    /// Claims up to `batch` undelivered events (see the module docs for the guarantees). The
    /// batch may be smaller than asked, or empty, when other relays hold earlier events.
    pub async fn claim_events(&self, batch: u32) -> Result<OutboxBatch, StoreError> {
        let mut tx = self.pool.begin().await?;
        let rows = tx
            .fetch_all(&self.sql.claim_events, vec![Arg::int(u64::from(batch))])
            .await?;
        let outbox = self.schema.table(tables::FLIGHT_RECORDER_OUTBOX);
        // Per job, in the order jobs are first met: (job sequence, event).
        let mut by_job: Vec<(JobId, Vec<(u64, FlightRecorderEvent)>)> = Vec::new();
        let mut index: BTreeMap<JobId, usize> = BTreeMap::new();
        for row in &rows {
            let sequence = to_u64(row.int(0)?);
            let event: FlightRecorderEvent =
                serde_json::from_value(Value::Object(outbox.object(row, 1)?))?;
            let Some(job_id) = event.job_id else {
                continue;
            };
            let at = *index.entry(job_id).or_insert_with(|| {
                by_job.push((job_id, Vec::new()));
                by_job.len() - 1
            });
            by_job[at].1.push((sequence, event));
        }
        let mut events = Vec::with_capacity(rows.len());
        for (job_id, mut claimed) in by_job {
            claimed.sort_by_key(|(sequence, _)| *sequence);
            let head = tx
                .fetch_optional(&self.sql.pending_head, vec![uuid_arg(job_id)])
                .await?
                .map(|row| row.int(0))
                .transpose()?
                .flatten()
                .map(|v| to_u64(Some(v)));
            // Only the prefix of the job's undelivered events, without gaps: an earlier event
            // held by another relay (or beyond this batch) keeps the later ones back.
            let prefix = (head.unwrap_or(0)..)
                .zip(claimed)
                .take_while(|(expected, (sequence, _))| sequence == expected)
                .map(|(_, (_, event))| event);
            events.extend(prefix);
        }
        Ok(OutboxBatch {
            tx,
            events,
            ack_sql: self.sql.ack_event.clone(),
        })
    }
}
