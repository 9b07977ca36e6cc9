//! Migrations for declared, non-additive changes keep the data on populated SQLite and Postgres
//! databases, and a schema built by replaying every migration equals the one built fresh.
//!
//! For each evolution case of `tests/migration_cases/` (a `before/` spec, an `after/` spec with
//! `renamed_from`, `backfill`, `removed_values`/`map_to` or `removed_fields`/`allow_data_loss`):
//! 1. apply the `before` migration and write rows with real values through its schema;
//! 2. apply the generated migration, as `sqlx migrate run` would;
//! 3. read every row of every table back and check it against the `after` spec: a row per row,
//!    every carried value unchanged (under its new name), every removed enum value mapped as
//!    declared, every backfill written, and no column gone that `removed_fields` does not name.
//!
//! Then, for every case and for the repository's own migrations: the schema after replaying the
//! migrations equals the schema of the spec's first migration applied to an empty database
//! (columns, indexes, foreign keys, named CHECKs and triggers; not column order, since an added
//! column goes last).

mod sql_support;

use std::collections::{BTreeMap, BTreeSet};

use handshake_codegen::migrations;
use handshake_codegen::sql::{self, ColumnType, Dialect, Schema, TableSchema};
use handshake_conformance::repo_root;
use handshake_spec::model::Backfill;
use serde_json::Value;
use sql_support::{
    Db, MigrationCase, ScratchDir, assert_replayed_folder_equals_fresh, load_spec, new_id,
    schema_facts,
};

/// The cases whose migration needs a declaration (each kind of change once).
const EVOLUTION_CASES: [&str; 16] = [
    "rename_column",
    "backfill_required_columns",
    "require_field_with_backfill",
    "map_removed_enum_value",
    "drop_column_with_data_loss",
    "drop_table_with_data_loss",
    "make_field_optional",
    "cast_column_types",
    "rename_table",
    "map_removed_state",
    "change_indexes",
    "change_rule_checks",
    "change_foreign_keys",
    "change_primary_key",
    "toggle_append_only",
    "cast_by_expression",
];

/// The evolution case `name`, checked to add exactly one migration (both dialects and a snapshot).
fn case(name: &str) -> MigrationCase {
    let case = MigrationCase::load(name);
    assert_eq!(case.pending.len(), 3, "{name}: one migration is pending");
    case
}

/// Rows with varied values: an enum value a case removes, set and unset optional columns, a
/// child task, tags and append-only events.
async fn populate(db: &mut Db, schema: &Schema) {
    let dialect = db.dialect();
    let tasks = schema.table("tasks").expect("tasks");
    let tags = schema.table("task_tags").expect("task_tags");
    let events = schema.table("task_events").expect("task_events");
    let (first, second, child) = (new_id(), new_id(), new_id());
    // A state a case removes, where the schema still has it.
    let states = tasks
        .column("state")
        .and_then(|c| c.enum_values.clone())
        .unwrap_or_default();
    let first_state = if states.iter().any(|s| s == "waiting") {
        "'waiting'".to_string()
    } else {
        "'open'".to_string()
    };
    let rows: [(&TableSchema, Vec<(&str, String)>); 7] = [
        (
            tasks,
            vec![
                ("task_id", first.clone()),
                ("color", "'green'".into()),
                ("title", "'first'".into()),
                ("state", first_state.clone()),
                ("score", "2.5".into()),
                ("details", "'{\"k\": \"v\"}'".into()),
            ],
        ),
        (
            tasks,
            vec![
                ("task_id", second.clone()),
                ("color", "'red'".into()),
                ("title", "'second'".into()),
                ("weight", "20".into()),
            ],
        ),
        (
            tasks,
            vec![
                ("task_id", child.clone()),
                ("parent_task_id", first.clone()),
                ("color", "'green'".into()),
                ("title", "'child'".into()),
                ("weight", "5".into()),
                ("score", "-1.7".into()),
            ],
        ),
        (
            tags,
            vec![
                ("task_id", first.clone()),
                ("position", "0".into()),
                ("label", "'x'".into()),
            ],
        ),
        (
            tags,
            vec![
                ("task_id", first.clone()),
                ("position", "1".into()),
                ("label", "'y'".into()),
                ("priority", "3".into()),
            ],
        ),
        (
            events,
            vec![
                ("task_id", first.clone()),
                ("sequence", "1".into()),
                ("color", "'green'".into()),
                ("note", "'hello'".into()),
            ],
        ),
        (
            events,
            vec![
                ("task_id", second),
                ("sequence", "1".into()),
                ("color", "'red'".into()),
            ],
        ),
    ];
    for (table, values) in rows {
        db.insert(table, &values)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?}: insert into {}: {e}", table.name));
    }
}

/// Every row of `table` as a JSON object (column → value), keyed by its primary key values.
async fn rows(db: &mut Db, table: &TableSchema) -> BTreeMap<String, BTreeMap<String, Value>> {
    let columns: Vec<String> = db
        .columns(&table.name)
        .await
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let query = match db.dialect() {
        Dialect::Sqlite => format!(
            "SELECT json_object({}) FROM {}",
            columns
                .iter()
                .map(|c| format!("'{c}', {}", sql::column_sql(c)))
                .collect::<Vec<_>>()
                .join(", "),
            table.name
        ),
        Dialect::Postgres => format!("SELECT row_to_json(t)::text FROM {} AS t", table.name),
    };
    let texts: Vec<String> = db
        .fetch_column(&query)
        .await
        .unwrap_or_else(|e| panic!("reading {}: {e}", table.name));
    texts
        .into_iter()
        .map(|text| {
            let row: BTreeMap<String, Value> = serde_json::from_str(&text).expect("a json row");
            (String::new(), row)
        })
        .map(|(_, row)| {
            let key = table
                .primary_key
                .iter()
                .map(|c| row.get(c).map(Value::to_string).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("/");
            (key, row)
        })
        .collect()
}

/// `1`/`0` (SQLite) and `true`/`false` (Postgres) as one boolean.
fn truthy(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

/// Check every row of the migrated database against the `after` spec's declarations.
fn check_rows(
    case: &MigrationCase,
    dialect: Dialect,
    before: &BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
    after: &BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
) {
    let name = &case.name;
    let evolution = &case.after_spec.evolution;
    // A table's name before the migration (its `renamed_from`, if declared).
    let was_named = |table: &str| -> String {
        evolution
            .renamed_tables
            .iter()
            .find(|r| r.table == table)
            .map_or_else(|| table.to_string(), |r| r.from.clone())
    };
    // No table lost beyond what `removed_tables` names.
    let lost_tables: BTreeSet<&str> = case
        .before_schema
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .filter(|t| {
            case.after_schema.table(t).is_none()
                && !evolution.renamed_tables.iter().any(|r| r.from == *t)
        })
        .collect();
    let allowed_tables: BTreeSet<&str> = evolution
        .removed_tables
        .iter()
        .map(|t| t.table.as_str())
        .collect();
    assert_eq!(
        lost_tables, allowed_tables,
        "{name} {dialect:?}: tables lost = those removed with allow_data_loss"
    );
    for table in &lost_tables {
        assert!(
            !after.contains_key(*table),
            "{name}: {table} was read after the migration"
        );
    }
    for new_table in &case.after_schema.tables {
        let t = &new_table.name;
        let old_table = case
            .before_schema
            .table(&was_named(t))
            .expect("no table is added here");
        let old_rows = &before[&old_table.name];
        let new_rows = &after[t];
        let record = new_table.source.as_str();
        // Old column → new column, through the declared renames.
        let renamed_to = |old: &str| -> Option<String> {
            evolution
                .renamed_fields
                .iter()
                .find(|r| r.record == record && r.from == old)
                .map(|r| r.field.clone())
        };
        let now = |old: &str| renamed_to(old).unwrap_or_else(|| old.to_string());
        // Nothing lost beyond what `removed_fields` names.
        let lost: BTreeSet<String> = old_table
            .columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|c| new_table.column(&now(c)).is_none())
            .collect();
        let allowed: BTreeSet<String> = evolution
            .removed_fields
            .iter()
            .filter(|r| r.record == record)
            .map(|r| r.field.clone())
            .collect();
        assert_eq!(
            lost, allowed,
            "{name} {dialect:?}: columns of {t} lost = those removed with allow_data_loss"
        );
        assert_eq!(
            old_rows.len(),
            new_rows.len(),
            "{name} {dialect:?}: every row of {t} kept"
        );
        let key_of = |row: &BTreeMap<String, Value>| {
            new_table
                .primary_key
                .iter()
                .map(|c| row.get(c).map(Value::to_string).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("/")
        };
        for old_row in old_rows.values() {
            // The old row under the new column names: the key it must be found under.
            let moved: BTreeMap<String, Value> =
                old_row.iter().map(|(c, v)| (now(c), v.clone())).collect();
            let new_row = new_rows
                .get(&key_of(&moved))
                .unwrap_or_else(|| panic!("{name} {dialect:?}: row {moved:?} of {t} is gone"));
            for (old_column, value) in old_row {
                let column = now(old_column);
                let Some(new_column) = new_table.column(&column) else {
                    continue; // dropped, as declared (checked above)
                };
                // A cast declared with an expression converts the value as it says.
                // (A child table's source is `Record.field`; its columns are its element
                // record's fields, whose names no other case's casts share.)
                let cast_by_expression = evolution.casts.iter().any(|cast| {
                    cast.field == column
                        && cast.sql.is_some()
                        && (cast.record == record || record.contains('.'))
                });
                if cast_by_expression {
                    let got = new_row.get(&column).cloned().unwrap_or(Value::Null);
                    check_sql_cast(name, dialect, t, &column, value, &got);
                    continue;
                }
                let mut expected = value.clone();
                // A declared cast converts the value: a number to an integer truncates toward zero
                // (the loss its `allow_data_loss` accepts); the other casts keep it as it reads.
                let old_type = old_table.column(old_column).map(|c| c.ty);
                if old_type == Some(ColumnType::Number)
                    && new_column.ty == ColumnType::Integer
                    && let Some(number) = value.as_f64()
                {
                    expected = Value::from(number.trunc() as i64);
                }
                // A removed enum value is rewritten to its `map_to`.
                if let (Some(text), Some(values)) = (value.as_str(), &new_column.enum_values)
                    && !values.iter().any(|v| v == text)
                {
                    let mapped = evolution
                        .removed_values
                        .iter()
                        .find(|v| v.value == text)
                        .unwrap_or_else(|| {
                            panic!("{name}: {t}.{column} holds {text}, removed without map_to")
                        });
                    expected = Value::String(mapped.map_to.clone());
                }
                // A NULL in a column made required gets the backfill.
                if value.is_null()
                    && !new_column.nullable
                    && let Some(backfill) = evolution.backfill(record, &column)
                {
                    match &backfill.value {
                        Backfill::Value(v) => expected = v.clone(),
                        Backfill::Sql(_) => continue,
                    }
                }
                assert_eq!(
                    new_row.get(&column),
                    Some(&expected),
                    "{name} {dialect:?}: {t}.{column} (was {old_column}) of row {moved:?}"
                );
            }
            // Columns the row did not have: a value backfill, or NULL for a new optional column.
            for new_column in &new_table.columns {
                let carried = old_row.keys().any(|c| now(c) == new_column.name);
                if carried {
                    continue;
                }
                let got = new_row
                    .get(&new_column.name)
                    .cloned()
                    .unwrap_or(Value::Null);
                match evolution
                    .backfill(record, &new_column.name)
                    .map(|b| &b.value)
                {
                    Some(Backfill::Value(v)) => assert_eq!(
                        &got, v,
                        "{name} {dialect:?}: {t}.{} backfilled",
                        new_column.name
                    ),
                    Some(Backfill::Sql(_)) => {
                        assert!(
                            !got.is_null(),
                            "{name} {dialect:?}: {t}.{} backfilled",
                            new_column.name
                        );
                        check_sql_backfill(name, dialect, t, &new_column.name, &moved, &got);
                    }
                    None => assert!(
                        got.is_null(),
                        "{name} {dialect:?}: new optional column {t}.{} is NULL",
                        new_column.name
                    ),
                }
            }
        }
    }
}

/// The `cast: { sql: … }` conversions of `cast_by_expression`, computed here from the old value.
fn check_sql_cast(
    case: &str,
    dialect: Dialect,
    table: &str,
    column: &str,
    old: &Value,
    got: &Value,
) {
    let text = old
        .as_str()
        .unwrap_or_else(|| panic!("{case}: {old:?} is text"));
    let expected = match (table, column) {
        // `length(title)`
        ("tasks", "title") => Value::from(text.chars().count() as i64),
        // `CASE label WHEN 'x' THEN 'red' ELSE 'green' END`
        ("task_tags", "label") => Value::from(if text == "x" { "red" } else { "green" }),
        other => panic!("{case}: no expectation for the cast of {other:?}"),
    };
    assert_eq!(
        got, &expected,
        "{case} {dialect:?}: {table}.{column} was {old:?}"
    );
}

/// The SQL backfills of `backfill_required_columns`, computed here from the old row.
fn check_sql_backfill(
    case: &str,
    dialect: Dialect,
    table: &str,
    column: &str,
    old: &BTreeMap<String, Value>,
    got: &Value,
) {
    match (table, column) {
        ("tasks", "heavy") => {
            let weight = old.get("weight").and_then(Value::as_i64).unwrap_or(0);
            assert_eq!(
                truthy(got),
                Some(weight > 10),
                "{case} {dialect:?}: heavy of {old:?}"
            );
        }
        ("task_events", "note_length") => {
            let length = old
                .get("note")
                .and_then(Value::as_str)
                .map_or(0, |n| n.chars().count() as i64);
            assert_eq!(
                got.as_i64(),
                Some(length),
                "{case} {dialect:?}: note_length of {old:?}"
            );
        }
        other => panic!("{case}: no expectation for the SQL backfill of {other:?}"),
    }
}

async fn all_rows(
    db: &mut Db,
    schema: &Schema,
) -> BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>> {
    let mut out = BTreeMap::new();
    for table in &schema.tables {
        out.insert(table.name.clone(), rows(db, table).await);
    }
    out
}

async fn migrate_populated(db: &mut Db, case: &MigrationCase) {
    let dialect = db.dialect();
    db.migrate(&case.before_dir.migrations(dialect))
        .await
        .expect("0001 applies");
    populate(db, &case.before_schema).await;
    let before = all_rows(db, &case.before_schema).await;
    assert_eq!(before["tasks"].len(), 3, "populated");
    db.migrate(&case.after_dir.migrations(dialect))
        .await
        .unwrap_or_else(|e| panic!("{} {dialect:?}: 0002 applies: {e}", case.name));
    let after = all_rows(db, &case.after_schema).await;
    check_rows(case, dialect, &before, &after);
    if dialect == Dialect::Sqlite {
        assert_eq!(
            db.count("pragma_foreign_key_check").await,
            0,
            "{}: no broken foreign keys",
            case.name
        );
    }
    for table in before.keys() {
        let exists = !db.columns(table).await.is_empty();
        assert_eq!(
            exists,
            case.after_schema.table(table).is_some(),
            "{} {dialect:?}: {table} exists exactly when the new spec stores it",
            case.name
        );
    }
    // Every index of the new schema is there as declared; every index it no longer has is gone.
    for table in &case.after_schema.tables {
        for index in &table.indexes {
            assert_eq!(
                db.index(&table.name, &index.name).await,
                Some((index.unique, index.columns.clone())),
                "{} {dialect:?}: index {}",
                case.name,
                index.name
            );
        }
    }
    for table in &case.before_schema.tables {
        for index in &table.indexes {
            let kept = case
                .after_schema
                .tables
                .iter()
                .any(|t| t.indexes.iter().any(|i| i.name == index.name));
            if !kept {
                assert_eq!(
                    db.index(&table.name, &index.name).await,
                    None,
                    "{} {dialect:?}: index {} dropped",
                    case.name,
                    index.name
                );
            }
        }
    }
    // A table no longer append-only accepts a DELETE again.
    for table in &case.after_schema.tables {
        let was_append_only = case
            .before_schema
            .table(&table.name)
            .is_some_and(|t| t.append_only);
        if was_append_only && !table.append_only {
            db.execute(&format!("DELETE FROM {}", table.name))
                .await
                .unwrap_or_else(|e| panic!("{} {dialect:?}: {e}", case.name));
        }
    }
    // The append-only guard is back after a migration that rewrote the table's rows.
    let events = case
        .after_schema
        .tables
        .iter()
        .find(|t| t.append_only && !t.source.contains('.'));
    if let Some(events) = events {
        let error = db
            .execute(&format!("DELETE FROM {}", events.name))
            .await
            .expect_err("append-only");
        assert!(
            error.contains("append-only"),
            "{} {dialect:?}: {error}",
            case.name
        );
    }
}

test_each_dialect!(
    declared_changes_keep_the_data_of_a_populated_sqlite_database,
    declared_changes_keep_the_data_of_a_populated_postgres_database => declared_changes_keep_the_data
);

async fn declared_changes_keep_the_data(dialect: Dialect) {
    for name in EVOLUTION_CASES {
        let Some(mut test_db) = Db::open(dialect, &format!("evolve_{name}")).await else {
            return;
        };
        migrate_populated(&mut test_db.db, &case(name)).await;
    }
}

async fn fresh_equals_replayed(dialect: Dialect) {
    for name in EVOLUTION_CASES {
        let case = case(name);
        assert_replayed_folder_equals_fresh(
            dialect,
            &case.after_dir.migrations(dialect),
            &case.fresh_dir.migrations(dialect),
            name,
        )
        .await;
    }
}

test_each_dialect!(
    replayed_evolution_migrations_equal_a_fresh_schema_on_sqlite,
    replayed_evolution_migrations_equal_a_fresh_schema_on_postgres => fresh_equals_replayed
);

/// The repository's own migrations (0004 is hand-written) replayed equal the spec's schema
/// created in one migration.
async fn repository_replay_equals_fresh(dialect: Dialect) {
    let spec = load_spec(&repo_root());
    let fresh_files = migrations::generate(&spec, &[]).expect("fresh");
    let fresh_dir = ScratchDir::new("repository-fresh");
    fresh_dir.write(&fresh_files.files);
    assert_replayed_folder_equals_fresh(
        dialect,
        &repo_root().join("migrations").join(dialect.folder()),
        &fresh_dir.migrations(dialect),
        "the repository's migrations",
    )
    .await;
}

test_each_dialect!(
    the_repository_migrations_replayed_equal_a_fresh_schema_on_sqlite,
    the_repository_migrations_replayed_equal_a_fresh_schema_on_postgres => repository_replay_equals_fresh
);

/// A row to insert: (table, (column, SQL literal)…).
type Row = (&'static str, Vec<(&'static str, String)>);

/// Rows the `before` schema accepts that break what a case's migration adds: a duplicate for a
/// new unique index or primary key, a row against a new rule's CHECK, a dangling reference for a
/// new foreign key; and what the error names in SQLite and in Postgres.
fn violations(case: &str) -> (Vec<Row>, [&'static str; 2]) {
    let task = "'00000000-0000-4000-8000-000000000001'".to_string();
    let rows = match case {
        "change_indexes" => vec![(
            "task_tags",
            vec![
                ("task_id", task.clone()),
                ("position", "0".into()),
                ("label", "'x'".into()),
            ],
        )],
        "change_rule_checks" => vec![(
            "tasks",
            vec![("color", "'red'".into()), ("score", "1.5".into())],
        )],
        "change_foreign_keys" => vec![("tasks", vec![("parent_task_id", new_id())])],
        "change_primary_key" => vec![
            (
                "task_events",
                vec![
                    ("task_id", task.clone()),
                    ("sequence", "1".into()),
                    ("color", "'green'".into()),
                ],
            ),
            (
                "task_events",
                vec![
                    ("task_id", task.clone()),
                    ("sequence", "2".into()),
                    ("color", "'green'".into()),
                ],
            ),
        ],
        other => panic!("no violating rows for {other}"),
    };
    let needles = match case {
        "change_indexes" => [
            "UNIQUE constraint failed: task_tags.label",
            "task_tags_label",
        ],
        "change_rule_checks" => [
            "tasks_red_tasks_have_no_score_check",
            "tasks_red_tasks_have_no_score_check",
        ],
        "change_foreign_keys" => ["tasks_foreign_keys_hold", "tasks_parent_task_id_fkey"],
        "change_primary_key" => ["UNIQUE constraint failed", "task_events_pkey"],
        other => panic!("no expected error for {other}"),
    };
    // The task the tag and the events belong to comes first.
    let mut all = vec![("tasks", vec![("task_id", task)])];
    all.extend(rows);
    (all, needles)
}

/// A migration that adds a unique index, a rule's CHECK, a foreign key or a primary key fails on
/// stored rows that break it, inside its transaction, and changes nothing: the schema, every row
/// and sqlx's record of applied migrations are as they were. On SQLite a rebuild runs its own
/// transaction (`-- no-transaction`); after the failing statement it is still open, and closing
/// the connection (as `sqlx migrate run` does when it stops) rolls it back, as the `ROLLBACK` here
/// does.
async fn violating_rows_fail_the_migration(dialect: Dialect) {
    for name in [
        "change_indexes",
        "change_rule_checks",
        "change_foreign_keys",
        "change_primary_key",
    ] {
        let Some(mut test_db) = Db::open(dialect, &format!("violate_{name}")).await else {
            return;
        };
        let db = &mut test_db.db;
        let case = case(name);
        db.migrate(&case.before_dir.migrations(dialect))
            .await
            .expect("0001 applies");
        populate(db, &case.before_schema).await;
        let (rows, needles) = violations(name);
        for (table, values) in &rows {
            let table = case.before_schema.table(table).expect("table");
            db.insert(table, values)
                .await
                .unwrap_or_else(|e| panic!("{name} {dialect:?}: the old schema accepts it: {e}"));
        }
        let schema_before = schema_facts(db).await;
        let rows_before = all_rows(db, &case.before_schema).await;
        let error = db
            .migrate(&case.after_dir.migrations(dialect))
            .await
            .expect_err("a violating row stops the migration");
        let needle = needles[usize::from(dialect == Dialect::Postgres)];
        assert!(error.contains(needle), "{name} {dialect:?}: {error}");
        let sqlite_rebuild = dialect == Dialect::Sqlite
            && case.pending.iter().any(|path| {
                path.contains("/sqlite/")
                    && std::fs::read_to_string(case.after_dir.0.join(path))
                        .expect("pending file")
                        .starts_with("-- no-transaction")
            });
        if sqlite_rebuild {
            db.execute("ROLLBACK; PRAGMA foreign_keys = ON;")
                .await
                .unwrap_or_else(|e| panic!("{name}: the rebuild's transaction was open: {e}"));
        }
        assert_eq!(
            schema_facts(db).await,
            schema_before,
            "{name} {dialect:?}: the schema is unchanged"
        );
        assert_eq!(
            all_rows(db, &case.before_schema).await,
            rows_before,
            "{name} {dialect:?}: every row is unchanged"
        );
        assert_eq!(
            db.count("_sqlx_migrations").await,
            1,
            "{name} {dialect:?}: only 0001 is recorded as applied"
        );
    }
}

test_each_dialect!(
    violating_rows_fail_a_sqlite_migration_and_change_nothing,
    violating_rows_fail_a_postgres_migration_and_change_nothing => violating_rows_fail_the_migration
);
