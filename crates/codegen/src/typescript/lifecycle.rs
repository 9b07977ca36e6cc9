//! `lifecycle.ts`: the state type's transition table, the rejected edges and their guards.

use std::fmt::Write as _;

use handshake_spec::model::Lifecycle;

use crate::doc_text;
use crate::ir::Ir;
use crate::names::screaming_snake_case;

use super::{header, js_string, meta_tail, tsdoc, tsdoc_clause};

pub(super) fn lifecycle_file(ir: &Ir<'_>) -> String {
    let spec = ir.spec;
    let lifecycle = &spec.lifecycle;
    let state = &lifecycle.name;
    let screaming = screaming_snake_case(state);
    let mut out = header(spec, "The job lifecycle state machine");
    let _ = writeln!(out, "\nimport type {{ {state} }} from \"./types.js\";\n");

    let mut doc = vec![format!(
        "The allowed transitions of {{@link {state}}} as a type: one `{{ from, to }}` pair per edge."
    )];
    doc.extend(meta_tail(&lifecycle.meta));
    tsdoc(&mut out, "", &doc);
    if lifecycle.transitions.is_empty() {
        let _ = writeln!(out, "export type {state}Edge = never;");
    } else {
        let _ = writeln!(out, "export type {state}Edge =");
        let last = lifecycle.transitions.len() - 1;
        for (index, transition) in lifecycle.transitions.iter().enumerate() {
            let _ = writeln!(
                out,
                "  | {{ readonly from: {}; readonly to: {} }}{}",
                js_string(&transition.from),
                js_string(&transition.to),
                if index == last { ";" } else { "" }
            );
        }
    }
    out.push('\n');
    tsdoc_clause(
        &mut out,
        &format!(
            "The states {{@link {state}}} `F` may move to next (`never` for terminal states)."
        ),
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export type {state}Successor<F extends {state}> = Extract<{state}Edge, {{ readonly from: F }}>[\"to\"];\n"
    );

    tsdoc_clause(
        &mut out,
        &format!(
            "The transition table of {{@link {state}}}, in spec order; each row names its clause."
        ),
        &lifecycle.meta.clause,
    );
    let _ = writeln!(out, "export const {screaming}_TRANSITIONS = [");
    for transition in &lifecycle.transitions {
        let mut doc = vec![transition.meta.description.clone()];
        doc.extend(meta_tail(&transition.meta));
        tsdoc(&mut out, "  ", &doc);
        let origin = doc_text::origin(transition.origin);
        let _ = writeln!(
            out,
            "  {{ from: {}, to: {}, origin: {}, clause: {} }},",
            js_string(&transition.from),
            js_string(&transition.to),
            js_string(origin),
            js_string(transition.meta.clause.primary())
        );
    }
    let _ = writeln!(
        out,
        "] as const satisfies readonly ({state}Edge & {{ readonly origin: \"diagram\" | \"text\"; readonly clause: string }})[];\n"
    );

    let initial = ir.initial_state();
    let mut doc = vec![format!(
        "The state every job starts in: `{}`.",
        lifecycle.initial
    )];
    if let Some(initial) = initial {
        doc.push(String::new());
        doc.push(initial.description.clone());
        doc.push(format!("Clause: {}", initial.clause));
    }
    tsdoc(&mut out, "", &doc);
    let _ = writeln!(
        out,
        "export const INITIAL = {} satisfies {state};\n",
        js_string(&lifecycle.initial)
    );

    let terminal: Vec<String> = lifecycle
        .terminal_states()
        .map(|s| js_string(&s.name))
        .collect();
    tsdoc_clause(
        &mut out,
        "The terminal states, in spec order: no transition ever leaves them.",
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export const TERMINAL = [{}] as const satisfies readonly {state}[];\n",
        terminal.join(", ")
    );

    rejected_table(&mut out, lifecycle);

    tsdoc_clause(
        &mut out,
        &format!(
            "Whether a job in state `from` may move to state `to` (the table of {{@link {screaming}_TRANSITIONS}})."
        ),
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export function canTransition(from: {state}, to: {state}): boolean {{"
    );
    let _ = writeln!(
        out,
        "  return {screaming}_TRANSITIONS.some((transition) => transition.from === from && transition.to === to);\n}}\n"
    );
    tsdoc_clause(
        &mut out,
        "Whether `state` is terminal: no transition ever leaves it.",
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export function isTerminal(state: {state}): boolean {{"
    );
    out.push_str("  return (TERMINAL as readonly string[]).includes(state);\n}\n");
    out
}

fn rejected_table(out: &mut String, lifecycle: &Lifecycle) {
    let state = &lifecycle.name;
    tsdoc_clause(
        out,
        "Edges the spec's diagram draws that the table refuses, each with the reason.",
        &lifecycle.meta.clause,
    );
    let _ = writeln!(out, "export const REJECTED_TRANSITIONS = [");
    for rejected in &lifecycle.rejected {
        let _ = writeln!(
            out,
            "  {{ from: {}, to: {}, clause: {}, reason: {} }},",
            js_string(&rejected.from),
            js_string(&rejected.to),
            js_string(rejected.meta.clause.primary()),
            js_string(rejected.reason())
        );
    }
    let _ = writeln!(
        out,
        "] as const satisfies readonly {{ readonly from: {state}; readonly to: {state}; readonly clause: string; readonly reason: string }}[];\n"
    );
}
