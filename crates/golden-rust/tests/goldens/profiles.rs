//! What the generated Rust of the `profiles` golden case (`tests/golden/profiles/expected/rust`)
//! does: the JobKind → profile registry, status mapping and the
//! typed refusal of an unknown kind in `from_json`.
use crate::ValueError;
use crate::cases::profiles as golden;

use golden::errors::ModelError;
use golden::profiles::{CANVAS, DOCS, PROFILES, map_status, profile_by_id};
use golden::types::{Job, JobInputs, JobKind, Stage};

/// The model crate maps its `ValueError` into its own `ModelError`; the golden's errors are a
/// different type, so the test supplies the same mapping for the shapes it uses.
impl From<ValueError> for ModelError {
    fn from(error: ValueError) -> Self {
        match error {
            ValueError::UnknownEnumValue {
                type_name,
                value,
                expected,
            } => ModelError::UnknownEnumValue {
                type_name: type_name.to_owned(),
                value,
                expected: expected.join(", "),
            },
            other => ModelError::InvalidValue {
                type_name: "value".to_owned(),
                value: String::new(),
                constraint: other.to_string(),
            },
        }
    }
}

#[test]
fn every_kind_names_its_profile_and_the_profiles_list_them() {
    assert_eq!(JobKind::DocRewrite.profile(), &DOCS);
    assert_eq!(
        JobKind::DocSummarize.profile().profile_id,
        "docs_sheets_ai_v0.5"
    );
    assert_eq!(JobKind::CanvasCluster.profile(), &CANVAS);
    assert_eq!((CANVAS.future, DOCS.future), (true, false));
    assert_eq!(PROFILES, [&DOCS, &CANVAS]);
    for kind in JobKind::ALL {
        assert!(kind.profile().job_kinds.contains(&kind), "{kind}");
    }
    assert_eq!(DOCS.inputs, Some("DocsInputs"));
    assert_eq!(CANVAS.inputs, None);
    assert_eq!(
        DOCS.validation_plan,
        Some(r#"{"steps":[{"validator_id":"scope"}]}"#)
    );
    assert_eq!(profile_by_id("canvas_ai_v0.1"), Some(&CANVAS));
}

#[test]
fn statuses_map_onto_the_lifecycle() {
    assert_eq!(
        map_status("docs_sheets_ai_v0.5", "pending"),
        Some(Stage::Queued)
    );
    assert_eq!(
        map_status("docs_sheets_ai_v0.5", "interrupted"),
        Some(Stage::Failed)
    );
    assert_eq!(map_status("docs_sheets_ai_v0.5", "done"), Some(Stage::Done));
    assert_eq!(map_status("canvas_ai_v0.1", "pending"), None);
    assert_eq!(map_status("nope_v1", "queued"), None);
}

#[test]
fn from_json_refuses_an_unknown_kind_with_unknown_enum_value() {
    let mut job = serde_json::json!({
        "job_kind": "doc_rewrite",
        "profile_id": "docs_sheets_ai_v0.5",
        "job_inputs": {
            "profile": "docs",
            "doc_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
            "layer_scope": "block"
        }
    });
    let parsed = Job::from_json(&job).expect("a valid job");
    assert!(matches!(parsed.job_inputs, Some(JobInputs::Docs { .. })));
    job["job_kind"] = serde_json::json!("doc_translate");
    let error = Job::from_json(&job).expect_err("an unknown kind");
    assert_eq!(error.code(), "GLD-103");
    job["job_kind"] = serde_json::json!("canvas_cluster");
    job["job_inputs"]["profile"] = serde_json::json!("canvas");
    let error = Job::from_json(&job).expect_err("canvas has no inputs variant");
    assert_eq!(error.code(), "GLD-101");
}
