//! What the Rust target refuses to generate, with the message it gives, and what the loader
//! refuses for it: each test edits the `errors.yaml` of a golden case in memory (the Rust
//! lifecycle needs an `IllegalTransition` error, the loader checks that its fields are lifecycle
//! states, and the generated enums' own names are reserved).

use handshake_codegen::{GeneratedFile, rust};
use support::{GOLDEN, manifest, repo_root};

mod support;

/// The golden case whose spec the tests edit: it has a lifecycle, the errors and an `Empty` error.
const CASE: &str = "every_construct";

/// The [`CASE`] golden case as in-memory sources, with `edit` applied to `errors.yaml`.
fn golden_sources_with_errors(
    edit: impl Fn(&str) -> String,
) -> std::collections::BTreeMap<String, String> {
    let root = repo_root();
    let mut sources = std::collections::BTreeMap::new();
    let dir = format!("{GOLDEN}/{CASE}/spec");
    for entry in std::fs::read_dir(root.join(&dir)).expect("the case's spec folder") {
        let file = entry.expect("directory entry").file_name();
        let file = file.to_string_lossy();
        let path = format!("{dir}/{file}");
        let text = std::fs::read_to_string(root.join(&path)).expect("golden spec file");
        let text = if file == "errors.yaml" {
            edit(&text)
        } else {
            text
        };
        sources.insert(path, text);
    }
    sources
}

fn generate_from(
    sources: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<GeneratedFile>, String> {
    let spec = handshake_spec::load_sources(sources, &manifest(CASE))
        .unwrap_or_else(|error| panic!("edited golden spec does not load:\n{error}"));
    rust::generate(&spec).map_err(|error| error.to_string())
}

#[test]
fn a_spec_without_illegal_transition_is_refused_with_a_clear_message() {
    let sources =
        golden_sources_with_errors(|text| text.replace("IllegalTransition:", "NoSuchEdge:"));
    let error = generate_from(&sources).expect_err("check_transition has no error to return");
    assert!(
        error.contains("needs an error named IllegalTransition"),
        "{error}"
    );
}

/// The shape of `IllegalTransition` (two fields of the lifecycle's state type) is a rule of the
/// spec language every target relies on, so the loader refuses a wrong one before any target runs.
#[test]
fn illegal_transition_fields_must_be_lifecycle_states() {
    let sources = golden_sources_with_errors(|text| {
        text.replace("to_state: { type: Stage,", "to_state: { type: string,")
    });
    let error = handshake_spec::load_sources(&sources, &manifest(CASE))
        .expect_err("to_state is not a state")
        .to_string();
    assert!(
        error.contains(
            "error[S0412]: field `to_state` of error `IllegalTransition` has type `string`, \
             not the lifecycle's state type `Stage`"
        ),
        "{error}"
    );
}

/// The names the Rust target reserves are one list (`handshake_spec::reserved::rust`), which the
/// loader checks too, so such a name is refused at its declaration before the target sees it.
#[test]
fn reserved_names_are_refused() {
    let sources = golden_sources_with_errors(|text| text.replace("  Empty:", "  ModelError:"));
    let error = handshake_spec::load_sources(&sources, &manifest(CASE))
        .expect_err("ModelError is the generated enum's own name")
        .to_string();
    assert!(
        error.contains("error[S0202]: error name `ModelError` is reserved"),
        "{error}"
    );
}
