//! The `lifecycle:` block: states, transitions, rejected edges and the state-machine checks.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::lower::{ILLEGAL_TRANSITION, TERMINAL_STATE};
use super::read::Words;
use super::{At, Reader};
use crate::diagnostics::Code;
use crate::model::{
    EnumValue, ErrorDef, Lifecycle, Location, Meta, RejectedTransition, State, Transition,
    TransitionOrigin, TypeRef,
};
use crate::names::NameKind;
use crate::suggest::did_you_mean;

/// The keys of a state under `states:`.
const STATE_KEYS: &[&str] = &["terminal", "clause", "description", "decision"];

/// The origins a transition may have.
const ORIGINS: Words<'static> = Words {
    noun: "transition origin",
    words: &["diagram", "text"],
    allowed: "`origin` is `diagram` (drawn in the diagram) or `text` (from a sentence)",
};

impl Reader<'_> {
    /// The errors a target's transition check returns (§2.6.6.3), when the spec declares them:
    /// `IllegalTransition` has exactly two fields of the lifecycle's state type (the current
    /// state, then the requested one), `TerminalState` exactly one (the state it refused to
    /// leave). Targets fill the fields in this order, so they can be named as the spec likes.
    pub(super) fn check_lifecycle_errors(
        &mut self,
        errors: &[ErrorDef],
        lifecycle: Option<&Lifecycle>,
    ) {
        let Some(lifecycle) = lifecycle else {
            return;
        };
        let state = &lifecycle.name;
        let shapes = [
            (
                ILLEGAL_TRANSITION,
                2,
                format!("two fields of type `{state}`: the current state, then the requested one"),
            ),
            (
                TERMINAL_STATE,
                1,
                format!("one field of type `{state}`: the state it refuses to leave"),
            ),
        ];
        for (name, count, shape) in shapes {
            let Some(error) = errors.iter().find(|e| e.name == name) else {
                continue;
            };
            if error.fields.len() != count {
                let at = (error.meta.location.clone(), name.chars().count());
                self.sink.report(
                    Code::LifecycleErrorShape,
                    at,
                    format!(
                        "error `{name}` has {} field(s), but a transition check fills exactly {count}",
                        error.fields.len()
                    ),
                    "wrong number of fields",
                    Some(format!("give `{name}` {shape}")),
                );
                continue;
            }
            for field in &error.fields {
                // A type expression that failed, or names nothing, is reported where it is.
                let unresolved = self
                    .pending
                    .unresolved
                    .contains(&format!("{name}.{}", field.name))
                    || matches!(&field.ty, TypeRef::Named(n) if self.declarations.kind(n).is_none());
                if unresolved || field.ty == TypeRef::Named(state.clone()) {
                    continue;
                }
                let at = (field.meta.location.clone(), field.name.chars().count());
                self.sink.report(
                    Code::LifecycleErrorShape,
                    at,
                    format!(
                        "field `{}` of error `{name}` has type `{}`, not the lifecycle's state type `{state}`",
                        field.name, field.ty
                    ),
                    "not a lifecycle state",
                    Some(format!("give `{name}` {shape}")),
                );
            }
        }
    }

    pub(super) fn lifecycle(&mut self, node: &Node, owner: At) -> Option<Lifecycle> {
        /// The keys of `lifecycle:`.
        const KEYS: &[&str] = &[
            "name",
            "clause",
            "description",
            "decision",
            "initial",
            "states",
            "transitions",
            "rejected",
            "removed_states",
        ];

        let what = "`lifecycle`";
        let map = self.expect_keys(node, what, KEYS)?;
        let meta = self.meta(map, &owner, what);
        let name = self
            .require(map, "name", &owner, what)
            .and_then(|n| self.expect_scalar(n, "lifecycle `name`"))
            .map(|s| self.name(s, NameKind::Type));

        let states = self.states(map, &owner, what);
        let state_names: Vec<String> = states.iter().map(|s| s.name.clone()).collect();
        // `removed_states:` maps a state that is gone onto one that exists, as an enum's
        // `removed_values:` does: stored rows move, and old records may read as the new state.
        if let Some(name) = &name {
            let as_values: Vec<EnumValue> = states
                .iter()
                .map(|s| EnumValue {
                    name: s.name.clone(),
                    meta: s.meta.clone(),
                })
                .collect();
            self.removed_values(map, name, &as_values, "removed_states");
        }

        let initial = self.initial_state(map, &owner, what, &state_names);

        let before_edges = self.sink.len();
        let transitions = self.edges(map, "transitions", &state_names, true);
        // A transition that could not be read would make the graph checks below report states as
        // stuck or unreachable only because of that error; skip them then.
        let graph_readable = !self.sink.reported_since(
            before_edges,
            &[Code::UnknownState, Code::MissingKey, Code::WrongShape],
        );
        let rejected_edges = self.edges(map, "rejected", &state_names, false);

        self.check_edges(&states, &transitions, &rejected_edges);

        if graph_readable {
            self.check_graph(&states, &transitions, &initial);
        }

        let name = name?;
        Some(Lifecycle {
            name,
            meta,
            states,
            initial,
            transitions: transitions
                .into_iter()
                .map(|e| Transition {
                    from: e.from,
                    to: e.to,
                    origin: e.origin.unwrap_or(TransitionOrigin::Diagram),
                    meta: e.meta,
                })
                .collect(),
            rejected: rejected_edges
                .into_iter()
                .map(|e| RejectedTransition {
                    from: e.from,
                    to: e.to,
                    meta: e.meta,
                })
                .collect(),
        })
    }

    /// `states:`, in spec order.
    fn states(&mut self, map: &MarkedMappingNode, owner: &At, what: &str) -> Vec<State> {
        let mut states: Vec<State> = Vec::new();
        if let Some(states_node) = self.require(map, "states", owner, what)
            && let Some(states_map) = self.expect_map(states_node, "`states`")
        {
            if states_map.is_empty() {
                let at = self.source.at_node(states_node);
                self.sink.report(Code::LifecycleWithoutStates, at, "the lifecycle has no states", "empty", Some("declare the states, e.g. `queued: { terminal: false, clause: …, description: … }`".into()));
            }
            for entry in states_map.iter() {
                let what = |name: &str| format!("state `{name}`");
                let Some(state) = self.entry(entry, NameKind::State, what, STATE_KEYS) else {
                    continue;
                };
                let terminal = match state.map.get_node("terminal") {
                    Some(n) => self.boolean(n, "`terminal`").unwrap_or(false),
                    None => false,
                };
                states.push(State {
                    name: state.name,
                    terminal,
                    meta: state.meta,
                });
            }
        }
        states
    }

    /// `initial:`, which must be a declared state (when any state is declared).
    fn initial_state(
        &mut self,
        map: &MarkedMappingNode,
        owner: &At,
        what: &str,
        state_names: &[String],
    ) -> String {
        match self
            .require(map, "initial", owner, what)
            .and_then(|n| self.expect_scalar(n, "`initial`"))
        {
            Some(scalar) => {
                let initial = scalar.as_str().to_string();
                self.is_declared_state(scalar, state_names, Code::UnknownInitialState, || {
                    format!("initial state `{initial}` is not declared")
                });
                initial
            }
            None => String::new(),
        }
    }

    /// Duplicate edges, edges both allowed and rejected, rejected edges without a reason, and
    /// transitions out of terminal states.
    fn check_edges(&mut self, states: &[State], transitions: &[Edge], rejected_edges: &[Edge]) {
        // Duplicates are reported first; the sink orders problems by place (stably), so an
        // edge still shows its duplicate before its other problems.
        let seen = self.first_edges(transitions, "transition");
        for edge in transitions {
            if states.iter().any(|s| s.name == edge.from && s.terminal) {
                self.sink.report(
                    Code::TransitionFromTerminal,
                    edge.at.clone(),
                    format!("transition out of terminal state `{}`", edge.from),
                    "terminal states have no way out",
                    Some(format!(
                        "remove the transition, or make `{}` non-terminal",
                        edge.from
                    )),
                );
            }
        }
        self.first_edges(rejected_edges, "rejected edge");
        for edge in rejected_edges {
            let key = (edge.from.clone(), edge.to.clone());
            if let Some(allowed) = seen.get(&key) {
                self.sink.report(
                    Code::EdgeAllowedAndRejected,
                    edge.at.clone(),
                    format!(
                        "`{}` → `{}` is both allowed and rejected",
                        edge.from, edge.to
                    ),
                    "also an allowed transition",
                    Some(format!(
                        "the allowed transition is at {allowed}; keep only one of them"
                    )),
                );
            }
            if edge.meta.decision.is_none() {
                self.sink.report(
                    Code::RejectedWithoutDecision,
                    edge.at.clone(),
                    format!(
                        "rejected edge `{}` → `{}` has no `decision`",
                        edge.from, edge.to
                    ),
                    "the reason is missing",
                    Some("add `decision:` saying why the edge is refused".into()),
                );
            }
        }
    }

    /// Whether `scalar` names one of `states` (any name does while none is declared); an
    /// undeclared one is reported with `code` and `message`.
    fn is_declared_state(
        &mut self,
        scalar: &MarkedScalarNode,
        states: &[String],
        code: Code,
        message: impl FnOnce() -> String,
    ) -> bool {
        let state = scalar.as_str();
        if states.is_empty() || states.iter().any(|s| s == state) {
            return true;
        }
        let help = did_you_mean(state, states.iter().map(String::as_str))
            .or_else(|| Some("declare it under `states:`".into()));
        let at = self.source.at_scalar(scalar);
        self.sink
            .report(code, at, message(), "not under `states:`", help);
        false
    }

    /// Where each edge (`from` → `to`) is first declared; every later repeat is reported as a
    /// duplicate `noun`.
    fn first_edges(&mut self, edges: &[Edge], noun: &str) -> BTreeMap<(String, String), Location> {
        let mut first_at = BTreeMap::new();
        for edge in edges {
            match first_at.entry((edge.from.clone(), edge.to.clone())) {
                Entry::Occupied(first) => self.sink.report(
                    Code::DuplicateEdge,
                    edge.at.clone(),
                    format!("duplicate {noun} `{}` → `{}`", edge.from, edge.to),
                    "declared again",
                    Some(format!("first declared at {}; remove one", first.get())),
                ),
                Entry::Vacant(slot) => {
                    slot.insert(edge.at.0.clone());
                }
            }
        }
        first_at
    }

    /// Every non-terminal state has a way out, and every state is reachable from `initial`.
    fn check_graph(&mut self, states: &[State], transitions: &[Edge], initial: &str) {
        for state in states {
            if !state.terminal && !transitions.iter().any(|t| t.from == state.name) {
                let at = (state.meta.location.clone(), state.name.chars().count());
                self.sink.report(
                    Code::DeadEndState,
                    at,
                    format!(
                        "non-terminal state `{}` has no outgoing transition",
                        state.name
                    ),
                    "jobs would be stuck here",
                    Some(format!(
                        "add a transition from `{}`, or mark it `terminal: true`",
                        state.name
                    )),
                );
            }
        }
        if states.iter().any(|s| s.name == initial) {
            let mut reached: BTreeSet<&str> = BTreeSet::new();
            let mut queue = vec![initial];
            while let Some(current) = queue.pop() {
                if reached.insert(current) {
                    queue.extend(
                        transitions
                            .iter()
                            .filter(|t| t.from == current)
                            .map(|t| t.to.as_str()),
                    );
                }
            }
            for state in states {
                if !reached.contains(state.name.as_str()) {
                    let at = (state.meta.location.clone(), state.name.chars().count());
                    self.sink.report(
                        Code::UnreachableState,
                        at,
                        format!("state `{}` is not reachable from `{initial}`", state.name),
                        "unreachable",
                        Some(format!(
                            "add a transition into `{}`, or remove the state",
                            state.name
                        )),
                    );
                }
            }
        }
    }

    fn edges(
        &mut self,
        map: &MarkedMappingNode,
        key: &str,
        states: &[String],
        allowed: bool,
    ) -> Vec<Edge> {
        let mut out = Vec::new();
        let Some(node) = map.get_node(key) else {
            if allowed {
                let owner = (self.source.span_location(map.span()), 1);
                self.require(map, key, &owner, "`lifecycle`");
            }
            return out;
        };
        let Some(seq) = self.expect_seq(node, &format!("`{key}`")) else {
            return out;
        };
        let noun = if allowed {
            "a transition"
        } else {
            "a rejected edge"
        };
        for item in seq.iter() {
            let Some(edge) = self.expect_map(item, noun) else {
                continue;
            };
            let keys: &[&str] = if allowed {
                &["from", "to", "origin", "clause", "description", "decision"]
            } else {
                &["from", "to", "clause", "description", "decision"]
            };
            self.check_keys(edge, keys, noun);
            let at = self.source.at_node(item);
            let meta = self.meta(edge, &at, noun);
            let endpoint = |this: &mut Self, which: &str| -> Option<String> {
                let scalar = this
                    .require(edge, which, &at, noun)
                    .and_then(|n| this.expect_scalar(n, &format!("`{which}`")))?;
                let state = scalar.as_str().to_string();
                let message = || format!("{noun} names undeclared state `{state}`");
                this.is_declared_state(scalar, states, Code::UnknownState, message)
                    .then_some(state)
            };
            let from = endpoint(self, "from");
            let to = endpoint(self, "to");
            let origin = if allowed {
                match self
                    .require(edge, "origin", &at, noun)
                    .and_then(|n| self.expect_scalar(n, "`origin`"))
                {
                    Some(scalar) => match scalar.as_str() {
                        "diagram" => Some(TransitionOrigin::Diagram),
                        "text" => Some(TransitionOrigin::Text),
                        other => {
                            let origin_at = self.source.at_scalar(scalar);
                            let code = Code::InvalidTransitionOrigin;
                            self.unknown_word(code, origin_at, other, &ORIGINS, "");
                            None
                        }
                    },
                    None => None,
                }
            } else {
                None
            };
            if let (Some(from), Some(to)) = (from, to) {
                out.push(Edge {
                    from,
                    to,
                    origin,
                    meta,
                    at,
                });
            }
        }
        out
    }
}

struct Edge {
    from: String,
    to: String,
    origin: Option<TransitionOrigin>,
    meta: Meta,
    at: At,
}
