//! Docs target, profiles (§2.6.6.6): the `## Profiles` section of the page of the spec file that
//! declares them — one table row per profile (id, job kinds, inputs, outputs, operations,
//! capabilities), then per profile its status mapping and plans.

use std::fmt::Write as _;

use handshake_spec::model::Spec;

use super::{Pages, cell, code, one_line, row, with_decision};

/// The profiles declared in `file`; nothing when it declares none.
pub(super) fn profiles_section(out: &mut String, spec: &Spec, pages: &Pages, file: &str) {
    let profiles: Vec<_> = spec
        .profiles
        .iter()
        .filter(|p| p.meta.location.file == file)
        .collect();
    if profiles.is_empty() {
        return;
    }
    out.push_str(
        "\n## Profiles\n\nEach profile extends the core job without redefining it (§2.6.6.6). Every job kind \
         is bound to exactly one profile; a job's `job_inputs` carries the profile's inputs record and \
         its `job_outputs` the profile's outputs record, each tagged `profile` with the profile name. \
         Every operation is a `PlannedOperation` variant, specialised by exactly one profile \
         (§2.6.6.6.1).\n\n\
         | profile | profile id | job kinds | inputs | outputs | operations | capabilities | clause |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for profile in &profiles {
        let name = if profile.future {
            format!("`{}` (future)", profile.name)
        } else {
            format!("`{}`", profile.name)
        };
        let code_list = |items: &[String]| {
            items
                .iter()
                .map(|item| format!("`{item}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let operations = code_list(&profile.operations);
        let record = |name: &Option<String>| match name {
            Some(record) => pages.link(record),
            None => "—".to_string(),
        };
        let (inputs, outputs) = (record(&profile.inputs), record(&profile.outputs));
        let _ = writeln!(
            out,
            "| {name} | `{}` | {} | {inputs} | {outputs} | {operations} | {} | {} |",
            profile.profile_id,
            code_list(&profile.job_kinds),
            code_list(&profile.capabilities),
            profile.meta.clause
        );
    }
    for profile in &profiles {
        let _ = writeln!(out, "\n### Profile `{}`\n", profile.name);
        let _ = writeln!(out, "{}.", capitalised(&cell(&profile.meta.description)));
        if let Some(decision) = &profile.meta.decision {
            let _ = writeln!(out, "\n**Decision:** {}", one_line(decision));
        }
        if !profile.bindings.is_empty() {
            let bound = profile
                .bindings
                .iter()
                .map(|binding| format!("`{}` (`{}`)", binding.code, binding.kind.key()))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "\nRules written from this declaration (`bindings:`): {bound}."
            );
        }
        if profile.statuses.is_empty() {
            out.push_str("\nStatuses: the global lifecycle states only; each maps onto itself.\n");
        } else {
            out.push_str(
                "\nStatuses beyond the global lifecycle states, and the state each maps onto:\n\n\
                 | status | lifecycle state | clause | meaning |\n| --- | --- | --- | --- |\n",
            );
            for mapping in &profile.statuses {
                let meaning = with_decision(&mapping.meta.description, &mapping.meta);
                row(
                    out,
                    [
                        &code(&mapping.status),
                        &code(&mapping.state),
                        &mapping.meta.clause,
                        &cell(&meaning),
                    ],
                );
            }
        }
        for (title, plan) in [
            ("Validation plan", &profile.validation_plan),
            ("Provenance plan", &profile.provenance_plan),
        ] {
            if let Some(plan) = plan {
                let _ = writeln!(out, "\n{title}:\n\n```json\n{}\n```", plan_json(plan));
            }
        }
    }
}

/// Upper-case the first letter: descriptions are written as lower-case fragments.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A plan as pretty JSON, in the key order the spec wrote it.
fn plan_json(plan: &serde_json::Value) -> String {
    serde_json::to_string_pretty(plan).unwrap_or_else(|_| plan.to_string())
}
