//! Cross-field rules as SQL CHECKs: every rule the generator turns into a CHECK refuses the rows
//! that break it, in SQLite and in Postgres, through the real migrations; the rules it cannot
//! express are named here and must equal the generator's list.

mod sql_support;

use handshake_codegen::sql::{self, Schema};
use handshake_conformance::repo_root;
use sql_support::{Db, insert_sql};

/// Rules on stored records that no CHECK expresses (a path into a JSON column), as the generator
/// reports them; the migration that creates the table names them in a comment, and the reference
/// docs name every one (a rule added after its table was created has no migration comment: a
/// migration that only adds columns does not list rules).
const UNEXPRESSED: &[(&str, &str)] = &[
    ("ai_jobs", "profile_id_is_registered"),
    ("ai_jobs", "docs_rewrite_and_summarize_carry_a_docs_profile"),
    ("ai_jobs", "document_jobs_name_their_document"),
    ("ai_jobs", "sheet_jobs_name_their_sheet"),
    ("ai_jobs", "import_jobs_read_a_source_file"),
    ("ai_jobs", "export_jobs_name_target_and_policy"),
    ("ai_jobs", "inline_only_jobs_plan_no_structural_changes"),
    ("ai_jobs", "export_jobs_plan_no_operations"),
    ("ai_jobs", "speakers_are_identified_only_with_diarization"),
    ("ai_jobs", "range_kind_needs_a_sheet"),
    ("ai_jobs", "chart_jobs_name_their_source_table"),
    ("ai_jobs", "docs_sheets_kinds_carry_docs_sheets_inputs"),
    ("ai_jobs", "docs_sheets_kinds_plan_docs_sheets_operations"),
    ("ai_jobs", "docs_sheets_kinds_carry_docs_sheets_outputs"),
    ("ai_jobs", "docs_sheets_kinds_carry_docs_sheets_profile_id"),
    ("ai_jobs", "charts_decks_kinds_carry_charts_decks_inputs"),
    ("ai_jobs", "charts_decks_kinds_plan_charts_decks_operations"),
    ("ai_jobs", "charts_decks_kinds_carry_charts_decks_outputs"),
    (
        "ai_jobs",
        "charts_decks_kinds_carry_charts_decks_profile_id",
    ),
    (
        "ai_jobs",
        "context_pack_builder_kinds_carry_context_pack_builder_inputs",
    ),
    (
        "ai_jobs",
        "context_pack_builder_kinds_plan_context_pack_builder_operations",
    ),
    (
        "ai_jobs",
        "context_pack_builder_kinds_carry_context_pack_builder_outputs",
    ),
    (
        "ai_jobs",
        "context_pack_builder_kinds_carry_context_pack_builder_profile_id",
    ),
    ("ai_jobs", "asr_kinds_carry_asr_inputs"),
    ("ai_jobs", "asr_kinds_plan_asr_operations"),
    ("ai_jobs", "asr_kinds_carry_asr_outputs"),
    ("ai_jobs", "asr_kinds_carry_asr_profile_id"),
    ("ai_jobs", "docling_kinds_carry_docling_inputs"),
    ("ai_jobs", "docling_kinds_plan_docling_operations"),
    ("ai_jobs", "docling_kinds_carry_docling_outputs"),
    ("ai_jobs", "docling_kinds_carry_docling_profile_id"),
    ("ai_jobs", "distillation_kinds_carry_distillation_inputs"),
    ("ai_jobs", "distillation_kinds_plan_distillation_operations"),
    ("ai_jobs", "distillation_kinds_carry_distillation_outputs"),
    (
        "ai_jobs",
        "distillation_kinds_carry_distillation_profile_id",
    ),
    ("ai_jobs", "canvas_kinds_carry_canvas_inputs"),
    ("ai_jobs", "canvas_kinds_plan_canvas_operations"),
    ("ai_jobs", "canvas_kinds_carry_canvas_profile_id"),
    ("ai_jobs", "canvas_kinds_carry_no_outputs"),
    (
        "ai_jobs",
        "document_and_sheet_exports_emit_artifacts_and_a_record",
    ),
    ("ai_jobs", "deck_exports_emit_artifacts_and_a_record"),
    ("ai_jobs", "document_imports_name_their_document"),
    ("ai_jobs", "sheet_imports_name_their_sheet"),
    ("ai_jobs", "import_mapping_artifact_has_a_bounded_ttl"),
    ("ai_jobs", "transcript_segments_come_from_one_job"),
    ("ai_jobs", "imported_blocks_come_from_one_job_and_file"),
    ("ai_jobs", "imported_blocks_come_from_the_input_file"),
    ("ai_jobs", "analysis_only_plans_no_mutation"),
    ("ai_jobs", "raw_writes_only_for_ingestion"),
    ("ai_jobs", "completed_job_passed_validation"),
    ("ai_jobs", "completed_with_issues_job_has_warnings"),
    ("ai_jobs", "awaiting_user_job_asked_by_a_validator"),
    ("ai_jobs", "failed_or_poisoned_job_says_why"),
    ("ai_jobs", "poisoned_job_is_not_retryable"),
    ("ai_jobs", "planned_entity_targets_are_listed"),
    ("ai_jobs", "planned_document_targets_are_listed"),
    ("ai_jobs", "planned_block_targets_are_derivable"),
    ("ai_jobs", "planned_sheet_targets_are_derivable"),
    ("ai_jobs", "planned_source_files_are_listed"),
    ("ai_jobs", "planned_media_is_listed"),
    ("ai_jobs", "entity_refs_lie_inside_the_document_scope"),
    ("ai_jobs", "context_snapshot_is_of_this_job"),
];

/// One row per CHECK: overrides that break the rule, and overrides of a row that keeps it.
struct Case {
    check: &'static str,
    breaking: &'static [(&'static str, &'static str)],
    keeping: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        check: "ai_jobs_terminal_job_has_completed_at_check",
        breaking: &[("state", "'completed'")],
        keeping: &[
            ("state", "'completed'"),
            ("completed_at", "'2026-01-01T00:00:00Z'"),
        ],
    },
    Case {
        check: "ai_jobs_terminal_job_has_completed_at_check",
        breaking: &[("state", "'poisoned'")],
        keeping: &[("state", "'failed'")],
    },
    Case {
        check: "ai_jobs_completed_at_only_when_terminal_check",
        breaking: &[
            ("state", "'running'"),
            ("completed_at", "'2026-01-01T00:00:00Z'"),
        ],
        keeping: &[
            ("state", "'cancelled'"),
            ("completed_at", "'2026-01-01T00:00:00Z'"),
        ],
    },
];

fn spec() -> handshake_spec::model::Spec {
    handshake_spec::load(&repo_root()).unwrap_or_else(|e| panic!("the spec does not load:\n{e}"))
}

fn schema() -> Schema {
    sql::schema(&spec())
}

#[test]
fn every_check_has_a_case_and_the_unexpressed_rules_are_named() {
    let schema = schema();
    let mut checks: Vec<&str> = schema
        .tables
        .iter()
        .flat_map(|t| t.checks.iter().map(|c| c.name.as_str()))
        .collect();
    checks.sort();
    let mut covered: Vec<&str> = CASES.iter().map(|c| c.check).collect();
    covered.sort();
    covered.dedup();
    assert_eq!(
        checks, covered,
        "every rule CHECK needs a breaking row here"
    );

    let unexpressed = sql::rules::unexpressed_rules(&spec());
    let named: Vec<(String, String)> = UNEXPRESSED
        .iter()
        .map(|(t, r)| (t.to_string(), r.to_string()))
        .collect();
    assert_eq!(unexpressed, named);
    let migration = std::fs::read_to_string(
        repo_root().join("migrations/sqlite/0001_handshake_ai_job_model_initial.sql"),
    )
    .expect("migration 0001");
    // The migration that created the tables named the rules of its day, and that stays true.
    for line in migration.lines() {
        let Some(rest) = line.strip_prefix("-- Rules on ") else {
            continue;
        };
        let (table, names) = rest.split_once(" that no CHECK").expect("comment form");
        let names = names.split_once("): ").expect("comment form").1;
        for rule in names.trim_end_matches('.').split(", ") {
            assert!(
                UNEXPRESSED.contains(&(table, rule)),
                "the migration names {rule} on {table}, which a CHECK now expresses"
            );
        }
    }
    // The reference docs name every gap, also of rules added after their table was created.
    let docs: String = std::fs::read_dir(repo_root().join("docs/reference"))
        .expect("docs/reference")
        .map(|entry| std::fs::read_to_string(entry.expect("entry").path()).expect("readable"))
        .collect();
    for (_, rule) in UNEXPRESSED {
        let bullet = docs
            .split("\n- **`")
            .find(|entry| entry.contains(&format!("`** `{rule}` (")));
        assert!(
            bullet.is_some_and(|b| b.contains("*Not expressed in SQL:*")),
            "the reference docs do not name the SQL gap of {rule}"
        );
    }
}

async fn refuses_breaking_rows(db: &mut Db) {
    let dialect = db.dialect();
    let schema = schema();
    let jobs = schema.table("ai_jobs").expect("ai_jobs").clone();
    let row = |pairs: &[(&str, &str)]| {
        let overrides: Vec<(&str, String)> =
            pairs.iter().map(|(c, v)| (*c, (*v).to_string())).collect();
        insert_sql(dialect, &jobs, &overrides)
    };
    db.execute(&row(&[]))
        .await
        .expect("a queued job without completed_at keeps every rule");
    for case in CASES {
        db.execute(&row(case.keeping))
            .await
            .unwrap_or_else(|e| panic!("{}: a row keeping the rule was refused: {e}", case.check));
        let error = db.execute(&row(case.breaking)).await.expect_err(&format!(
            "{}: a row breaking the rule was stored",
            case.check
        ));
        assert!(
            error.contains(case.check),
            "{}: refused for another reason: {error}",
            case.check
        );
    }
}

test_each_dialect!(
    sqlite_checks_refuse_rule_breaking_rows,
    postgres_checks_refuse_rule_breaking_rows,
    Db::open_migrated => refuses_breaking_rows
);
