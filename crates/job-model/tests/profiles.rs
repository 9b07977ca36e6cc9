//! The generated profile registry (§2.6.6.6): every job kind bound to exactly one profile, the
//! status mappings onto the lifecycle, the plans as typed values, and the typed refusal of an
//! unknown job kind when a job is parsed.

use handshake_job_model::generated::profiles::{PROFILES, map_status, profile_by_id};
use handshake_job_model::{
    AiJob, JobInputs, JobKind, JobState, ModelError, ProvenancePlan, ValidationPlan,
};
use serde_json::json;
use support::{example, profile_union_tags};

mod support;

#[test]
fn every_job_kind_is_bound_to_exactly_one_profile_that_lists_it() {
    for kind in JobKind::ALL {
        let owners: Vec<&str> = PROFILES
            .iter()
            .filter(|profile| profile.job_kinds.contains(&kind))
            .map(|profile| profile.name)
            .collect();
        assert_eq!(owners.len(), 1, "{kind} is listed by {owners:?}");
        assert_eq!(kind.profile().name, owners[0], "{kind}.profile()");
    }
    let listed: usize = PROFILES.iter().map(|p| p.job_kinds.len()).sum();
    assert_eq!(listed, JobKind::ALL.len(), "no kind is listed twice");
}

#[test]
fn the_spec_invariant_kinds_belong_to_the_docs_profile() {
    for kind in [JobKind::DocRewrite, JobKind::DocSummarize] {
        let profile = kind.profile();
        assert_eq!(profile.profile_id, "docs_sheets_ai_v0.5");
        assert_eq!(profile.inputs, Some("DocsAiJobProfile"));
    }
    assert_eq!(
        JobKind::AsrTranscribe.profile().profile_id,
        "asr_transcribe_v0.1"
    );
    assert!(JobKind::CanvasCluster.profile().future);
    assert!(PROFILES.iter().filter(|p| p.future).count() == 1);
}

#[test]
fn profile_ids_and_names_are_unique_and_found_by_id() {
    for (index, profile) in PROFILES.iter().enumerate() {
        for other in &PROFILES[index + 1..] {
            assert_ne!(profile.profile_id, other.profile_id);
            assert_ne!(profile.name, other.name);
        }
        assert_eq!(profile_by_id(profile.profile_id), Some(*profile));
    }
    assert_eq!(profile_by_id("no_such_profile_v1"), None);
}

#[test]
fn profile_statuses_map_onto_the_lifecycle() {
    let distillation = JobKind::DistillationTrain.profile().profile_id;
    assert_eq!(map_status(distillation, "pending"), Some(JobState::Queued));
    assert_eq!(map_status(distillation, "running"), Some(JobState::Running));
    assert_eq!(
        map_status(distillation, "completed"),
        Some(JobState::Completed)
    );
    assert_eq!(map_status(distillation, "failed"), Some(JobState::Failed));
    let docling = JobKind::DocIngest.profile().profile_id;
    assert_eq!(map_status(docling, "interrupted"), Some(JobState::Failed));
    // Every profile uses the global lifecycle: a state name maps onto itself.
    for profile in PROFILES {
        for state in JobState::ALL {
            assert_eq!(profile.state_of(state.as_str()), Some(state));
        }
        assert_eq!(profile.state_of("no_such_status"), None);
    }
    // A status of one profile is not a status of another.
    let docs = JobKind::DocEdit.profile().profile_id;
    assert_eq!(map_status(docs, "interrupted"), None);
    assert_eq!(map_status("no_such_profile_v1", "queued"), None);
}

#[test]
fn profile_plans_are_typed_validation_and_provenance_plans() {
    let mut plans = 0;
    for profile in PROFILES {
        if let Some(text) = profile.validation_plan {
            let plan: ValidationPlan = serde_json::from_str(text)
                .unwrap_or_else(|error| panic!("{}: {error}", profile.name));
            assert!(!plan.steps.is_empty(), "{}", profile.name);
            plans += 1;
        }
        if let Some(text) = profile.provenance_plan {
            let _: ProvenancePlan = serde_json::from_str(text)
                .unwrap_or_else(|error| panic!("{}: {error}", profile.name));
        }
    }
    assert!(plans >= 6, "every active profile declares its validators");
}

#[test]
fn an_unknown_job_kind_is_refused_with_the_typed_unknown_enum_value_error() {
    let mut job = example("tests/examples/ai_job/valid/required_fields_only.json");
    AiJob::from_json(&job).expect("the example parses");
    job["job_kind"] = json!("magic_job");
    let error = AiJob::from_json(&job).expect_err("an unknown kind is refused");
    assert_eq!(error.code(), "HSK-JOB-1003");
    match error {
        ModelError::UnknownEnumValue {
            type_name,
            value,
            expected,
        } => {
            assert_eq!(type_name, "JobKind");
            assert_eq!(value, "magic_job");
            assert!(expected.contains("doc_rewrite"), "{expected}");
        }
        other => panic!("expected UnknownEnumValue, got {other:?}"),
    }
    // Plain serde refuses it too (the enum is closed), but only `from_json` types the error.
    assert!(serde_json::from_value::<AiJob>(job).is_err());
}

#[test]
fn other_mismatches_are_invalid_record() {
    let mut job = example("tests/examples/ai_job/valid/required_fields_only.json");
    job.as_object_mut().expect("object").remove("job_id");
    let error = AiJob::from_json(&job).expect_err("job_id is required");
    assert_eq!(error.code(), "HSK-JOB-1001");
    assert!(matches!(error, ModelError::InvalidRecord { .. }));
}

#[test]
fn job_inputs_are_tagged_with_the_profile_name() {
    let inputs: JobInputs = serde_json::from_value(json!({
        "profile": "docs_sheets",
        "doc_id": "0190a5f2-7c1e-7000-8000-0000000000d1",
        "layer_scope": "section"
    }))
    .expect("a DocsAiJobProfile payload");
    assert!(matches!(inputs, JobInputs::DocsSheets { .. }));
    for (why, profile, layer_scope) in [
        (
            "the tag is a profile name, never the wire profile id",
            "docs_sheets_ai_v0.5",
            "section",
        ),
        (
            "§2.6.6.6.4 renames nothing on the wire: layer_scope takes block, section or document",
            "docs_sheets",
            "derived",
        ),
    ] {
        let refused = json!({
            "profile": profile,
            "doc_id": "0190a5f2-7c1e-7000-8000-0000000000d1",
            "layer_scope": layer_scope
        });
        assert!(
            serde_json::from_value::<JobInputs>(refused).is_err(),
            "{why}"
        );
    }
    for profile in PROFILES.iter().filter(|p| p.inputs.is_some()) {
        let tagged = json!({ "profile": profile.name });
        let error = serde_json::from_value::<JobInputs>(tagged)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            !error.contains("unknown variant"),
            "{} is not a JobInputs tag: {error}",
            profile.name
        );
    }
}

#[test]
fn the_job_inputs_schema_is_a_oneof_discriminated_by_profile_name() {
    let tags = profile_union_tags("schemas/job_inputs.schema.json");
    let expected: Vec<&str> = PROFILES
        .iter()
        .filter(|p| p.inputs.is_some())
        .map(|p| p.name)
        .collect();
    assert_eq!(tags, expected);
}
