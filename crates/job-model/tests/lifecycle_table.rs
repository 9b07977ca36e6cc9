//! The generated lifecycle table against a table written out by hand from the Master Spec: every
//! line the diagram of §2.6.6.3.1 draws, and every edge a sentence of §2.6.6.3.2 (or §2.6.6.4)
//! requires. The test fails when `spec/lifecycle.yaml` gains, loses or re-labels an edge, so a
//! change of the table is always a change of this file too, made by someone reading the spec.

use std::collections::BTreeMap;

use handshake_job_model::{JobState, REJECTED_TRANSITIONS, TransitionOrigin};

use JobState::{
    AwaitingUser as AwU, AwaitingValidation as AwV, Cancelled, Completed,
    CompletedWithIssues as Cwi, Failed, Poisoned, Queued, Running,
};

/// What the spec says of one (from, to) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// Drawn in the diagram and allowed.
    Drawn,
    /// Not drawn; required by the text, allowed.
    Text,
    /// Drawn in the diagram, refused with a recorded reason.
    DrawnRejected,
}

/// The diagram of §2.6.6.3.1, line by line, and the edges the text requires.
const SPEC_TABLE: &[(JobState, JobState, Edge)] = &[
    // Plain arrows, left to right along the top row.
    (Queued, Running, Edge::Drawn),
    (Running, AwV, Edge::Drawn),
    (AwV, AwU, Edge::Drawn),
    // Plain arrows downwards.
    (Running, Failed, Edge::Drawn),
    (AwV, Completed, Edge::Drawn),
    (AwU, Cancelled, Edge::Drawn),
    // The arrow below `completed`: drawn, refused (completed_with_issues is another outcome,
    // not a later phase of completed; spec/lifecycle.yaml `rejected`).
    (Completed, Cwi, Edge::DrawnRejected),
    // The long line on the right: its source is awaiting_user (──┤), its arrowheads are on
    // running (▼, top), failed (▲, bottom left) and poisoned (▼, bottom branch).
    (AwU, Running, Edge::Drawn),
    (AwU, Failed, Edge::Drawn),
    (AwU, Poisoned, Edge::Drawn),
    // §2.6.6.3.2 `cancelled`: explicitly stopped before completion, from every state before it.
    (Queued, Cancelled, Edge::Text),
    (Running, Cancelled, Edge::Text),
    (AwV, Cancelled, Edge::Text),
    // §2.6.6.3.2 `poisoned`: a run found unsafe to retry.
    (Running, Poisoned, Edge::Text),
    // §2.6.6.3.2 `completed_with_issues`: validators approved with non-fatal warnings.
    (AwV, Cwi, Edge::Text),
    // §2.6.6.3.2 `failed`: validation (or the capability check at awaiting_validation) failed.
    (AwV, Failed, Edge::Text),
    // §2.6.6.3.2 `completed`: "user accepted"; and accepted with non-fatal warnings.
    (AwU, Completed, Edge::Text),
    (AwU, Cwi, Edge::Text),
    // §2.6.6.4: a retry keeps the job id and starts a new run; §2.6.6.3.2: a failed job found
    // unsafe to retry becomes poisoned (failed is a target of the long line, not its source).
    (Failed, Queued, Edge::Text),
    (Failed, Poisoned, Edge::Text),
];

fn spec_table() -> BTreeMap<(JobState, JobState), Edge> {
    let mut table = BTreeMap::new();
    for &(from, to, edge) in SPEC_TABLE {
        assert!(
            table.insert((from, to), edge).is_none(),
            "{from:?} → {to:?} is written twice in SPEC_TABLE"
        );
    }
    table
}

#[test]
fn every_pair_is_allowed_exactly_when_the_spec_draws_or_requires_it() {
    let table = spec_table();
    let mut wrong = Vec::new();
    for from in JobState::ALL {
        for to in JobState::ALL {
            let expected = matches!(table.get(&(from, to)), Some(Edge::Drawn | Edge::Text));
            if from.can_transition_to(to) != expected {
                wrong.push(format!(
                    "{from:?} → {to:?}: generated {}, spec table {}",
                    from.can_transition_to(to),
                    expected
                ));
            }
            assert_eq!(
                from.check_transition(to).is_ok(),
                from.can_transition_to(to),
                "check_transition and can_transition_to disagree on {from:?} → {to:?}"
            );
            assert_eq!(
                from.allowed_targets().contains(&to),
                from.can_transition_to(to),
                "allowed_targets and can_transition_to disagree on {from:?} → {to:?}"
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_allowed_transition_has_the_origin_the_spec_gives_it() {
    let table = spec_table();
    let generated: BTreeMap<(JobState, JobState), Edge> = JobState::TRANSITIONS
        .iter()
        .map(|t| {
            let edge = match t.origin {
                TransitionOrigin::Diagram => Edge::Drawn,
                TransitionOrigin::Text => Edge::Text,
            };
            ((t.from, t.to), edge)
        })
        .collect();
    assert_eq!(
        generated.len(),
        JobState::TRANSITIONS.len(),
        "a transition is listed twice"
    );
    let allowed: BTreeMap<(JobState, JobState), Edge> = table
        .iter()
        .filter(|(_, edge)| **edge != Edge::DrawnRejected)
        .map(|(pair, edge)| (*pair, *edge))
        .collect();
    assert_eq!(generated, allowed);
}

#[test]
fn every_drawn_line_is_allowed_or_rejected_with_a_reason() {
    let table = spec_table();
    let rejected: BTreeMap<(JobState, JobState), Edge> = table
        .iter()
        .filter(|(_, edge)| **edge == Edge::DrawnRejected)
        .map(|(pair, edge)| (*pair, *edge))
        .collect();
    let generated: BTreeMap<(JobState, JobState), Edge> = REJECTED_TRANSITIONS
        .iter()
        .map(|r| {
            assert!(
                !r.reason.trim().is_empty(),
                "{:?} → {:?} is rejected without a reason",
                r.from,
                r.to
            );
            assert!(
                !r.from.can_transition_to(r.to),
                "{:?} → {:?} is both rejected and allowed",
                r.from,
                r.to
            );
            ((r.from, r.to), Edge::DrawnRejected)
        })
        .collect();
    assert_eq!(generated, rejected);
    // Ten lines are drawn: nine allowed, one rejected.
    let drawn = table
        .values()
        .filter(|e| matches!(e, Edge::Drawn | Edge::DrawnRejected))
        .count();
    assert_eq!(drawn, 10);
}

#[test]
fn terminal_states_are_those_with_no_way_out() {
    let table = spec_table();
    for state in JobState::ALL {
        let has_way_out = table
            .iter()
            .any(|((from, _), edge)| *from == state && *edge != Edge::DrawnRejected);
        assert_eq!(
            state.is_terminal(),
            !has_way_out,
            "{state:?}: terminal {} but the spec table gives it a way out: {has_way_out}",
            state.is_terminal()
        );
    }
    assert_eq!(
        JobState::TERMINAL,
        &[Completed, Cwi, Cancelled, Poisoned],
        "the terminal states are completed, completed_with_issues, cancelled and poisoned"
    );
}
