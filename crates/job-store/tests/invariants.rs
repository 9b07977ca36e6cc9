//! Property test: random sequences of operations (transitions to any state, retries, cancels,
//! commits in and out of scope, new runs) keep the store's invariants on SQLite and Postgres:
//! history replays to the current state, terminal states never change, nothing commits outside
//! completed / completed_with_issues, and nothing is written outside entity_refs.

mod common;

use common::*;
use handshake_job_model::{ArtefactType, EntityRef, JobState, Layer};
use handshake_job_store::{
    Change, JobStore, NoRequirements, StoreError, TransitionRequest, checks,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[derive(Debug, Clone)]
enum Op {
    /// Transition to `JobState::ALL[i]`, with the right version or a stale one.
    Transition {
        to: usize,
        stale: bool,
    },
    Retry,
    Cancel,
    /// Commit one change: `in_scope` picks a listed entity, `raw` writes the raw layer.
    Commit {
        in_scope: bool,
        raw: bool,
    },
    StartRun,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..JobState::ALL.len(), proptest::bool::weighted(0.1)).prop_map(|(to, stale)| Op::Transition { to, stale }),
        1 => Just(Op::Retry),
        1 => Just(Op::Cancel),
        2 => (any::<bool>(), proptest::bool::weighted(0.2)).prop_map(|(in_scope, raw)| Op::Commit { in_scope, raw }),
        1 => Just(Op::StartRun),
    ]
}

async fn run_case(store: &JobStore, ops: &[Op]) {
    let job = store.create(sample_job(), ACTOR).await.expect("create").job;
    let id = job.job_id;
    let mut model_state = JobState::Queued;
    let mut model_version = 1u64;
    let mut commits = 0usize;
    for op in ops {
        let before = store.get(id).await.expect("get");
        let was_terminal = before.job.state.is_terminal();
        match op {
            Op::Transition { to, stale } => {
                let to = JobState::ALL[*to];
                let version = if *stale {
                    model_version + 1
                } else {
                    model_version
                };
                let result = store
                    .transition(TransitionRequest::new(
                        id,
                        version,
                        to,
                        why("prop.step"),
                        ACTOR,
                    ))
                    .await;
                if !*stale && model_state.can_transition_to(to) {
                    result.unwrap_or_else(|e| panic!("{model_state} -> {to} failed: {e}"));
                    model_state = to;
                    model_version += 1;
                } else {
                    assert!(
                        matches!(result, Err(StoreError::Model(_))),
                        "refused without writing: {result:?}"
                    );
                }
            }
            Op::Retry => {
                let result = store
                    .retry(id, model_version, why("prop.retry"), ACTOR)
                    .await;
                if model_state == JobState::Failed {
                    result.expect("retry of a failed job");
                    model_state = JobState::Queued;
                    model_version += 1;
                } else {
                    let code = result.expect_err("retry refused").code();
                    let expected = if model_state == JobState::Poisoned {
                        "HSK-JOB-2003"
                    } else if model_state.is_terminal() {
                        "HSK-JOB-2002"
                    } else {
                        "HSK-JOB-2001"
                    };
                    assert_eq!(code, Some(expected));
                }
            }
            Op::Cancel => {
                let result = store
                    .cancel(id, model_version, why("prop.cancel"), ACTOR)
                    .await;
                if model_state.can_transition_to(JobState::Cancelled) {
                    result.expect("cancel");
                    model_state = JobState::Cancelled;
                    model_version += 1;
                } else {
                    assert!(result.is_err());
                }
            }
            Op::Commit { in_scope, raw } => {
                let entity = if *in_scope {
                    doc_ref(&job)
                } else {
                    EntityRef {
                        artefact_type: ArtefactType::Doc,
                        artefact_id: uuid::Uuid::now_v7(),
                        selector: None,
                    }
                };
                let change = Change {
                    entity,
                    layer: if *raw { Layer::Raw } else { Layer::Derived },
                };
                // §2.6.6.3.3: within the scope checks, and only the first commit of a job.
                let allowed = checks::check_commit(&before.job, std::slice::from_ref(&change))
                    .is_ok()
                    && commits == 0;
                let result = store.commit_changes(id, &[change], ACTOR).await;
                assert_eq!(
                    result.is_ok(),
                    allowed,
                    "commit in {model_state}: {result:?}"
                );
                if result.is_ok() {
                    assert!(matches!(
                        model_state,
                        JobState::Completed | JobState::CompletedWithIssues
                    ));
                    commits += 1;
                }
            }
            Op::StartRun => {
                let result = store.start_workflow_run(id, None, ACTOR).await;
                assert_eq!(result.is_ok(), !model_state.is_terminal());
            }
        }

        let after = store.get(id).await.expect("get");
        assert_eq!(
            (after.job.state, after.version),
            (model_state, model_version)
        );
        if was_terminal {
            assert_eq!(
                after.job.state, before.job.state,
                "terminal states never change"
            );
            assert_eq!(after.job.completed_at, before.job.completed_at);
        }
        // History replays to the current state through allowed edges.
        let history = store.history(id).await.expect("history");
        let mut state = None;
        for (i, row) in history.iter().enumerate() {
            assert_eq!((row.sequence, row.from_state), (i as u64 + 1, state));
            if let Some(from) = state {
                assert!(JobState::can_transition_to(from, row.to_state));
            }
            state = Some(row.to_state);
        }
        assert_eq!(state, Some(after.job.state));
        // Nothing committed outside completed*, nothing outside entity_refs.
        let provenance = store.provenance_of_job(id).await.expect("provenance");
        assert_eq!(provenance.len(), commits);
        for p in &provenance {
            let entity = EntityRef {
                artefact_type: p.artefact_type,
                artefact_id: p.artefact_id,
                selector: p.selector.clone(),
            };
            checks::check_entity(&after.job.entity_refs, &entity)
                .expect("provenance inside entity_refs");
            assert!(matches!(
                after.job.state,
                JobState::Completed | JobState::CompletedWithIssues
            ));
        }
    }
}

fn run(store: &JobStore, rt: &tokio::runtime::Runtime, cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            rt.block_on(run_case(store, &ops));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn random_operation_sequences_keep_the_invariants() {
    let rt = runtime();
    let store = rt.block_on(sqlite_memory(NoRequirements));
    run(&store, &rt, 96);
    let pg = rt.block_on(async {
        let db = PgDb::create().await?;
        let store = db.store(4, NoRequirements).await;
        Some((db, store))
    });
    if let Some((db, store)) = pg {
        run(&store, &rt, 24);
        rt.block_on(db.finish(&[&store]));
    }
}
