//! The synthesized `JobOutputs` union (§2.6.6.6.1, spec/outputs.yaml): one variant per profile
//! that declares `outputs`, tagged `profile` with the profile name, in the Rust model and its JSON
//! Schema alike; a profile without outputs (the future Canvas profile) has no variant, and the
//! rules binding each job kind to its profile's outputs are part of `AiJob` validation.

use handshake_job_model::generated::profiles::PROFILES;
use handshake_job_model::{AiJob, JobOutputs, Validate};
use serde_json::json;
use support::{example, profile_union_tags};

mod support;

/// The names of the profiles that declare outputs, in spec order.
fn profiles_with_outputs() -> Vec<&'static str> {
    PROFILES
        .iter()
        .filter(|p| p.outputs.is_some())
        .map(|p| p.name)
        .collect()
}

#[test]
fn every_profile_but_the_future_canvas_declares_outputs() {
    let without: Vec<&str> = PROFILES
        .iter()
        .filter(|p| p.outputs.is_none())
        .map(|p| p.name)
        .collect();
    assert_eq!(without, ["canvas"]);
}

#[test]
fn the_job_outputs_schema_is_a_oneof_discriminated_by_profile_name() {
    let tags = profile_union_tags("schemas/job_outputs.schema.json");
    assert_eq!(tags, profiles_with_outputs());
}

#[test]
fn job_outputs_are_tagged_with_the_profile_name_and_only_those() {
    for profile in PROFILES {
        // Every outputs record of this spec has only optional fields or lists that may be
        // empty, except the context pack's record; an unknown tag fails before any field.
        let parsed = serde_json::from_value::<JobOutputs>(json!({ "profile": profile.name }));
        match profile.outputs {
            None => {
                let error = parsed.expect_err("a profile without outputs has no variant");
                assert!(
                    error.to_string().contains("unknown variant"),
                    "{}: {error}",
                    profile.name
                );
            }
            Some(_) => {
                if let Err(error) = parsed {
                    assert!(
                        error.to_string().contains("missing field"),
                        "{} is a JobOutputs tag, only fields may be missing: {error}",
                        profile.name
                    );
                }
            }
        }
    }
}

#[test]
fn a_job_of_one_profile_carrying_another_profiles_outputs_is_refused_by_its_binding_rule() {
    let mut job = example("tests/examples/ai_job/valid/outputs_asr.json");
    let parsed: AiJob = serde_json::from_value(job.clone()).expect("valid example");
    assert!(parsed.validate().is_empty(), "the example is valid");
    job["job_outputs"] = example("tests/examples/job_outputs/valid/docling.json");
    let parsed: AiJob = serde_json::from_value(job).expect("still well-typed");
    let codes: Vec<String> = parsed
        .validate()
        .iter()
        .map(|v| v.code.to_string())
        .collect();
    assert!(codes.contains(&"HSK-RULE-PRF-023".to_string()), "{codes:?}");
}
