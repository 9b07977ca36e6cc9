//! Helpers of the `handshake jobs` tests: running the binary, a store under test (an SQLite
//! file or a fresh PostgreSQL database) and valid records.

use std::path::Path;
use std::process::Output;

use crate::common::{code, handshake_at, stderr, stdout};

use handshake_test_support::{ScratchDatabase, doc_rewrite_json, validation_json};
use serde_json::{Value, json};
use uuid::Uuid;

// ----- running the binary -----------------------------------------------------------------------

/// Runs `handshake` with `arguments` in `dir`, stdin empty.
pub fn handshake_in(dir: &Path, arguments: &[&str]) -> Output {
    handshake_at(dir, arguments, None)
}

/// The one JSON object `--json` prints, on one line.
pub fn one_object(output: &Output) -> Value {
    let text = stdout(output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "--json prints one line; stdout: {text}\nstderr: {}",
        stderr(output)
    );
    let value: Value = serde_json::from_str(lines[0]).expect("--json prints JSON");
    assert!(value.is_object(), "one JSON object: {value}");
    value
}

pub fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// One store under test: a database URL and a folder for the record files.
pub struct Store {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Store {
    pub fn run(&self, arguments: &[&str]) -> Output {
        let mut all: Vec<&str> = arguments.to_vec();
        all.extend(["--db", &self.url]);
        handshake_in(self.dir.path(), &all)
    }

    /// Runs with `--json`, expects exit 0, returns the object.
    pub fn ok(&self, arguments: &[&str]) -> Value {
        self.json_with_exit(arguments, 0)
    }

    /// Runs with `--json`, expects exit `exit`, returns the one object printed.
    fn json_with_exit(&self, arguments: &[&str], exit: i32) -> Value {
        let mut all = arguments.to_vec();
        all.push("--json");
        let output = self.run(&all);
        assert_eq!(
            code(&output),
            exit,
            "{arguments:?}: stdout {}\nstderr {}",
            stdout(&output),
            stderr(&output)
        );
        one_object(&output)
    }

    /// Runs with `--json`, expects a refusal (exit 1) with `code` that names the job's state
    /// after the call, `state_after` (`null` when the job does not exist); returns the object.
    pub fn refused(&self, arguments: &[&str], expected_code: &str, state_after: Value) -> Value {
        let refusal = self.json_with_exit(arguments, 1);
        assert_eq!(refusal["refused"], json!(true), "{refusal}");
        assert_eq!(refusal["code"], json!(expected_code), "{refusal}");
        assert!(
            refusal["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{refusal}"
        );
        assert_eq!(
            refusal.get("state"),
            Some(&state_after),
            "the state after the call is always present: {refusal}"
        );
        refusal
    }

    /// [`Store::refused`] for `jobs VERB JOB_ID --expected-version VERSION` (`cancel`, `retry`),
    /// the job left in `state_after`.
    pub fn refused_at(
        &self,
        verb: &str,
        job_id: &str,
        version: u64,
        expected_code: &str,
        state_after: &str,
    ) -> Value {
        let version = version.to_string();
        let arguments = ["jobs", verb, job_id, "--expected-version", &version];
        self.refused(&arguments, expected_code, json!(state_after))
    }

    /// Writes `value` as `name` in the store's folder; returns the name.
    pub fn file(&self, name: &str, value: &Value) -> String {
        std::fs::write(
            self.dir.path().join(name),
            serde_json::to_string_pretty(value).expect("serialisable"),
        )
        .expect("write record file");
        name.to_owned()
    }

    /// Creates `job`; returns its id.
    pub fn create(&self, job: &Value) -> String {
        let name = format!("job-{}.json", Uuid::now_v7().simple());
        let file = self.file(&name, job);
        let created = self.ok(&["jobs", "create", &file]);
        assert_eq!(created["state"], json!("queued"), "{created}");
        created["job_id"].as_str().expect("job_id").to_owned()
    }

    /// Moves `job_id` from `version` to `to` with extra arguments; returns the new version.
    pub fn step(&self, job_id: &str, version: u64, to: &str, extra: &[&str]) -> u64 {
        let version = version.to_string();
        let arguments = transition(job_id, to, &version, extra);
        let done = self.ok(&arguments);
        assert_eq!(done["state"], json!(to), "{done}");
        done["version"].as_u64().expect("version")
    }
}

/// The string `field` of each element of the array `rows` (e.g. the `to_state` of each history
/// row), in order.
pub fn strings_at<'a>(rows: &'a Value, field: &str) -> Vec<&'a str> {
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|row| row[field].as_str().expect("a string field"))
        .collect()
}

/// The arguments of `jobs transition JOB_ID --to TO --expected-version VERSION`, then `extra`.
pub fn transition<'a>(
    job_id: &'a str,
    to: &'a str,
    version: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut arguments = vec![
        "jobs",
        "transition",
        job_id,
        "--to",
        to,
        "--expected-version",
        version,
    ];
    arguments.extend(extra);
    arguments
}

pub fn sqlite_store() -> Store {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("jobs.db").display());
    Store { url, dir }
}

// ----- PostgreSQL: a fresh database per test ----------------------------------------------------

pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

/// A fresh database on the test server (see `handshake_test_support::postgres_url`: unset, the
/// Postgres half is skipped loudly, and in CI it fails), dropped when this is dropped.
pub struct PgDb {
    database: ScratchDatabase,
    pub store: Store,
}

impl PgDb {
    pub fn create() -> Option<PgDb> {
        let database = block_on(ScratchDatabase::create("hs_cli"))?;
        Some(PgDb {
            store: Store {
                url: database.url.clone(),
                dir: tempfile::tempdir().expect("temp dir"),
            },
            database,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        block_on(self.database.drop_database());
    }
}

/// Runs `test` on a new SQLite file, then on a fresh Postgres database.
pub fn on_each_backend(test: impl Fn(&Store)) {
    test(&sqlite_store());
    if let Some(database) = PgDb::create() {
        test(&database.store);
    }
}

// ----- records ----------------------------------------------------------------------------------

/// A valid `doc_rewrite` job (the shared fixture: apply_scoped, one document, the docs_sheets
/// inputs §2.6.6.6.4 requires) with fresh ids, its document inside its workspace scope, under
/// the capability profile the `--policy` files of these tests name.
pub fn job_json() -> Value {
    let doc = Uuid::now_v7();
    let mut job = doc_rewrite_json(doc);
    job["capability_profile_id"] = json!("docs_editor");
    job["workspace_scope"]["document_ids"] = json!([doc]);
    job
}

pub fn doc_of(job: &Value) -> Value {
    job["entity_refs"][0].clone()
}

pub fn passing_validation() -> Value {
    validation_json("passed", &[("scope", "passed")])
}

pub fn error_summary(retryable: bool) -> Value {
    json!({ "code": "EXECUTOR-TIMEOUT", "message": "the executor timed out", "retryable": retryable })
}

/// Creates `job` and walks it to `awaiting_validation`; returns (id, version).
pub fn to_awaiting_validation(store: &Store, job: &Value) -> (String, u64) {
    let id = store.create(job);
    let version = store.step(&id, 1, "running", &["--actor", "system"]);
    let version = store.step(&id, version, "awaiting_validation", &["--actor", "agent"]);
    (id, version)
}
