//! The logical SQL schema derived from the spec's stored records, and its DDL for SQLite and PostgreSQL.
//!
//! [`schema`] turns every record with a `table:` into a [`TableSchema`] (plus one child table per
//! `storage: { child_table: … }` field), in spec order. [`ddl`] renders tables, indexes and the
//! append-only triggers for either [`Dialect`]. The same logical schema is what migration snapshots
//! record (see [`crate::migrations`]), so [`Schema::to_json`] / [`Schema::from_json`] round-trip it.
//!
//! Decisions the spec language leaves to us (documented here once):
//! - **Nullability**: a column is `NOT NULL` exactly when its field is `required: true`. An optional
//!   field with a `default:` stays nullable: the default belongs to the data model (it is applied
//!   when the row is read back into a record), not to the database, so the SQL schema says what may
//!   be absent on the wire, and adding a defaulted optional field stays an additive migration.
//! - **Primary-key columns** must come from required fields (a nullable key is refused).
//! - **`uint`** is stored as a signed 64-bit integer (SQLite and Postgres have nothing wider) with a
//!   `CHECK (col >= 0)`; values above `i64::MAX` cannot be stored, which no count in §2.6.6 reaches.
//! - **Every CHECK is named `<table>_<column>_check`** in both dialects, so a later migration can
//!   drop and re-add it by name (Postgres) and error messages name the column.
//! - **SQLite tables are `STRICT`**: a UUID bound as a BLOB or a number bound to a TEXT column is
//!   refused instead of being stored in a second representation. UUIDs and timestamps are TEXT
//!   (hyphenated lower-case UUID, RFC 3339 UTC) in SQLite; `uuid` and `timestamptz` in Postgres.
//! - **A child table inherits `append_only`** from its parent: the elements of an immutable row are
//!   immutable too.

pub mod ddl;
pub mod rules;

use std::collections::BTreeSet;

use handshake_spec::model::{
    Field, FieldStorage, Index, Primitive, Spec, Table, TypeKind, TypeRef,
};
use serde_json::{Value, json};

use crate::ir::{ChildTableOf, Ir, TypeId, fields_of};

/// The longest identifier Postgres keeps without truncating (NAMEDATALEN - 1); the loader
/// refuses longer names.
pub const MAX_IDENTIFIER_LEN: usize = handshake_spec::names::SQL_MAX_IDENTIFIER_LEN;

/// The name of the ordering column of a child table.
pub const POSITION_COLUMN: &str = "position";

/// The SQL dialects we generate for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.37+ (STRICT tables).
    Sqlite,
    /// PostgreSQL 13+.
    Postgres,
}

impl Dialect {
    /// Both dialects, in the fixed order files are emitted.
    pub const ALL: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgres];

    /// Folder name under the migrations folder: `sqlite` or `postgres`.
    pub fn folder(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

/// Logical column types, independent of dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text (strings, string newtypes, enums).
    Text,
    /// A UUID (ids).
    Uuid,
    /// Signed 64-bit integer.
    Integer,
    /// Unsigned integer stored as signed 64-bit with `CHECK (col >= 0)`.
    UnsignedInteger,
    /// 64-bit float.
    Number,
    /// Boolean.
    Boolean,
    /// RFC 3339 UTC timestamp.
    Timestamp,
    /// Any JSON value (records, unions, lists, maps, `json`).
    Json,
}

impl ColumnType {
    /// The spelling used in snapshots.
    pub fn spelling(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Uuid => "uuid",
            ColumnType::Integer => "integer",
            ColumnType::UnsignedInteger => "uint",
            ColumnType::Number => "number",
            ColumnType::Boolean => "boolean",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Json => "json",
        }
    }

    /// Parse a snapshot spelling.
    pub fn from_spelling(spelling: &str) -> Option<ColumnType> {
        Some(match spelling {
            "text" => ColumnType::Text,
            "uuid" => ColumnType::Uuid,
            "integer" => ColumnType::Integer,
            "uint" => ColumnType::UnsignedInteger,
            "number" => ColumnType::Number,
            "boolean" => ColumnType::Boolean,
            "timestamp" => ColumnType::Timestamp,
            "json" => ColumnType::Json,
            _ => return None,
        })
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name: the spec's field name.
    pub name: String,
    /// Logical type.
    pub ty: ColumnType,
    /// Whether NULL is allowed (the field is optional).
    pub nullable: bool,
    /// For enum columns: the allowed values in spec order (rendered as `CHECK (col IN (...))`).
    pub enum_values: Option<Vec<String>>,
}

/// A foreign key of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeySchema {
    /// Referencing columns of this table.
    pub columns: Vec<String>,
    /// Referenced table.
    pub references_table: String,
    /// Referenced columns (the referenced table's primary key).
    pub references_columns: Vec<String>,
    /// `ON DELETE CASCADE` (child tables); otherwise the default `NO ACTION`.
    pub on_delete_cascade: bool,
}

/// A named index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSchema {
    /// Index name, unique across the schema.
    pub name: String,
    /// Columns in index order.
    pub columns: Vec<String>,
    /// Whether it is UNIQUE.
    pub unique: bool,
}

/// A main table and a child table declare their indexes the same way, so one conversion serves both.
impl From<&Index> for IndexSchema {
    fn from(index: &Index) -> Self {
        IndexSchema {
            name: index.name.clone(),
            columns: index.columns.clone(),
            unique: index.unique,
        }
    }
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    /// Table name.
    pub name: String,
    /// What it stores: a record type name, or `Record.field` for a child table.
    pub source: String,
    /// Columns in spec order.
    pub columns: Vec<Column>,
    /// Primary key columns.
    pub primary_key: Vec<String>,
    /// Foreign keys in spec order.
    pub foreign_keys: Vec<ForeignKeySchema>,
    /// Indexes in spec order.
    pub indexes: Vec<IndexSchema>,
    /// UPDATE and DELETE refused by triggers.
    pub append_only: bool,
    /// Cross-field rules on the stored record expressed as named CHECKs (see [`rules`]).
    pub checks: Vec<rules::RuleCheck>,
    /// Names of the rules on the stored record that no CHECK expresses (JSON-column paths, …).
    pub unchecked_rules: Vec<String>,
}

impl TableSchema {
    /// Look a column up by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Look an index up by name.
    pub fn index(&self, name: &str) -> Option<&IndexSchema> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Look a rule CHECK up by name.
    pub fn check(&self, name: &str) -> Option<&rules::RuleCheck> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// The whole logical schema: tables in spec order (a child table right after its parent).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    /// Tables in spec order.
    pub tables: Vec<TableSchema>,
}

impl Schema {
    /// Look a table up by name.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// A column name as SQL text: the spec's name, quoted (`"end"`) where it is a reserved word in
/// SQL, so the column is the wire name whatever SQL reserves. Other names stay unquoted, so the
/// DDL of every existing column is unchanged. snake_case names hold no `"` to escape.
pub fn column_sql(name: &str) -> std::borrow::Cow<'_, str> {
    if handshake_spec::names::is_sql_reserved(name) {
        std::borrow::Cow::Owned(format!("\"{name}\""))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// Column names as a comma-separated SQL list, each through [`column_sql`].
pub fn columns_sql(names: &[String]) -> String {
    names
        .iter()
        .map(|name| column_sql(name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Name of the CHECK constraint of a column: `<table>_<column>_check` (Postgres' own convention).
pub fn check_name(table: &str, column: &str) -> String {
    handshake_spec::names::sql_check_name(table, column)
}

/// Derive the logical schema from the spec's stored records, in spec order.
///
/// A printer: the loader refuses every table that cannot be laid out (a key, foreign key or
/// index naming something that is not a column, a foreign key to a record without a one-column
/// key, a child table that is not a list of records or that nests, two SQL objects of one name,
/// a name Postgres would truncate; codes S0601 to S0610), so nothing here is checked again.
pub fn schema(spec: &Spec) -> Schema {
    schema_with(&Ir::new(spec))
}

/// [`schema`] from the resolved spec.
pub fn schema_with(ir: &Ir<'_>) -> Schema {
    let mut tables = Vec::new();
    let mut stored = Vec::new();
    for id in ir.ids() {
        let Some(table) = ir.table_of(id) else {
            continue;
        };
        let main = main_table(ir, id, table);
        let children = ir
            .child_tables(id)
            .iter()
            .map(|child| child_table(ir, &main, child))
            .collect::<Vec<_>>();
        stored.push((tables.len(), id));
        tables.push(main);
        tables.extend(children);
    }
    // The rules' CHECKs last, under names no other object of the schema has.
    let mut taken = object_names(&tables);
    for (index, id) in stored {
        if let Some(table) = tables.get_mut(index) {
            let (checks, unchecked_rules) =
                rules::table_rules_among(ir, id, &table.name, &mut taken);
            table.checks = checks;
            table.unchecked_rules = unchecked_rules;
        }
    }
    Schema { tables }
}

/// The names of the tables, indexes, column CHECKs and append-only triggers of `tables` (the
/// loader checked that they are distinct and that Postgres keeps them whole: S0601, S0608, S0610).
fn object_names(tables: &[TableSchema]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for table in tables {
        names.insert(table.name.clone());
        names.extend(table.indexes.iter().map(|index| index.name.clone()));
        for column in &table.columns {
            if column.enum_values.is_some() || column.ty.needs_check() {
                names.insert(check_name(&table.name, &column.name));
            }
        }
        if table.append_only {
            names.extend(ddl::append_only_object_names(&table.name));
        }
    }
    names
}

/// The table of a record with a `table:`: its column- and JSON-stored fields (a child-table
/// field is the child table's), keys and indexes.
fn main_table(ir: &Ir<'_>, id: TypeId, table: &Table) -> TableSchema {
    let columns = fields_of(ir.def(id))
        .into_iter()
        .filter(|field| !matches!(field.storage, FieldStorage::ChildTable(_)))
        .map(|field| column_for(ir, field))
        .collect();
    // The loader resolves every `references` to a record whose table has a one-column key
    // (S0603); a spec built by hand that does not is laid out without that foreign key.
    let foreign_keys = table
        .foreign_keys
        .iter()
        .zip(ir.foreign_key_targets(id))
        .filter_map(|(fk, target)| {
            let referenced = ir.table_of((*target)?)?;
            Some(ForeignKeySchema {
                columns: vec![fk.column.clone()],
                references_table: referenced.name.clone(),
                references_columns: referenced.primary_key.clone(),
                on_delete_cascade: false,
            })
        })
        .collect();
    TableSchema {
        name: table.name.clone(),
        source: ir.def(id).name.clone(),
        columns,
        primary_key: table.primary_key.clone(),
        foreign_keys,
        indexes: table.indexes.iter().map(IndexSchema::from).collect(),
        append_only: table.append_only,
        // filled by `schema_with` once every other name is known
        checks: Vec::new(),
        unchecked_rules: Vec::new(),
    }
}

/// A child table: the parent's key columns (a key column is a field the loader checked is a
/// required column, S0602/S0605), `position`, then the element record's fields (none of which
/// is stored in a child table of its own, S0609, nor collides with the added columns, S0607).
fn child_table(ir: &Ir<'_>, main: &TableSchema, child: &ChildTableOf<'_>) -> TableSchema {
    let parent_key = main.primary_key.iter().filter_map(|pk| main.column(pk));
    let columns = parent_key
        .map(|parent_column| Column {
            nullable: false,
            enum_values: None,
            ..parent_column.clone()
        })
        .chain(std::iter::once(Column {
            name: POSITION_COLUMN.to_string(),
            ty: ColumnType::UnsignedInteger,
            nullable: false,
            enum_values: None,
        }))
        .chain(
            child
                .element_fields
                .iter()
                .filter(|field| !matches!(field.storage, FieldStorage::ChildTable(_)))
                .map(|field| column_for(ir, field)),
        )
        .collect();
    let mut primary_key = main.primary_key.clone();
    primary_key.push(POSITION_COLUMN.to_string());
    TableSchema {
        name: child.table.table.clone(),
        source: format!("{}.{}", main.source, child.field.name),
        columns,
        primary_key,
        foreign_keys: vec![ForeignKeySchema {
            columns: main.primary_key.clone(),
            references_table: main.name.clone(),
            references_columns: main.primary_key.clone(),
            on_delete_cascade: true,
        }],
        indexes: child.table.indexes.iter().map(IndexSchema::from).collect(),
        append_only: main.append_only,
        checks: Vec::new(),
        unchecked_rules: Vec::new(),
    }
}

fn column_for(ir: &Ir<'_>, field: &Field) -> Column {
    let (ty, enum_values) = if field.storage == FieldStorage::Json {
        (ColumnType::Json, None)
    } else {
        column_type(ir, &field.ty)
    };
    Column {
        name: field.name.clone(),
        ty,
        nullable: !field.required,
        enum_values,
    }
}

/// The column type of a column-stored field's type, and an enum's values. A name is a declared
/// type (the loader refuses others, S0203; the lifecycle's states are an enum type too); one a
/// spec built by hand leaves undeclared is any JSON value.
fn column_type(ir: &Ir<'_>, ty: &TypeRef) -> (ColumnType, Option<Vec<String>>) {
    match ty {
        TypeRef::Primitive(p) => (
            match p {
                Primitive::String => ColumnType::Text,
                Primitive::Integer => ColumnType::Integer,
                Primitive::UnsignedInteger => ColumnType::UnsignedInteger,
                Primitive::Number => ColumnType::Number,
                Primitive::Boolean => ColumnType::Boolean,
                Primitive::Uuid => ColumnType::Uuid,
                Primitive::Timestamp => ColumnType::Timestamp,
                Primitive::Json => ColumnType::Json,
            },
            None,
        ),
        TypeRef::Named(_) => match ir.kind_of(ty) {
            Some(TypeKind::Id) => (ColumnType::Uuid, None),
            Some(TypeKind::String(_)) => (ColumnType::Text, None),
            Some(TypeKind::Enum(values)) => (
                ColumnType::Text,
                Some(values.iter().map(|v| v.name.clone()).collect()),
            ),
            Some(TypeKind::Record(_) | TypeKind::Union(_)) | None => (ColumnType::Json, None),
        },
        TypeRef::List(_) | TypeRef::Map(_) => (ColumnType::Json, None),
    }
}

impl ColumnType {
    /// Whether the column carries a CHECK in some dialect (besides enum values).
    pub fn needs_check(self) -> bool {
        matches!(
            self,
            ColumnType::UnsignedInteger | ColumnType::Boolean | ColumnType::Json
        )
    }
}

// ---- JSON form (migration snapshots) ---------------------------------------------------------

impl Schema {
    /// The snapshot form: `{"tables": [...]}`, keys in a fixed order.
    pub fn to_json(&self) -> Value {
        json!({ "tables": self.tables.iter().map(TableSchema::to_json).collect::<Vec<_>>() })
    }

    /// Parse the snapshot form; the error is a lower-case fragment naming what is wrong.
    pub fn from_json(value: &Value) -> Result<Schema, String> {
        let tables = field(value, "tables")?
            .as_array()
            .ok_or("\"tables\" is not an array")?
            .iter()
            .map(TableSchema::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Schema { tables })
    }
}

impl TableSchema {
    fn to_json(&self) -> Value {
        let columns: Vec<Value> = self
            .columns
            .iter()
            .map(|c| {
                let mut column =
                    json!({ "name": c.name, "type": c.ty.spelling(), "nullable": c.nullable });
                if let Some(values) = &c.enum_values {
                    column["enum"] = json!(values);
                }
                column
            })
            .collect();
        let foreign_keys: Vec<Value> = self
            .foreign_keys
            .iter()
            .map(|fk| {
                json!({
                    "columns": fk.columns,
                    "references_table": fk.references_table,
                    "references_columns": fk.references_columns,
                    "on_delete_cascade": fk.on_delete_cascade,
                })
            })
            .collect();
        let indexes: Vec<Value> = self
            .indexes
            .iter()
            .map(|i| json!({ "name": i.name, "columns": i.columns, "unique": i.unique }))
            .collect();
        // Keys in this order on disk (serde_json keeps insertion order here); the optional
        // lists come last and only when non-empty (`from_json` reads their absence as empty).
        let mut table = json!({
            "name": self.name,
            "source": self.source,
            "columns": columns,
            "primary_key": self.primary_key,
            "foreign_keys": foreign_keys,
            "indexes": indexes,
            "append_only": self.append_only,
        });
        if !self.checks.is_empty() {
            let checks: Vec<Value> = self
                .checks
                .iter()
                .map(|c| {
                    json!({
                        "name": c.name,
                        "rule": c.rule,
                        "code": c.code,
                        "sqlite": c.sqlite,
                        "postgres": c.postgres,
                    })
                })
                .collect();
            table["checks"] = json!(checks);
        }
        if !self.unchecked_rules.is_empty() {
            table["unchecked_rules"] = json!(self.unchecked_rules);
        }
        table
    }

    fn from_json(value: &Value) -> Result<TableSchema, String> {
        let name = string(value, "name")?;
        let context = |e: String| format!("table {name}: {e}");
        let columns = each(value, "columns", column_from_json).map_err(context)?;
        let foreign_keys = each(value, "foreign_keys", foreign_key_from_json).map_err(context)?;
        let indexes = each(value, "indexes", index_from_json).map_err(context)?;
        let checks = match value.get("checks") {
            None => Vec::new(),
            Some(_) => each(value, "checks", check_from_json).map_err(context)?,
        };
        let unchecked_rules = match value.get("unchecked_rules") {
            None => Vec::new(),
            Some(_) => strings(value, "unchecked_rules").map_err(context)?,
        };
        Ok(TableSchema {
            checks,
            unchecked_rules,
            source: string(value, "source").map_err(context)?,
            columns,
            primary_key: strings(value, "primary_key").map_err(context)?,
            foreign_keys,
            indexes,
            append_only: boolean(value, "append_only").map_err(context)?,
            name,
        })
    }
}

fn column_from_json(c: &Value) -> Result<Column, String> {
    let ty_name = string(c, "type")?;
    Ok(Column {
        name: string(c, "name")?,
        ty: ColumnType::from_spelling(&ty_name)
            .ok_or_else(|| format!("unknown column type {ty_name:?}"))?,
        nullable: boolean(c, "nullable")?,
        enum_values: match c.get("enum") {
            None => None,
            Some(_) => Some(strings(c, "enum")?),
        },
    })
}

fn foreign_key_from_json(fk: &Value) -> Result<ForeignKeySchema, String> {
    Ok(ForeignKeySchema {
        columns: strings(fk, "columns")?,
        references_table: string(fk, "references_table")?,
        references_columns: strings(fk, "references_columns")?,
        on_delete_cascade: boolean(fk, "on_delete_cascade")?,
    })
}

fn index_from_json(i: &Value) -> Result<IndexSchema, String> {
    Ok(IndexSchema {
        name: string(i, "name")?,
        columns: strings(i, "columns")?,
        unique: boolean(i, "unique")?,
    })
}

fn check_from_json(c: &Value) -> Result<rules::RuleCheck, String> {
    Ok(rules::RuleCheck {
        name: string(c, "name")?,
        rule: string(c, "rule")?,
        code: string(c, "code")?,
        sqlite: string(c, "sqlite")?,
        postgres: string(c, "postgres")?,
    })
}

/// Each element of the array under `key`, read by `parse`; the first failure stops the read.
fn each<T>(
    value: &Value,
    key: &str,
    parse: impl Fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    array(value, key)?.iter().map(parse).collect()
}

fn field<'v>(value: &'v Value, key: &str) -> Result<&'v Value, String> {
    value.get(key).ok_or_else(|| format!("missing key {key:?}"))
}

fn string(value: &Value, key: &str) -> Result<String, String> {
    field(value, key)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{key:?} is not a string"))
}

fn boolean(value: &Value, key: &str) -> Result<bool, String> {
    field(value, key)?
        .as_bool()
        .ok_or_else(|| format!("{key:?} is not a boolean"))
}

fn array<'v>(value: &'v Value, key: &str) -> Result<&'v Vec<Value>, String> {
    field(value, key)?
        .as_array()
        .ok_or_else(|| format!("{key:?} is not an array"))
}

fn strings(value: &Value, key: &str) -> Result<Vec<String>, String> {
    array(value, key)?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{key:?} holds a non-string"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use handshake_spec::model::{Record, TypeDef};

    /// The small model of the migration cases: every column kind, a child table, an append-only table.
    fn case_spec() -> Spec {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/migration_cases/initial/after");
        handshake_spec::load(&dir).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The `Task` record of the case spec, the one the tests below alter.
    fn task_record(spec: &mut Spec) -> &mut Record {
        let task: &mut TypeDef = spec
            .types
            .iter_mut()
            .find(|t| t.name == "Task")
            .expect("Task");
        let TypeKind::Record(record) = &mut task.kind else {
            panic!("Task is a record")
        };
        record
    }

    fn task_field<'s>(spec: &'s mut Spec, name: &str) -> &'s mut Field {
        task_record(spec)
            .fields
            .iter_mut()
            .find(|f| f.name == name)
            .expect("field")
    }

    /// The loader decides which columns get a CHECK (to check the CHECKs' names: S0608, S0610)
    /// with `names::sql_column_has_check`; the columns this target lays out must agree, for the
    /// real spec and every golden case's.
    #[test]
    fn the_loader_and_this_target_agree_on_which_columns_get_a_check() {
        use handshake_spec::names::sql_column_has_check;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut dirs = vec![root.clone()];
        for entry in std::fs::read_dir(root.join("tests/golden")).expect("goldens") {
            let case = entry.expect("entry").path();
            if case.join("spec").is_dir() {
                dirs.push(case);
            }
        }
        let mut compared = 0;
        for dir in dirs {
            let spec = handshake_spec::load(&dir).unwrap_or_else(|e| panic!("{e}"));
            let ir = Ir::new(&spec);
            let schema = schema_with(&ir);
            let checked = |table: &str, name: &str| {
                let column = schema.table(table).and_then(|t| t.column(name));
                let column = column.unwrap_or_else(|| panic!("{table}.{name}"));
                column.enum_values.is_some() || column.ty.needs_check()
            };
            for stored in ir.stored_tables() {
                let TypeKind::Record(record) = &ir.def(stored.record).kind else {
                    continue;
                };
                let columns = record.fields.iter();
                for field in columns.filter(|f| !matches!(f.storage, FieldStorage::ChildTable(_))) {
                    let loader = sql_column_has_check(field, &spec.types, true);
                    assert_eq!(
                        loader,
                        checked(stored.name, &field.name),
                        "{}.{}",
                        stored.name,
                        field.name
                    );
                    compared += 1;
                }
                for child in ir.child_tables(stored.record) {
                    for field in child.element_fields {
                        let loader = sql_column_has_check(field, &spec.types, true);
                        assert_eq!(
                            loader,
                            checked(&child.table.table, &field.name),
                            "{}.{}",
                            child.table.table,
                            field.name
                        );
                        compared += 1;
                    }
                    let Some(table) = &record.table else { continue };
                    for key in &table.primary_key {
                        let field = record
                            .fields
                            .iter()
                            .find(|f| &f.name == key)
                            .expect("key field");
                        let loader = sql_column_has_check(field, &spec.types, false);
                        assert_eq!(
                            loader,
                            checked(&child.table.table, key),
                            "{}.{key}",
                            child.table.table
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 100, "only {compared} columns compared");
    }

    #[test]
    fn snapshot_json_round_trips() {
        let schema = schema(&case_spec());
        assert_eq!(Schema::from_json(&schema.to_json()), Ok(schema.clone()));
        assert_eq!(
            Schema::from_json(&json!({})),
            Err("missing key \"tables\"".to_string())
        );
        let mut broken = schema.to_json();
        broken["tables"][0]["columns"][0]["type"] = json!("varchar");
        assert_eq!(
            Schema::from_json(&broken),
            Err("table tasks: unknown column type \"varchar\"".to_string())
        );
    }

    #[test]
    fn columns_follow_the_fields() {
        let schema = schema(&case_spec());
        let tasks = schema.table("tasks").expect("tasks");
        let column = |name: &str| {
            tasks
                .column(name)
                .unwrap_or_else(|| panic!("tasks.{name}"))
                .clone()
        };
        assert_eq!(
            (column("task_id").ty, column("task_id").nullable),
            (ColumnType::Uuid, false)
        );
        assert_eq!(
            (
                column("parent_task_id").ty,
                column("parent_task_id").nullable
            ),
            (ColumnType::Uuid, true)
        );
        assert_eq!(
            column("state").enum_values,
            Some(vec!["open".to_string(), "closed".to_string()])
        );
        assert_eq!(
            column("color").enum_values,
            Some(vec!["red".to_string(), "green".to_string()])
        );
        assert_eq!(column("details").ty, ColumnType::Json);
        assert_eq!(column("weight").ty, ColumnType::UnsignedInteger);
        assert!(
            tasks.column("tags").is_none(),
            "a child-table field is not a column"
        );
    }

    #[test]
    fn a_child_table_is_keyed_by_parent_and_position_and_cascades() {
        let schema = schema(&case_spec());
        let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["tasks", "task_tags", "task_events"],
            "a child table follows its parent"
        );
        let tags = schema.table("task_tags").expect("task_tags");
        let columns: Vec<&str> = tags.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(columns, ["task_id", "position", "label", "priority"]);
        assert_eq!(tags.primary_key, ["task_id", "position"]);
        assert_eq!(
            tags.foreign_keys,
            [ForeignKeySchema {
                columns: vec!["task_id".into()],
                references_table: "tasks".into(),
                references_columns: vec!["task_id".into()],
                on_delete_cascade: true,
            }]
        );
        assert_eq!(tags.indexes[0].name, "task_tags_label");
        assert!(schema.table("task_events").expect("events").append_only);
    }

    #[test]
    fn an_optional_field_with_a_default_stays_nullable() {
        let mut spec = case_spec();
        let title = task_field(&mut spec, "title");
        title.required = false;
        title.default = Some(json!("untitled"));
        let schema = schema(&spec);
        assert!(
            schema
                .table("tasks")
                .expect("tasks")
                .column("title")
                .expect("title")
                .nullable
        );
    }
}
