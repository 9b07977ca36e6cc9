//! The AI job's fields as the Master Spec lists them, written out by hand once for every test that
//! checks a generated artefact (JSON Schema, SQL columns) against the Master Spec rather than
//! against our own YAML.

/// The 36 fields of the §2.6.6.2 tables of the Master Spec (v02.84), in table order, with the
/// table's ✓ (required) column. Written out here from the Master Spec, not read from our YAML, so
/// the spec files cannot drift away from the Master Spec unnoticed.
pub const CORE_FIELDS: [(&str, bool); 36] = [
    // §2.6.6.2.1 Identity and Versioning
    ("job_id", true),
    ("job_kind", true),
    ("protocol_id", true),
    ("task_schema_version", true),
    ("parent_job_id", false),
    // §2.6.6.2.2 Profiles and Access Modes
    ("profile_id", true),
    ("capability_profile_id", true),
    ("access_mode", true),
    ("safety_mode", true),
    ("consent_profile_id", false),
    ("topic_scope", false),
    // §2.6.6.2.3 Workspace Scope (Inputs)
    ("workspace_scope", true),
    ("entity_refs", true),
    ("context_snapshot", false),
    ("layer_scope", false),
    // §2.6.6.2.4 Execution Plan
    ("planned_operations", true),
    ("execution_mode", true),
    ("validation_plan", false),
    ("provenance_plan", false),
    // §2.6.6.2.5 Runtime and Models
    ("runtime_id", true),
    ("planner_model_id", false),
    ("executor_model_id", false),
    ("fallback_model_id", false),
    ("runtime_config", false),
    // §2.6.6.2.6 Lifecycle and Status
    ("state", true),
    ("status_reason", true),
    ("capability_check_result", false),
    ("validation_result", false),
    ("error_summary", false),
    ("warnings", false),
    // §2.6.6.2.7 Observability and Telemetry
    ("created_at", true),
    ("updated_at", true),
    ("completed_at", false),
    ("metrics", true),
    ("flight_recorder_span_id", true),
    ("aux_trace_ids", false),
];

/// Fields a profile adds to the core record (§2.6.6.6.1: "adds profile-specific fields"), after the
/// 36 core fields: `job_inputs`, the typed payload §2.6.6.6.4 requires for doc_rewrite and
/// doc_summarize, and `job_outputs`, the typed results the profile defines (§2.5.10.3.1).
/// Optional: only doc_rewrite and doc_summarize must carry inputs (rule HSK-RULE-PRF-001), and a
/// job has outputs only once it produced them.
pub const PROFILE_EXTENSION_FIELDS: [(&str, bool); 2] =
    [("job_inputs", false), ("job_outputs", false)];
