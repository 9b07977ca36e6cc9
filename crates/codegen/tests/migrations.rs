//! Data-driven tests of append-only migrations: one folder per case under `tests/migration_cases/`.
//!
//! A case has `after/spec/` (the spec now), optionally `before/spec/` (the spec the committed
//! migrations were generated from; absent = no migrations yet) and `expected/`: the new files
//! (`expected/migrations/...`) or, for a refused change, `expected/error.txt`. Run with
//! `EXPECTORATE=overwrite` to accept new output; a new case is a new folder, not new code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use handshake_codegen::migrations::{self, MigrationOutput};
use handshake_codegen::{CodegenError, ExistingFile, GeneratedFile};
use handshake_spec::model::Spec;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/migration_cases")
}

fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("tests/migration_cases exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 10,
        "expected the migration cases, found {names:?}"
    );
    names
}

fn load(dir: &Path) -> Spec {
    handshake_spec::load(dir).unwrap_or_else(|e| panic!("{} does not load:\n{e}", dir.display()))
}

fn existing(files: &[GeneratedFile]) -> Vec<ExistingFile> {
    files
        .iter()
        .map(|f| ExistingFile {
            path: f.path.clone(),
            contents: f.contents.clone(),
        })
        .collect()
}

/// The committed state of a case (its `before` spec's migrations) and the after spec.
fn setup(case: &str) -> (Vec<ExistingFile>, Spec) {
    let dir = cases_dir().join(case);
    let before = if dir.join("before").exists() {
        existing(
            &migrations::generate(&load(&dir.join("before")), &[])
                .expect("before generates")
                .files,
        )
    } else {
        Vec::new()
    };
    (before, load(&dir.join("after")))
}

fn error_text(error: &CodegenError) -> String {
    match error {
        CodegenError::NonAdditiveChange { help, .. } => format!("{error}\nhelp: {help}\n"),
        other => format!("{other}\n"),
    }
}

/// What `expected/` must hold for a result: relative path → contents.
fn expected_view(result: &Result<MigrationOutput, CodegenError>) -> BTreeMap<String, String> {
    match result {
        Ok(output) => output
            .files
            .iter()
            .filter(|f| output.new_files.contains(&f.path))
            .map(|f| (f.path.clone(), f.contents.clone()))
            .collect(),
        Err(error) => BTreeMap::from([("error.txt".to_string(), error_text(error))]),
    }
}

fn files_under(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("readable entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.path().is_dir() {
            files_under(&entry.path(), &relative, out);
        } else {
            out.insert(
                relative,
                std::fs::read_to_string(entry.path()).expect("utf-8 file"),
            );
        }
    }
}

#[test]
fn every_case_produces_its_expected_output() {
    let overwrite = std::env::var("EXPECTORATE").is_ok_and(|v| v == "overwrite");
    let mut failures = Vec::new();
    for case in case_names() {
        let (before, after) = setup(&case);
        let result = migrations::generate(&after, &before);
        let actual = expected_view(&result);
        let expected_dir = cases_dir().join(&case).join("expected");
        if overwrite {
            let _ = std::fs::remove_dir_all(&expected_dir);
            for (path, contents) in &actual {
                let target = expected_dir.join(path);
                std::fs::create_dir_all(target.parent().expect("has a parent")).expect("mkdir");
                std::fs::write(target, contents).expect("write expected");
            }
            continue;
        }
        let mut expected = BTreeMap::new();
        files_under(&expected_dir, "", &mut expected);
        if expected != actual {
            let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
            let differing: Vec<&String> = actual
                .keys()
                .filter(|k| expected.get(*k) != actual.get(*k))
                .collect();
            failures.push(format!(
                "{case}: expected files {:?}, got {:?}; differing: {differing:?}\n{}",
                names(&expected),
                names(&actual),
                differing
                    .first()
                    .and_then(|k| actual.get(*k))
                    .cloned()
                    .unwrap_or_default()
            ));
        }
        if case.starts_with("refuse_") {
            assert!(result.is_err(), "{case}: a refused change must fail");
        } else {
            assert!(
                result.is_ok(),
                "{case}: an additive change must succeed: {}",
                error_text(&result.unwrap_err())
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (EXPECTORATE=overwrite accepts):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn additive_cases_write_one_migration_per_dialect_and_a_snapshot_numbered_next() {
    for case in case_names().iter().filter(|c| !c.starts_with("refuse_")) {
        let (before, after) = setup(case);
        let output = migrations::generate(&after, &before).expect("additive");
        let number = if before.is_empty() { "0001" } else { "0002" };
        assert_eq!(output.new_files.len(), 3, "{case}: {:?}", output.new_files);
        assert!(
            output.new_files[0].starts_with(&format!("migrations/sqlite/{number}_")),
            "{case}"
        );
        assert!(
            output.new_files[1].starts_with(&format!("migrations/postgres/{number}_")),
            "{case}"
        );
        assert_eq!(
            output.new_files[2],
            format!("migrations/snapshots/{number}.json"),
            "{case}"
        );
        // Existing files are carried over verbatim, first.
        for (existing, carried) in before.iter().zip(&output.files) {
            assert_eq!(
                (&existing.path, &existing.contents),
                (&carried.path, &carried.contents),
                "{case}"
            );
        }
        assert_eq!(output.files.len(), before.len() + 3, "{case}");
    }
}

#[test]
fn the_first_migration_is_named_after_the_spec() {
    let (_, after) = setup("initial");
    let output = migrations::generate(&after, &[]).expect("initial");
    assert_eq!(
        output.new_files,
        [
            "migrations/sqlite/0001_migration_case_initial.sql",
            "migrations/postgres/0001_migration_case_initial.sql",
            "migrations/snapshots/0001.json"
        ]
    );
}

#[test]
fn generating_again_with_its_own_output_adds_nothing() {
    for case in case_names().iter().filter(|c| !c.starts_with("refuse_")) {
        let (before, after) = setup(case);
        let first = migrations::generate(&after, &before).expect("additive");
        let second = migrations::generate(&after, &existing(&first.files)).expect("idempotent");
        assert!(
            second.new_files.is_empty(),
            "{case}: pending again: {:?}",
            second.new_files
        );
        assert_eq!(
            first.files, second.files,
            "{case}: files changed on the second run"
        );
    }
}

#[test]
fn output_is_deterministic() {
    for case in case_names() {
        let (before, after) = setup(&case);
        let first = expected_view(&migrations::generate(&after, &before));
        let (before_again, after_again) = setup(&case);
        assert_eq!(
            first,
            expected_view(&migrations::generate(&after_again, &before_again)),
            "{case}"
        );
        for contents in first.values() {
            assert!(
                contents.ends_with('\n') && !contents.ends_with("\n\n"),
                "{case}: one trailing newline"
            );
            assert!(!contents.contains('\r'), "{case}: LF only");
        }
    }
}

#[test]
fn every_generated_file_carries_the_marker_and_sqlx_accepts_the_names() {
    let (_, after) = setup("add_enum_value");
    let (before, _) = setup("add_enum_value");
    let output = migrations::generate(&after, &before).expect("additive");
    for file in &output.files {
        assert!(
            handshake_codegen::marker::is_generated(&file.contents),
            "{} lacks the marker",
            file.path
        );
        let name = file.path.rsplit('/').next().expect("a file name");
        if file.path.ends_with(".sql") {
            // sqlx: `<VERSION>_<DESCRIPTION>.sql`, VERSION parses as a positive i64, no .up/.down suffix.
            let (version, description) = name.split_once('_').expect("VERSION_DESCRIPTION");
            assert!(
                version.parse::<i64>().expect("integer version") > 0,
                "{name}"
            );
            assert!(
                description.ends_with(".sql")
                    && !description.ends_with(".up.sql")
                    && !description.ends_with(".down.sql")
            );
        }
    }
    // The SQLite enum widening rebuilds tables, so it opts out of sqlx's transaction on line one.
    let sqlite = output
        .files
        .iter()
        .find(|f| f.path == "migrations/sqlite/0002_widen_tasks_color_and_1_more.sql");
    let sqlite = sqlite.expect("the sqlite migration of add_enum_value");
    assert!(
        sqlite
            .contents
            .starts_with("-- no-transaction -- @generated"),
        "{}",
        sqlite.contents
    );
    let postgres = output
        .files
        .iter()
        .find(|f| f.path == "migrations/postgres/0002_widen_tasks_color_and_1_more.sql");
    assert!(
        postgres
            .expect("postgres migration")
            .contents
            .starts_with("-- @generated")
    );
}

#[test]
fn an_edited_committed_migration_is_refused() {
    let (_, after) = setup("initial");
    let committed = migrations::generate(&after, &[]).expect("initial").files;
    for target in [
        "migrations/sqlite/0001_migration_case_initial.sql",
        "migrations/postgres/0001_migration_case_initial.sql",
    ] {
        let mut edited = existing(&committed);
        let file = edited
            .iter_mut()
            .find(|f| f.path == target)
            .expect("committed file");
        file.contents = file.contents.replace(
            "CREATE INDEX tasks_color",
            "CREATE UNIQUE INDEX tasks_color",
        );
        match migrations::generate(&after, &edited) {
            Err(CodegenError::EditedMigration { path }) => assert_eq!(path, target),
            other => panic!("editing {target} must be refused, got {other:?}"),
        }
    }
}

#[test]
fn a_broken_folder_is_reported_as_inconsistent() {
    let (_, after) = setup("initial");
    let committed = existing(&migrations::generate(&after, &[]).expect("initial").files);
    let expect_inconsistent =
        |files: Vec<ExistingFile>, needle: &str| match migrations::generate(&after, &files) {
            Err(CodegenError::InconsistentMigrations { detail }) => {
                assert!(
                    detail.contains(needle),
                    "{detail:?} should mention {needle:?}"
                )
            }
            other => {
                panic!("expected an inconsistent-folder error mentioning {needle:?}, got {other:?}")
            }
        };
    let without = |path: &str| {
        committed
            .iter()
            .filter(|f| f.path != path)
            .cloned()
            .collect::<Vec<_>>()
    };
    expect_inconsistent(
        without("migrations/snapshots/0001.json"),
        "migrations/snapshots/0001.json is missing",
    );
    expect_inconsistent(
        without("migrations/postgres/0001_migration_case_initial.sql"),
        "has no postgres file",
    );
    let mut stray = committed.clone();
    stray.push(ExistingFile {
        path: "migrations/notes.txt".into(),
        contents: "hi\n".into(),
    });
    expect_inconsistent(stray, "unexpected file migrations/notes.txt");
    let mut garbled = committed.clone();
    garbled
        .iter_mut()
        .find(|f| f.path.ends_with("0001.json"))
        .expect("snapshot")
        .contents = "{\n".into();
    expect_inconsistent(
        garbled,
        "snapshot migrations/snapshots/0001.json is unreadable",
    );
}

/// The way out of a refused change: a hand-written migration plus a spec version bump.
#[test]
fn a_hand_written_migration_is_adopted_once_the_spec_version_is_bumped() {
    let (mut committed, mut after) = setup("refuse_drop_column");
    let hand = |dialect: &str| ExistingFile {
        path: format!("migrations/{dialect}/0002_drop_tasks_score.sql"),
        contents: "-- hand-written: drop tasks.score\nALTER TABLE tasks DROP COLUMN score;\n"
            .into(),
    };
    committed.push(hand("sqlite"));
    committed.push(hand("postgres"));
    match migrations::generate(&after, &committed) {
        Err(CodegenError::InconsistentMigrations { detail }) => {
            assert!(detail.contains("needs a spec version bump"), "{detail}")
        }
        other => panic!("adoption without a version bump must be refused, got {other:?}"),
    }
    after.version = "0.2.0".into();
    let adopted = migrations::generate(&after, &committed).expect("adopted");
    assert_eq!(adopted.new_files, ["migrations/snapshots/0002.json"]);
    let snapshot = &adopted.files.last().expect("snapshot").contents;
    assert!(
        snapshot.contains("\"hand_written\": true") && !snapshot.contains("\"name\": \"score\""),
        "{snapshot}"
    );
    // From then on the folder is clean, and the hand-written files are checksummed too.
    let again = migrations::generate(&after, &existing(&adopted.files)).expect("clean");
    assert!(again.new_files.is_empty());
    let mut edited = existing(&adopted.files);
    edited
        .iter_mut()
        .find(|f| f.path.starts_with("migrations/sqlite/0002"))
        .expect("hand file")
        .contents
        .push_str("-- x\n");
    assert!(matches!(
        migrations::generate(&after, &edited),
        Err(CodegenError::EditedMigration { .. })
    ));
}

/// A refused change stops the whole run: `plan_repo` (what `cargo xtask codegen` calls before it
/// writes anything) fails with the YAML location and the declaration to write, so the xtask prints
/// it, writes nothing and exits non-zero. (The declared drop is the `drop_column_with_data_loss`
/// case.)
#[test]
fn a_refused_change_stops_the_run_with_the_yaml_location() {
    let root = std::env::temp_dir().join(format!(
        "handshake-refused-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let write = |relative: &str, contents: &str| {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    };
    let (committed, _) = setup("refuse_drop_column");
    for file in &committed {
        write(&file.path, &file.contents);
    }
    let case = cases_dir().join("refuse_drop_column/after/spec");
    for name in ["handshake.yaml", "types.yaml"] {
        write(
            &format!("spec/{name}"),
            &std::fs::read_to_string(case.join(name)).expect("case file"),
        );
    }
    match handshake_codegen::plan_repo(&root) {
        Err(handshake_codegen::RunError::Codegen(CodegenError::NonAdditiveChange {
            change,
            help,
        })) => {
            assert!(
                change.contains("spec/types.yaml:29:3: column tasks.score was dropped or renamed")
                    && change.contains("allow_data_loss"),
                "{change}"
            );
            assert!(help.contains("Evolving a stored spec"), "{help}");
        }
        other => panic!("an undeclared drop must stop the run, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&root);
}
