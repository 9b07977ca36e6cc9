//! DDL text for the logical schema: CREATE TABLE / INDEX / TRIGGER and the ALTERs of additive migrations.
//!
//! Every function returns complete statements, each ending in `;\n`, in a fixed order, so the
//! same schema always renders to the same bytes. Table and index names are written unquoted (the
//! spec language refuses SQL keywords there); a column is its field's wire name, quoted where
//! SQL reserves the word ([`column_sql`]).

use super::{
    Column, ColumnType, Dialect, ForeignKeySchema, IndexSchema, TableSchema, check_name,
    column_sql, columns_sql,
};

/// The SQL type of a logical column type.
pub fn sql_type(dialect: Dialect, ty: ColumnType) -> &'static str {
    match dialect {
        Dialect::Sqlite => match ty {
            ColumnType::Text | ColumnType::Uuid | ColumnType::Timestamp | ColumnType::Json => {
                "TEXT"
            }
            ColumnType::Integer | ColumnType::UnsignedInteger | ColumnType::Boolean => "INTEGER",
            ColumnType::Number => "REAL",
        },
        Dialect::Postgres => match ty {
            ColumnType::Text => "text",
            ColumnType::Uuid => "uuid",
            ColumnType::Integer | ColumnType::UnsignedInteger => "bigint",
            ColumnType::Number => "double precision",
            ColumnType::Boolean => "boolean",
            ColumnType::Timestamp => "timestamptz",
            ColumnType::Json => "jsonb",
        },
    }
}

/// The CHECK expression of a column, if it has one in this dialect.
///
/// Enum columns: `col IN ('a', 'b')`. `uint`: `col >= 0`. SQLite only (Postgres types enforce
/// these): booleans `col IN (0, 1)` and JSON `json_valid(col)`.
pub fn check_expression(dialect: Dialect, column: &Column) -> Option<String> {
    let name = column_sql(&column.name);
    if let Some(values) = &column.enum_values {
        let list = values
            .iter()
            .map(|v| quote_literal(v))
            .collect::<Vec<_>>()
            .join(", ");
        return Some(format!("{name} IN ({list})"));
    }
    match (dialect, column.ty) {
        (_, ColumnType::UnsignedInteger) => Some(format!("{name} >= 0")),
        (Dialect::Sqlite, ColumnType::Boolean) => Some(format!("{name} IN (0, 1)")),
        (Dialect::Sqlite, ColumnType::Json) => Some(format!("json_valid({name})")),
        _ => None,
    }
}

/// A SQL string literal (`'…'`, quotes doubled).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// One column definition: `name TYPE [NOT NULL] [CONSTRAINT <table>_<name>_check CHECK (...)]`.
pub fn column_definition(dialect: Dialect, table: &str, column: &Column) -> String {
    let mut out = format!(
        "{} {}",
        column_sql(&column.name),
        sql_type(dialect, column.ty)
    );
    if !column.nullable {
        out.push_str(" NOT NULL");
    }
    if let Some(check) = check_expression(dialect, column) {
        out.push_str(&format!(
            " CONSTRAINT {} CHECK ({check})",
            check_name(table, &column.name)
        ));
    }
    out
}

fn foreign_key_clause(fk: &ForeignKeySchema) -> String {
    let mut out = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        columns_sql(&fk.columns),
        fk.references_table,
        columns_sql(&fk.references_columns)
    );
    if fk.on_delete_cascade {
        out.push_str(" ON DELETE CASCADE");
    }
    out
}

/// `CREATE TABLE <name> (...)`; `STRICT` on SQLite.
///
/// `inline_foreign_key` decides per foreign key whether it is written inside the table (always on
/// SQLite, which resolves references lazily; on Postgres only when the referenced table already
/// exists: the others are added by [`add_foreign_key`] once every table exists).
pub fn create_table(
    dialect: Dialect,
    table: &TableSchema,
    name: &str,
    inline_foreign_key: &dyn Fn(&ForeignKeySchema) -> bool,
) -> String {
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| column_definition(dialect, &table.name, c))
        .collect();
    lines.push(format!("PRIMARY KEY ({})", columns_sql(&table.primary_key)));
    for fk in &table.foreign_keys {
        if inline_foreign_key(fk) {
            lines.push(foreign_key_clause(fk));
        }
    }
    // Cross-field rules (spec `rules:`) that SQL can express, one named CHECK each.
    for check in &table.checks {
        lines.push(format!(
            "CONSTRAINT {} CHECK ({})",
            check.name,
            check.expression(dialect)
        ));
    }
    let strict = match dialect {
        Dialect::Sqlite => " STRICT",
        Dialect::Postgres => "",
    };
    let comment = if table.unchecked_rules.is_empty() {
        String::new()
    } else {
        format!(
            "-- Rules on {} that no CHECK expresses (enforced by the model and the schemas): {}.\n",
            table.name,
            table.unchecked_rules.join(", ")
        )
    };
    format!(
        "{comment}CREATE TABLE {name} (\n    {}\n){strict};\n",
        lines.join(",\n    ")
    )
}

/// `ALTER TABLE … ADD FOREIGN KEY` (Postgres, for references to tables created later in the file).
pub fn add_foreign_key(table: &str, fk: &ForeignKeySchema) -> String {
    format!("ALTER TABLE {table} ADD {};\n", foreign_key_clause(fk))
}

/// `CREATE [UNIQUE] INDEX <name> ON <table> (cols);`
pub fn create_index(table: &str, index: &IndexSchema) -> String {
    let unique = if index.unique { "UNIQUE " } else { "" };
    format!(
        "CREATE {unique}INDEX {} ON {table} ({});\n",
        index.name,
        columns_sql(&index.columns)
    )
}

/// Names of the objects [`append_only_triggers`] creates (triggers, and the Postgres function).
pub fn append_only_object_names(table: &str) -> Vec<String> {
    handshake_spec::names::sql_append_only_names(table).to_vec()
}

/// Triggers that refuse UPDATE and DELETE on an append-only table.
///
/// SQLite: `BEFORE UPDATE` / `BEFORE DELETE` triggers that `RAISE(ABORT, …)`. Postgres: one
/// plpgsql function per table raising `restrict_violation`, called by a row trigger on UPDATE or
/// DELETE and by a statement trigger on TRUNCATE (which bypasses row triggers).
pub fn append_only_triggers(dialect: Dialect, table: &str) -> String {
    match dialect {
        Dialect::Sqlite => {
            let mut out = String::new();
            for op in ["UPDATE", "DELETE"] {
                out.push_str(&format!(
                    "CREATE TRIGGER {table}_append_only_{} BEFORE {op} ON {table}\nBEGIN\n    SELECT RAISE(ABORT, 'append-only: {table} refuses {op}');\nEND;\n",
                    op.to_ascii_lowercase()
                ));
            }
            out
        }
        Dialect::Postgres => format!(
            "CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n\
             BEGIN\n    \
             RAISE EXCEPTION 'append-only: % refuses %', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';\n\
             END;\n\
             $$;\n\
             CREATE TRIGGER {table}_append_only_update BEFORE UPDATE OR DELETE ON {table}\n    \
             FOR EACH ROW EXECUTE FUNCTION {table}_append_only();\n\
             CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table}\n    \
             FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only();\n"
        ),
    }
}

/// Create `tables` (in order) with their indexes and triggers, given the names of tables that
/// exist already. On Postgres a foreign key to a table created later is added at the end.
pub fn create_tables(
    dialect: Dialect,
    tables: &[&TableSchema],
    existing_tables: &[&str],
) -> String {
    let mut created: Vec<&str> = existing_tables.to_vec();
    let mut deferred = Vec::new();
    let mut out = String::new();
    for table in tables {
        created.push(&table.name);
        let inline = |fk: &ForeignKeySchema| match dialect {
            Dialect::Sqlite => true,
            Dialect::Postgres => created.contains(&fk.references_table.as_str()),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("-- {}: {}\n", table.name, table.source));
        out.push_str(&create_table(dialect, table, &table.name, &inline));
        for fk in &table.foreign_keys {
            if !inline(fk) {
                deferred.push(add_foreign_key(&table.name, fk));
            }
        }
        for index in &table.indexes {
            out.push_str(&create_index(&table.name, index));
        }
        if table.append_only {
            out.push_str(&append_only_triggers(dialect, &table.name));
        }
    }
    if !deferred.is_empty() {
        out.push_str("\n-- foreign keys to tables created after the referencing table\n");
        for statement in deferred {
            out.push_str(&statement);
        }
    }
    out
}

/// `ALTER TABLE … ADD COLUMN` for a new nullable column, with its foreign key if it has one.
pub fn add_column(dialect: Dialect, table: &TableSchema, column: &Column) -> String {
    let mut out = format!(
        "ALTER TABLE {} ADD COLUMN {}",
        table.name,
        column_definition(dialect, &table.name, column)
    );
    if let Some(fk) = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == [column.name.clone()])
    {
        out.push_str(&format!(
            " REFERENCES {} ({})",
            fk.references_table,
            columns_sql(&fk.references_columns)
        ));
        if fk.on_delete_cascade {
            out.push_str(" ON DELETE CASCADE");
        }
    }
    out.push_str(";\n");
    out
}

/// `ALTER TABLE … ADD COLUMN … NOT NULL DEFAULT <value>` for a new required column whose existing
/// rows get `default_sql` (the caller drops the default afterwards).
pub fn add_column_with_default(
    dialect: Dialect,
    table: &TableSchema,
    column: &Column,
    default_sql: &str,
) -> String {
    let plain = add_column(dialect, table, column);
    let definition = format!(
        "{} {} NOT NULL",
        column_sql(&column.name),
        sql_type(dialect, column.ty)
    );
    plain.replacen(
        &definition,
        &format!("{definition} DEFAULT {default_sql}"),
        1,
    )
}

/// Postgres: replace a column's named CHECK with the widened one (new enum values).
pub fn replace_check(table: &str, column: &Column) -> String {
    let name = check_name(table, &column.name);
    let check = check_expression(Dialect::Postgres, column).unwrap_or_default();
    format!(
        "ALTER TABLE {table} DROP CONSTRAINT {name},\n    ADD CONSTRAINT {name} CHECK ({check});\n"
    )
}

/// SQLite: rebuild `new` in place, keeping every row (the 12-step procedure of
/// <https://www.sqlite.org/lang_altertable.html#otheralter>): create the new definition under a
/// temporary name, copy the columns the old table has, drop the old table, rename, then recreate
/// indexes and triggers (dropping a table drops both).
///
/// Must run with `PRAGMA foreign_keys = OFF`: with foreign keys on, `DROP TABLE` deletes every row
/// first and `ON DELETE CASCADE` empties the child tables (deferring the checks does not stop the
/// cascade). The caller arranges that; see [`crate::migrations`].
pub fn rebuild_table(new: &TableSchema, old_columns: &[&str]) -> String {
    let copy = RebuildCopy {
        source_columns: old_columns
            .iter()
            .map(|c| (c.to_string(), None, false))
            .collect(),
        fill: new
            .columns
            .iter()
            .filter(|c| old_columns.contains(&c.name.as_str()))
            .map(|c| (c.name.clone(), column_sql(&c.name).into_owned()))
            .collect(),
        why: "sqlite cannot alter a CHECK constraint in place".to_string(),
    };
    rebuild_table_from(new, &copy)
}

/// How a rebuilt SQLite table is filled from the old one (see [`rebuild_table_from`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildCopy {
    /// Every column of the old table: (name, its new name when renamed, whether it is dropped).
    pub source_columns: Vec<(String, Option<String>, bool)>,
    /// (new column, SQL expression filling it), in the new table's order; a new column missing
    /// here is left NULL. Expressions name columns as the new table does.
    pub fill: Vec<(String, String)>,
    /// Why the table is rebuilt, for the comment above it.
    pub why: String,
}

/// SQLite: rebuild `new` in place, filling it from the old table as `copy` says (renamed
/// columns, backfilled and rewritten values, dropped columns left behind), with the procedure of
/// [`rebuild_table`].
///
/// When a column is renamed, the old table is read through a subquery that gives every column
/// its new name (dropped ones keep theirs), so a backfill expression names columns as the spec
/// does now, and may still read a column this migration drops.
pub fn rebuild_table_from(new: &TableSchema, copy: &RebuildCopy) -> String {
    let temporary = format!("{}__rebuild", new.name);
    let mut out = format!("-- rebuild {} ({})\n", new.name, copy.why);
    out.push_str(&create_table(Dialect::Sqlite, new, &temporary, &|_| true));
    let columns: Vec<String> = copy
        .fill
        .iter()
        .map(|(name, _)| column_sql(name).into_owned())
        .collect();
    let expressions: Vec<&str> = copy.fill.iter().map(|(_, e)| e.as_str()).collect();
    let renames = copy
        .source_columns
        .iter()
        .any(|(_, renamed, _)| renamed.is_some());
    let from = if renames {
        let seen: Vec<String> = copy
            .source_columns
            .iter()
            .map(|(old, renamed, _)| match renamed {
                Some(to) => format!("{} AS {}", column_sql(old), column_sql(to)),
                None => column_sql(old).into_owned(),
            })
            .collect();
        format!(
            "(SELECT {} FROM {name}) AS {name}",
            seen.join(", "),
            name = new.name
        )
    } else {
        new.name.clone()
    };
    out.push_str(&format!(
        "INSERT INTO {temporary} ({})\n    SELECT {} FROM {from};\n",
        columns.join(", "),
        expressions.join(", ")
    ));
    out.push_str(&format!("DROP TABLE {};\n", new.name));
    out.push_str(&format!(
        "ALTER TABLE {temporary} RENAME TO {};\n",
        new.name
    ));
    for index in &new.indexes {
        out.push_str(&create_index(&new.name, index));
    }
    if new.append_only {
        out.push_str(&append_only_triggers(Dialect::Sqlite, &new.name));
    }
    out
}
