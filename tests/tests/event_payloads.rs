//! The job lifecycle events the store writes and the payload records of `spec/events.yaml` are
//! the same set: each `event_types` constant `ai_job.<name>` has a root record `AiJob<Name>`, and
//! no `AiJob…` payload record is declared for an event the store never writes. The constants are
//! read from the store's source, so a new event type without a payload record fails here.

use std::collections::BTreeSet;

use handshake_conformance::repo_root;

/// Where the store declares its event types (`pub mod event_types { pub const …: &str = "…"; }`).
const STORE_SOURCE: &str = "crates/job-store/src/events.rs";

/// The string values of the `event_types` module's constants, in declaration order.
fn emitted_event_types() -> Vec<String> {
    let source = std::fs::read_to_string(repo_root().join(STORE_SOURCE))
        .unwrap_or_else(|e| panic!("read {STORE_SOURCE}: {e}"));
    let start = source
        .find("pub mod event_types {")
        .unwrap_or_else(|| panic!("{STORE_SOURCE} no longer declares `pub mod event_types`"));
    let body = &source[start..];
    let body = &body[..body.find("\n}").expect("the module closes")];
    body.lines()
        .filter(|line| line.trim_start().starts_with("pub const "))
        .map(|line| {
            let value = line.split('"').nth(1).expect("a string constant");
            value.to_string()
        })
        .collect()
}

/// `ai_job.state_changed` → `AiJobStateChanged`.
fn payload_type(event_type: &str) -> String {
    event_type
        .split(['.', '_'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

#[test]
fn every_event_the_store_writes_has_exactly_one_payload_record() {
    let spec = handshake_spec::load(&repo_root()).expect("the real spec loads");
    let emitted = emitted_event_types();
    assert!(
        emitted.len() >= 6,
        "found only {emitted:?} in {STORE_SOURCE}; the scan lost its way"
    );
    let expected: BTreeSet<String> = emitted.iter().map(|e| payload_type(e)).collect();
    let declared: BTreeSet<String> = spec
        .roots()
        .filter(|t| t.meta.location.file == "spec/events.yaml")
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(
        declared, expected,
        "spec/events.yaml declares a root payload record per event type the job store writes"
    );
    let without_clause: Vec<&String> = expected
        .iter()
        .filter(|name| {
            let def = spec.type_named(name).expect("declared");
            !def.meta.clause.0.iter().any(|c| c == "§11.5")
        })
        .collect();
    assert!(
        without_clause.is_empty(),
        "{without_clause:?} name no §11.5"
    );
}

#[test]
fn payload_type_names_follow_the_event_type() {
    assert_eq!(payload_type("ai_job.state_changed"), "AiJobStateChanged");
    assert_eq!(payload_type("ai_job.created"), "AiJobCreated");
}
