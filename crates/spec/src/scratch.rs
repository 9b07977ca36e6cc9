//! A spec held in memory, for tests, fuzzing and examples that load a few lines of YAML through
//! [`load_sources`](crate::load_sources) instead of a repository on disk.
//!
//! Every such spec needs the same manifest: a name, version 0.1.0, the Master Spec version the
//! repository's own spec implements, one output folder per target under `out/`, and its files.
//! [`manifest`] writes it; [`sources`] adds the files beside it at [`MANIFEST`](crate::MANIFEST).
//! Most such specs also need a lifecycle, which [`lifecycle`] writes; tests of `claims:` share
//! the smallest declarations that carry one, [`CLAIMING_RECORD`] and [`OUT_OF_SCOPE_CLAIM`].
//!
//! ```
//! let sources = handshake_spec::scratch::sources("example", &[("model.yaml", "types: {}\n")]);
//! assert!(sources["spec/handshake.yaml"].ends_with("files:\n  - model.yaml\n"));
//! assert_eq!(sources["spec/model.yaml"], "types: {}\n");
//! ```

use std::collections::BTreeMap;

/// The manifest of a scratch spec named `name` whose files (relative to `spec/`) are `files`, in
/// load order. Outputs go to `out/rust`, `out/schemas`, `out/migrations`, `out/ts`, `out/py` and
/// `out/docs`.
pub fn manifest(name: &str, files: &[&str]) -> String {
    let mut text = format!(
        "spec: {name}\nversion: 0.1.0\nmaster_spec: v02.84\noutputs:\n  rust: out/rust\n  \
         json_schema: out/schemas\n  migrations: out/migrations\n  typescript: out/ts\n  \
         python: out/py\n  docs: out/docs\nfiles:\n"
    );
    for file in files {
        text.push_str(&format!("  - {file}\n"));
    }
    text
}

/// The head of a `lifecycle:` block up to its `states:` key: the lifecycle enum `name`, citing
/// `clause`, that starts in `initial`. For a test that writes states of its own (with `claims:`,
/// say); [`lifecycle`] writes the whole block.
pub fn lifecycle_head(name: &str, clause: &str, initial: &str) -> String {
    format!(
        "lifecycle:\n  name: {name}\n  clause: {clause}\n  description: the lifecycle\n  \
         initial: {initial}\n  states:\n"
    )
}

/// A whole `lifecycle:` block, one line per state and per transition: [`lifecycle_head`]
/// starting in the first of `states`, each state `(name, terminal, clause)` described by its
/// name, then each transition `(from, to, origin, clause)` described as `from to to`.
///
/// ```
/// let block = handshake_spec::scratch::lifecycle(
///     "JobState",
///     "§1",
///     &[("new", false, "§1"), ("done", true, "§1")],
///     &[("new", "done", "text", "§1")],
/// );
/// assert!(block.starts_with("lifecycle:\n  name: JobState\n"));
/// assert!(block.contains("\n  initial: new\n"));
/// assert!(block.ends_with(
///     "  transitions:\n    - { from: new, to: done, origin: text, clause: §1, description: new to done }\n"
/// ));
/// ```
pub fn lifecycle(
    name: &str,
    clause: &str,
    states: &[(&str, bool, &str)],
    transitions: &[(&str, &str, &str, &str)],
) -> String {
    let initial = states.first().map_or("", |(state, ..)| *state);
    let mut text = lifecycle_head(name, clause, initial);
    for (state, terminal, clause) in states {
        text.push_str(&format!(
            "    {state}: {{ terminal: {terminal}, clause: {clause}, description: {state} }}\n"
        ));
    }
    text.push_str("  transitions:\n");
    for (from, to, origin, clause) in transitions {
        text.push_str(&format!(
            "    - {{ from: {from}, to: {to}, origin: {origin}, clause: {clause}, \
             description: {from} to {to} }}\n"
        ));
    }
    text
}

/// A `types:` block whose one record, `Job` (§2.6.6.3), has one field, `committed`, that claims
/// the Master Spec requirement `§2.6.6.3.3/changes-must-only-applied-completion` (the field on
/// line 7, its `claims:` on line 12).
pub const CLAIMING_RECORD: &str = r#"types:
  Job:
    kind: record
    clause: §2.6.6.3
    description: a job
    fields:
      committed:
        type: boolean
        required: true
        clause: §2.6.6.3.3
        description: whether its changes were applied
        claims: ["§2.6.6.3.3/changes-must-only-applied-completion"]
"#;

/// An `out_of_scope:` block whose one guard, `RetryLogGuard`, claims the Master Spec requirement
/// `§2.6.6.3.3/workers-must-log-every-retry`, which no record can hold.
pub const OUT_OF_SCOPE_CLAIM: &str = r#"out_of_scope:
  RetryLogGuard:
    reason: logging happens in the worker, which no record holds
    clause: §2.6.6.3.3
    description: workers log retries
    claims: ["§2.6.6.3.3/workers-must-log-every-retry"]
"#;

/// The sources of a scratch spec: its [`manifest`] at `spec/handshake.yaml` and each `(file,
/// text)` at `spec/<file>`, as [`load_sources`](crate::load_sources) takes them.
pub fn sources(name: &str, files: &[(&str, &str)]) -> BTreeMap<String, String> {
    let names: Vec<&str> = files.iter().map(|(file, _)| *file).collect();
    let mut sources = BTreeMap::from([(crate::MANIFEST.to_string(), manifest(name, &names))]);
    for (file, text) in files {
        sources.insert(format!("spec/{file}"), (*text).to_string());
    }
    sources
}
