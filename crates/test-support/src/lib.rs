//! Fixtures shared by the tests, the example and the bench of `handshake-job-store` and by the
//! tests of `handshake-cli`, so that each of them builds the same valid job and the same scratch
//! database the same way.
//!
//! - [`doc_rewrite_json`]: a `doc_rewrite` job that satisfies every rule of the spec, as JSON, for
//!   callers to edit before they parse it (or write it to a file for the CLI).
//! - [`validation`] and [`validation_json`]: validation results.
//! - [`ScratchDatabase`]: a fresh PostgreSQL database per test on the server
//!   `HANDSHAKE_TEST_POSTGRES_URL` names; without it the Postgres half of a test is skipped
//!   loudly, and with `CI` set it fails ([`postgres_url`]).

use handshake_job_model::{AiJob, ValidationResult};
use serde_json::{Value, json};
use sqlx::Connection as _;
use uuid::Uuid;

/// A valid `doc_rewrite` job over the whole document `doc_id` (its one entity ref), apply_scoped,
/// with fresh ids and the current time: the store and the CLI refuse a job that breaks a rule of
/// the spec, so every fixture starts from this one.
pub fn doc_rewrite_json(doc_id: Uuid) -> Value {
    let now = handshake_job_model::Timestamp::now().to_string();
    json!({
        "job_id": Uuid::now_v7(),
        "job_kind": "doc_rewrite",
        "protocol_id": "docs_sheets_ai_v0.5",
        "task_schema_version": "1.0.0",
        "profile_id": "docs_sheets_ai_v0.5",
        "capability_profile_id": "docs_editor_default",
        "access_mode": "apply_scoped",
        "safety_mode": "normal",
        "workspace_scope": { "workspace_id": Uuid::now_v7() },
        "entity_refs": [{ "artefact_type": "doc", "artefact_id": doc_id }],
        // A doc_rewrite job carries the DocsAiJobProfile of the document it rewrites.
        "job_inputs": { "profile": "docs_sheets", "doc_id": doc_id, "layer_scope": "document" },
        "planned_operations": [],
        "execution_mode": "single_step",
        "runtime_id": "local.ollama",
        "planner_model_id": "llama3.1:8b-instruct",
        "executor_model_id": "llama3.1:8b-instruct",
        "state": "queued",
        "status_reason": { "code": "job.created" },
        "created_at": now,
        "updated_at": now,
        "metrics": {
            "duration_ms": 0, "tokens_planner": 0, "tokens_executor": 0,
            "entities_read_count": 0, "entities_written_count": 0, "validators_run_count": 0
        },
        "flight_recorder_span_id": "4bf92f3577b34da6a3ce929d0e0e4736"
    })
}

/// [`doc_rewrite_json`] of a fresh document, as the generated type.
pub fn doc_rewrite_job() -> AiJob {
    serde_json::from_value(doc_rewrite_json(Uuid::now_v7())).expect("the fixture is a valid AiJob")
}

/// A validation result with the overall `verdict` and one outcome per
/// `(validator_id, verdict)` of `outcomes`, all in the `awaiting_validation` phase.
pub fn validation_json(verdict: &str, outcomes: &[(&str, &str)]) -> Value {
    let validators: Vec<Value> = outcomes
        .iter()
        .map(|(id, v)| json!({ "validator_id": id, "phase": "awaiting_validation", "verdict": v }))
        .collect();
    json!({ "verdict": verdict, "validators": validators })
}

/// A validation result whose one validator (`scope`) gives `verdict`.
pub fn validation(verdict: &str) -> ValidationResult {
    serde_json::from_value(validation_json(verdict, &[("scope", verdict)]))
        .expect("a valid ValidationResult")
}

/// The Postgres server URL, or `None` (after a loud line) when unset outside CI; unset in CI
/// fails: the Postgres tests must run there.
pub fn postgres_url() -> Option<String> {
    match std::env::var("HANDSHAKE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("HANDSHAKE_TEST_POSTGRES_URL is unset in CI: the Postgres tests must run");
            }
            eprintln!(
                "!!!! skipped: HANDSHAKE_TEST_POSTGRES_URL unset (Postgres half of this test not run) !!!!"
            );
            None
        }
    }
}

/// A fresh database on the Postgres test server, for one test. Drop it with
/// [`ScratchDatabase::drop_database`] when the test is done with it.
#[derive(Debug)]
pub struct ScratchDatabase {
    /// The database's URL (the server's URL with its database name replaced).
    pub url: String,
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates a database named `{prefix}_{uuid}`; `None` without a server (see [`postgres_url`]).
    pub async fn create(prefix: &str) -> Option<ScratchDatabase> {
        let admin_url = postgres_url()?;
        let name = format!("{prefix}_{}", Uuid::now_v7().simple());
        admin_execute(&admin_url, format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        // postgres://user@host:port/db?params → same server, database `name`.
        let (path, query) = admin_url
            .split_once('?')
            .map_or((admin_url.as_str(), String::new()), |(p, q)| {
                (p, format!("?{q}"))
            });
        let base = path.rsplit_once('/').map_or(path, |(base, _)| base);
        Some(ScratchDatabase {
            url: format!("{base}/{name}{query}"),
            admin_url,
            name,
        })
    }

    /// Drops the database, closing whatever connections are still open to it. Best effort: a
    /// test that is done must not fail because the server went away.
    pub async fn drop_database(&self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = admin_execute(&self.admin_url, statement).await;
    }
}

/// Runs one statement on the server's own database.
async fn admin_execute(admin_url: &str, statement: String) -> Result<(), sqlx::Error> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(statement))
        .execute(&mut admin)
        .await?;
    admin.close().await.ok();
    Ok(())
}
