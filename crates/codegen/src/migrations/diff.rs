//! What changed between the schema the committed migrations produce and the one the spec
//! describes, given the spec's evolution declarations: the [`Change`]s a migration makes, or every
//! change that is refused, with where to declare it.

use std::collections::BTreeMap;

use handshake_spec::model::Backfill;

use super::declared::{Declarations, DeclaredCast, TableDeclarations};
use crate::sql::{self, Dialect, Schema, TableSchema, ddl};

/// One change a migration makes, in the order it is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A table that did not exist.
    CreateTable(String),
    /// A table renamed (`renamed_from:` on its `table:`): the rows are kept.
    RenameTable {
        /// Its name now.
        table: String,
        /// Its name before.
        from: String,
        /// Postgres constraints named after the table: (old name, new name).
        constraints: Vec<(String, String)>,
        /// Whether it has the append-only triggers (named after the table too).
        append_only: bool,
    },
    /// A column renamed (`renamed_from:` on its field): the rows keep their values.
    RenameColumn {
        /// Table name.
        table: String,
        /// The column's name before.
        from: String,
        /// Its name now.
        to: String,
    },
    /// A NOT NULL column made nullable (a field made optional): no row changes.
    MakeOptional {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
    },
    /// A new nullable column of an existing table.
    AddColumn {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
    },
    /// A new NOT NULL column (a required field) filled in existing rows by its `backfill:`.
    AddRequiredColumn {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// What existing rows get.
        backfill: Backfill,
    },
    /// A nullable column made NOT NULL (a field made required): NULLs get its `backfill:`.
    MakeRequired {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// What rows holding NULL get.
        backfill: Backfill,
    },
    /// New allowed values in an enum column's CHECK.
    WidenEnum {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The values added, in spec order.
        added: Vec<String>,
    },
    /// Enum values removed from a column's CHECK, stored rows rewritten by their `map_to:`.
    MapEnumValues {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// (removed value, the value that replaces it), in the old CHECK's order.
        mapping: Vec<(String, String)>,
        /// Values added at the same time, in spec order.
        added: Vec<String>,
    },
    /// A column whose stored type changed, its values converted (`cast:`).
    CastColumn {
        /// Table name.
        table: String,
        /// Column name (in the new schema).
        column: String,
        /// The column as it was (its type, CHECK and nullability).
        from: sql::Column,
        /// The column as it is now.
        to: sql::Column,
        /// For a lossy conversion: (what it loses, why that is acceptable, as the spec says).
        loss: Option<(String, String)>,
        /// The author's conversion (`cast: { sql: … }`), used instead of codegen's own.
        sql: Option<String>,
    },
    /// A column dropped with its values (`removed_fields:` with `allow_data_loss:`).
    DropColumn {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// Why losing the values is acceptable, as the spec says.
        reason: String,
    },
    /// A new index on an existing table.
    AddIndex {
        /// Table name.
        table: String,
        /// Index name.
        index: String,
    },
    /// An index dropped (gone from the spec, or changed: dropped, then added again).
    DropIndex {
        /// Table name.
        table: String,
        /// Index name.
        index: String,
    },
    /// A rule's CHECK dropped (the rule removed or changed, or no longer expressible in SQL).
    DropCheck {
        /// Table name.
        table: String,
        /// Constraint name.
        check: String,
        /// The rule's name.
        rule: String,
    },
    /// A rule's CHECK added to an existing table: the migration fails, changing nothing, when a
    /// stored row violates it.
    AddCheck {
        /// Table name.
        table: String,
        /// Constraint name.
        check: String,
        /// The rule's name.
        rule: String,
    },
    /// A foreign key dropped (columns as the previous schema names them).
    DropForeignKey {
        /// Table name.
        table: String,
        /// The foreign key as it was.
        foreign_key: sql::ForeignKeySchema,
    },
    /// A foreign key added to existing columns: the migration fails, changing nothing, when a
    /// stored row references no row.
    AddForeignKey {
        /// Table name.
        table: String,
        /// The foreign key as it is now.
        foreign_key: sql::ForeignKeySchema,
    },
    /// The primary key's columns changed: the migration fails, changing nothing, when stored rows
    /// collide on the new key.
    ChangePrimaryKey {
        /// Table name.
        table: String,
        /// The key's columns before (as the new schema names them).
        from: Vec<String>,
        /// The key's columns now.
        to: Vec<String>,
    },
    /// `append_only` turned on (the guard triggers added) or off (dropped).
    SetAppendOnly {
        /// Table name.
        table: String,
        /// Whether the table is append-only now.
        on: bool,
    },
    /// A table dropped with its rows (`removed_tables:` with `allow_data_loss:`).
    DropTable {
        /// Table name.
        table: String,
        /// Why losing the rows is acceptable, as the spec says.
        reason: String,
    },
}

impl Change {
    /// A one-line, human-readable summary.
    pub fn summary(&self) -> String {
        match self {
            Change::CreateTable(table) => format!("create table {table}"),
            Change::RenameTable { table, from, .. } => format!("rename table {from} to {table}"),
            Change::RenameColumn { table, from, to } => {
                format!("rename column {table}.{from} to {to}")
            }
            Change::MakeOptional { table, column } => {
                format!("make column {table}.{column} nullable")
            }
            Change::AddColumn { table, column } => format!("add column {table}.{column}"),
            Change::AddRequiredColumn { table, column, .. } => {
                format!("add column {table}.{column} NOT NULL, existing rows backfilled")
            }
            Change::MakeRequired { table, column, .. } => {
                format!("make column {table}.{column} NOT NULL, NULLs backfilled")
            }
            Change::AddIndex { table, index } => format!("add index {index} on {table}"),
            Change::WidenEnum {
                table,
                column,
                added,
            } => {
                format!("allow {} in {table}.{column}", added.join(", "))
            }
            Change::MapEnumValues {
                table,
                column,
                mapping,
                added,
            } => {
                let mapped = mapping
                    .iter()
                    .map(|(from, to)| format!("{from} → {to}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut out = format!("rewrite {table}.{column}: {mapped}");
                if !added.is_empty() {
                    out.push_str(&format!("; allow {}", added.join(", ")));
                }
                out
            }
            Change::DropColumn { table, column, .. } => {
                format!("drop column {table}.{column} (data loss)")
            }
            Change::CastColumn {
                table,
                column,
                from,
                to,
                loss,
                sql,
            } => format!(
                "cast column {table}.{column} from {} to {}{}{}",
                column_type_words(from),
                column_type_words(to),
                match sql {
                    Some(sql) => format!(" by `{}`", sql.replace('\n', " ")),
                    None => String::new(),
                },
                if loss.is_some() { " (data loss)" } else { "" }
            ),
            Change::DropTable { table, .. } => format!("drop table {table} (data loss)"),
            Change::DropIndex { table, index } => format!("drop index {index} on {table}"),
            Change::DropCheck { table, check, rule } => {
                format!("drop CHECK {check} (rule {rule}) on {table}")
            }
            Change::AddCheck { table, check, rule } => {
                format!("add CHECK {check} (rule {rule}) on {table}, checked against every row")
            }
            Change::DropForeignKey { table, foreign_key } => format!(
                "drop foreign key {table} ({}) → {}",
                foreign_key.columns.join(", "),
                foreign_key.references_table
            ),
            Change::AddForeignKey { table, foreign_key } => format!(
                "add foreign key {table} ({}) → {}, checked against every row",
                foreign_key.columns.join(", "),
                foreign_key.references_table
            ),
            Change::ChangePrimaryKey { table, from, to } => format!(
                "change the primary key of {table} from ({}) to ({}), checked against every row",
                from.join(", "),
                to.join(", ")
            ),
            Change::SetAppendOnly { table, on: true } => format!("make {table} append-only"),
            Change::SetAppendOnly { table, on: false } => {
                format!("make {table} no longer append-only")
            }
        }
    }

    fn slug(&self) -> String {
        match self {
            Change::CreateTable(table) => format!("create_{table}"),
            Change::RenameTable { table, from, .. } => format!("rename_{from}_to_{table}"),
            Change::RenameColumn { table, from, to } => format!("rename_{table}_{from}_to_{to}"),
            Change::MakeOptional { table, column } => format!("relax_{table}_{column}"),
            Change::AddColumn { table, column }
            | Change::AddRequiredColumn { table, column, .. } => {
                format!("add_{table}_{column}")
            }
            Change::MakeRequired { table, column, .. } => format!("require_{table}_{column}"),
            Change::AddIndex { index, .. } => format!("add_index_{index}"),
            Change::WidenEnum { table, column, .. } => format!("widen_{table}_{column}"),
            Change::MapEnumValues { table, column, .. } => format!("map_{table}_{column}"),
            Change::DropColumn { table, column, .. } => format!("drop_{table}_{column}"),
            Change::CastColumn { table, column, .. } => format!("cast_{table}_{column}"),
            Change::DropTable { table, .. } => format!("drop_table_{table}"),
            Change::DropIndex { index, .. } => format!("drop_index_{index}"),
            Change::DropCheck { check, .. } => format!("drop_{check}"),
            Change::AddCheck { check, .. } => format!("add_{check}"),
            Change::DropForeignKey { table, foreign_key } => {
                format!("drop_fk_{table}_{}", foreign_key.columns.join("_"))
            }
            Change::AddForeignKey { table, foreign_key } => {
                format!("add_fk_{table}_{}", foreign_key.columns.join("_"))
            }
            Change::ChangePrimaryKey { table, .. } => format!("rekey_{table}"),
            Change::SetAppendOnly { table, on: true } => format!("append_only_{table}"),
            Change::SetAppendOnly { table, on: false } => format!("writable_{table}"),
        }
    }

    pub(super) fn table(&self) -> &str {
        match self {
            Change::CreateTable(table)
            | Change::RenameTable { table, .. }
            | Change::RenameColumn { table, .. }
            | Change::MakeOptional { table, .. }
            | Change::AddColumn { table, .. }
            | Change::AddRequiredColumn { table, .. }
            | Change::MakeRequired { table, .. }
            | Change::WidenEnum { table, .. }
            | Change::MapEnumValues { table, .. }
            | Change::DropColumn { table, .. }
            | Change::CastColumn { table, .. }
            | Change::DropTable { table, .. }
            | Change::AddIndex { table, .. }
            | Change::DropIndex { table, .. }
            | Change::DropCheck { table, .. }
            | Change::AddCheck { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::ChangePrimaryKey { table, .. }
            | Change::SetAppendOnly { table, .. } => table,
        }
    }

    /// Whether SQLite must rebuild the table for it (everything but a nullable column, an index
    /// or the append-only triggers).
    pub(super) fn needs_sqlite_rebuild(&self) -> bool {
        !matches!(
            self,
            Change::CreateTable(_)
                | Change::AddColumn { .. }
                | Change::AddIndex { .. }
                | Change::DropIndex { .. }
                | Change::SetAppendOnly { .. }
                | Change::DropTable { .. }
        )
    }
}

/// The description (file-name part) of a migration: the change's slug, or the first one's with a count.
pub(super) fn describe(changes: &[Change]) -> String {
    match changes {
        [only] => only.slug(),
        [first, rest @ ..] => format!("{}_and_{}_more", first.slug(), rest.len()),
        [] => "no_change".to_string(),
    }
}

pub(super) fn column_type_words(column: &sql::Column) -> String {
    match &column.enum_values {
        Some(_) => format!("enum ({})", column.ty.spelling()),
        None => column.ty.spelling().to_string(),
    }
}

/// `old` with every table the spec declares `renamed_from` under its new name (its named
/// constraints and the foreign keys that reference it too), and the [`Change::RenameTable`] of each.
/// A declaration applies when `old` has the old name and not the new one, and `new` the reverse.
pub(super) fn rename_tables(
    old: &Schema,
    new: &Schema,
    declared: &Declarations,
) -> (Schema, Vec<Change>) {
    let mut schema = old.clone();
    let mut changes = Vec::new();
    for (to, from) in &declared.renamed_tables {
        let applies = old.table(from).is_some()
            && old.table(to).is_none()
            && new.table(to).is_some()
            && new.table(from).is_none();
        if !applies {
            continue;
        }
        let table = old.table(from).expect("checked above");
        let mut constraints = Vec::new();
        for column in &table.columns {
            if ddl::check_expression(Dialect::Postgres, column).is_some() {
                constraints.push((
                    sql::check_name(from, &column.name),
                    sql::check_name(to, &column.name),
                ));
            }
        }
        // Postgres names a foreign key `<table>_<columns>_fkey`.
        for fk in &table.foreign_keys {
            let columns = fk.columns.join("_");
            constraints.push((
                format!("{from}_{columns}_fkey"),
                format!("{to}_{columns}_fkey"),
            ));
        }
        let renamed_check = |name: &str| match name.strip_prefix(&format!("{from}_")) {
            Some(rest) => format!("{to}_{rest}"),
            None => name.to_string(),
        };
        for check in &table.checks {
            constraints.push((check.name.clone(), renamed_check(&check.name)));
        }
        changes.push(Change::RenameTable {
            table: to.clone(),
            from: from.clone(),
            constraints,
            append_only: table.append_only,
        });
        for t in &mut schema.tables {
            if t.name == *from {
                t.name = to.clone();
                for check in &mut t.checks {
                    check.name = renamed_check(&check.name);
                }
            }
            for fk in &mut t.foreign_keys {
                if fk.references_table == *from {
                    fk.references_table = to.clone();
                }
            }
        }
    }
    (schema, changes)
}

/// Changes from `old` to `new` when the spec declares no evolution: the additive ones, or every
/// other difference (the declared changes are diffed by `diff_declared`).
pub fn diff(old: &Schema, new: &Schema) -> Result<Vec<Change>, Vec<String>> {
    diff_declared(old, new, &Declarations::default())
}

/// Changes from `old` to `new` given what the spec declares, or every change that is refused,
/// each as `file:line:col: what is wrong; how to declare it` (the location of the YAML
/// declaration to change, where there is one).
///
/// Compared by name: column order does not matter (an added column goes last in the database
/// whatever its place in the spec), and enum values are compared as sets (reordering them
/// changes no CHECK). A column renamed by `renamed_from:` is compared with its old self.
pub(crate) fn diff_declared(
    old: &Schema,
    new: &Schema,
    declared: &Declarations,
) -> Result<Vec<Change>, Vec<String>> {
    let mut problems = Vec::new();
    let mut changes = Vec::new();
    let mut drops = Vec::new();
    for old_table in &old.tables {
        let t = &old_table.name;
        if new.table(t).is_some() {
            continue;
        }
        match declared.removed_tables.get(t) {
            Some((reason, _)) => drops.push(Change::DropTable {
                table: t.clone(),
                reason: reason.clone(),
            }),
            None => problems.push(format!(
                "{}table {t} was dropped or renamed; declare `renamed_from: {t}` on the `table:` that replaces it, \
                 or list it under `removed_tables:` in a spec file as \
                 `{t}: {{ allow_data_loss: <why losing its rows is acceptable> }}`",
                declared
                    .record_locations
                    .get(old_table.source.split('.').next().unwrap_or_default())
                    .unwrap_or(&declared.manifest)
            )),
        }
    }
    for (t, (_, at)) in &declared.removed_tables {
        if new.table(t).is_some() && old.table(t).is_some() {
            problems.push(format!(
                "{at}: table {t} is in `removed_tables:` but the spec still stores it; drop the entry or the table"
            ));
        }
    }
    let empty = TableDeclarations::default();
    for new_table in &new.tables {
        match old.table(&new_table.name) {
            None => changes.push(Change::CreateTable(new_table.name.clone())),
            Some(old_table) => {
                let declared = declared.tables.get(&new_table.name).unwrap_or(&empty);
                // Tables whose foreign keys point at this one, before or after (not itself).
                let referenced_by: Vec<String> = old
                    .tables
                    .iter()
                    .chain(&new.tables)
                    .filter(|other| {
                        other.name != new_table.name
                            && other
                                .foreign_keys
                                .iter()
                                .any(|fk| fk.references_table == new_table.name)
                    })
                    .map(|other| other.name.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                diff_table(
                    old_table,
                    new_table,
                    declared,
                    &referenced_by,
                    &mut changes,
                    &mut problems,
                )
            }
        }
    }
    // Children before their parents (the reverse of spec order), after every other change.
    changes.extend(drops.into_iter().rev());
    if problems.is_empty() {
        Ok(changes)
    } else {
        Err(problems)
    }
}

fn diff_table(
    old: &TableSchema,
    new: &TableSchema,
    declared: &TableDeclarations,
    referenced_by: &[String],
    changes: &mut Vec<Change>,
    problems: &mut Vec<String>,
) {
    let t = &new.name;
    let record = &declared.record;
    // Where a table-level problem points: the record that declares the table.
    let record_at = declared.location_of("");
    // Phases in render order; each change is pushed into its phase.
    let (mut renames, mut relax, mut added, mut required, mut require, mut enums, mut drops) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    // Old column name → its name in the new schema (None: dropped).
    let mut now_named: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for old_column in &old.columns {
        let c = old_column.name.as_str();
        let renamed = declared
            .renamed_to(c)
            .filter(|to| old.column(to).is_none() && new.column(to).is_some());
        let new_column = match (renamed, new.column(c)) {
            (Some(to), _) => {
                renames.push(Change::RenameColumn {
                    table: t.clone(),
                    from: c.to_string(),
                    to: to.to_string(),
                });
                new.column(to).expect("filtered above")
            }
            (None, Some(same)) => same,
            (None, None) => {
                now_named.insert(c, None);
                match declared.removed.get(c) {
                    Some(reason) => drops.push(Change::DropColumn {
                        table: t.clone(),
                        column: c.to_string(),
                        reason: reason.clone(),
                    }),
                    None => problems.push(format!(
                        "{}column {t}.{c} was dropped or renamed; declare `renamed_from: {c}` on the field of record `{record}` that replaces it, \
                         or list it under the record's `removed_fields:` as `{c}: {{ allow_data_loss: <why losing its values is acceptable> }}`",
                        declared.location_of("")
                    )),
                }
                continue;
            }
        };
        now_named.insert(c, Some(new_column.name.as_str()));
        let n = new_column.name.as_str();
        let at = declared.location_of(n);
        if old_column.ty != new_column.ty
            || old_column.enum_values.is_some() != new_column.enum_values.is_some()
        {
            let (from, to) = (column_type_words(old_column), column_type_words(new_column));
            let cast = declared.casts.get(n);
            match (conversion(old_column, new_column), cast) {
                (_, Some(DeclaredCast { sql: Some(sql), allow_data_loss })) => {
                    enums.push(Change::CastColumn {
                        table: t.clone(),
                        column: n.to_string(),
                        from: old_column.clone(),
                        to: new_column.clone(),
                        loss: allow_data_loss.as_ref().map(|why| {
                            (format!("converted by `{}`", sql.replace('\n', " ")), why.clone())
                        }),
                        sql: Some(sql.clone()),
                    })
                }
                (Conversion::Unsupported, _) => problems.push(format!(
                    "{at}column {t}.{n} changed type from {from} to {to}, between which codegen has no conversion of its own; \
                     declare how stored values convert with `cast: {{ sql: <one SQL expression over the row's columns> }}` on the field \
                     (e.g. `{{ sql: \"CAST({n} AS BIGINT)\" }}`, or a `CASE {n} WHEN … THEN … END` onto the enum's values), \
                     adding `allow_data_loss: <why>` if it maps several values to one; a value the new column refuses fails the migration, changing nothing"
                )),
                (conversion, None) => problems.push(format!(
                    "{at}column {t}.{n} changed type from {from} to {to}; declare how stored values convert: `cast: lossless`{}",
                    match conversion {
                        Conversion::Lossy(what) => format!(" cannot, {what}: `cast: {{ allow_data_loss: <why> }}`"),
                        _ => String::new(),
                    }
                )),
                (Conversion::Lossy(what), Some(DeclaredCast { allow_data_loss: None, .. })) => problems.push(format!(
                    "{at}the cast of {t}.{n} from {from} to {to} is lossy ({what}); declare `cast: {{ allow_data_loss: <why that is acceptable> }}`"
                )),
                (conversion, Some(DeclaredCast { allow_data_loss, .. })) => enums.push(Change::CastColumn {
                    table: t.clone(),
                    column: n.to_string(),
                    from: old_column.clone(),
                    to: new_column.clone(),
                    loss: match (conversion, allow_data_loss) {
                        (Conversion::Lossy(what), Some(reason)) => {
                            Some((what.to_string(), reason.clone()))
                        }
                        _ => None,
                    },
                    sql: None,
                }),
            }
        }
        match (old_column.nullable, new_column.nullable) {
            (false, true) => relax.push(Change::MakeOptional {
                table: t.clone(),
                column: n.to_string(),
            }),
            (true, false) => match declared.backfills.get(n) {
                Some(_) if declared.backfill_breaks.contains_key(n) => {
                    problems.extend(declared.backfill_breaks[n].iter().cloned())
                }
                Some(backfill) => require.push(Change::MakeRequired {
                    table: t.clone(),
                    column: n.to_string(),
                    backfill: backfill.clone(),
                }),
                None => problems.push(format!(
                    "{at}column {t}.{n} changed from nullable to NOT NULL and stored rows may hold NULL; \
                     declare `backfill: <value>` (or `backfill: {{ sql: <expression> }}`) on the field for them"
                )),
            },
            _ => {}
        }
        if let (Some(old_values), Some(new_values)) =
            (&old_column.enum_values, &new_column.enum_values)
        {
            let removed: Vec<&String> = old_values
                .iter()
                .filter(|v| !new_values.contains(v))
                .collect();
            let added_values: Vec<String> = new_values
                .iter()
                .filter(|v| !old_values.contains(v))
                .cloned()
                .collect();
            let map = declared.value_maps.get(n);
            let mut mapping = Vec::new();
            let mut unmapped = Vec::new();
            for value in &removed {
                match map.and_then(|m| m.get(*value)) {
                    Some(to) if new_values.contains(to) => {
                        mapping.push(((*value).clone(), to.clone()))
                    }
                    _ => unmapped.push(value.as_str()),
                }
            }
            if !unmapped.is_empty() {
                let (enum_name, enum_at) = declared
                    .enum_types
                    .get(n)
                    .map(|(name, at)| (name.as_str(), format!("{at}: ")))
                    .unwrap_or(("the enum", at.clone()));
                problems.push(format!(
                    "{enum_at}column {t}.{n} lost enum value(s) {} that stored rows may hold; declare where they go: \
                     `renamed_from: <old>` on the value that replaces one, or under `removed_values:` of `{enum_name}` \
                     `<old>: {{ map_to: <value>, read_alias: true }}`",
                    unmapped.join(", ")
                ));
            } else if !mapping.is_empty() {
                enums.push(Change::MapEnumValues {
                    table: t.clone(),
                    column: n.to_string(),
                    mapping,
                    added: added_values,
                });
            } else if !added_values.is_empty() {
                enums.push(Change::WidenEnum {
                    table: t.clone(),
                    column: n.to_string(),
                    added: added_values,
                });
            }
        }
    }
    let renamed_now = |name: &str| -> Option<String> {
        match now_named.get(name) {
            Some(Some(to)) => Some((*to).to_string()),
            Some(None) => None,
            None => Some(name.to_string()),
        }
    };
    let mut added_columns = Vec::new();
    for new_column in &new.columns {
        let n = &new_column.name;
        if now_named.values().any(|to| *to == Some(n.as_str())) {
            continue;
        }
        added_columns.push(n.clone());
        if new_column.nullable {
            added.push(Change::AddColumn {
                table: t.clone(),
                column: n.clone(),
            });
        } else if let Some(breaks) = declared.backfill_breaks.get(n) {
            problems.extend(breaks.iter().cloned());
        } else if let Some(backfill) = declared.backfills.get(n) {
            required.push(Change::AddRequiredColumn {
                table: t.clone(),
                column: n.clone(),
                backfill: backfill.clone(),
            });
        } else {
            problems.push(format!(
                "{}new column {t}.{n} is NOT NULL (a required field) and existing rows have no value for it; \
                 declare `backfill: <value>` (or `backfill: {{ sql: <expression> }}`) on the field, \
                 or `renamed_from: <old name>` if it is an existing field renamed",
                declared.location_of(n)
            ));
        }
    }
    let map_columns = |columns: &[String]| -> Option<Vec<String>> {
        columns.iter().map(|c| renamed_now(c)).collect()
    };
    // Constraints and indexes that go come off first (a CHECK or foreign key on a column this
    // migration drops or casts would be in its way); the ones that come go on last, once every
    // value is in place, so they are checked against the rows as migrated.
    let mut unconstrain = Vec::new();
    let mut constrain = Vec::new();
    for check in &old.checks {
        let kept = new.checks.iter().any(|c| c == check);
        if !kept {
            unconstrain.push(Change::DropCheck {
                table: t.clone(),
                check: check.name.clone(),
                rule: check.rule.clone(),
            });
        }
    }
    let mut kept_foreign_keys = Vec::new();
    for fk in &old.foreign_keys {
        // A foreign key of a dropped column goes with it.
        let Some(columns) = map_columns(&fk.columns) else {
            continue;
        };
        let moved = sql::ForeignKeySchema {
            columns,
            ..fk.clone()
        };
        if new.foreign_keys.contains(&moved) {
            kept_foreign_keys.push(moved);
        } else {
            unconstrain.push(Change::DropForeignKey {
                table: t.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    let mut index_changes = Vec::new();
    for old_index in &old.indexes {
        let moved = map_columns(&old_index.columns);
        match (new.index(&old_index.name), moved) {
            // An index on a dropped column goes with it.
            (None, None) => {}
            (Some(new_index), Some(moved))
                if moved == new_index.columns && new_index.unique == old_index.unique => {}
            (new_index, _) => {
                unconstrain.push(Change::DropIndex {
                    table: t.clone(),
                    index: old_index.name.clone(),
                });
                if let Some(new_index) = new_index {
                    index_changes.push(Change::AddIndex {
                        table: t.clone(),
                        index: new_index.name.clone(),
                    });
                }
            }
        }
    }
    for new_index in &new.indexes {
        if old.index(&new_index.name).is_none() {
            index_changes.push(Change::AddIndex {
                table: t.clone(),
                index: new_index.name.clone(),
            });
        }
    }
    let old_key = map_columns(&old.primary_key);
    if old_key.as_deref() != Some(new.primary_key.as_slice()) {
        match (old_key, referenced_by.is_empty()) {
            (Some(from), true) => constrain.push(Change::ChangePrimaryKey {
                table: t.clone(),
                from,
                to: new.primary_key.clone(),
            }),
            (None, _) => problems.push(format!(
                "{record_at}primary key of {t} changed from ({}) to ({}) and a column of the old key is dropped; \
                 keep the old key's columns in `primary_key:` for one version (the migration re-keys the table), \
                 then list the column under `removed_fields:` in the next",
                old.primary_key.join(", "),
                new.primary_key.join(", ")
            )),
            (Some(_), false) => problems.push(format!(
                "{record_at}primary key of {t} changed from ({}) to ({}) while foreign keys of {} reference it; \
                 change it in two versions of the spec: first drop those `foreign_keys:` entries (the migration drops the constraints), \
                 then change `primary_key:` and declare them again (the migration checks every row against them)",
                old.primary_key.join(", "),
                new.primary_key.join(", "),
                referenced_by.join(", ")
            )),
        }
    }
    constrain.extend(index_changes);
    for check in &new.checks {
        if !old.checks.iter().any(|c| c == check) {
            constrain.push(Change::AddCheck {
                table: t.clone(),
                check: check.name.clone(),
                rule: check.rule.clone(),
            });
        }
    }
    for fk in &new.foreign_keys {
        if !kept_foreign_keys.contains(fk) && !fk.columns.iter().all(|c| added_columns.contains(c))
        {
            constrain.push(Change::AddForeignKey {
                table: t.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    if old.append_only != new.append_only {
        constrain.push(Change::SetAppendOnly {
            table: t.clone(),
            on: new.append_only,
        });
    }
    changes.extend(renames);
    changes.extend(unconstrain);
    changes.extend(relax);
    changes.extend(added);
    changes.extend(required);
    changes.extend(require);
    changes.extend(enums);
    changes.extend(drops);
    changes.extend(constrain);
}

/// What converting a column's stored values between two types does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conversion {
    /// Every value converts to the same value of the new type.
    Lossless,
    /// Some values change; says how.
    Lossy(&'static str),
    /// No conversion codegen writes.
    Unsupported,
}

/// The conversions a `cast:` can declare (the same in both dialects). Text to anything, or
/// anything to an enum, depends on what the text holds: not a cast, a new field with a backfill.
fn conversion(from: &sql::Column, to: &sql::Column) -> Conversion {
    use sql::ColumnType::{Boolean, Integer, Number, Text, UnsignedInteger, Uuid};
    if to.enum_values.is_some() {
        return Conversion::Unsupported;
    }
    match (from.ty, to.ty) {
        (Text, Text) if from.enum_values.is_some() => Conversion::Lossless,
        (UnsignedInteger, Integer) | (Boolean, Integer | UnsignedInteger) => Conversion::Lossless,
        (Uuid | Integer | UnsignedInteger | Number, Text) if from.enum_values.is_none() => {
            Conversion::Lossless
        }
        (Integer | UnsignedInteger, Number) => {
            Conversion::Lossy("integers beyond 2^53 lose precision as a double")
        }
        (Number, Integer) => Conversion::Lossy("the fraction is truncated toward zero"),
        _ => Conversion::Unsupported,
    }
}
