//! The committed migrations, applied by sqlx to a real SQLite and Postgres, hold the AI Job Model.
//!
//! The expectations are written from the Master Spec (§2.6.6.2's 36 fields and their ✓ column),
//! not from the generator, so a generator or spec mistake shows up as a failure here. Postgres
//! needs `HANDSHAKE_TEST_POSTGRES_URL` (see `handshake_conformance::pg`).

mod sql_support;

use handshake_codegen::sql::{self, Dialect, Schema};
use handshake_conformance::{pg, repo_root};
use sql_support::{Db, insert_sql, new_id};

/// §2.6.6.6.1: the fields a profile adds to the core record; `job_inputs` holds the typed payload
/// §2.6.6.6.4 requires for doc_rewrite and doc_summarize, `job_outputs` the typed results a
/// profile defines (§2.5.10.3.1), both stored as JSON next to job_kind.
const PROFILE_EXTENSION_FIELDS: [(&str, bool); 2] = [("job_inputs", false), ("job_outputs", false)];

/// §2.6.6.2.1–§2.6.6.2.7: every core field of an AI job and whether the spec marks it required.
const AI_JOB_FIELDS: [(&str, bool); 36] = [
    ("job_id", true),
    ("job_kind", true),
    ("protocol_id", true),
    ("task_schema_version", true),
    ("parent_job_id", false),
    ("profile_id", true),
    ("capability_profile_id", true),
    ("access_mode", true),
    ("safety_mode", true),
    ("consent_profile_id", false),
    ("topic_scope", false),
    ("workspace_scope", true),
    ("entity_refs", true),
    ("context_snapshot", false),
    ("layer_scope", false),
    ("planned_operations", true),
    ("execution_mode", true),
    ("validation_plan", false),
    ("provenance_plan", false),
    ("runtime_id", true),
    ("planner_model_id", false),
    ("executor_model_id", false),
    ("fallback_model_id", false),
    ("runtime_config", false),
    ("state", true),
    ("status_reason", true),
    ("capability_check_result", false),
    ("validation_result", false),
    ("error_summary", false),
    ("warnings", false),
    ("created_at", true),
    ("updated_at", true),
    ("completed_at", false),
    ("metrics", true),
    ("flight_recorder_span_id", true),
    ("aux_trace_ids", false),
];

/// Fields stored as a child table instead of a column: (field, table).
const CHILD_TABLES: [(&str, &str); 1] = [("entity_refs", "ai_job_entity_refs")];

fn schema() -> Schema {
    let spec = handshake_spec::load(&repo_root())
        .unwrap_or_else(|e| panic!("the spec does not load:\n{e}"));
    sql::schema(&spec).expect("the spec's tables lay out")
}

fn migrations_dir(dialect: Dialect) -> std::path::PathBuf {
    repo_root().join("migrations").join(dialect.folder())
}

#[tokio::test(flavor = "current_thread")]
async fn sqlite_holds_the_ai_job_model() {
    let mut db = Db::sqlite().await;
    db.migrate(&migrations_dir(Dialect::Sqlite))
        .await
        .expect("migrations apply");
    check_schema(&mut db).await;
}

#[tokio::test(flavor = "current_thread")]
async fn postgres_holds_the_ai_job_model() {
    let Some(database) = pg::test_database("postgres_holds_the_ai_job_model").await else {
        return;
    };
    let mut db = Db::Postgres(database.connect().await);
    db.migrate(&migrations_dir(Dialect::Postgres))
        .await
        .expect("migrations apply");
    check_schema(&mut db).await;
}

async fn check_schema(db: &mut Db) {
    let dialect = db.dialect();
    let schema = schema();
    let table = |name: &str| {
        schema
            .table(name)
            .unwrap_or_else(|| panic!("the spec has no table {name}"))
            .clone()
    };

    // All 36 fields: a column with the spec's NOT NULL-ness, or a child table.
    let columns = db.columns("ai_jobs").await;
    for (field, required) in AI_JOB_FIELDS {
        if let Some((_, child)) = CHILD_TABLES.iter().find(|(f, _)| *f == field) {
            let child_columns = db.columns(child).await;
            assert!(
                child_columns.contains(&("job_id".to_string(), true))
                    && child_columns.contains(&("position".to_string(), true)),
                "{dialect:?}: {child} keys its rows by (job_id, position): {child_columns:?}"
            );
            assert!(
                !columns.iter().any(|(c, _)| c == field),
                "{field} is a child table, not also a column"
            );
            continue;
        }
        let found = columns.iter().find(|(c, _)| c == field);
        assert_eq!(
            found,
            Some(&(field.to_string(), required)),
            "{dialect:?}: ai_jobs.{field} (NOT NULL = required)"
        );
    }
    // The one documented extension (§2.6.6.6.1): the profile's typed inputs as a nullable JSON
    // column next to the job_kind column.
    for (field, required) in PROFILE_EXTENSION_FIELDS {
        assert!(
            columns.contains(&(field.to_string(), required)),
            "{dialect:?}: ai_jobs.{field} is the nullable profile extension column: {columns:?}"
        );
    }
    assert_eq!(
        columns.len(),
        AI_JOB_FIELDS.len() - CHILD_TABLES.len() + PROFILE_EXTENSION_FIELDS.len(),
        "{dialect:?}: no columns beyond §2.6.6.2 and the profile extension: {columns:?}"
    );
    let entity_ref_columns = db.columns("ai_job_entity_refs").await;
    for (column, not_null) in [
        ("artefact_type", true),
        ("artefact_id", true),
        ("selector", false),
    ] {
        assert!(
            entity_ref_columns.contains(&(column.to_string(), not_null)),
            "{dialect:?}: EntityRef.{column}: {entity_ref_columns:?}"
        );
    }

    // Indexes for the real queries.
    for (on, name, unique, index_columns) in [
        (
            "ai_jobs",
            "ai_jobs_state_created_at",
            false,
            &["state", "created_at"][..],
        ),
        ("ai_jobs", "ai_jobs_job_kind", false, &["job_kind"][..]),
        (
            "ai_jobs",
            "ai_jobs_parent_job_id",
            false,
            &["parent_job_id"][..],
        ),
        (
            "ai_job_entity_refs",
            "ai_job_entity_refs_entity",
            false,
            &["artefact_type", "artefact_id"][..],
        ),
        (
            "ai_job_workflow_runs",
            "ai_job_workflow_runs_job_attempt",
            true,
            &["job_id", "attempt"][..],
        ),
    ] {
        let expected = (
            unique,
            index_columns
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            db.index(on, name).await,
            Some(expected),
            "{dialect:?}: index {name} on {on}"
        );
    }

    // Enum CHECKs: a valid job goes in, the same job with an unknown state does not.
    let jobs = table("ai_jobs");
    let job_id = new_id();
    let bad = insert_sql(
        dialect,
        &jobs,
        &[("job_id", new_id()), ("state", "'exploded'".into())],
    );
    let error = db
        .execute(&bad)
        .await
        .expect_err("an unknown state is refused");
    assert!(
        error.contains("ai_jobs_state_check"),
        "{dialect:?}: names the CHECK: {error}"
    );
    let bad = insert_sql(
        dialect,
        &jobs,
        &[("job_id", new_id()), ("access_mode", "'root'".into())],
    );
    assert!(
        db.execute(&bad).await.is_err(),
        "{dialect:?}: an unknown access_mode is refused"
    );
    db.execute(&insert_sql(dialect, &jobs, &[("job_id", job_id.clone())]))
        .await
        .expect("a valid job");
    let child = insert_sql(
        dialect,
        &jobs,
        &[("job_id", new_id()), ("parent_job_id", job_id.clone())],
    );
    db.execute(&child)
        .await
        .expect("a sub-job of an existing job");
    let orphan = insert_sql(
        dialect,
        &jobs,
        &[("job_id", new_id()), ("parent_job_id", new_id())],
    );
    assert!(
        db.execute(&orphan).await.is_err(),
        "{dialect:?}: parent_job_id must reference a job"
    );

    // Entity refs belong to their job: FK with ON DELETE CASCADE.
    let refs = table("ai_job_entity_refs");
    let scratch_job = new_id();
    db.execute(&insert_sql(
        dialect,
        &jobs,
        &[("job_id", scratch_job.clone())],
    ))
    .await
    .expect("job");
    for position in 0..2 {
        let row = insert_sql(
            dialect,
            &refs,
            &[
                ("job_id", scratch_job.clone()),
                ("position", position.to_string()),
            ],
        );
        db.execute(&row).await.expect("entity ref");
    }
    let row = insert_sql(
        dialect,
        &refs,
        &[("job_id", new_id()), ("position", "0".into())],
    );
    assert!(
        db.execute(&row).await.is_err(),
        "{dialect:?}: an entity ref needs its job"
    );
    assert_eq!(db.count("ai_job_entity_refs").await, 2);
    db.execute(&format!("DELETE FROM ai_jobs WHERE job_id = {scratch_job}"))
        .await
        .expect("delete job");
    assert_eq!(
        db.count("ai_job_entity_refs").await,
        0,
        "{dialect:?}: entity refs cascade with their job"
    );

    // Workflow runs: FK to the job, one row per (job, attempt).
    let runs = table("ai_job_workflow_runs");
    let run = |attempt: &str, job: &str| {
        insert_sql(
            dialect,
            &runs,
            &[
                ("workflow_run_id", new_id()),
                ("job_id", job.to_string()),
                ("attempt", attempt.to_string()),
            ],
        )
    };
    db.execute(&run("1", &job_id)).await.expect("first attempt");
    let error = db
        .execute(&run("1", &job_id))
        .await
        .expect_err("a second attempt 1 is refused");
    assert!(
        error.to_lowercase().contains("unique"),
        "{dialect:?}: {error}"
    );
    db.execute(&run("2", &job_id)).await.expect("the retry");
    assert!(
        db.execute(&run("1", &new_id())).await.is_err(),
        "{dialect:?}: a run needs its job"
    );

    // State history is append-only.
    let outbox = table("flight_recorder_outbox");
    let history = table("ai_job_state_history");
    let event_id = new_id();
    db.execute(&insert_sql(
        dialect,
        &outbox,
        &[("event_id", event_id.clone())],
    ))
    .await
    .expect("event");
    let row = insert_sql(
        dialect,
        &history,
        &[
            ("job_id", job_id.clone()),
            ("sequence", "1".into()),
            ("event_id", event_id),
        ],
    );
    db.execute(&row).await.expect("history row");
    for statement in [
        "UPDATE ai_job_state_history SET reason_detail = 'rewritten'".to_string(),
        "DELETE FROM ai_job_state_history".to_string(),
        "UPDATE flight_recorder_outbox SET type = 'x'".to_string(),
        "DELETE FROM flight_recorder_outbox".to_string(),
    ] {
        let error = db.execute(&statement).await.expect_err("append-only");
        assert!(
            error.contains("append-only"),
            "{dialect:?}: {statement}: {error}"
        );
    }
    if dialect == Dialect::Postgres {
        let error = db
            .execute("TRUNCATE ai_job_state_history")
            .await
            .expect_err("truncate refused");
        assert!(error.contains("append-only"), "{error}");
    }
    assert_eq!(db.count("ai_job_state_history").await, 1);
}
