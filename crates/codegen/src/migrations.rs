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
//! describes ([`crate::sql::schema`], [`diff`]): equal → nothing new; additive (new table, new
//! nullable column, new index, new enum value, a column made nullable), or covered by the spec's
//! evolution declarations (renames, backfills, enum value maps, casts, declared data loss; see
//! `docs/spec-language.md`, "Evolving a stored spec"), or structural (an index, a rule's CHECK, a
//! foreign key or the primary key changed, `append_only` toggled; each new constraint checked
//! against the stored rows, failing the migration inside its transaction when one breaks it)
//! → one new migration per dialect plus a
//! snapshot, numbered next (`render.rs`); anything else → [`CodegenError::NonAdditiveChange`], each
//! problem with the YAML location and the declaration that would cover it.
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

use crate::ir::Ir;
use crate::sql::{self, Dialect, Schema};

mod backfill_rules;
mod declared;
mod diff;
mod render;

use crate::{CodegenError, ExistingFile, GeneratedFile, marker};
pub use diff::{Change, diff};
use diff::{describe, diff_declared, rename_tables};
use render::render_migration;

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
    let ir = Ir::new(spec);
    generate_with(&ir, &sql::schema_with(&ir), existing)
}

/// [`generate`] from the resolved spec and the SQL target's layout of it (`target`, the schema
/// the migrations lead to).
pub fn generate_with(
    ir: &Ir<'_>,
    target: &sql::Schema,
    existing: &[ExistingFile],
) -> Result<MigrationOutput, CodegenError> {
    let spec = ir.spec;
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
            target,
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
            schema: target.clone(),
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
    let declared = declared::declarations(ir);
    // A renamed table is diffed under its new name; its rename comes first.
    let (renamed_base, renames) = rename_tables(base, target, &declared);
    let base = &renamed_base;
    let changes = diff_declared(base, target, &declared)
        .map(|changes| renames.into_iter().chain(changes).collect::<Vec<_>>())
        .map_err(|problems| CodegenError::NonAdditiveChange {
            change: problems.join("\n  "),
            help: non_additive_help(spec, &folder, last.number + 1),
        })?;
    if !changes.is_empty() {
        let number = last.number + 1;
        let description = describe(&changes);
        let rendered =
            render_migration(spec, &folder, number, &description, base, target, &changes);
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
        let checksums: Map<String, Value> = self
            .checksums
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        // Keys in this order on disk (serde_json keeps insertion order here).
        let snapshot = json!({
            "$comment": marker::sentence(source),
            "version": self.version,
            "description": self.description,
            "spec_version": self.spec_version,
            "hand_written": self.hand_written,
            "checksums": checksums,
            "schema": self.schema.to_json(),
        });
        let mut text =
            serde_json::to_string_pretty(&snapshot).expect("a json value always serializes");
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
