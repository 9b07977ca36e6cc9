//! The committed migrations, applied by sqlx to a real SQLite and Postgres, hold the AI Job Model.
//!
//! The expectations are written from the Master Spec (§2.6.6.2's 36 fields and their ✓ column),
//! not from the generator, so a generator or spec mistake shows up as a failure here. Postgres
//! needs `HANDSHAKE_TEST_POSTGRES_URL` (see `handshake_conformance::pg`).

mod sql_support;

use handshake_codegen::sql::{self, Dialect, Schema};
use handshake_conformance::ai_job_fields::{CORE_FIELDS, PROFILE_EXTENSION_FIELDS};
use handshake_conformance::repo_root;
use sql_support::{Db, new_id};

/// Fields stored as a child table instead of a column: (field, table).
const CHILD_TABLES: [(&str, &str); 1] = [("entity_refs", "ai_job_entity_refs")];

fn schema() -> Schema {
    let spec = handshake_spec::load(&repo_root())
        .unwrap_or_else(|e| panic!("the spec does not load:\n{e}"));
    sql::schema(&spec)
}

test_each_dialect!(
    sqlite_holds_the_ai_job_model,
    postgres_holds_the_ai_job_model,
    Db::open_migrated => check_schema
);

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
    for (field, required) in CORE_FIELDS {
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
        CORE_FIELDS.len() - CHILD_TABLES.len() + PROFILE_EXTENSION_FIELDS.len(),
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
    let error = db
        .insert(
            &jobs,
            &[("job_id", new_id()), ("state", "'exploded'".into())],
        )
        .await
        .expect_err("an unknown state is refused");
    assert!(
        error.contains("ai_jobs_state_check"),
        "{dialect:?}: names the CHECK: {error}"
    );
    let bad = [("job_id", new_id()), ("access_mode", "'root'".into())];
    assert!(
        db.insert(&jobs, &bad).await.is_err(),
        "{dialect:?}: an unknown access_mode is refused"
    );
    db.insert(&jobs, &[("job_id", job_id.clone())])
        .await
        .expect("a valid job");
    let child = [("job_id", new_id()), ("parent_job_id", job_id.clone())];
    db.insert(&jobs, &child)
        .await
        .expect("a sub-job of an existing job");
    let orphan = [("job_id", new_id()), ("parent_job_id", new_id())];
    assert!(
        db.insert(&jobs, &orphan).await.is_err(),
        "{dialect:?}: parent_job_id must reference a job"
    );

    // Entity refs belong to their job: FK with ON DELETE CASCADE.
    let refs = table("ai_job_entity_refs");
    let scratch_job = new_id();
    db.insert(&jobs, &[("job_id", scratch_job.clone())])
        .await
        .expect("job");
    for position in 0..2 {
        let row = [
            ("job_id", scratch_job.clone()),
            ("position", position.to_string()),
        ];
        db.insert(&refs, &row).await.expect("entity ref");
    }
    let row = [("job_id", new_id()), ("position", "0".into())];
    assert!(
        db.insert(&refs, &row).await.is_err(),
        "{dialect:?}: an entity ref needs its job"
    );
    db.assert_count("ai_job_entity_refs", 2, "both refs stored")
        .await;
    db.execute(&format!("DELETE FROM ai_jobs WHERE job_id = {scratch_job}"))
        .await
        .expect("delete job");
    let cascaded = format!("{dialect:?}: entity refs cascade with their job");
    db.assert_count("ai_job_entity_refs", 0, &cascaded).await;

    // Workflow runs: FK to the job, one row per (job, attempt).
    let runs = table("ai_job_workflow_runs");
    let run = |attempt: &str, job: &str| {
        [
            ("workflow_run_id", new_id()),
            ("job_id", job.to_string()),
            ("attempt", attempt.to_string()),
        ]
    };
    db.insert(&runs, &run("1", &job_id))
        .await
        .expect("first attempt");
    let error = db
        .insert(&runs, &run("1", &job_id))
        .await
        .expect_err("a second attempt 1 is refused");
    assert!(
        error.to_lowercase().contains("unique"),
        "{dialect:?}: {error}"
    );
    db.insert(&runs, &run("2", &job_id))
        .await
        .expect("the retry");
    assert!(
        db.insert(&runs, &run("1", &new_id())).await.is_err(),
        "{dialect:?}: a run needs its job"
    );

    // State history is append-only.
    let outbox = table("flight_recorder_outbox");
    let history = table("ai_job_state_history");
    let event_id = new_id();
    db.insert(&outbox, &[("event_id", event_id.clone())])
        .await
        .expect("event");
    let row = [
        ("job_id", job_id.clone()),
        ("sequence", "1".into()),
        ("event_id", event_id),
    ];
    db.insert(&history, &row).await.expect("history row");
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
