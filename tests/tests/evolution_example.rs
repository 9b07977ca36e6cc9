//! The worked example of spec evolution (issue #12 part 4): a copy of the project's own spec
//! (`tests/evolution_example/before/spec`, taken at spec 0.5.0, whose schema is migration 0004's)
//! taken through one change of each kind (`after/spec`, 0.6.0):
//! - a lifecycle state `paused` with its transitions;
//! - a metrics field renamed (`JobMetrics.duration_ms` → `wall_time_ms`, `renamed_from`);
//! - a required field added to the stored job with a backfill (`AiJob.priority`, `backfill: 0`);
//! - an enum narrowed to canonical strings, the old spellings read as aliases (`SafetyMode`:
//!   `normal` renamed `standard`, `experimental` mapped onto it with `read_alias: true`);
//! - a column dropped on purpose (`AiJob.aux_trace_ids`, `allow_data_loss`).
//!
//! `after/spec` holds only the files that change; the rest is read from `before/spec`
//! (`diff -r before/spec after/spec` shows the whole change).
//!
//! Its spec-diff report and the migration codegen writes after the repository's 0001–0004 are
//! committed as goldens under `tests/evolution_example/expected/` (`EXPECTORATE=overwrite`
//! rewrites them), and the migration is applied to populated SQLite and Postgres databases.

mod sql_support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use handshake_codegen::sql::{self, Dialect, Schema};
use handshake_codegen::{ExistingFile, GeneratedFile, migrations};
use handshake_conformance::{entries, repo_root};
use handshake_spec::model::Spec;
use sql_support::{Db, ScratchDir, assert_replayed_folder_equals_fresh, new_id};

/// The last committed migration the example's `before` spec describes.
const BASE_MIGRATION: u32 = 4;

fn example_dir() -> PathBuf {
    repo_root().join("tests/evolution_example")
}

/// The `before` spec, or the `after` spec: `before`'s files with `after`'s on top.
fn load(which: &str) -> Spec {
    let mut sources = BTreeMap::new();
    for layer in ["before", which] {
        let dir = example_dir().join(layer).join("spec");
        for (name, path) in entries(&dir) {
            sources.insert(
                format!("spec/{name}"),
                std::fs::read_to_string(&path).expect("utf-8"),
            );
        }
    }
    handshake_spec::load_sources(&sources, handshake_spec::MANIFEST)
        .unwrap_or_else(|e| panic!("the example's {which} spec does not load:\n{e}"))
}

/// The repository's migrations up to [`BASE_MIGRATION`], as codegen reads them.
fn committed_migrations() -> Vec<ExistingFile> {
    let mut files = Vec::new();
    for folder in ["sqlite", "postgres", "snapshots"] {
        let dir = repo_root().join("migrations").join(folder);
        for (name, path) in entries(&dir) {
            let number: u32 = name[..4].parse().expect("NNNN_");
            if number <= BASE_MIGRATION {
                files.push(ExistingFile {
                    path: format!("migrations/{folder}/{name}"),
                    contents: std::fs::read_to_string(&path).expect("utf-8"),
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The files codegen adds for the `after` spec: migration 0005 in both dialects and its snapshot.
fn next_migration() -> Vec<GeneratedFile> {
    let output = migrations::generate(&load("after"), &committed_migrations())
        .unwrap_or_else(|e| panic!("the worked example's migration is refused: {e}"));
    output
        .files
        .into_iter()
        .filter(|f| output.new_files.contains(&f.path))
        .collect()
}

fn spec_diff_report() -> String {
    let changes = handshake_spec_diff::diff(&load("before"), &load("after"));
    handshake_spec_diff::render_changes("before", &changes)
}

fn check_golden(relative: &str, actual: &str, failures: &mut Vec<String>) {
    let path = example_dir().join("expected").join(relative);
    if std::env::var("EXPECTORATE").is_ok_and(|v| v == "overwrite") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{relative} differs (EXPECTORATE=overwrite accepts):\n{actual}"
        ));
    }
}

#[test]
fn the_worked_example_matches_its_goldens() {
    let mut failures = Vec::new();
    let report = spec_diff_report();
    check_golden("spec-diff.txt", &report, &mut failures);
    let migration = next_migration();
    assert_eq!(
        migration.len(),
        3,
        "one migration per dialect and a snapshot"
    );
    for file in &migration {
        assert!(
            file.path.contains("/0005"),
            "numbered after the repository's 0004: {}",
            file.path
        );
        check_golden(&file.path, &file.contents, &mut failures);
    }
    // No orphaned goldens: every file under expected/migrations is one codegen writes.
    let mut on_disk: Vec<String> = ["sqlite", "postgres", "snapshots"]
        .into_iter()
        .flat_map(|folder| {
            entries(&example_dir().join("expected/migrations").join(folder))
                .into_iter()
                .map(move |(name, _)| format!("migrations/{folder}/{name}"))
        })
        .collect();
    on_disk.sort();
    let mut written: Vec<String> = migration.iter().map(|f| f.path.clone()).collect();
    written.sort();
    assert_eq!(
        on_disk, written,
        "expected/migrations holds exactly the new migration"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What the report must say about each change, whatever else it says.
#[test]
fn the_report_classifies_each_declared_change_as_what_it_is() {
    let report = spec_diff_report();
    for expected in [
        "STATE-ADDED",
        "FIELD-RENAMED: JobMetrics.wall_time_ms was renamed from `duration_ms`",
        "COLUMN-ADDED-BACKFILLED: NOT NULL column ai_jobs.priority",
        "ENUM-VALUE-ALIASED: value `experimental` of SafetyMode",
        "ENUM-VALUE-ALIASED: value `normal` of SafetyMode",
        "COLUMN-REMOVED-WITH-DATA-LOSS: column ai_jobs.aux_trace_ids",
    ] {
        assert!(
            report.to_uppercase().contains(&expected.to_uppercase()),
            "the report lacks {expected}:\n{report}"
        );
    }
    for refused in [
        "column-added-not-null",
        "column-removed:",
        "enum-value-removed",
    ] {
        assert!(!report.contains(refused), "{refused} in:\n{report}");
    }
}

fn schema(which: &str) -> Schema {
    sql::schema(&load(which))
}

/// Apply 0001–0004, store two jobs as spec 0.5.0 wrote them, apply 0005, read them back.
async fn migrate_populated(db: &mut Db) {
    let dialect = db.dialect();
    let before_dir = ScratchDir::new("example-before");
    let committed: Vec<GeneratedFile> = committed_migrations()
        .into_iter()
        .map(|f| GeneratedFile {
            path: f.path,
            contents: f.contents,
        })
        .collect();
    before_dir.write(&committed);
    let after_dir = ScratchDir::new("example-after");
    after_dir.write(&committed);
    after_dir.write(&next_migration());
    db.migrate(&before_dir.0.join("migrations").join(dialect.folder()))
        .await
        .expect("0001-0004 apply");
    let before = schema("before");
    let jobs = before.table("ai_jobs").expect("ai_jobs");
    let metrics = "'{\"duration_ms\": 1200, \"tokens_planner\": 1, \"tokens_executor\": 2, \"entities_read_count\": 3, \"entities_written_count\": 0, \"validators_run_count\": 1}'";
    let (experimental, normal) = (new_id(), new_id());
    for (id, mode, state) in [
        (&experimental, "experimental", "running"),
        (&normal, "normal", "queued"),
    ] {
        let row = [
            ("job_id", id.clone()),
            ("safety_mode", format!("'{mode}'")),
            ("state", format!("'{state}'")),
            ("metrics", metrics.to_string()),
            ("aux_trace_ids", "'[\"span-1\"]'".to_string()),
        ];
        db.insert(jobs, &row)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?}: a 0.5.0 job: {e}"));
    }
    db.migrate(&after_dir.0.join("migrations").join(dialect.folder()))
        .await
        .unwrap_or_else(|e| panic!("{dialect:?}: 0005 applies to a populated database: {e}"));

    assert_eq!(db.count("ai_jobs").await, 2, "{dialect:?}: every job kept");
    let columns = db.columns("ai_jobs").await;
    assert!(
        !columns.iter().any(|(c, _)| c == "aux_trace_ids"),
        "{dialect:?}: the declared loss happened"
    );
    assert!(
        columns.contains(&("priority".to_string(), true)),
        "{dialect:?}: priority is NOT NULL: {columns:?}"
    );
    let rows = read_jobs(db).await;
    let unquote = |id: &String| id.trim_matches('\'').to_string();
    for (id, state) in [(&experimental, "running"), (&normal, "queued")] {
        let (mode, priority, read_state, stored_metrics) = &rows[&unquote(id)];
        assert_eq!(
            mode, "standard",
            "{dialect:?}: old spellings are rewritten to the canonical one"
        );
        assert_eq!(*priority, 0, "{dialect:?}: the backfill");
        assert_eq!(read_state, state, "{dialect:?}: states kept");
        // The metrics JSON keeps its stored key: the rename is read through the alias.
        let metrics: serde_json::Value = serde_json::from_str(stored_metrics).expect("json");
        assert_eq!(metrics["duration_ms"], 1200, "{dialect:?}: {metrics}");
    }
    // The new state and the canonical value are accepted, the old spelling no longer.
    let after = schema("after");
    let after_jobs = after.table("ai_jobs").expect("ai_jobs");
    let paused = [
        ("job_id", new_id()),
        ("state", "'paused'".into()),
        ("safety_mode", "'standard'".into()),
    ];
    db.insert(after_jobs, &paused)
        .await
        .unwrap_or_else(|e| panic!("{dialect:?}: a paused job: {e}"));
    let old_spelling = [("job_id", new_id()), ("safety_mode", "'normal'".into())];
    assert!(
        db.insert(after_jobs, &old_spelling).await.is_err(),
        "{dialect:?}: rows are written with the canonical spelling only"
    );
}

/// job_id → (safety_mode, priority, state, metrics as JSON text).
async fn read_jobs(db: &mut Db) -> BTreeMap<String, (String, i64, String, String)> {
    let query = "SELECT CAST(job_id AS TEXT), safety_mode, priority, state, CAST(metrics AS TEXT) FROM ai_jobs";
    let rows: Vec<(String, String, i64, String, String)> =
        db.fetch_rows(query).await.expect("read ai_jobs");
    rows.into_iter()
        .map(|(id, mode, priority, state, metrics)| (id, (mode, priority, state, metrics)))
        .collect()
}

test_each_dialect!(
    the_worked_example_migrates_a_populated_sqlite_database,
    the_worked_example_migrates_a_populated_postgres_database,
    Db::open => migrate_populated
);

/// The repository's 0001–0004 plus the example's 0005, replayed, equal the `after` spec's schema
/// created in one migration.
async fn replay_equals_fresh(dialect: Dialect) {
    let replayed_dir = ScratchDir::new("example-replayed");
    for file in committed_migrations() {
        replayed_dir.write(&[GeneratedFile {
            path: file.path,
            contents: file.contents,
        }]);
    }
    replayed_dir.write(&next_migration());
    let fresh_dir = ScratchDir::new("example-fresh");
    fresh_dir.write(
        &migrations::generate(&load("after"), &[])
            .expect("fresh")
            .files,
    );
    assert_replayed_folder_equals_fresh(
        dialect,
        &replayed_dir.0.join("migrations").join(dialect.folder()),
        &fresh_dir.0.join("migrations").join(dialect.folder()),
        "the worked example",
    )
    .await;
}

test_each_dialect!(
    the_worked_example_replayed_equals_a_fresh_schema_on_sqlite,
    the_worked_example_replayed_equals_a_fresh_schema_on_postgres => replay_equals_fresh
);
