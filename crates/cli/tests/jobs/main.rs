//! Runs `handshake jobs` on SQLite files and on fresh PostgreSQL databases: every subcommand,
//! the `--json` shapes, each kind of refusal with its code and the job's state after the call,
//! exit codes 1 and 2, the README's walk-through, and a closed output pipe.
//!
//! PostgreSQL: `HANDSHAKE_TEST_POSTGRES_URL` names the server (a fresh database is created per
//! test and dropped after); unset, the Postgres half is skipped with a loud line, except in CI
//! (`CI` set), where that fails.

#[path = "../common/mod.rs"]
mod common;
mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use uuid::Uuid;

use common::*;
use support::*;

// ----- tests ------------------------------------------------------------------------------------

#[test]
fn init_creates_and_migrates_a_new_sqlite_file() {
    let store = sqlite_store();
    let file = store.dir.path().join("jobs.db");
    assert!(!file.exists());
    let initialized = store.ok(&["jobs", "init"]);
    assert_eq!(
        initialized,
        json!({ "initialized": true, "dialect": "sqlite" })
    );
    assert!(file.exists(), "init creates the SQLite file");
    // Migrated: the new file holds the store's tables, so a read works and finds no job.
    assert_eq!(store.ok(&["jobs", "list"]), json!({ "jobs": [] }));
    // Any subcommand creates and migrates a new file, not only init.
    let other = sqlite_store();
    assert_eq!(other.ok(&["jobs", "recover"]), json!({ "jobs": [] }));
    assert!(other.dir.path().join("jobs.db").exists());
}

#[test]
fn a_valid_job_goes_from_create_to_completed_with_its_change_set() {
    on_each_backend(|store| {
        assert_eq!(store.ok(&["jobs", "init"])["initialized"], json!(true));
        let job = job_json();
        let file = store.file("job.json", &job);
        let created = store.ok(&["jobs", "create", &file]);
        assert_eq!(keys(&created), ["job_id", "state", "version"]);
        assert_eq!(created["job_id"], job["job_id"]);
        assert_eq!(created["version"], json!(1));
        assert_eq!(created["state"], json!("queued"));
        let id = created["job_id"].as_str().expect("id").to_owned();

        let got = store.ok(&["jobs", "get", &id]);
        assert_eq!(keys(&got), ["job", "version"]);
        assert_eq!(got["version"], json!(1));
        assert_eq!(got["job"]["job_id"], job["job_id"]);
        assert_eq!(got["job"]["state"], json!("queued"));

        let running = store.ok(&transition(
            &id,
            "running",
            "1",
            &["--reason", "worker.claimed", "--actor", "system"],
        ));
        for key in ["job_id", "version", "state", "from"] {
            assert!(running.get(key).is_some(), "{key} in {running}");
        }
        assert_eq!(running["from"], json!("queued"));
        assert_eq!(running["version"], json!(2));
        let version = store.step(&id, 2, "awaiting_validation", &["--actor", "agent"]);

        let changes = store.file(
            "changes.json",
            &json!([{ "entity": doc_of(&job), "layer": "derived" }]),
        );
        let validation = store.file("validation.json", &passing_validation());
        let version = store.step(
            &id,
            version,
            "completed",
            &[
                "--reason",
                "validation.passed",
                "--changes",
                &changes,
                "--validation",
                &validation,
            ],
        );
        assert_eq!(version, 4);

        let got = store.ok(&["jobs", "get", &id]);
        assert_eq!(got["version"], json!(4));
        assert_eq!(got["job"]["state"], json!("completed"));
        assert_eq!(got["job"]["validation_result"]["verdict"], json!("passed"));
        assert!(got["job"]["completed_at"].is_string());

        let history = store.ok(&["jobs", "history", &id]);
        assert_eq!(keys(&history), ["history", "job_id"]);
        let states = strings_at(&history["history"], "to_state");
        assert_eq!(
            states,
            ["queued", "running", "awaiting_validation", "completed"]
        );
        assert_eq!(history["history"][1]["reason"], json!("worker.claimed"));
        assert_eq!(history["history"][1]["actor"], json!("system"));
        assert_eq!(
            history["history"][2]["reason"],
            json!("operator.awaiting_validation")
        );

        let events = store.ok(&["jobs", "events", &id]);
        assert_eq!(keys(&events), ["events", "job_id"]);
        let types = strings_at(&events["events"], "type");
        assert!(types.contains(&"ai_job.created"), "{types:?}");
        assert!(types.contains(&"ai_job.changes_committed"), "{types:?}");

        // list: every filter, and the same {job, version} elements as get.
        let listed = store.ok(&["jobs", "list"]);
        assert_eq!(listed["jobs"].as_array().map(Vec::len), Some(1));
        assert_eq!(listed["jobs"][0], got);
        let completed = store.ok(&[
            "jobs",
            "list",
            "--state",
            "completed",
            "--kind",
            "doc_rewrite",
        ]);
        assert_eq!(completed["jobs"][0]["job"]["job_id"], job["job_id"]);
        assert_eq!(
            store.ok(&["jobs", "list", "--state", "queued"]),
            json!({ "jobs": [] })
        );
        assert_eq!(
            store.ok(&["jobs", "list", "--kind", "doc_summarize"]),
            json!({ "jobs": [] })
        );

        // A completed job is not recoverable.
        assert_eq!(store.ok(&["jobs", "recover"]), json!({ "jobs": [] }));
    });
}

#[test]
fn relay_prints_each_event_once_as_json_lines_and_acknowledges_them() {
    on_each_backend(|store| {
        let job = job_json();
        let (id, _) = to_awaiting_validation(store, &job);
        let events = store.ok(&["jobs", "events", &id])["events"].clone();
        let expected: Vec<&Value> = events.as_array().expect("events").iter().collect();
        assert!(expected.len() >= 3, "{events}");

        // Batches of 2: every event, in the job's order, as one JSON line each.
        let relayed = store.run(&["jobs", "relay", "--batch", "2"]);
        assert_eq!(code(&relayed), 0, "{}", stderr(&relayed));
        let lines: Vec<Value> = stdout(&relayed)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line per event"))
            .collect();
        let ids = |values: &[&Value]| -> Vec<Value> {
            values
                .iter()
                .map(|event| event["event_id"].clone())
                .collect()
        };
        assert_eq!(ids(&lines.iter().collect::<Vec<_>>()), ids(&expected));
        assert!(
            lines
                .iter()
                .any(|event| event["type"] == json!("ai_job.created")),
            "{lines:?}"
        );

        // Acknowledged: a second relay has nothing to print, --json or not.
        let again = store.run(&["jobs", "relay", "--json"]);
        assert_eq!(code(&again), 0, "{}", stderr(&again));
        assert_eq!(stdout(&again), "");

        // A new event is relayed on its own.
        store.ok(&["jobs", "cancel", &id, "--expected-version", "3"]);
        let next = stdout(&store.run(&["jobs", "relay"]));
        assert!(next.lines().count() >= 1, "{next}");
        assert!(next.contains("\"ai_job.state_changed\""), "{next}");
    });
}

#[test]
fn refusals_print_the_code_and_the_state_after_the_call() {
    on_each_backend(|store| {
        let job = job_json();
        let id = store.create(&job);

        // The lifecycle table (§2.6.6.3.1): nothing is written, the job stays queued.
        let refusal = store.refused(
            &transition(&id, "completed", "1", &[]),
            "HSK-JOB-2001",
            json!("queued"),
        );
        assert_eq!(refusal["version"], json!(1));
        assert_eq!(refusal["job_id"], json!(id));

        // Optimistic concurrency.
        store.refused(
            &transition(&id, "running", "7", &[]),
            "HSK-JOB-2004",
            json!("queued"),
        );

        // An unknown job: its state after the call is null.
        let unknown = Uuid::now_v7().to_string();
        for subcommand in ["get", "history", "events"] {
            store.refused(&["jobs", subcommand, &unknown], "HSK-JOB-2005", Value::Null);
        }

        // A rule the store checks on the record it would write: failed needs an error_summary
        // (HSK-RULE-0110); nothing is written.
        let version = store.step(&id, 1, "running", &[]);
        let refusal = store.refused(
            &transition(&id, "failed", &version.to_string(), &[]),
            "HSK-RULE-0110",
            json!("running"),
        );
        assert_eq!(refusal["version"], json!(version));
        assert_eq!(refusal["violations"][0]["code"], json!("HSK-RULE-0110"));

        // Not retryable (§2.6.6.4): failed with retryable false, then retry.
        let error = store.file("error.json", &error_summary(false));
        let version = store.step(&id, version, "failed", &["--error", &error]);
        store.refused_at("retry", &id, version, "HSK-JOB-2006", "failed");

        // Poisoned jobs are never retried; terminal jobs never change.
        let version = store.step(&id, version, "poisoned", &["--error", &error]);
        store.refused_at("retry", &id, version, "HSK-JOB-2003", "poisoned");
        store.refused_at("cancel", &id, version, "HSK-JOB-2002", "poisoned");

        // A change set belongs to the completion (§2.6.6.3.3), not to any other transition.
        let fresh = store.create(&job_json());
        let changes = store.file(
            "early.json",
            &json!([{ "entity": doc_of(&job), "layer": "derived" }]),
        );
        store.refused(
            &transition(&fresh, "running", "1", &["--changes", &changes]),
            "HSK-JOB-3007",
            json!("queued"),
        );

        // runtime_config.max_attempts bounds the attempts (§2.6.6.4): one attempt, then no retry.
        let mut once = job_json();
        once["runtime_config"] = json!({ "max_attempts": 1 });
        let once = store.create(&once);
        let version = store.step(&once, 1, "running", &[]);
        let retryable = store.file("retryable.json", &error_summary(true));
        let version = store.step(&once, version, "failed", &["--error", &retryable]);
        store.refused_at("retry", &once, version, "HSK-JOB-2007", "failed");

        // A change outside entity_refs (§2.6.6.2.3): the completion is the commit, so the
        // refusal is recorded and the same transaction fails the job.
        let other = job_json();
        let (other_id, version) = to_awaiting_validation(store, &other);
        let outside = store.file(
            "outside.json",
            &json!([{ "entity": { "artefact_type": "doc", "artefact_id": Uuid::now_v7() }, "layer": "derived" }]),
        );
        let validation = store.file("validation.json", &passing_validation());
        let refusal = store.refused(
            &transition(
                &other_id,
                "completed",
                &version.to_string(),
                &["--changes", &outside, "--validation", &validation],
            ),
            "HSK-JOB-3003",
            json!("failed"),
        );
        assert_eq!(refusal["version"], json!(version + 1));
        let got = store.ok(&["jobs", "get", &other_id]);
        assert_eq!(got["job"]["state"], json!("failed"));
    });
}

#[test]
fn record_files_are_checked_before_the_store_is_asked() {
    let store = sqlite_store();
    // A cross-field rule of the spec: an analysis_only job plans no operation (HSK-RULE-0101).
    let mut job = job_json();
    job["access_mode"] = json!("analysis_only");
    job["planned_operations"] = json!([{
        "op": "move_block", "block_id": "blk-1", "after": "blk-2"
    }]);
    let file = store.file("analysis.json", &job);
    let refusal = store.refused(&["jobs", "create", &file], "HSK-RULE-0101", Value::Null);
    assert!(
        refusal["violations"]
            .as_array()
            .expect("violations")
            .iter()
            .any(|v| v["code"] == json!("HSK-RULE-0101")
                && v["path"] == json!("/planned_operations")),
        "{refusal}"
    );

    // Not JSON, and a member serde refuses: HSK-JOB-1001 at its pointer.
    std::fs::write(store.dir.path().join("broken.json"), "{ not json").expect("write");
    store.refused(
        &["jobs", "create", "broken.json"],
        "HSK-JOB-1001",
        Value::Null,
    );
    let id = store.create(&job_json());
    let bad_layer = store.file(
        "bad-layer.json",
        &json!([{ "entity": { "artefact_type": "doc", "artefact_id": Uuid::now_v7() }, "layer": "paint" }]),
    );
    let refusal = store.refused(
        &transition(&id, "running", "1", &["--changes", &bad_layer]),
        "HSK-JOB-1001",
        json!("queued"),
    );
    assert_eq!(refusal["violations"][0]["path"], json!("/0/layer"));
    assert_eq!(refusal["state"], json!("queued"), "the job is untouched");
    let bad_validation = store.file(
        "bad-validation.json",
        &json!({ "verdict": "maybe", "validators": [] }),
    );
    let refusal = store.refused(
        &transition(&id, "running", "1", &["--validation", &bad_validation]),
        "HSK-JOB-1001",
        json!("queued"),
    );
    assert_eq!(refusal["violations"][0]["path"], json!("/verdict"));
}

#[test]
fn capability_policy_is_the_jobs_own_profile_or_the_policy_file() {
    on_each_backend(|store| {
        // No policy file: a well-formed job of its profile passes every check (the walk-throughs).
        let (id, version) = to_awaiting_validation(store, &job_json());
        assert!(version > 1, "{id}");

        // A policy file that grants this capability profile nothing: refused at creation
        // (§2.6.6.5.2 before queued), recorded, and the job is stored as failed, never queued.
        let policy = store.file("policy.json", &json!({ "docs_editor": [] }));
        let job = job_json();
        let file = store.file("denied.json", &job);
        let refusal = store.refused(
            &["jobs", "create", &file, "--policy", &policy],
            "HSK-JOB-3005",
            json!("failed"),
        );
        assert_eq!(refusal["version"], json!(1));
        assert_eq!(refusal["job_id"], job["job_id"]);

        // The profile's own grants in a file pass.
        let policy = store.file(
            "grants.json",
            &json!({ "docs_editor": ["doc.read", "doc.write", "sheet.read", "sheet.write"] }),
        );
        let file = store.file("granted.json", &job_json());
        let created = store.ok(&["jobs", "create", &file, "--policy", &policy]);
        assert_eq!(created["state"], json!("queued"));
    });
}

#[test]
fn cancel_retry_and_recover() {
    on_each_backend(|store| {
        // cancel: queued → cancelled.
        let id = store.create(&job_json());
        let cancelled = store.ok(&["jobs", "cancel", &id, "--expected-version", "1"]);
        assert_eq!(cancelled["state"], json!("cancelled"));
        assert_eq!(cancelled["version"], json!(2));
        assert_eq!(cancelled["from"], json!("queued"));

        // retry: a retryable failure goes back to queued, same job id.
        let id = store.create(&job_json());
        let version = store.step(&id, 1, "running", &[]);
        let error = store.file("retryable.json", &error_summary(true));
        let version = store.step(&id, version, "failed", &["--error", &error]);
        let retried = store.ok(&[
            "jobs",
            "retry",
            &id,
            "--expected-version",
            &version.to_string(),
            "--reason",
            "operator.retry",
        ]);
        assert_eq!(retried["state"], json!("queued"));
        assert_eq!(retried["job_id"], json!(id));
        assert_eq!(retried["version"], json!(version + 1));

        // recover: the running job's open attempt is marked interrupted; both non-terminal
        // jobs are listed, the cancelled one is not.
        let running = store.create(&job_json());
        store.step(&running, 1, "running", &[]);
        let recovered = store.ok(&["jobs", "recover"]);
        let jobs = recovered["jobs"].as_array().expect("jobs");
        assert_eq!(jobs.len(), 2, "{recovered}");
        let entry = jobs
            .iter()
            .find(|job| job["job_id"] == json!(running))
            .expect("the running job is recoverable");
        assert_eq!(keys(entry), ["job_id", "last_run", "state", "version"]);
        assert_eq!(entry["state"], json!("running"));
        assert_eq!(entry["last_run"]["status"], json!("interrupted"));
        assert!(
            jobs.iter()
                .any(|job| job["job_id"] == json!(id) && job["state"] == json!("queued"))
        );
    });
}

#[test]
fn completed_with_issues_carries_warnings_and_awaiting_user_a_validators_request() {
    on_each_backend(|store| {
        let job = job_json();
        let (id, version) = to_awaiting_validation(store, &job);
        // The validators ask for a human decision (§2.6.6.3.2): awaiting_user carries it.
        let needs_user = store.file(
            "needs-user.json",
            &json!({
                "verdict": "needs_user",
                "validators": [{ "validator_id": "structural", "phase": "awaiting_validation", "verdict": "needs_user", "message": "large diff" }]
            }),
        );
        let version = store.step(
            &id,
            version,
            "awaiting_user",
            &["--validation", &needs_user],
        );
        // The user accepts with issues: the change set, a warned result and the warnings.
        let warned = store.file(
            "warned.json",
            &json!({
                "verdict": "warned",
                "validators": [{ "validator_id": "structural", "phase": "awaiting_validation", "verdict": "warned" }]
            }),
        );
        let warnings = store.file(
            "warnings.json",
            &json!([{ "code": "diff.large", "message": "the rewrite changes most of the document", "entity_ref": doc_of(&job) }]),
        );
        let changes = store.file(
            "changes.json",
            &json!([{ "entity": doc_of(&job), "layer": "derived" }]),
        );
        store.step(
            &id,
            version,
            "completed_with_issues",
            &[
                "--validation",
                &warned,
                "--warnings",
                &warnings,
                "--changes",
                &changes,
                "--reason",
                "user.accepted",
                "--actor",
                "human",
            ],
        );
        let got = store.ok(&["jobs", "get", &id]);
        assert_eq!(got["job"]["state"], json!("completed_with_issues"));
        assert_eq!(got["job"]["warnings"][0]["code"], json!("diff.large"));
    });
}

#[test]
fn create_reads_the_job_from_stdin() {
    let store = sqlite_store();
    let job = job_json();
    let output = handshake_at(
        store.dir.path(),
        &["jobs", "create", "-", "--json", "--db", &store.url],
        Some(&job.to_string()),
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        one_object(&output),
        json!({ "job_id": job["job_id"], "version": 1, "state": "queued" })
    );
}

#[test]
fn people_get_lines_and_refusals_on_stderr() {
    let store = sqlite_store();
    let id = store.create(&job_json());
    let output = store.run(&transition(&id, "running", "1", &[]));
    assert_eq!(code(&output), 0);
    assert_eq!(
        stdout(&output),
        format!("job {id}: queued -> running (version 2)\n")
    );
    let output = store.run(&["jobs", "history", &id]);
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("#1  - -> queued  "), "{lines:?}");
    assert!(
        lines[1].starts_with("#2  queued -> running  operator.running  human  "),
        "{lines:?}"
    );

    let listed = stdout(&store.run(&["jobs", "list"]));
    assert_eq!(listed, format!("{id}  running  version 2  doc_rewrite\n"));
    let events = stdout(&store.run(&["jobs", "events", &id]));
    assert!(
        events
            .lines()
            .any(|line| line.contains("  ai_job.created  human  ")),
        "{events}"
    );
    let recovered = stdout(&store.run(&["jobs", "recover"]));
    assert_eq!(
        recovered,
        format!("{id}  running  version 2  attempt 1 interrupted\n")
    );
    let got: Value = serde_json::from_str(&stdout(&store.run(&["jobs", "get", &id])))
        .expect("get prints the record as indented JSON for people");
    assert_eq!(got["version"], json!(2));

    let output = store.run(&["jobs", "cancel", &id, "--expected-version", "1"]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "", "a refusal for people goes to stderr");
    let text = stderr(&output);
    assert!(
        text.starts_with("handshake: refused: HSK-JOB-2004 "),
        "{text}"
    );
    assert!(
        text.contains(&format!("job {id} is running (version 2)")),
        "{text}"
    );
}

#[test]
fn usage_errors_and_unusable_inputs_exit_2() {
    let store = sqlite_store();
    let exit_2 = |arguments: &[&str], needle: &str| {
        let output = handshake_in(store.dir.path(), arguments);
        assert_eq!(code(&output), 2, "{arguments:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(needle),
            "{arguments:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "", "{arguments:?}");
    };
    let db = store.url.as_str();
    exit_2(&["jobs", "list"], "list needs --db URL");
    // A usage error of `jobs` shows the usage of `jobs`.
    exit_2(
        &["jobs"],
        "handshake jobs transition  --db URL ID --to STATE",
    );
    exit_2(
        &["jobs", "frob", "--db", db],
        "unknown jobs subcommand `frob`",
    );
    exit_2(&["jobs", "get", "42", "--db", db], "`42` is not a job id");
    exit_2(
        &["jobs", "list", "--db", db, "--state", "done"],
        "--state: unknown value `done`",
    );
    exit_2(
        &["jobs", "list", "--db", "mysql://x"],
        "expected sqlite:PATH or postgres://",
    );
    exit_2(
        &["jobs", "create", "missing.json", "--db", db],
        "cannot read missing.json",
    );
    exit_2(
        &[
            "jobs",
            "init",
            "--db",
            &format!("sqlite:{}/no/such/dir/jobs.db", store.dir.path().display()),
        ],
        "cannot open",
    );
    exit_2(
        &["jobs", "list", "--db", "postgres://nobody@127.0.0.1:1/none"],
        "cannot open",
    );
    std::fs::write(
        store.dir.path().join("policy.json"),
        r#"{"docs_editor": ["warp.drive"]}"#,
    )
    .expect("write");
    exit_2(
        &["jobs", "list", "--db", db, "--policy", "policy.json"],
        "HSK-4001",
    );
    std::fs::write(store.dir.path().join("list.json"), "[]").expect("write");
    exit_2(
        &["jobs", "list", "--db", db, "--policy", "list.json"],
        "--policy list.json",
    );
    // Even with --json a usage error prints nothing on stdout.
    exit_2(
        &["jobs", "get", "--json", "--db", db],
        "get takes exactly one job ID",
    );
    let help = handshake_in(store.dir.path(), &["jobs", "--help"]);
    assert_eq!(code(&help), 0);
    assert!(stdout(&help).contains("handshake jobs transition"));
}

// ----- a closed output pipe ---------------------------------------------------------------------

#[test]
fn a_closed_output_pipe_ends_jobs_quietly_and_the_relay_acknowledges_nothing() {
    // The relay acknowledges only what it wrote: with the reader gone, nothing is marked
    // delivered, and the next relay prints every event.
    let store = sqlite_store();
    let id = store.create(&job_json());
    let mut arguments = vec!["jobs", "relay", "--db", store.url.as_str()];
    let output = with_closed_stdout(store.dir.path(), &arguments);
    assert_eq!(stderr(&output), "");
    assert_eq!(code(&output), 0);
    arguments.push("--json");
    let relayed = handshake_in(store.dir.path(), &arguments);
    let events = store.ok(&["jobs", "events", &id])["events"].clone();
    assert_eq!(
        stdout(&relayed).lines().count(),
        events.as_array().map_or(0, Vec::len),
        "every event is still undelivered: {}",
        stdout(&relayed)
    );
    let output = with_closed_stdout(
        store.dir.path(),
        &["jobs", "list", "--db", store.url.as_str()],
    );
    assert_eq!((code(&output), stderr(&output)), (0, String::new()));
}

// ----- the README walk-through ------------------------------------------------------------------

/// The README's `handshake jobs` walk-through: the ```sh block after the marker comment, and
/// the ```text block of what it prints after that.
fn readme_walk_through() -> (String, String) {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let marker = "<!-- walk-through: crates/cli/tests/jobs/main.rs runs this block and compares its output with the next one -->";
    let after = readme
        .split_once(marker)
        .unwrap_or_else(|| panic!("README.md has no `{marker}`"))
        .1;
    let fenced = |text: &str, fence: &str| -> (String, String) {
        let (_, block) = text
            .split_once(fence)
            .unwrap_or_else(|| panic!("a {fence:?} block follows the marker"));
        let (body, rest) = block.split_once("\n```").expect("the block is closed");
        (body.to_owned(), rest.to_owned())
    };
    let (script, rest) = fenced(after, "```sh\n");
    let (printed, _) = fenced(&rest, "```text\n");
    (script, printed)
}

/// Whether `actual` is what the README shows as `expected`: equal, except that a history line's
/// time stamp (its last field) may differ, and `…` stands for any text.
fn shown_as(expected: &str, actual: &str) -> bool {
    if expected.contains('…') {
        let mut rest = actual;
        for (index, part) in expected.split('…').enumerate() {
            let found = if index == 0 {
                rest.starts_with(part).then_some(0)
            } else {
                rest.find(part)
            };
            match found {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        return expected.ends_with('…') || rest.is_empty();
    }
    if expected.starts_with('#') {
        let without_time = |line: &str| line.rsplit_once("  ").map(|(head, _)| head.to_owned());
        return without_time(expected) == without_time(actual);
    }
    expected == actual
}

#[test]
fn the_readme_walk_through_works_when_pasted_into_a_shell() {
    let (script, printed) = readme_walk_through();
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_handshake"))
        .parent()
        .expect("the binary's folder")
        .to_owned();
    let path = std::env::join_paths(std::iter::once(binary_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    // The script's `mktemp -d` lands in this folder, removed when the test ends.
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new("sh")
        .args(["-eu"])
        .env("PATH", path)
        .env("TMPDIR", scratch.path())
        .current_dir(scratch.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("feed the script");
    let output = child.wait_with_output().expect("sh ends");
    let text = stdout(&output);
    assert_eq!(
        code(&output),
        0,
        "the walk-through fails:\n{script}\nstdout:\n{text}\nstderr:\n{}",
        stderr(&output)
    );
    // What it prints is what the README says it prints.
    let actual: Vec<&str> = text.lines().collect();
    let expected: Vec<&str> = printed.lines().collect();
    assert_eq!(
        actual.len(),
        expected.len(),
        "the README shows {} lines, the walk-through prints:\n{text}",
        expected.len()
    );
    for (expected, actual) in expected.iter().zip(&actual) {
        assert!(
            shown_as(expected, actual),
            "the README shows\n  {expected}\nthe walk-through prints\n  {actual}"
        );
    }
    // The `get --json` line shows the completed job with its passing validation result.
    let got: Value = text
        .lines()
        .find_map(|line| {
            serde_json::from_str::<Value>(line)
                .ok()
                .filter(|value| value.get("job").is_some())
        })
        .unwrap_or_else(|| panic!("no `get --json` line in:\n{text}"));
    assert_eq!(got["version"], json!(4));
    assert_eq!(got["job"]["state"], json!("completed"));
    assert_eq!(got["job"]["validation_result"]["verdict"], json!("passed"));
    // The refused cancel shows its code and the unchanged state.
    assert!(
        text.contains(r#""refused":true,"code":"HSK-JOB-2002""#),
        "{text}"
    );
}
