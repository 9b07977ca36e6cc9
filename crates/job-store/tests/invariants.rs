//! Property test: random sequences of operations (transitions to any state, retries, cancels,
//! completions with change sets in and out of scope, new runs) keep the store's invariants on
//! SQLite and Postgres: history replays to the current state, terminal states never change,
//! nothing commits outside the transition into completed / completed_with_issues, a refused
//! change set fails the job and writes nothing, nothing is written outside entity_refs, and at
//! most one workflow run is open.

mod common;

use common::*;
use handshake_job_model::{ArtefactType, EntityRef, JobState, Layer};
use handshake_job_store::{Change, JobStore, NoRequirements, StoreError, checks};
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
    /// Complete (with issues or not) carrying one change: `in_scope` picks a listed entity,
    /// `raw` writes the raw layer.
    Complete {
        issues: bool,
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
        2 => (any::<bool>(), any::<bool>(), proptest::bool::weighted(0.2)).prop_map(|(issues, in_scope, raw)| Op::Complete { issues, in_scope, raw }),
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
                let result = store.transition(request_for(id, version, to)).await;
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
            Op::Complete {
                issues,
                in_scope,
                raw,
            } => {
                let to = if *issues {
                    JobState::CompletedWithIssues
                } else {
                    JobState::Completed
                };
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
                let checks_pass =
                    checks::check_changes(&before.job, std::slice::from_ref(&change)).is_ok();
                let result = store
                    .transition(
                        request_for(id, model_version, to).with_changes(vec![change.clone()]),
                    )
                    .await;
                if !model_state.can_transition_to(to)
                    || (model_state.is_terminal() || completes(model_state))
                {
                    assert!(
                        matches!(result, Err(StoreError::Model(_))),
                        "refused without writing in {model_state}: {result:?}"
                    );
                } else if checks_pass {
                    let done = result.unwrap_or_else(|e| panic!("{model_state} -> {to}: {e}"));
                    assert_eq!(done.provenance.len(), 1);
                    commits += 1;
                    model_state = to;
                    model_version += 1;
                } else {
                    // The same transaction fails the job and commits nothing.
                    assert!(
                        matches!(
                            result,
                            Err(StoreError::Refused {
                                state: JobState::Failed,
                                ..
                            })
                        ),
                        "{result:?}"
                    );
                    model_state = JobState::Failed;
                    model_version += 1;
                }
            }
            Op::StartRun => {
                // Only a running job whose attempt ended opens another; here every running job
                // has its attempt open, so the store refuses and says why.
                let result = store.start_workflow_run(id, None, ACTOR).await;
                let expected = if model_state.is_terminal() {
                    "HSK-JOB-2002"
                } else if model_state == JobState::Running {
                    "HSK-JOB-2008"
                } else {
                    "HSK-JOB-2001"
                };
                assert_eq!(result.expect_err("refused").code(), Some(expected));
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
        // At most one attempt is open, and only while the job runs.
        let runs = store.workflow_runs(id).await.expect("runs");
        let open = runs.iter().filter(|r| r.finished_at.is_none()).count();
        assert!(open <= 1, "{open} open runs");
        assert_eq!(open == 1, after.job.state == JobState::Running, "{runs:?}");
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

fn completes(state: JobState) -> bool {
    matches!(state, JobState::Completed | JobState::CompletedWithIssues)
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
