//! The generated model against the spec and the shared examples: the lifecycle table (all 81
//! state pairs), serde round trips, string validation, unknown-field and unknown-value rejection.

use std::path::{Path, PathBuf};

use handshake_job_model::{
    AiJob, EntityRef, JobState, ModelError, REJECTED_TRANSITIONS, SemVer, SpanId, TransitionOrigin,
    ValueError,
};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spec() -> handshake_spec::model::Spec {
    handshake_spec::load(&repo_root())
        .unwrap_or_else(|error| panic!("the spec does not load:\n{error}"))
}

fn json_files(folder: &str) -> Vec<(String, String)> {
    let dir = repo_root().join(folder);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            (
                path.display().to_string(),
                std::fs::read_to_string(&path).expect("readable example"),
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {folder}");
    files
}

#[test]
fn lifecycle_table_matches_the_spec_for_every_pair() {
    let spec = spec();
    let lifecycle = &spec.lifecycle;
    let names: Vec<&str> = lifecycle.states.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(JobState::NAMES.to_vec(), names, "states and their order");
    assert_eq!(
        JobState::ALL.len() * JobState::ALL.len(),
        81,
        "the spec has nine states"
    );
    for from in JobState::ALL {
        for to in JobState::ALL {
            let allowed = lifecycle.allows(from.as_str(), to.as_str());
            assert_eq!(from.can_transition_to(to), allowed, "{from} -> {to}");
            assert_eq!(
                from.allowed_targets().contains(&to),
                allowed,
                "allowed_targets of {from}"
            );
            let checked = from.check_transition(to);
            match (allowed, &checked) {
                (true, Ok(())) => {}
                (false, Err(ModelError::TerminalState { state })) => {
                    assert!(from.is_terminal() && *state == from, "{from} -> {to}");
                }
                (
                    false,
                    Err(ModelError::IllegalTransition {
                        from_state,
                        to_state,
                    }),
                ) => {
                    assert!(
                        !from.is_terminal(),
                        "terminal {from} must report TerminalState"
                    );
                    assert_eq!((*from_state, *to_state), (from, to));
                }
                _ => panic!(
                    "{from} -> {to}: allowed={allowed} but check_transition gave {checked:?}"
                ),
            }
        }
    }
    assert_eq!(JobState::INITIAL.as_str(), lifecycle.initial);
    let terminal: Vec<&str> = lifecycle
        .terminal_states()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        JobState::TERMINAL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        terminal
    );
    assert_eq!(JobState::TRANSITIONS.len(), lifecycle.transitions.len());
    for (generated, declared) in JobState::TRANSITIONS.iter().zip(&lifecycle.transitions) {
        assert_eq!(
            (generated.from.as_str(), generated.to.as_str()),
            (declared.from.as_str(), declared.to.as_str())
        );
        assert_eq!(generated.clause, declared.meta.clause.to_string());
        let origin = match declared.origin {
            handshake_spec::model::TransitionOrigin::Diagram => TransitionOrigin::Diagram,
            handshake_spec::model::TransitionOrigin::Text => TransitionOrigin::Text,
        };
        assert_eq!(generated.origin, origin);
    }
    assert_eq!(REJECTED_TRANSITIONS.len(), lifecycle.rejected.len());
    for (generated, declared) in REJECTED_TRANSITIONS.iter().zip(&lifecycle.rejected) {
        assert_eq!(
            (generated.from.as_str(), generated.to.as_str()),
            (declared.from.as_str(), declared.to.as_str())
        );
        assert!(
            !generated.from.can_transition_to(generated.to),
            "a rejected edge is never allowed"
        );
        assert!(!generated.reason.is_empty());
    }
}

#[test]
fn error_codes_match_the_spec() {
    let spec = spec();
    let declared: Vec<(&str, &str)> = spec
        .errors
        .iter()
        .map(|e| (e.code.as_str(), e.name.as_str()))
        .collect();
    assert_eq!(ModelError::CODES.to_vec(), declared);
    let error = JobState::Queued
        .check_transition(JobState::Completed)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "illegal transition from queued to completed"
    );
    assert_eq!(
        error.code(),
        spec.errors
            .iter()
            .find(|e| e.name == "IllegalTransition")
            .unwrap()
            .code
    );
    assert_eq!(error.clause(), "§2.6.6.3.1");
}

#[test]
fn valid_examples_round_trip() {
    for (path, text) in json_files("tests/examples/ai_job/valid") {
        let job: AiJob =
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"));
        let value = serde_json::to_value(&job).expect("serializes");
        let again: AiJob =
            serde_json::from_value(value.clone()).unwrap_or_else(|error| panic!("{path}: {error}"));
        assert_eq!(again, job, "{path}: round trip changed the value");
        assert_eq!(
            serde_json::to_value(&again).unwrap(),
            value,
            "{path}: serialization is not stable"
        );
    }
}

#[test]
fn invalid_examples_are_rejected() {
    for (path, text) in json_files("tests/examples/ai_job/invalid") {
        assert!(
            serde_json::from_str::<AiJob>(&text).is_err(),
            "{path} was accepted"
        );
    }
}

#[test]
fn unknown_fields_are_rejected() {
    let valid = serde_json::json!({"artefact_type": "doc", "artefact_id": "0190b2a4-7c4e-7a3e-8000-000000000001"});
    serde_json::from_value::<EntityRef>(valid.clone()).expect("valid entity ref");
    let mut extra = valid.clone();
    extra["unexpected"] = serde_json::json!(1);
    let error = serde_json::from_value::<EntityRef>(extra).unwrap_err();
    assert!(error.to_string().contains("unknown field"), "{error}");
    let mut extra_in_union = valid;
    extra_in_union["selector"] =
        serde_json::json!({"kind": "block_id", "block_id": "b1", "row_id": "r1"});
    assert!(serde_json::from_value::<EntityRef>(extra_in_union).is_err());
}

#[test]
fn string_newtypes_validate_on_construction_and_deserialize() {
    assert_eq!(SemVer::new("1.2.3").expect("valid").as_str(), "1.2.3");
    assert!(matches!(
        SemVer::new("v1.2.3"),
        Err(ValueError::PatternMismatch {
            type_name: "SemVer",
            ..
        })
    ));
    assert!(matches!(
        SpanId::new(""),
        Err(ValueError::TooShort {
            min: 1,
            actual: 0,
            ..
        })
    ));
    let long = "a".repeat(129);
    assert!(matches!(
        SpanId::new(long),
        Err(ValueError::TooLong {
            max: 128,
            actual: 129,
            ..
        })
    ));
    assert!(serde_json::from_str::<SemVer>("\"1.2\"").is_err());
    assert_eq!(
        serde_json::from_str::<SemVer>("\"0.1.0\"")
            .unwrap()
            .to_string(),
        "0.1.0"
    );
    assert_eq!(
        SpanId::EXAMPLE.parse::<SpanId>().unwrap().as_str(),
        SpanId::EXAMPLE
    );
}

#[test]
fn enums_parse_their_wire_names_only() {
    for state in JobState::ALL {
        assert_eq!(state.as_str().parse::<JobState>(), Ok(state));
        assert_eq!(
            serde_json::to_string(&state).unwrap(),
            format!("\"{state}\"")
        );
    }
    let error = "done".parse::<JobState>().unwrap_err();
    assert!(matches!(
        error,
        ValueError::UnknownEnumValue {
            type_name: "JobState",
            ..
        }
    ));
    assert!(error.to_string().contains("queued, running"), "{error}");
}

#[test]
fn ids_are_time_ordered_uuids() {
    let first = handshake_job_model::JobId::new();
    let second = handshake_job_model::JobId::new();
    assert_eq!(first.as_uuid().get_version_num(), 7);
    assert!(first <= second);
    assert_eq!(
        first
            .to_string()
            .parse::<handshake_job_model::JobId>()
            .unwrap(),
        first
    );
}

#[test]
fn string_newtype_schemas_carry_their_constraints() {
    // SpanId: a string newtype with a pattern and both length bounds (JobKind is an enum now).
    let schema = serde_json::to_value(schemars::schema_for!(SpanId)).expect("schema serializes");
    assert_eq!(schema["type"], "string", "{schema}");
    assert_eq!(schema["pattern"], SpanId::PATTERN, "{schema}");
    assert_eq!(schema["minLength"], SpanId::MIN_LENGTH, "{schema}");
    assert_eq!(schema["maxLength"], SpanId::MAX_LENGTH, "{schema}");
}

/// §2.6.6.7.5.2's per-step retrieval budgets are the defaults of a ContextPlan's budgets: a plan
/// that omits them reads 6 snippets, 1,200 evidence tokens, 250 tokens per snippet and 8 retrieval
/// tool calls; a plan that states one keeps its own value.
#[test]
fn per_step_budgets_default_to_the_values_of_iterative_deepening() {
    let omitted: handshake_job_model::ContextPlan = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root().join("tests/corpus/context_plan/valid/per_step_budgets_default.json"),
        )
        .expect("record"),
    )
    .expect("a context plan");
    let budgets = &omitted.budgets;
    assert_eq!(
        (
            budgets.max_selected_snippets,
            budgets.max_tokens_total_evidence,
            budgets.max_tokens_per_snippet,
            budgets.max_retrieval_tool_calls_per_step
        ),
        (6, 1_200, 250, 8)
    );
    let set: handshake_job_model::ContextPlan = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root().join("tests/corpus/context_plan/valid/per_step_budgets_set.json"),
        )
        .expect("record"),
    )
    .expect("a context plan");
    assert_eq!(
        (
            set.budgets.max_tokens_total_evidence,
            set.budgets.max_tokens_per_snippet,
            set.budgets.max_retrieval_tool_calls_per_step
        ),
        (2_400, 300, 4)
    );
}
