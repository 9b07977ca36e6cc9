//! What the store last wrote of each job, so that the job's next transition can skip reading it
//! (Postgres).
//!
//! A worker walks a job through its states one transition after another, each on the version the
//! previous one returned. After a transition's write the store knows everything its next read
//! would return: the job as written, its version, its latest run, the last number of its event
//! order, and the row's new `xmin`. The next transition of that job on that version starts from
//! there, and its guarded write ([`crate::sql::Pool::begin_optimistic`]) is its only statement.
//!
//! Nothing here is trusted on its own. The write checks the row's `xmin`, so a job another
//! writer changed since (another process, or a write through this store that does not pass here)
//! writes nothing and the transition is decided again on the job as stored; so is any refusal
//! decided on a remembered job. Every locked write of a job through this store forgets it first.

use std::collections::HashMap;
use std::sync::Mutex;

use handshake_job_model::{JobId, WorkflowRun};

use super::{JobRecord, JobStore};
use crate::error::StoreError;
use crate::sql::{Committed, Tx};

/// How many jobs are remembered at most; past it the memory starts over (a worker's job is
/// written again within a few transitions, so the ones that matter come back at once).
const CAPACITY: usize = 4096;

/// A job as this store last wrote it (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Recent {
    record: JobRecord,
    xmin: String,
    latest_run: Option<WorkflowRun>,
    last_delivery: u64,
}

impl Recent {
    /// Starts an optimistic write of the job from what was remembered: its context goes into
    /// `tx`'s memo and the row's `xmin` becomes the write's witness, as a read would leave them.
    pub fn resume(self, tx: &mut Tx) -> JobRecord {
        let job_id = self.record.job.job_id;
        tx.memo.latest_run = Some((job_id, self.latest_run));
        tx.memo.last_delivery = Some((job_id, self.last_delivery));
        tx.witness(self.xmin);
        self.record
    }
}

/// The remembered jobs, shared by the clones of a store.
#[derive(Debug, Default)]
pub(crate) struct RecentWrites(Mutex<HashMap<JobId, Recent>>);

impl RecentWrites {
    /// The job as last written, if it is remembered at `version`; forgotten either way (a
    /// transition either writes it again or decides on the job as stored).
    pub fn take(&self, job_id: JobId, version: u64) -> Option<Recent> {
        self.lock()
            .remove(&job_id)
            .filter(|recent| recent.record.version == version)
    }

    /// Forgets the job (a write of it that does not remember it is about to happen).
    pub fn forget(&self, job_id: JobId) {
        self.lock().remove(&job_id);
    }

    fn remember(&self, recent: Recent) {
        let mut jobs = self.lock();
        if jobs.len() >= CAPACITY {
            jobs.clear();
        }
        jobs.insert(recent.record.job.job_id, recent);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, Recent>> {
        // A panic while holding the lock leaves nothing half-written: the map is always whole.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl JobStore {
    /// Commits `tx` and, when it wrote a transition of a job on Postgres, remembers the job as
    /// written. `false`: an optimistic write found the job changed since it was read, and wrote
    /// nothing.
    pub(super) async fn commit_and_remember(&self, mut tx: Tx) -> Result<bool, StoreError> {
        let written = tx.memo.written.take();
        let latest_run = tx.memo.latest_run.take();
        let last_delivery = tx.memo.last_delivery.take();
        let xmin = match tx.commit_checked().await? {
            Committed::Stale => return Ok(false),
            Committed::Written { xmin } => xmin,
        };
        if let (Some(record), Some(xmin), Some((run_job, latest_run)), Some((events_job, last))) =
            (written, xmin, latest_run, last_delivery)
        {
            let job_id = record.job.job_id;
            if run_job == job_id && events_job == job_id {
                self.recent.remember(Recent {
                    record,
                    xmin,
                    latest_run,
                    last_delivery: last,
                });
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use handshake_job_model::{ErrorSummary, FlightRecorderActor, JobState, Layer};
    use handshake_test_support::{ScratchDatabase, doc_rewrite_job, validation};
    use serde_json::json;

    use super::*;
    use crate::{Change, NoRequirements, TransitionRequest, reason};

    fn request(job_id: JobId, version: u64, to: JobState) -> TransitionRequest {
        let why = reason("test.remembered", None).expect("reason");
        let request = TransitionRequest::new(job_id, version, to, why, FlightRecorderActor::System);
        match to {
            JobState::Completed => request.with_validation(validation("passed")),
            JobState::Failed => request.with_error(
                serde_json::from_value::<ErrorSummary>(
                    json!({ "code": "HSK-STEP-FAILED", "message": "the step failed", "retryable": true }),
                )
                .expect("error"),
            ),
            _ => request,
        }
    }

    /// After every kind of transition write, what is remembered is exactly what a read of the job
    /// returns: the record and version, the latest run (opened, closed or unchanged), the last
    /// number of the event order, and the row's `xmin`.
    async fn remembered_equals_read(store: &JobStore, job_id: JobId) {
        let remembered = store
            .recent
            .lock()
            .get(&job_id)
            .cloned()
            .expect("the transition's write is remembered");
        let mut tx = store.pool.begin_optimistic().await.expect("begin");
        let read = store.lock(&mut tx, job_id).await.expect("read");
        assert_eq!(remembered.record, read);
        assert_eq!(tx.memo.latest_run, Some((job_id, remembered.latest_run)));
        assert_eq!(
            tx.memo.last_delivery,
            Some((job_id, remembered.last_delivery))
        );
        let xmin: String =
            sqlx::query_scalar("SELECT CAST(xmin AS text) FROM ai_jobs WHERE job_id = $1::uuid")
                .bind(job_id.to_string())
                .fetch_one(store.postgres_pool().expect("postgres"))
                .await
                .expect("xmin");
        assert_eq!(remembered.xmin, xmin);
        // The read forgot the job; the next transition starts from the job as read.
    }

    #[test]
    fn what_is_remembered_of_a_job_is_what_a_read_of_it_returns() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let Some(db) = ScratchDatabase::create("hs_job_store_recent").await else {
                return;
            };
            let store = JobStore::open_postgres(&db.url, 2, NoRequirements)
                .await
                .expect("open");
            let job = doc_rewrite_job();
            let entity = job.entity_refs[0].clone();
            let id = store
                .create(job, FlightRecorderActor::System)
                .await
                .expect("create")
                .job
                .job_id;
            // A claim (locked) opens the first attempt; a failure closes it; a retry opens none;
            // running again opens the second; a completion closes it and commits a change.
            let claimed = store.claim_next_queued("w").await.expect("claim");
            let mut version = claimed.expect("the job").version;
            remembered_equals_read(&store, id).await;
            for to in [
                JobState::Failed,
                JobState::Queued,
                JobState::Running,
                JobState::AwaitingValidation,
            ] {
                version = store
                    .transition(request(id, version, to))
                    .await
                    .expect("transition")
                    .version;
                remembered_equals_read(&store, id).await;
            }
            let change = Change {
                entity,
                layer: Layer::Derived,
            };
            store
                .transition(request(id, version, JobState::Completed).with_changes(vec![change]))
                .await
                .expect("completion");
            remembered_equals_read(&store, id).await;
            store.close().await;
            db.drop_database().await;
        });
    }
}
