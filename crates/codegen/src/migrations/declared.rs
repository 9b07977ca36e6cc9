//! The spec's evolution declarations, resolved onto the tables and columns they change.
//!
//! A field's `renamed_from:`, `backfill:`, a record's `removed_fields:` and an enum's removed
//! values are written on records and types; a migration needs them per table and column. The IR
//! says which record's fields are a table's columns ([`Ir::stored_tables`]: the list's element
//! record for a child table).

use std::collections::BTreeMap;

use handshake_spec::model::{Backfill, FieldStorage, Location, TypeKind};

use super::backfill_rules::broken_rules;
use crate::ir::{Ir, StoredTable};

/// What the spec declares about one table of the schema it describes.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableDeclarations {
    /// The record whose fields are the columns (the element record of a child table).
    pub record: String,
    /// Where that record is declared: where a `removed_fields:` entry belongs.
    pub record_location: Option<Location>,
    /// Column → where its field is declared.
    pub field_locations: BTreeMap<String, Location>,
    /// Column now → its name before (`renamed_from:`).
    pub renamed_from: BTreeMap<String, String>,
    /// Column → what existing rows get (`backfill:`).
    pub backfills: BTreeMap<String, Backfill>,
    /// Column → its `cast:`.
    pub casts: BTreeMap<String, DeclaredCast>,
    /// Dropped column → why losing it is acceptable (`removed_fields:`).
    pub removed: BTreeMap<String, String>,
    /// Enum column → (removed value → the value that replaces it).
    pub value_maps: BTreeMap<String, BTreeMap<String, String>>,
    /// Enum column → the enum type (where a `removed_values:` entry belongs).
    pub enum_types: BTreeMap<String, (String, Location)>,
    /// Column → why its literal `backfill:` breaks a rule on the record for every row it fills
    /// (`file:line:col: …`, one per rule).
    pub backfill_breaks: BTreeMap<String, Vec<String>>,
}

impl TableDeclarations {
    /// The column `old` of the previous schema is called this now.
    pub fn renamed_to(&self, old: &str) -> Option<&str> {
        self.renamed_from
            .iter()
            .find(|(_, from)| from.as_str() == old)
            .map(|(to, _)| to.as_str())
    }

    /// Where to point for a column: its field, else the record.
    pub fn location_of(&self, column: &str) -> String {
        self.field_locations
            .get(column)
            .or(self.record_location.as_ref())
            .map(|l| format!("{l}: "))
            .unwrap_or_default()
    }
}

/// A field's `cast:`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeclaredCast {
    /// `None`: lossless; `Some(why)`: a loss accepted.
    pub allow_data_loss: Option<String>,
    /// The author's conversion (`cast: { sql: … }`), written instead of codegen's own.
    pub sql: Option<String>,
}

/// Everything the spec declares, resolved onto the schema it describes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Declarations {
    /// Per table of the schema, keyed by table name.
    pub tables: BTreeMap<String, TableDeclarations>,
    /// Dropped table → (why losing its rows is acceptable, where that is declared).
    pub removed_tables: BTreeMap<String, (String, Location)>,
    /// Every type → `file:line:col: ` of its declaration (where a dropped table's record is).
    pub record_locations: BTreeMap<String, String>,
    /// `file:line:col: ` of the manifest, for a change nothing in the spec still declares.
    pub manifest: String,
    /// Table now → its name before (`renamed_from:` on `table:`).
    pub renamed_tables: BTreeMap<String, String>,
}

/// Declarations per table the spec stores, keyed by table name.
pub(crate) fn declarations(ir: &Ir<'_>) -> Declarations {
    let spec = ir.spec;
    Declarations {
        tables: ir
            .stored_tables()
            .iter()
            .map(|table| (table.name.to_string(), for_table(ir, *table)))
            .collect(),
        removed_tables: spec
            .evolution
            .removed_tables
            .iter()
            .map(|t| {
                (
                    t.table.clone(),
                    (t.allow_data_loss.clone(), t.location.clone()),
                )
            })
            .collect(),
        record_locations: spec
            .types
            .iter()
            .map(|t| (t.name.clone(), format!("{}: ", t.meta.location)))
            .collect(),
        renamed_tables: ir
            .ids()
            .filter_map(|id| {
                let table = ir.table_of(id)?;
                let from = ir.evolution(id).table_renamed_from?;
                Some((table.name.clone(), from.to_string()))
            })
            .collect(),
        manifest: format!(
            "{}:1:1: ",
            spec.files
                .first()
                .map_or("spec/handshake.yaml", String::as_str)
        ),
    }
}

fn for_table(ir: &Ir<'_>, table: StoredTable<'_>) -> TableDeclarations {
    let type_def = ir.def(table.record);
    let record_name = type_def.name.clone();
    let TypeKind::Record(record) = &type_def.kind else {
        return TableDeclarations::default();
    };
    let evolved = ir.evolution(table.record);
    let mut out = TableDeclarations {
        record: record_name.clone(),
        record_location: Some(type_def.meta.location.clone()),
        ..TableDeclarations::default()
    };
    for (index, field) in record.fields.iter().enumerate() {
        if let FieldStorage::ChildTable(_) = field.storage {
            continue; // its rows are another table's; the field is no column here
        }
        out.field_locations
            .insert(field.name.clone(), field.meta.location.clone());
        let declared = evolved.field(index);
        if let Some(from) = declared.renamed_from {
            out.renamed_from
                .insert(field.name.clone(), from.to_string());
        }
        if let Some(cast) = declared.cast {
            out.casts.insert(
                field.name.clone(),
                DeclaredCast {
                    allow_data_loss: cast.allow_data_loss.clone(),
                    sql: cast.sql.clone(),
                },
            );
        }
        if let Some(backfill) = declared.backfill {
            out.backfills
                .insert(field.name.clone(), backfill.value.clone());
            if let Backfill::Value(value) = &backfill.value {
                let breaks = broken_rules(ir.rules_on(table.record), &field.name, value)
                    .into_iter()
                    .map(|rule| {
                        format!(
                            "{}: `backfill: {value}` of {record_name}.{} breaks rule `{}` ({}: {}, declared at {}) in every row it fills; \
                             declare a value the rule accepts, or `backfill: {{ sql: <expression> }}` computed per row (the migration checks it against the rule's CHECK)",
                            backfill.location, field.name, rule.name, rule.code, rule.message, rule.meta.location
                        )
                    })
                    .collect::<Vec<_>>();
                if !breaks.is_empty() {
                    out.backfill_breaks.insert(field.name.clone(), breaks);
                }
            }
        }
        if let Some(enum_id) = ir.target(&field.ty)
            && let enum_type = ir.def(enum_id)
            && matches!(enum_type.kind, TypeKind::Enum(_))
        {
            out.enum_types.insert(
                field.name.clone(),
                (enum_type.name.clone(), enum_type.meta.location.clone()),
            );
            let map: BTreeMap<String, String> = ir
                .evolution(enum_id)
                .removed_values
                .iter()
                .map(|v| (v.value.clone(), v.map_to.clone()))
                .collect();
            if !map.is_empty() {
                out.value_maps.insert(field.name.clone(), map);
            }
        }
    }
    for removed in &evolved.removed_fields {
        out.removed
            .insert(removed.field.clone(), removed.allow_data_loss.clone());
    }
    out
}
