//! The outbox relay (§11.5, §2.6.6.1): events leave the store at least once, in order per job;
//! a consumer killed mid-batch loses nothing; on Postgres concurrent relays never deliver one
//! event twice at once.
//!
//! The killed consumer is this test binary re-executed with `HANDSHAKE_RELAY_CHILD` set.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use common::*;
use handshake_job_model::{FlightRecorderEvent, JobId, JobState};
use handshake_job_store::{JobStore, NoRequirements};
use uuid::Uuid;

const CHILD_ENV: &str = "HANDSHAKE_RELAY_CHILD";
const CHILD_TEST: &str = "a_consumer_killed_mid_batch_loses_nothing";

/// Creates `jobs` jobs and walks each through a few transitions; returns their ids.
async fn some_jobs(store: &JobStore, jobs: usize) -> Vec<JobId> {
    let mut ids = Vec::new();
    for n in 0..jobs {
        let id = create_sample(store).await;
        let path: &[JobState] = if n % 2 == 0 {
            &[
                JobState::Running,
                JobState::AwaitingValidation,
                JobState::Completed,
            ]
        } else {
            &[JobState::Running, JobState::Failed]
        };
        walk(store, id, 1, path).await;
        ids.push(id);
    }
    ids
}

/// Every event of `ids`, per job in the store's event order.
async fn expected(store: &JobStore, ids: &[JobId]) -> BTreeMap<JobId, Vec<Uuid>> {
    let mut out = BTreeMap::new();
    for id in ids {
        let events = store.events(*id).await.expect("events");
        out.insert(*id, events.iter().map(|e| e.event_id).collect());
    }
    out
}

/// Relays until nothing is left; returns the deliveries per job, in delivery order.
async fn drain(store: &JobStore, batch: u32) -> BTreeMap<JobId, Vec<Uuid>> {
    let mut delivered: BTreeMap<JobId, Vec<Uuid>> = BTreeMap::new();
    loop {
        let claimed = store.claim_events(batch).await.expect("claim");
        if claimed.is_empty() {
            return delivered;
        }
        assert!(claimed.events().len() <= batch as usize);
        for event in claimed.events() {
            delivered
                .entry(event.job_id.expect("job events"))
                .or_default()
                .push(event.event_id);
        }
        claimed.ack().await.expect("ack");
    }
}

async fn once_in_order(store: JobStore) {
    let ids = some_jobs(&store, 4).await;
    let want = expected(&store, &ids).await;
    assert_eq!(
        drain(&store, 5).await,
        want,
        "every event once, in job order"
    );
    assert!(store.claim_events(10).await.expect("claim").is_empty());
    // New events after a drain are relayed next, and only they.
    let more = some_jobs(&store, 1).await;
    assert_eq!(drain(&store, 3).await, expected(&store, &more).await);
}

#[test]
fn relay_delivers_every_event_once_in_order_per_job() {
    on_both(|| NoRequirements, once_in_order);
}

async fn unacknowledged_again(store: JobStore) {
    let ids = some_jobs(&store, 2).await;
    let first: Vec<FlightRecorderEvent> = {
        let batch = store.claim_events(4).await.expect("claim");
        let events = batch.events().to_vec();
        // The consumer gives up without acknowledging (a crash is tested below).
        batch.release().await.expect("release");
        events
    };
    assert_eq!(first.len(), 4);
    let again = store.claim_events(4).await.expect("claim again");
    assert_eq!(
        again.events(),
        first.as_slice(),
        "at least once: the same events"
    );
    again.ack().await.expect("ack");
    let rest = drain(&store, 100).await;
    let want = expected(&store, &ids).await;
    for (job, events) in &want {
        let mut got: Vec<Uuid> = first
            .iter()
            .filter(|e| e.job_id == Some(*job))
            .map(|e| e.event_id)
            .collect();
        got.extend(rest.get(job).cloned().unwrap_or_default());
        assert_eq!(&got, events, "job {job}");
    }
}

#[test]
fn an_unacknowledged_batch_is_delivered_again() {
    on_both(|| NoRequirements, unacknowledged_again);
}

/// The child: claims one batch, prints its events, and waits to be killed before acknowledging.
async fn child(url: &str) {
    let store = JobStore::open(url, NoRequirements)
        .await
        .expect("child opens");
    let batch = store.claim_events(7).await.expect("claim");
    for event in batch.events() {
        println!("delivered {}", event.event_id);
    }
    println!("child-holding");
    std::thread::sleep(std::time::Duration::from_secs(60));
    drop(batch);
}

fn killed_mid_batch(url: &str) {
    let (ids, want) = runtime().block_on(async {
        let store = JobStore::open(url, NoRequirements).await.expect("open");
        let ids = some_jobs(&store, 3).await;
        let want = expected(&store, &ids).await;
        store.close().await;
        (ids, want)
    });
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the consumer");
    let mut seen = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("child-holding") => break,
            Some(Ok(line)) => {
                // libtest may print "test <name> ... " on the same line before the child's output.
                if let Some((_, id)) = line.split_once("delivered ") {
                    seen.push(id.trim().parse::<Uuid>().expect("event id"));
                }
            }
            _ => panic!("the consumer exited before it held its batch"),
        }
    }
    assert_eq!(seen.len(), 7, "the consumer got a full batch");
    child.kill().expect("SIGKILL the consumer mid-batch");
    child.wait().expect("reap");

    let delivered = runtime().block_on(async {
        let store = JobStore::open(url, NoRequirements).await.expect("reopen");
        let delivered = drain(&store, 4).await;
        store.close().await;
        delivered
    });
    // Nothing lost, nothing out of order per job; what the dead consumer saw comes again.
    assert_eq!(delivered, want);
    for id in &seen {
        assert!(
            delivered.values().any(|events| events.contains(id)),
            "{id} redelivered"
        );
    }
    assert_eq!(ids.len(), want.len());
}

#[test]
fn a_consumer_killed_mid_batch_loses_nothing() {
    let Some(dir) = parent_tempdir(CHILD_ENV, |url| async move { child(&url).await }) else {
        return;
    };
    let path = dir.path().join("relay.db");
    killed_mid_batch(&format!("sqlite:{}", path.display()));
    let db = runtime().block_on(PgDb::create());
    if let Some(db) = db {
        killed_mid_batch(&db.url);
        runtime().block_on(db.finish(&[]));
    }
}

/// Postgres: four relays claim concurrently while jobs are written; every event is delivered
/// exactly once (no crash here), and each job's events in order.
#[test]
fn concurrent_relays_on_postgres_never_deliver_an_event_twice() {
    on_postgres(8, |store| async move {
        let log: Arc<Mutex<Vec<(JobId, Uuid)>>> = Arc::default();
        let written = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let store = store.clone();
            let written = Arc::clone(&written);
            tokio::spawn(async move {
                let ids = some_jobs(&store, 12).await;
                written.store(true, std::sync::atomic::Ordering::SeqCst);
                ids
            })
        };
        let mut relays = Vec::new();
        for _ in 0..4 {
            let store = store.clone();
            let log = Arc::clone(&log);
            let written = Arc::clone(&written);
            relays.push(tokio::spawn(async move {
                // Until the writer is done and a few claims in a row find nothing left.
                let mut idle = 0;
                while idle < 5 {
                    let batch = store.claim_events(3).await.expect("claim");
                    if batch.is_empty() {
                        if written.load(std::sync::atomic::Ordering::SeqCst) {
                            idle += 1;
                        }
                        drop(batch);
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                    idle = 0;
                    {
                        // Delivered to the consumer before the acknowledgement commits.
                        let mut log = log.lock().expect("log");
                        for event in batch.events() {
                            log.push((event.job_id.expect("job"), event.event_id));
                        }
                    }
                    batch.ack().await.expect("ack");
                }
            }));
        }
        let ids = writer.await.expect("writer");
        for relay in relays {
            relay.await.expect("relay");
        }
        let want = expected(&store, &ids).await;
        let log = log.lock().expect("log").clone();
        let mut per_job: BTreeMap<JobId, Vec<Uuid>> = BTreeMap::new();
        for (job, event) in &log {
            per_job.entry(*job).or_default().push(*event);
        }
        let total: usize = want.values().map(Vec::len).sum();
        assert_eq!(log.len(), total, "no event twice");
        assert_eq!(per_job, want, "every event, in order per job");
    });
}

/// Postgres: while one relay holds the first events of a job, another relay is handed none of
/// that job's later events (only a prefix of each job's undelivered events is ever claimed), but
/// still gets other jobs' events.
#[test]
fn a_relay_never_skips_ahead_of_another_within_a_job() {
    on_postgres(4, |store| async move {
        let first = some_jobs(&store, 1).await[0];
        let held = store.claim_events(2).await.expect("claim");
        assert_eq!(held.events().len(), 2);
        assert!(held.events().iter().all(|e| e.job_id == Some(first)));
        let second = some_jobs(&store, 1).await[0];
        let other = store.claim_events(100).await.expect("claim");
        assert!(
            other.events().iter().all(|e| e.job_id == Some(second)),
            "the held job's later events wait for its earlier ones"
        );
        assert_eq!(
            other.events().len(),
            store.events(second).await.expect("events").len()
        );
        other.ack().await.expect("ack");
        held.ack().await.expect("ack");
        let rest = drain(&store, 100).await;
        let all = store.events(first).await.expect("events");
        assert_eq!(
            rest[&first],
            all[2..].iter().map(|e| e.event_id).collect::<Vec<_>>()
        );
    });
}
