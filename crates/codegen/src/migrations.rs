//! Append-only SQL migrations for SQLite and PostgreSQL, computed from the spec and what is committed.
//!
//! Layout under the spec's migrations folder (usable unchanged by `sqlx::migrate!("migrations/sqlite")`
//! or `sqlx migrate run --source migrations/postgres`; sqlx reads `<VERSION>_<DESCRIPTION>.sql`, parses
//! the version as `i64` and ignores other names, so the 4-digit zero-padded prefix is accepted):
//!
//! ```text
//! migrations/sqlite/0001_handshake_ai_job_model_initial.sql
//! migrations/postgres/0001_handshake_ai_job_model_initial.sql
//! migrations/snapshots/0001.json      logical schema after 0001 + SHA-256 of both 0001 files
//! ```
//!
//! [`generate`] never re-renders a committed migration. It checks every committed migration
//! against the SHA-256 its snapshot recorded ([`CodegenError::EditedMigration`]), takes the latest
//! snapshot as the schema the committed migrations produce, and diffs it with the schema the spec
//! describes ([`crate::sql::schema`]): equal → nothing new; additive (new table, new nullable
//! column, new index, new enum value) → one new migration per dialect plus a snapshot, numbered
//! next; anything else → [`CodegenError::NonAdditiveChange`] with how to write it by hand.
//!
//! A hand-written migration (a highest-numbered pair of files without the `@generated` marker and
//! without a snapshot) is adopted: its snapshot records the spec's schema as what it produces, once
//! the spec's version has been bumped past the previous snapshot's.
//!
//! **New enum values on SQLite.** SQLite cannot alter a CHECK, so the table is rebuilt (create,
//! copy, drop, rename; see [`crate::sql::ddl::rebuild_table`]). With foreign keys on (sqlx turns
//! them on for every SQLite connection), `DROP TABLE` of a parent deletes its rows first and
//! `ON DELETE CASCADE` empties the child tables; `PRAGMA defer_foreign_keys` only defers checks,
//! not cascades (tests/tests/migrations_apply.rs shows both). `PRAGMA foreign_keys` is a no-op
//! inside a transaction, and sqlx runs each migration in one, so such a migration opts out with
//! sqlx's first-line directive (`-- no-transaction -- @generated …`) and manages its own
//! transaction: `PRAGMA foreign_keys = OFF; BEGIN; … COMMIT; PRAGMA foreign_keys = ON;`, the
//! procedure of <https://www.sqlite.org/lang_altertable.html#otheralter>. Rows are copied
//! unchanged, so no foreign key can be broken by it. Postgres drops and re-adds the named CHECK.

use std::collections::BTreeMap;

use handshake_spec::model::Spec;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::sql::{self, Dialect, Schema, TableSchema, ddl};

mod declared;

use crate::{CodegenError, ExistingFile, GeneratedFile, marker};
use declared::{Declarations, TableDeclarations};
use handshake_spec::model::Backfill;

/// What [`generate`] produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationOutput {
    /// Every file that must exist under the migrations folder: the existing ones verbatim, then
    /// the new ones.
    pub files: Vec<GeneratedFile>,
    /// Paths of the files this run adds (a subset of `files`); empty when nothing is pending.
    pub new_files: Vec<String>,
}

/// The folder of snapshots under the migrations folder.
pub const SNAPSHOTS: &str = "snapshots";

/// Compute the migrations folder for `spec`, given every file currently under it.
pub fn generate(spec: &Spec, existing: &[ExistingFile]) -> Result<MigrationOutput, CodegenError> {
    let target = sql::schema(spec)?;
    let folder = spec.outputs.migrations.trim_end_matches('/').to_string();
    let versions = parse_existing(&folder, existing)?;
    let mut files: Vec<GeneratedFile> = Vec::new();
    for version in &versions {
        for file in [version.sqlite, version.postgres].into_iter().flatten() {
            files.push(GeneratedFile {
                path: file.path.clone(),
                contents: file.contents.clone(),
            });
        }
        if let Some(snapshot) = &version.snapshot {
            files.push(GeneratedFile {
                path: snapshot.0.clone(),
                contents: snapshot.1.contents.clone(),
            });
        }
    }
    let source = spec_source(spec);
    let mut new_files = Vec::new();

    let Some(last) = versions.last() else {
        let description = format!("{}_initial", spec.name);
        let changes: Vec<Change> = target
            .tables
            .iter()
            .map(|t| Change::CreateTable(t.name.clone()))
            .collect();
        let rendered = render_migration(
            spec,
            &folder,
            1,
            &description,
            &Schema::default(),
            &target,
            &changes,
        );
        new_files.extend(rendered.iter().map(|f| f.path.clone()));
        files.extend(rendered);
        return Ok(MigrationOutput { files, new_files });
    };

    if last.snapshot.is_none() {
        // A hand-written migration: adopt it as producing the spec's schema.
        let previous = versions
            .iter()
            .rev()
            .nth(1)
            .and_then(|v| v.snapshot.as_ref())
            .map(|(_, s)| s);
        if let Some(previous) = previous
            && !version_is_newer(&spec.version, &previous.spec_version)
        {
            return Err(CodegenError::InconsistentMigrations {
                detail: format!(
                    "hand-written migration {:04} needs a spec version bump: spec/handshake.yaml says version {}, migration {:04} was generated from version {}",
                    last.number, spec.version, previous.version, previous.spec_version
                ),
            });
        }
        let snapshot = Snapshot {
            version: last.number,
            description: last.description.clone(),
            spec_version: spec.version.clone(),
            hand_written: true,
            checksums: last_checksums(last),
            schema: target,
            contents: String::new(),
        };
        let file = GeneratedFile {
            path: snapshot_path(&folder, last.number),
            contents: snapshot.render(&source),
        };
        new_files.push(file.path.clone());
        files.push(file);
        return Ok(MigrationOutput { files, new_files });
    }

    let base = &last
        .snapshot
        .as_ref()
        .map(|(_, s)| s)
        .expect("checked above")
        .schema;
    let declared = declared::declarations(spec, &target);
    // A renamed table is diffed under its new name; its rename comes first.
    let (renamed_base, renames) = rename_tables(base, &target, &declared);
    let base = &renamed_base;
    let changes = diff_declared(base, &target, &declared)
        .map(|changes| renames.into_iter().chain(changes).collect::<Vec<_>>())
        .map_err(|problems| CodegenError::NonAdditiveChange {
            change: problems.join("\n  "),
            help: non_additive_help(spec, &folder, last.number + 1),
        })?;
    if !changes.is_empty() {
        let number = last.number + 1;
        let description = describe(&changes);
        let rendered =
            render_migration(spec, &folder, number, &description, base, &target, &changes);
        new_files.extend(rendered.iter().map(|f| f.path.clone()));
        files.extend(rendered);
    }
    Ok(MigrationOutput { files, new_files })
}

/// Migrations come from the whole spec, so their marker names the manifest.
const SPEC_SOURCE: &str = "spec/handshake.yaml";

fn spec_source(_spec: &Spec) -> String {
    SPEC_SOURCE.to_string()
}

fn non_additive_help(spec: &Spec, folder: &str, next: u32) -> String {
    format!(
        "declare each change in the spec as its line says (see \"Evolving a stored spec\" in docs/spec-language.md) and run `cargo xtask codegen` again. \
         A change codegen does not migrate needs a hand-written migration: add {folder}/sqlite/{next:04}_<description>.sql and {folder}/postgres/{next:04}_<description>.sql \
         (without the @generated marker) taking the schema of migration {prev:04} to the one the spec now describes while keeping existing rows, \
         bump `version:` in spec/handshake.yaml (now {version}), then run `cargo xtask codegen`: it records {folder}/{SNAPSHOTS}/{next:04}.json \
         for the hand-written migration and checks later changes against it",
        prev = next - 1,
        version = spec.version
    )
}

/// Whether SemVer `new` is greater than `old` (string inequality when either does not parse).
fn version_is_newer(new: &str, old: &str) -> bool {
    let parse = |v: &str| -> Option<Vec<u64>> {
        let core = v.split(['-', '+']).next()?;
        core.split('.').map(|p| p.parse().ok()).collect()
    };
    match (parse(new), parse(old)) {
        (Some(n), Some(o)) => n > o,
        _ => new != old,
    }
}

// ---- reading the committed folder ------------------------------------------------------------

/// One committed migration version.
struct Version<'a> {
    number: u32,
    description: String,
    sqlite: Option<&'a ExistingFile>,
    postgres: Option<&'a ExistingFile>,
    snapshot: Option<(String, Snapshot)>,
}

fn inconsistent(detail: String) -> CodegenError {
    CodegenError::InconsistentMigrations { detail }
}

/// `NNNN_<description>.sql` → (NNNN, description).
fn parse_migration_name(name: &str) -> Option<(u32, String)> {
    let stem = name.strip_suffix(".sql")?;
    let (number, description) = stem.split_once('_')?;
    if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) || description.is_empty() {
        return None;
    }
    Some((number.parse().ok()?, description.to_string()))
}

fn parse_existing<'a>(
    folder: &str,
    existing: &'a [ExistingFile],
) -> Result<Vec<Version<'a>>, CodegenError> {
    let mut by_number: BTreeMap<u32, Version<'a>> = BTreeMap::new();
    let mut snapshots: BTreeMap<u32, &'a ExistingFile> = BTreeMap::new();
    let layout = "only sqlite/NNNN_<description>.sql, postgres/NNNN_<description>.sql and snapshots/NNNN.json belong there";
    for file in existing {
        let relative = file
            .path
            .strip_prefix(folder)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| {
                inconsistent(format!(
                    "{} is not under the migrations folder {folder}",
                    file.path
                ))
            })?;
        let (dir, name) = relative
            .split_once('/')
            .filter(|(_, name)| !name.contains('/'))
            .ok_or_else(|| inconsistent(format!("unexpected file {}: {layout}", file.path)))?;
        match dir {
            "sqlite" | "postgres" => {
                let (number, description) = parse_migration_name(name)
                    .filter(|(n, _)| *n > 0)
                    .ok_or_else(|| {
                        inconsistent(format!("unexpected file {}: {layout}", file.path))
                    })?;
                let version = by_number.entry(number).or_insert_with(|| Version {
                    number,
                    description: description.clone(),
                    sqlite: None,
                    postgres: None,
                    snapshot: None,
                });
                let slot = if dir == "sqlite" {
                    &mut version.sqlite
                } else {
                    &mut version.postgres
                };
                if slot.is_some() || version.description != description {
                    return Err(inconsistent(format!(
                        "two migrations numbered {number:04} ({} and {}); each number has one sqlite and one postgres file with the same name",
                        file.path, version.description
                    )));
                }
                *slot = Some(file);
            }
            SNAPSHOTS => {
                let number = name
                    .strip_suffix(".json")
                    .filter(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|n| n.parse::<u32>().ok())
                    .ok_or_else(|| {
                        inconsistent(format!("unexpected file {}: {layout}", file.path))
                    })?;
                snapshots.insert(number, file);
            }
            _ => {
                return Err(inconsistent(format!(
                    "unexpected file {}: {layout}",
                    file.path
                )));
            }
        }
    }
    for (number, file) in &snapshots {
        let snapshot = Snapshot::parse(&file.contents)
            .map_err(|e| inconsistent(format!("snapshot {} is unreadable: {e}", file.path)))?;
        if snapshot.version != *number {
            return Err(inconsistent(format!(
                "snapshot {} says it is version {}",
                file.path, snapshot.version
            )));
        }
        let version = by_number.get_mut(number).ok_or_else(|| {
            inconsistent(format!(
                "snapshot {} has no migration files numbered {number:04}",
                file.path
            ))
        })?;
        version.snapshot = Some((file.path.clone(), snapshot));
    }

    let versions: Vec<Version<'a>> = by_number.into_values().collect();
    let count = versions.len();
    for (index, version) in versions.iter().enumerate() {
        let expected = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if version.number != expected {
            return Err(inconsistent(format!(
                "migration numbers must run 0001, 0002, … without gaps; found {:04} where {expected:04} belongs",
                version.number
            )));
        }
        for (dialect, file) in [
            (Dialect::Sqlite, version.sqlite),
            (Dialect::Postgres, version.postgres),
        ] {
            if file.is_none() {
                return Err(inconsistent(format!(
                    "migration {:04}_{} has no {} file; every migration exists for both dialects",
                    version.number,
                    version.description,
                    dialect.folder()
                )));
            }
        }
        match &version.snapshot {
            Some((_, snapshot)) => check_checksums(folder, version, snapshot)?,
            None => {
                let generated = [version.sqlite, version.postgres]
                    .into_iter()
                    .flatten()
                    .find(|f| marker::is_generated(&f.contents));
                if let Some(file) = generated {
                    return Err(inconsistent(format!(
                        "{} is generated but {} is missing; restore it from version control",
                        file.path,
                        snapshot_path(folder, version.number)
                    )));
                }
                if index + 1 != count {
                    return Err(inconsistent(format!(
                        "hand-written migration {:04} has no snapshot but is not the latest; only the latest can be adopted",
                        version.number
                    )));
                }
            }
        }
    }
    Ok(versions)
}

fn relative_name(version: &Version<'_>, dialect: Dialect) -> String {
    format!(
        "{}/{:04}_{}.sql",
        dialect.folder(),
        version.number,
        version.description
    )
}

fn last_checksums(version: &Version<'_>) -> Vec<(String, String)> {
    [
        (Dialect::Sqlite, version.sqlite),
        (Dialect::Postgres, version.postgres),
    ]
    .into_iter()
    .filter_map(|(dialect, file)| {
        file.map(|f| (relative_name(version, dialect), sha256_hex(&f.contents)))
    })
    .collect()
}

fn check_checksums(
    folder: &str,
    version: &Version<'_>,
    snapshot: &Snapshot,
) -> Result<(), CodegenError> {
    for (dialect, file) in [
        (Dialect::Sqlite, version.sqlite),
        (Dialect::Postgres, version.postgres),
    ] {
        let Some(file) = file else { continue };
        let name = relative_name(version, dialect);
        let recorded = snapshot
            .checksums
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| {
                inconsistent(format!(
                    "{} records no checksum for {name}; was the migration renamed?",
                    snapshot_path(folder, version.number)
                ))
            })?;
        if recorded.1 != sha256_hex(&file.contents) {
            return Err(CodegenError::EditedMigration {
                path: file.path.clone(),
            });
        }
    }
    Ok(())
}

/// Lower-case hex SHA-256 of a file's bytes.
pub fn sha256_hex(contents: &str) -> String {
    Sha256::digest(contents.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn snapshot_path(folder: &str, number: u32) -> String {
    format!("{folder}/{SNAPSHOTS}/{number:04}.json")
}

// ---- snapshots -------------------------------------------------------------------------------

/// The record of one migration version: what it produces and the checksums of its files.
struct Snapshot {
    version: u32,
    description: String,
    spec_version: String,
    hand_written: bool,
    /// (path relative to the migrations folder, SHA-256 hex), sqlite first.
    checksums: Vec<(String, String)>,
    schema: Schema,
    /// The file's text as read (empty for a snapshot rendered in this run).
    contents: String,
}

impl Snapshot {
    fn render(&self, source: &str) -> String {
        let mut map = Map::new();
        map.insert("$comment".into(), json!(marker::sentence(source)));
        map.insert("version".into(), json!(self.version));
        map.insert("description".into(), json!(self.description));
        map.insert("spec_version".into(), json!(self.spec_version));
        map.insert("hand_written".into(), json!(self.hand_written));
        map.insert(
            "checksums".into(),
            Value::Object(
                self.checksums
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
            ),
        );
        map.insert("schema".into(), self.schema.to_json());
        let mut text = serde_json::to_string_pretty(&Value::Object(map))
            .expect("a json value always serializes");
        text.push('\n');
        text
    }

    fn parse(contents: &str) -> Result<Snapshot, String> {
        let value: Value =
            serde_json::from_str(contents).map_err(|e| format!("invalid json: {e}"))?;
        let get = |key: &str| value.get(key).ok_or_else(|| format!("missing key {key:?}"));
        let text = |key: &str| -> Result<String, String> {
            get(key)?
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{key:?} is not a string"))
        };
        let version = get("version")?
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or("\"version\" is not a positive integer")?;
        let checksums = get("checksums")?
            .as_object()
            .ok_or("\"checksums\" is not an object")?
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_string()))
                    .ok_or(format!("checksum of {k} is not a string"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Snapshot {
            version,
            description: text("description")?,
            spec_version: text("spec_version")?,
            hand_written: get("hand_written")?
                .as_bool()
                .ok_or("\"hand_written\" is not a boolean")?,
            checksums,
            schema: Schema::from_json(get("schema")?).map_err(|e| format!("schema: {e}"))?,
            contents: contents.to_string(),
        })
    }
}

// ---- diffing ---------------------------------------------------------------------------------

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
            } => format!(
                "cast column {table}.{column} from {} to {}{}",
                column_type_words(from),
                column_type_words(to),
                if loss.is_some() { " (data loss)" } else { "" }
            ),
            Change::DropTable { table, .. } => format!("drop table {table} (data loss)"),
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
        }
    }

    fn table(&self) -> &str {
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
            | Change::AddIndex { table, .. } => table,
        }
    }

    /// Whether SQLite must rebuild the table for it (everything but a nullable column or an index).
    fn needs_sqlite_rebuild(&self) -> bool {
        !matches!(
            self,
            Change::CreateTable(_)
                | Change::AddColumn { .. }
                | Change::AddIndex { .. }
                | Change::DropTable { .. }
        )
    }
}

/// The description (file-name part) of a migration: the change's slug, or the first one's with a count.
fn describe(changes: &[Change]) -> String {
    match changes {
        [only] => only.slug(),
        [first, rest @ ..] => format!("{}_and_{}_more", first.slug(), rest.len()),
        [] => "no_change".to_string(),
    }
}

fn column_type_words(column: &sql::Column) -> String {
    match &column.enum_values {
        Some(_) => format!("enum ({})", column.ty.spelling()),
        None => column.ty.spelling().to_string(),
    }
}

/// `old` with every table the spec declares `renamed_from` under its new name (its named
/// constraints and the foreign keys that reference it too), and the [`Change::RenameTable`] of each.
/// A declaration applies when `old` has the old name and not the new one, and `new` the reverse.
fn rename_tables(old: &Schema, new: &Schema, declared: &Declarations) -> (Schema, Vec<Change>) {
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
/// other difference (see [`diff_declared`]).
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
                "{}table {t} was dropped or renamed; list it under `removed_tables:` in a spec file as \
                 `{t}: {{ allow_data_loss: <why losing its rows is acceptable> }}` (codegen does not migrate a renamed table yet: \
                 keep the name, or write that migration by hand)",
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
                diff_table(old_table, new_table, declared, &mut changes, &mut problems)
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
            match (conversion(old_column, new_column), declared.casts.get(n)) {
                (Conversion::Unsupported, _) => problems.push(format!(
                    "{at}column {t}.{n} changed type from {from} to {to}; codegen has no conversion between them: \
                     add a field of the new type (with a `backfill:`) and list this one under `removed_fields:`, or write the migration by hand"
                )),
                (_, None) => problems.push(format!(
                    "{at}column {t}.{n} changed type from {from} to {to}; declare how stored values convert: `cast: lossless`{}",
                    match conversion(old_column, new_column) {
                        Conversion::Lossy(what) => format!(" cannot, {what}: `cast: {{ allow_data_loss: <why> }}`"),
                        _ => String::new(),
                    }
                )),
                (Conversion::Lossy(what), Some(None)) => problems.push(format!(
                    "{at}the cast of {t}.{n} from {from} to {to} is lossy ({what}); declare `cast: {{ allow_data_loss: <why that is acceptable> }}`"
                )),
                (conversion, Some(reason)) => enums.push(Change::CastColumn {
                    table: t.clone(),
                    column: n.to_string(),
                    from: old_column.clone(),
                    to: new_column.clone(),
                    loss: match (conversion, reason) {
                        (Conversion::Lossy(what), Some(reason)) => {
                            Some((what.to_string(), reason.clone()))
                        }
                        _ => None,
                    },
                }),
            }
        }
        match (old_column.nullable, new_column.nullable) {
            (false, true) => relax.push(Change::MakeOptional {
                table: t.clone(),
                column: n.to_string(),
            }),
            (true, false) => match declared.backfills.get(n) {
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
    changes.extend(renames);
    changes.extend(relax);
    changes.extend(added);
    changes.extend(required);
    changes.extend(require);
    changes.extend(enums);
    changes.extend(drops);
    let map_columns = |columns: &[String]| -> Option<Vec<String>> {
        columns.iter().map(|c| renamed_now(c)).collect()
    };
    if map_columns(&old.primary_key).as_deref() != Some(new.primary_key.as_slice()) {
        problems.push(format!(
            "{record_at}primary key of {t} changed from ({}) to ({})",
            old.primary_key.join(", "),
            new.primary_key.join(", ")
        ));
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
        if !new.foreign_keys.contains(&moved) {
            problems.push(format!(
                "{record_at}foreign key {t} ({}) → {} was removed or changed",
                fk.columns.join(", "),
                fk.references_table
            ));
        }
        kept_foreign_keys.push(moved);
    }
    for fk in &new.foreign_keys {
        if !kept_foreign_keys.contains(fk) && !fk.columns.iter().all(|c| added_columns.contains(c))
        {
            problems.push(format!(
                "{record_at}foreign key {t} ({}) → {} was added to existing column(s)",
                fk.columns.join(", "),
                fk.references_table
            ));
        }
    }
    for old_index in &old.indexes {
        let moved = map_columns(&old_index.columns);
        match (new.indexes.iter().find(|i| i.name == old_index.name), moved) {
            // An index on a dropped column goes with it.
            (None, None) => {}
            (None, Some(_)) => problems.push(format!(
                "{record_at}index {} on {t} was dropped or renamed",
                old_index.name
            )),
            (Some(new_index), moved)
                if moved.as_deref() != Some(new_index.columns.as_slice())
                    || new_index.unique != old_index.unique =>
            {
                problems.push(format!(
                    "{record_at}index {} on {t} changed from {} to {}",
                    old_index.name,
                    index_words(old_index),
                    index_words(new_index)
                ))
            }
            (Some(_), _) => {}
        }
    }
    for new_index in &new.indexes {
        if !old.indexes.iter().any(|i| i.name == new_index.name) {
            changes.push(Change::AddIndex {
                table: t.clone(),
                index: new_index.name.clone(),
            });
        }
    }
    // A CHECK for a cross-field rule: existing rows may violate a new or changed one, so only a
    // new table may bring it (inside its CREATE TABLE).
    for check in &new.checks {
        match old.checks.iter().find(|c| c.name == check.name) {
            None => problems.push(format!(
                "{record_at}CHECK {} (rule {}) was added to the existing table {t}; existing rows may violate it",
                check.name, check.rule
            )),
            Some(previous) if previous != check => problems.push(format!(
                "{record_at}CHECK {} (rule {}) on {t} changed",
                check.name, check.rule
            )),
            Some(_) => {}
        }
    }
    for check in &old.checks {
        if !new.checks.iter().any(|c| c.name == check.name) {
            problems.push(format!(
                "{record_at}CHECK {} (rule {}) on {t} was removed",
                check.name, check.rule
            ));
        }
    }
    if old.append_only != new.append_only {
        problems.push(format!(
            "{record_at}table {t} changed append_only from {} to {}",
            old.append_only, new.append_only
        ));
    }
}

fn index_words(index: &sql::IndexSchema) -> String {
    format!(
        "{}({})",
        if index.unique { "unique " } else { "" },
        index.columns.join(", ")
    )
}

// ---- rendering -------------------------------------------------------------------------------

fn render_migration(
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
            continue;
        }
        let updates_rows = table_changes.iter().any(|c| {
            matches!(
                c,
                Change::MapEnumValues { .. }
                    | Change::MakeRequired { .. }
                    | Change::AddRequiredColumn {
                        backfill: Backfill::Sql(_),
                        ..
                    }
            )
        });
        // An UPDATE of an append-only table fires its guard: the migration is the one writer
        // allowed to rewrite stored rows, so it switches the row trigger off around its updates.
        let guard = (table.append_only && updates_rows)
            .then(|| format!("{}_append_only_update", table.name));
        if let Some(trigger) = &guard {
            out.push_str(&format!(
                "ALTER TABLE {} DISABLE TRIGGER {trigger};\n",
                table.name
            ));
        }
        for change in table_changes {
            out.push_str(&render_change(dialect, old_table, table, change));
        }
        if let Some(trigger) = &guard {
            out.push_str(&format!(
                "ALTER TABLE {} ENABLE TRIGGER {trigger};\n",
                table.name
            ));
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
            let index = table
                .indexes
                .iter()
                .find(|i| i.name == *index)
                .expect("diff names existing indexes");
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
                    format!(
                        "{}UPDATE {name} SET {c} = {};\nALTER TABLE {name} ALTER COLUMN {c} SET NOT NULL;\n",
                        ddl::add_column(dialect, table, &nullable),
                        backfill_sql(dialect, column, backfill)
                    )
                }
            }
        }
        Change::MakeRequired {
            column, backfill, ..
        } => {
            let column = column_of(column);
            let c = sql::column_sql(&column.name);
            format!(
                "UPDATE {name} SET {c} = {} WHERE {c} IS NULL;\nALTER TABLE {name} ALTER COLUMN {c} SET NOT NULL;\n",
                backfill_sql(dialect, column, backfill)
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
        Change::CastColumn { column, from, .. } => {
            let to = column_of(column);
            let c = sql::column_sql(&to.name);
            let check = sql::check_name(name, &to.name);
            let mut out = String::new();
            if ddl::check_expression(dialect, from).is_some() {
                out.push_str(&format!("ALTER TABLE {name} DROP CONSTRAINT {check};\n"));
            }
            if ddl::sql_type(dialect, from.ty) != ddl::sql_type(dialect, to.ty) {
                out.push_str(&format!(
                    "ALTER TABLE {name} ALTER COLUMN {c} TYPE {} USING {};\n",
                    ddl::sql_type(dialect, to.ty),
                    cast_expression(dialect, from, to)
                ));
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
        Change::CreateTable(_) | Change::DropTable { .. } => String::new(),
    }
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
    let why = if only_checks {
        "sqlite cannot alter a CHECK constraint in place"
    } else {
        "sqlite cannot change a column's name, nullability, values or CHECK in place; every row is copied"
    };
    ddl::RebuildCopy {
        source_columns,
        fill,
        why: why.to_string(),
    }
}
