//! The calls `handshake jobs` makes on `handshake-job-store`, in one place: opening a store
//! from `--db`, the capability policy, paging, recovery and the outbox relay.

use std::collections::BTreeMap;

use handshake_job_model::FlightRecorderActor;
use handshake_job_store::{
    Dialect, JobFilter, JobRecord, JobStore, ProfilePolicy, Recoverable, StoreError,
};

use super::Failure;
use super::output::Printer;

/// Jobs per page when `list` walks every page.
const PAGE: u32 = 500;

/// Opens (creating and migrating when new) the store `--db` names. The policy grants each job
/// what its own profile declares, or, with `--policy`, what the file grants its
/// `capability_profile_id`; the requirements are the spec's either way.
pub async fn open(
    url: &str,
    grants: Option<BTreeMap<String, Vec<String>>>,
) -> Result<JobStore, Failure> {
    let policy = match grants {
        None => ProfilePolicy::spec_default(),
        Some(grants) => ProfilePolicy::spec_with_grants(grants)
            .map_err(|error| Failure::Unusable(format!("--policy: {} {error}", error.code())))?,
    };
    if !(url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        return Err(Failure::Unusable(format!(
            "--db `{url}`: expected sqlite:PATH or postgres://…"
        )));
    }
    JobStore::open(url, policy)
        .await
        .map_err(|error| Failure::Unusable(format!("cannot open {url}: {error}")))
}

/// `sqlite` or `postgres`.
pub fn dialect_name(store: &JobStore) -> &'static str {
    match store.dialect() {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
    }
}

/// Every job matching `filter`, page after page.
pub async fn list_all(store: &JobStore, filter: &JobFilter) -> Result<Vec<JobRecord>, Failure> {
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list(filter, after.as_ref(), PAGE)
            .await
            .map_err(|error| Failure::Unusable(error.to_string()))?;
        records.extend(page.jobs);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(records),
        }
    }
}

/// §2.6.6.4 crash recovery: marks the attempts a crash left open as interrupted and returns
/// every job that is not terminal, with its latest run.
pub async fn recover(
    store: &JobStore,
    actor: FlightRecorderActor,
) -> Result<Vec<Recoverable>, StoreError> {
    store.recover(actor).await
}

/// Prints undelivered events as JSON lines, batch by batch, and acknowledges each batch only
/// after it was written and flushed: a reader that goes away mid-batch leaves the batch
/// undelivered, to be printed again by the next relay (at least once, §11.5 outbox).
pub async fn relay(store: &JobStore, batch: u32, printer: &mut Printer) -> Result<(), Failure> {
    loop {
        let claimed = store
            .claim_events(batch)
            .await
            .map_err(|error| Failure::Unusable(format!("relay: {error}")))?;
        if claimed.is_empty() {
            return Ok(());
        }
        let mut lines = String::new();
        for event in claimed.events() {
            let line = serde_json::to_string(event).map_err(std::io::Error::other)?;
            lines.push_str(&line);
            lines.push('\n');
        }
        // On a write error the batch is dropped here without ack: its claim rolls back.
        printer.lines(&lines)?;
        claimed
            .ack()
            .await
            .map_err(|error| Failure::Unusable(format!("relay: acknowledging: {error}")))?;
    }
}
