//! Additive migrations applied by sqlx to populated SQLite and Postgres databases keep every row.
//!
//! For each additive case of `tests/migration_cases/` (`before/` → `after/`): apply the `before`
//! migration, insert a task with child rows and an append-only event, then apply the generated
//! next migration on top, as `sqlx migrate run` would, and check that the rows, foreign keys,
//! indexes and append-only triggers all survived. The SQLite enum-widening rebuild is the case
//! that matters most; a control test shows why it cannot run inside sqlx's transaction.

mod sql_support;

use handshake_codegen::sql::{Dialect, Schema};
use handshake_conformance::repo_root;
use sql_support::{Db, MigrationCase, case_dir, load_spec, new_id};

fn additive_cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(repo_root().join("tests/migration_cases"))
        .expect("cases")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("refuse_") && case_dir(name).join("before").exists())
        // A case that drops or renames a table has no tasks or task_events left to check here;
        // its rows are checked in migrations_evolve.rs, with every other declared change.
        .filter(|name| {
            let evolution = load_spec(&case_dir(name).join("after")).evolution;
            evolution.removed_tables.is_empty() && evolution.renamed_tables.is_empty()
        })
        // A case that turns `append_only` on or off changes what `check_survived` relies on (a
        // cascading delete, the events' guard); migrations_evolve.rs checks it.
        .filter(|name| {
            let schema =
                |side: &str| handshake_codegen::sql::schema(&load_spec(&case_dir(name).join(side)));
            let flags = |schema: Schema| -> Vec<bool> {
                schema.tables.iter().map(|t| t.append_only).collect()
            };
            flags(schema("before")) == flags(schema("after"))
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "the additive cases: {cases:?}");
    cases
}

/// The additive case `name`, checked to have a migration pending.
fn case_folders(name: &str) -> MigrationCase {
    let case = MigrationCase::load(name);
    assert!(!case.pending.is_empty(), "{name}: a migration is pending");
    case
}

/// Insert a parent task, a child task with two tags, and an event; returns the child task's id.
async fn populate(db: &mut Db, schema: &Schema) -> String {
    let tasks = schema.table("tasks").expect("tasks");
    let tags = schema.table("task_tags").expect("task_tags");
    let events = schema.table("task_events").expect("task_events");
    let parent = new_id();
    let task = new_id();
    db.insert(tasks, &[("task_id", parent.clone())])
        .await
        .expect("parent task");
    let details = "'{\"k\": \"v\"}'".to_string();
    let row = [
        ("task_id", task.clone()),
        ("parent_task_id", parent),
        ("details", details),
    ];
    db.insert(tasks, &row).await.expect("task");
    for position in 0..2 {
        let row = [
            ("task_id", task.clone()),
            ("position", position.to_string()),
            ("label", format!("'label{position}'")),
        ];
        db.insert(tags, &row).await.expect("tag");
    }
    db.insert(
        events,
        &[("task_id", task.clone()), ("sequence", "1".into())],
    )
    .await
    .expect("event");
    task
}

async fn check_survived(db: &mut Db, case: &str, schema: &Schema, task: &str) {
    let dialect = db.dialect();
    let kept = format!("{case} {dialect:?}: rows kept");
    for (table, rows) in [("tasks", 2), ("task_tags", 2), ("task_events", 1)] {
        db.assert_count(table, rows, &kept).await;
    }
    // Foreign keys still enforced, in both directions.
    let tags = schema.table("task_tags").expect("task_tags");
    let orphan = [("task_id", new_id()), ("position", "9".into())];
    assert!(
        db.insert(tags, &orphan).await.is_err(),
        "{case} {dialect:?}: task_tags still needs its task"
    );
    // Cascades still work: deleting a task removes its tags (events reference it too, so use a new task).
    let tasks = schema.table("tasks").expect("tasks");
    let scratch = new_id();
    db.insert(tasks, &[("task_id", scratch.clone())])
        .await
        .expect("scratch task");
    db.insert(
        tags,
        &[("task_id", scratch.clone()), ("position", "0".into())],
    )
    .await
    .expect("tag");
    db.execute(&format!("DELETE FROM tasks WHERE task_id = {scratch}"))
        .await
        .expect("delete scratch task");
    db.assert_count(
        "task_tags",
        2,
        &format!("{case} {dialect:?}: ON DELETE CASCADE still there"),
    )
    .await;
    // Append-only triggers still there.
    let error = db
        .execute(&format!("DELETE FROM task_events WHERE task_id = {task}"))
        .await
        .expect_err("append-only");
    assert!(error.contains("append-only"), "{case} {dialect:?}: {error}");
    // Indexes still there.
    assert!(
        db.index("tasks", "tasks_color").await.is_some(),
        "{case} {dialect:?}: tasks_color kept"
    );
    assert!(
        db.index("task_tags", "task_tags_label").await.is_some(),
        "{case} {dialect:?}: task_tags_label kept"
    );
    // Every table and index of the new schema exists.
    for table in &schema.tables {
        let columns = db.columns(&table.name).await;
        for column in &table.columns {
            assert!(
                columns.contains(&(column.name.clone(), !column.nullable)),
                "{case} {dialect:?}: {}.{} with NOT NULL = {}: {columns:?}",
                table.name,
                column.name,
                !column.nullable
            );
        }
        for index in &table.indexes {
            let found = db.index(&table.name, &index.name).await;
            assert_eq!(
                found,
                Some((index.unique, index.columns.clone())),
                "{case} {dialect:?}: index {}",
                index.name
            );
        }
    }
    if dialect == Dialect::Sqlite {
        for (check, rows, what) in [
            ("pragma_foreign_key_check", 0, "no broken foreign keys"),
            (
                "pragma_foreign_keys WHERE foreign_keys = 1",
                1,
                "foreign keys are back on",
            ),
        ] {
            db.assert_count(check, rows, &format!("{case}: {what}"))
                .await;
        }
    }
}

async fn apply_case(db: &mut Db, case: &str) {
    let dialect = db.dialect();
    let folders = case_folders(case);
    db.migrate(&folders.before_dir.migrations(dialect))
        .await
        .expect("0001 applies");
    let task = populate(db, &folders.before_schema).await;
    db.migrate(&folders.after_dir.migrations(dialect))
        .await
        .unwrap_or_else(|e| panic!("{case} {dialect:?}: 0002 applies: {e}"));
    check_survived(db, case, &folders.after_schema, &task).await;
}

test_each_dialect!(
    additive_migrations_apply_to_a_populated_sqlite_database,
    additive_migrations_apply_to_a_populated_postgres_database => additive_migrations_apply
);

async fn additive_migrations_apply(dialect: Dialect) {
    for case in additive_cases() {
        let Some(mut test_db) = Db::open(dialect, &format!("apply_{case}")).await else {
            return;
        };
        apply_case(&mut test_db.db, &case).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_enum_value_is_accepted_after_the_migration_and_refused_before() {
    for dialect in Dialect::ALL {
        let Some(mut test_db) = Db::open(dialect, "new_enum_value").await else {
            continue;
        };
        let db = &mut test_db.db;
        let folders = case_folders("add_enum_value");
        let tasks = folders.after_schema.table("tasks").expect("tasks").clone();
        let task = |color: &str| [("task_id", new_id()), ("color", format!("'{color}'"))];
        db.migrate(&folders.before_dir.migrations(dialect))
            .await
            .expect("0001");
        let error = db
            .insert(&tasks, &task("blue"))
            .await
            .expect_err("blue is not allowed yet");
        assert!(error.contains("tasks_color_check"), "{dialect:?}: {error}");
        db.migrate(&folders.after_dir.migrations(dialect))
            .await
            .expect("0002");
        db.insert(&tasks, &task("blue"))
            .await
            .expect("blue is allowed now");
        assert!(
            db.insert(&tasks, &task("purple")).await.is_err(),
            "{dialect:?}: the widened CHECK still refuses unknown values"
        );
    }
}

/// Why the SQLite rebuild runs outside sqlx's transaction: inside one, `PRAGMA foreign_keys = OFF`
/// is ignored and `PRAGMA defer_foreign_keys = ON` only defers checks, so `DROP TABLE` of the
/// parent cascades and empties the child table. If this ever stops losing rows, the simpler
/// transactional form would do.
#[tokio::test(flavor = "current_thread")]
async fn the_sqlite_rebuild_inside_a_transaction_would_lose_child_rows() {
    let folders = case_folders("add_enum_value");
    let mut db = Db::sqlite().await;
    db.migrate(&folders.before_dir.migrations(Dialect::Sqlite))
        .await
        .expect("0001");
    populate(&mut db, &folders.before_schema).await;
    let generated = std::fs::read_dir(folders.after_dir.migrations(Dialect::Sqlite))
        .expect("sqlite folder")
        .map(|e| e.expect("entry").path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("0002_"))
        })
        .expect("the 0002 migration");
    let text = std::fs::read_to_string(generated).expect("read");
    assert!(
        text.starts_with("-- no-transaction"),
        "the rebuild opts out of sqlx's transaction"
    );
    let body: String = text
        .lines()
        .filter(|l| {
            !matches!(
                *l,
                "PRAGMA foreign_keys = OFF;" | "PRAGMA foreign_keys = ON;" | "BEGIN;" | "COMMIT;"
            )
        })
        .map(|l| format!("{l}\n"))
        .collect();
    // Up to the last statement before COMMIT: the cascade has already happened.
    db.execute(&format!(
        "BEGIN;\nPRAGMA foreign_keys = OFF;\nPRAGMA defer_foreign_keys = ON;\n{body}"
    ))
    .await
    .expect("the transactional variant runs up to COMMIT");
    assert_eq!(
        db.count("task_tags").await,
        0,
        "inside a transaction the rebuild cascades into the child table"
    );
    // And COMMIT then fails anyway: task_events' deferred (NO ACTION) foreign key counted the
    // dropped parent rows as violations.
    let error = db
        .execute("COMMIT;")
        .await
        .expect_err("the deferred check fails at COMMIT");
    assert!(error.contains("FOREIGN KEY constraint failed"), "{error}");
}
