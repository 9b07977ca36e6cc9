//! A migration's files: the SQL of its [`Change`]s in each dialect (Postgres `ALTER`s and
//! `UPDATE`s, SQLite table rebuilds), the data-loss warning, and its snapshot.

use handshake_spec::model::{Backfill, Spec};
use serde_json::Value;

use super::diff::{Change, column_type_words};
use super::{Snapshot, sha256_hex, snapshot_path, spec_source};
use crate::sql::{self, Dialect, Schema, TableSchema, ddl};
use crate::{GeneratedFile, marker};

pub(super) fn render_migration(
    spec: &Spec,
    folder: &str,
    number: u32,
    description: &str,
    old: &Schema,
    new: &Schema,
    changes: &[Change],
) -> Vec<GeneratedFile> {
    let source = spec_source(spec);
    let mut checksums = Vec::new();
    let mut files = Vec::new();
    for dialect in Dialect::ALL {
        let (no_transaction, body) = render_body(dialect, old, new, changes);
        let first_line = if no_transaction {
            marker::line("-- no-transaction --", &source)
        } else {
            marker::line("--", &source)
        };
        let mut text = first_line;
        text.push_str(&data_loss_warning(changes));
        text.push_str(&format!(
            "-- Migration {number:04} ({}) for spec {} {} (Master Spec {}).\n",
            dialect.folder(),
            spec.name,
            spec.version,
            spec.master_spec
        ));
        for change in changes {
            text.push_str(&format!("--   {}\n", change.summary()));
        }
        text.push('\n');
        text.push_str(&body);
        let relative = format!("{}/{number:04}_{description}.sql", dialect.folder());
        checksums.push((relative.clone(), sha256_hex(&text)));
        files.push(GeneratedFile {
            path: format!("{folder}/{relative}"),
            contents: text,
        });
    }
    let snapshot = Snapshot {
        version: number,
        description: description.to_string(),
        spec_version: spec.version.clone(),
        hand_written: false,
        checksums,
        schema: new.clone(),
        contents: String::new(),
    };
    files.push(GeneratedFile {
        path: snapshot_path(folder, number),
        contents: snapshot.render(&source),
    });
    files
}

/// The warning a migration that loses data starts with (after the marker line, which sqlx reads
/// first), naming each loss and the reason the spec gives, as Atlas and Prisma do; empty otherwise.
fn data_loss_warning(changes: &[Change]) -> String {
    let losses: Vec<String> = changes
        .iter()
        .filter_map(|change| match change {
            Change::DropColumn {
                table,
                column,
                reason,
            } => Some(format!(
                "--   drops column {table}.{column} and every value in it: {}\n",
                reason.replace('\n', " ")
            )),
            Change::CastColumn {
                table,
                column,
                from,
                to,
                loss: Some((what, reason)),
                ..
            } => Some(format!(
                "--   casts column {table}.{column} from {} to {} ({what}): {}\n",
                column_type_words(from),
                column_type_words(to),
                reason.replace('\n', " ")
            )),
            Change::DropTable { table, reason } => Some(format!(
                "--   drops table {table} and every row in it: {}\n",
                reason.replace('\n', " ")
            )),
            _ => None,
        })
        .collect();
    if losses.is_empty() {
        return String::new();
    }
    format!(
        "-- WARNING: this migration loses data (declared with `allow_data_loss:` in the spec):\n{}",
        losses.concat()
    )
}

/// The statements of one migration; `true` when it must run outside sqlx's transaction.
fn render_body(dialect: Dialect, old: &Schema, new: &Schema, changes: &[Change]) -> (bool, String) {
    let mut out = String::new();
    let mut rebuilt: Vec<&str> = Vec::new();
    // Statements that run once every table exists: foreign keys added to existing tables (they
    // may reference a table this migration creates), and on SQLite their check.
    let mut deferred: Vec<String> = Vec::new();
    // Changes to existing tables first, table by table in spec order; then the new tables.
    for table in &new.tables {
        let Some(old_table) = old.table(&table.name) else {
            continue;
        };
        let table_changes: Vec<&Change> = changes
            .iter()
            .filter(|c| {
                !matches!(c, Change::CreateTable(_) | Change::DropTable { .. })
                    && c.table() == table.name
            })
            .collect();
        if table_changes.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        if dialect == Dialect::Sqlite && table_changes.iter().any(|c| c.needs_sqlite_rebuild()) {
            // A renamed table is renamed first (SQLite rewrites the foreign keys that reference
            // it), then rebuilt, so its CHECKs and triggers carry the new name a fresh one has.
            for change in &table_changes {
                if let Change::RenameTable { table, from, .. } = change {
                    out.push_str(&format!("ALTER TABLE {from} RENAME TO {table};\n"));
                }
            }
            out.push_str(&ddl::rebuild_table_from(
                table,
                &sqlite_copy(old_table, table, &table_changes),
            ));
            rebuilt.push(&table.name);
            if table_changes
                .iter()
                .any(|c| matches!(c, Change::AddForeignKey { .. }))
            {
                deferred.push(sqlite_foreign_key_check(&table.name));
            }
            continue;
        }
        let updates_rows = table_changes.iter().any(|c| {
            matches!(
                c,
                Change::MapEnumValues { .. }
                    | Change::CastColumn { sql: Some(_), .. }
                    | Change::MakeRequired { .. }
                    | Change::AddRequiredColumn {
                        backfill: Backfill::Sql(_),
                        ..
                    }
            )
        });
        // An UPDATE of an append-only table fires its guard: the migration is the one writer
        // allowed to rewrite stored rows, so it switches the row trigger off around its updates.
        // The triggers the table has before the migration: one that turns `append_only` on or
        // off adds or drops them after every update.
        let guard = (old_table.append_only && updates_rows)
            .then(|| format!("{}_append_only_update", table.name));
        if let Some(trigger) = &guard {
            out.push_str(&format!(
                "ALTER TABLE {} DISABLE TRIGGER {trigger};\n",
                table.name
            ));
        }
        let mut last = Vec::new();
        for change in table_changes {
            match change {
                Change::AddForeignKey { .. } => {
                    deferred.push(render_change(dialect, old_table, table, change))
                }
                Change::SetAppendOnly { .. } => last.push(change),
                _ => out.push_str(&render_change(dialect, old_table, table, change)),
            }
        }
        if let Some(trigger) = &guard {
            out.push_str(&format!(
                "ALTER TABLE {} ENABLE TRIGGER {trigger};\n",
                table.name
            ));
        }
        for change in last {
            out.push_str(&render_change(dialect, old_table, table, change));
        }
    }
    let created: Vec<&TableSchema> = new
        .tables
        .iter()
        .filter(|t| old.table(&t.name).is_none())
        .collect();
    if !created.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let existing: Vec<&str> = old.tables.iter().map(|t| t.name.as_str()).collect();
        out.push_str(&ddl::create_tables(dialect, &created, &existing));
    }
    if !deferred.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&deferred.concat());
    }
    for change in changes {
        if let Change::DropTable { table, .. } = change {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("DROP TABLE {table};\n"));
            // Postgres keeps the append-only guard's function after its triggers are gone.
            if dialect == Dialect::Postgres && old.table(table).is_some_and(|t| t.append_only) {
                out.push_str(&format!("DROP FUNCTION {table}_append_only();\n"));
            }
        }
    }
    if rebuilt.is_empty() {
        return (false, out);
    }
    let wrapped = format!(
        "-- Runs outside sqlx's transaction: PRAGMA foreign_keys cannot change inside one, and with foreign\n\
         -- keys on, dropping the old table would cascade-delete the rows of its child tables.\n\
         PRAGMA foreign_keys = OFF;\n\
         BEGIN;\n\n\
         {out}\n\
         COMMIT;\n\
         PRAGMA foreign_keys = ON;\n"
    );
    (true, wrapped)
}

/// One change to an existing table as ALTER (and UPDATE) statements: every change on Postgres,
/// and on SQLite the ones [`Change::needs_sqlite_rebuild`] leaves out.
fn render_change(
    dialect: Dialect,
    old: &TableSchema,
    table: &TableSchema,
    change: &Change,
) -> String {
    let name = &table.name;
    let column_of = |column: &str| table.column(column).expect("diff names existing columns");
    match change {
        Change::AddColumn { column, .. } => ddl::add_column(dialect, table, column_of(column)),
        Change::WidenEnum { column, .. } => ddl::replace_check(name, column_of(column)),
        Change::AddIndex { index, .. } => {
            let index = table.index(index).expect("diff names existing indexes");
            ddl::create_index(name, index)
        }
        Change::RenameColumn { from, to, .. } => {
            let mut out = format!(
                "ALTER TABLE {name} RENAME COLUMN {} TO {};\n",
                sql::column_sql(from),
                sql::column_sql(to)
            );
            // Every CHECK is named after its column; keep the name a fresh schema would have.
            let had_check = old
                .column(from)
                .is_some_and(|c| ddl::check_expression(dialect, c).is_some());
            if had_check {
                out.push_str(&format!(
                    "ALTER TABLE {name} RENAME CONSTRAINT {} TO {};\n",
                    sql::check_name(name, from),
                    sql::check_name(name, to)
                ));
            }
            // So is its foreign key (`<table>_<column>_fkey`), which a later migration may drop.
            if old
                .foreign_keys
                .iter()
                .any(|fk| fk.columns == [from.clone()])
            {
                out.push_str(&format!(
                    "ALTER TABLE {name} RENAME CONSTRAINT {name}_{from}_fkey TO {name}_{to}_fkey;\n"
                ));
            }
            out
        }
        Change::MakeOptional { column, .. } => format!(
            "ALTER TABLE {name} ALTER COLUMN {} DROP NOT NULL;\n",
            sql::column_sql(column)
        ),
        Change::AddRequiredColumn {
            column, backfill, ..
        } => {
            let column = column_of(column);
            let c = sql::column_sql(&column.name);
            match backfill {
                // One statement, no table rewrite (Postgres 11+ stores a constant default once);
                // the default then goes, so the column is what a fresh schema has.
                Backfill::Value(_) => format!(
                    "{}ALTER TABLE {name} ALTER COLUMN {c} DROP DEFAULT;\n",
                    ddl::add_column_with_default(
                        dialect,
                        table,
                        column,
                        &backfill_sql(dialect, column, backfill)
                    )
                ),
                Backfill::Sql(_) => {
                    let nullable = sql::Column {
                        nullable: true,
                        ..column.clone()
                    };
                    ddl::add_column(dialect, table, &nullable)
                        + &backfill_then_require(
                            name,
                            &c,
                            &backfill_sql(dialect, column, backfill),
                            "",
                        )
                }
            }
        }
        Change::MakeRequired {
            column, backfill, ..
        } => {
            let column = column_of(column);
            let c = sql::column_sql(&column.name);
            let only_nulls = format!(" WHERE {c} IS NULL");
            backfill_then_require(
                name,
                &c,
                &backfill_sql(dialect, column, backfill),
                &only_nulls,
            )
        }
        Change::MapEnumValues {
            column, mapping, ..
        } => {
            let column = column_of(column);
            let c = sql::column_sql(&column.name);
            let check = sql::check_name(name, &column.name);
            let old_values = mapping
                .iter()
                .map(|(from, _)| ddl::quote_literal(from))
                .collect::<Vec<_>>()
                .join(", ");
            // The old CHECK goes first: a merge may map onto a value it did not allow.
            format!(
                "ALTER TABLE {name} DROP CONSTRAINT {check};\nUPDATE {name} SET {c} = {} WHERE {c} IN ({old_values});\nALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({});\n",
                map_expression(&column.name, mapping),
                ddl::check_expression(dialect, column).unwrap_or_default()
            )
        }
        Change::DropColumn { column, .. } => format!(
            "ALTER TABLE {name} DROP COLUMN {};\n",
            sql::column_sql(column)
        ),
        Change::CastColumn {
            column, from, sql, ..
        } => {
            let to = column_of(column);
            let c = sql::column_sql(&to.name);
            let check = sql::check_name(name, &to.name);
            let mut out = String::new();
            if ddl::check_expression(dialect, from).is_some() {
                out.push_str(&format!("ALTER TABLE {name} DROP CONSTRAINT {check};\n"));
            }
            let expression = match sql {
                Some(sql) => format!("({sql})"),
                None => cast_expression(dialect, from, to),
            };
            if ddl::sql_type(dialect, from.ty) != ddl::sql_type(dialect, to.ty) {
                out.push_str(&format!(
                    "ALTER TABLE {name} ALTER COLUMN {c} TYPE {} USING {expression};\n",
                    ddl::sql_type(dialect, to.ty),
                ));
            } else if sql.is_some() {
                // The same SQL type (text to an enum): the values change, not the type.
                out.push_str(&format!("UPDATE {name} SET {c} = {expression};\n"));
            }
            if let Some(expression) = ddl::check_expression(dialect, to) {
                out.push_str(&format!(
                    "ALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({expression});\n"
                ));
            }
            out
        }
        Change::RenameTable {
            from,
            constraints,
            append_only,
            ..
        } => {
            let mut out = format!("ALTER TABLE {from} RENAME TO {name};\n");
            for (old_name, new_name) in constraints {
                out.push_str(&format!(
                    "ALTER TABLE {name} RENAME CONSTRAINT {old_name} TO {new_name};\n"
                ));
            }
            out.push_str(&format!("ALTER INDEX {from}_pkey RENAME TO {name}_pkey;\n"));
            if *append_only {
                for suffix in ["update", "truncate"] {
                    out.push_str(&format!(
                        "ALTER TRIGGER {from}_append_only_{suffix} ON {name} RENAME TO {name}_append_only_{suffix};\n"
                    ));
                }
                out.push_str(&format!(
                    "ALTER FUNCTION {from}_append_only() RENAME TO {name}_append_only;\n"
                ));
            }
            out
        }
        Change::DropIndex { index, .. } => format!("DROP INDEX {index};\n"),
        Change::DropCheck { check, .. } => {
            format!("ALTER TABLE {name} DROP CONSTRAINT {check};\n")
        }
        Change::AddCheck { check, .. } => {
            let rule = table.check(check).expect("diff names existing checks");
            format!(
                "ALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({});\n",
                rule.expression(dialect)
            )
        }
        // Postgres names a foreign key `<table>_<columns>_fkey` when it is created.
        Change::DropForeignKey { foreign_key, .. } => format!(
            "ALTER TABLE {name} DROP CONSTRAINT {name}_{}_fkey;\n",
            foreign_key.columns.join("_")
        ),
        Change::AddForeignKey { foreign_key, .. } => ddl::add_foreign_key(name, foreign_key),
        Change::ChangePrimaryKey { to, .. } => format!(
            "ALTER TABLE {name} DROP CONSTRAINT {name}_pkey,\n    ADD PRIMARY KEY ({});\n",
            sql::columns_sql(to)
        ),
        Change::SetAppendOnly { on: true, .. } => ddl::append_only_triggers(dialect, name),
        Change::SetAppendOnly { on: false, .. } => match dialect {
            Dialect::Sqlite => format!(
                "DROP TRIGGER {name}_append_only_update;\nDROP TRIGGER {name}_append_only_delete;\n"
            ),
            Dialect::Postgres => format!(
                "DROP TRIGGER {name}_append_only_update ON {name};\nDROP TRIGGER {name}_append_only_truncate ON {name};\nDROP FUNCTION {name}_append_only();\n"
            ),
        },
        Change::CreateTable(_) | Change::DropTable { .. } => String::new(),
    }
}

/// SQLite: fail the migration (inside its transaction, so nothing changes) when a row of `table`
/// breaks one of its foreign keys. The rebuild runs with foreign keys off, so nothing else checks
/// a foreign key it adds; `pragma_foreign_key_check` does, and a temporary table's CHECK turns a
/// violation into an error that names the table.
fn sqlite_foreign_key_check(table: &str) -> String {
    let guard = format!("{table}__foreign_key_check");
    format!(
        "-- every row of {table} must satisfy its foreign keys (they are off during the rebuild)\n\
         CREATE TEMP TABLE {guard} (violations INTEGER CONSTRAINT {table}_foreign_keys_hold CHECK (violations = 0));\n\
         INSERT INTO {guard} SELECT count(*) FROM pragma_foreign_key_check('{table}');\n\
         DROP TABLE {guard};\n"
    )
}

/// The SQL converting `from`'s stored value to `to`'s type (Postgres `USING`, the SQLite copy).
fn cast_expression(dialect: Dialect, from: &sql::Column, to: &sql::Column) -> String {
    use sql::ColumnType::{Boolean, Integer, Number, Text};
    let c = sql::column_sql(&to.name);
    match (dialect, from.ty, to.ty) {
        (_, a, b) if a == b => c.into_owned(),
        (Dialect::Sqlite, _, Text) => format!("CAST({c} AS TEXT)"),
        (Dialect::Sqlite, _, Number) => format!("CAST({c} AS REAL)"),
        // CAST of a REAL truncates toward zero; of an integer or boolean, it keeps it.
        (Dialect::Sqlite, _, _) => format!("CAST({c} AS INTEGER)"),
        (Dialect::Postgres, _, Text) => format!("{c}::text"),
        (Dialect::Postgres, _, Number) => format!("{c}::double precision"),
        (Dialect::Postgres, Boolean, _) => format!("{c}::integer::bigint"),
        (Dialect::Postgres, Number, Integer) => format!("trunc({c})::bigint"),
        (Dialect::Postgres, _, _) => format!("{c}::bigint"),
    }
}

/// `CASE col WHEN 'old' THEN 'new' … ELSE col END`.
fn map_expression(column: &str, mapping: &[(String, String)]) -> String {
    let c = sql::column_sql(column);
    let arms: String = mapping
        .iter()
        .map(|(from, to)| {
            format!(
                " WHEN {} THEN {}",
                ddl::quote_literal(from),
                ddl::quote_literal(to)
            )
        })
        .collect();
    format!("CASE {c}{arms} ELSE {c} END")
}

/// A backfill as SQL: a value as a literal of the column's type, an expression as written.
/// Fills column `c` of table `name` with `value` on the rows `filter` picks (all rows when it is
/// empty), then makes it `NOT NULL`: in this order, so no row breaks the constraint.
fn backfill_then_require(name: &str, c: &str, value: &str, filter: &str) -> String {
    format!(
        "UPDATE {name} SET {c} = {value}{filter};\nALTER TABLE {name} ALTER COLUMN {c} SET NOT NULL;\n"
    )
}

fn backfill_sql(dialect: Dialect, column: &sql::Column, backfill: &Backfill) -> String {
    let value = match backfill {
        Backfill::Sql(expression) => return format!("({expression})"),
        Backfill::Value(value) => value,
    };
    match (column.ty, value) {
        (sql::ColumnType::Json, value) => ddl::quote_literal(&value.to_string()),
        (_, Value::Bool(b)) => match dialect {
            Dialect::Sqlite => if *b { "1" } else { "0" }.to_string(),
            Dialect::Postgres => if *b { "TRUE" } else { "FALSE" }.to_string(),
        },
        (_, Value::Number(n)) => n.to_string(),
        (_, Value::String(text)) => ddl::quote_literal(text),
        (_, Value::Null) => "NULL".to_string(),
        (_, other) => ddl::quote_literal(&other.to_string()),
    }
}

/// SQLite: what each column of the rebuilt table is filled from, as an expression over the old
/// table seen with the new column names (renamed columns under their new name), or `None` for a
/// new nullable column (left NULL).
fn sqlite_copy(old: &TableSchema, new: &TableSchema, changes: &[&Change]) -> ddl::RebuildCopy {
    let mut source_columns = Vec::new();
    for column in &old.columns {
        let renamed = changes.iter().find_map(|c| match c {
            Change::RenameColumn { from, to, .. } if *from == column.name => Some(to.as_str()),
            _ => None,
        });
        let dropped = changes
            .iter()
            .any(|c| matches!(c, Change::DropColumn { column: d, .. } if *d == column.name));
        source_columns.push((column.name.clone(), renamed.map(str::to_string), dropped));
    }
    let mut fill = Vec::new();
    for column in &new.columns {
        let c = sql::column_sql(&column.name).into_owned();
        let expression = changes.iter().find_map(|change| match change {
            Change::AddRequiredColumn {
                column: n,
                backfill,
                ..
            } if *n == column.name => Some(backfill_sql(Dialect::Sqlite, column, backfill)),
            Change::MakeRequired {
                column: n,
                backfill,
                ..
            } if *n == column.name => Some(format!(
                "coalesce({c}, {})",
                backfill_sql(Dialect::Sqlite, column, backfill)
            )),
            Change::MapEnumValues {
                column: n, mapping, ..
            } if *n == column.name => Some(map_expression(&column.name, mapping)),
            Change::CastColumn {
                column: n,
                sql: Some(sql),
                ..
            } if *n == column.name => Some(format!("({sql})")),
            Change::CastColumn {
                column: n, from, ..
            } if *n == column.name => Some(cast_expression(Dialect::Sqlite, from, column)),
            _ => None,
        });
        let carried = source_columns
            .iter()
            .any(|(old_name, renamed, _)| renamed.as_deref().unwrap_or(old_name) == column.name);
        match expression {
            Some(expression) => fill.push((column.name.clone(), expression)),
            None if carried => fill.push((column.name.clone(), c)),
            None => {}
        }
    }
    let only_checks = changes.iter().all(|c| {
        matches!(
            c,
            Change::WidenEnum { .. } | Change::AddColumn { .. } | Change::AddIndex { .. }
        )
    });
    let only_constraints = changes.iter().all(|c| {
        matches!(
            c,
            Change::WidenEnum { .. }
                | Change::AddColumn { .. }
                | Change::AddIndex { .. }
                | Change::DropIndex { .. }
                | Change::SetAppendOnly { .. }
                | Change::AddCheck { .. }
                | Change::DropCheck { .. }
                | Change::AddForeignKey { .. }
                | Change::DropForeignKey { .. }
                | Change::ChangePrimaryKey { .. }
        )
    });
    let why = if only_checks {
        "sqlite cannot alter a CHECK constraint in place"
    } else if only_constraints {
        "sqlite cannot add or drop a CHECK, foreign key or primary key in place; every row is copied and checked"
    } else {
        "sqlite cannot change a column's name, nullability, values or CHECK in place; every row is copied"
    };
    ddl::RebuildCopy {
        source_columns,
        fill,
        why: why.to_string(),
    }
}
