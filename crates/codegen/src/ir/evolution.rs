//! The spec's evolution declarations, resolved once onto what they change.
//!
//! The loader keeps each declaration (`renamed_from:`, `cast:`, `backfill:`, `removed_fields:`,
//! `removed_values:`, a table's `renamed_from:`) in a list of [`Evolution`] that names the record,
//! field, enum or table it is written on. [`resolve`] looks each name up here, once per run, and
//! files the declaration under the type id (and the field's index) it belongs to, so an emitter
//! reads [`Ir::evolution`] for the type it prints instead of searching the lists by name.
//!
//! The loader refuses a declaration on a name the spec does not declare; one that does not
//! resolve (a spec built by hand) is left out.

use std::collections::BTreeMap;

use handshake_spec::model::{
    Evolution, FieldBackfill, FieldCast, RemovedField, RemovedValue, TypeDef, TypeKind,
};

use super::{Ir, TypeId};

/// What the evolution declarations say about one type.
#[derive(Debug, Clone, Default)]
pub struct TypeEvolution<'s> {
    /// The type's name before (`renamed_from:` on the type).
    pub renamed_from: Option<&'s str>,
    /// One entry per field of a record, in field order (empty for the other kinds).
    pub fields: Vec<FieldEvolution<'s>>,
    /// The record's `removed_fields:`, in spec order.
    pub removed_fields: Vec<&'s RemovedField>,
    /// The enum's removed values (`removed_values:`, and the values' `renamed_from:`), in spec
    /// order.
    pub removed_values: Vec<&'s RemovedValue>,
    /// One entry per value of an enum, in value order: the removed values read as it
    /// (`read_alias: true`), in spec order (empty for the other kinds).
    pub read_aliases: Vec<Vec<&'s RemovedValue>>,
    /// The name the record's table had before (`renamed_from:` on its `table:`).
    pub table_renamed_from: Option<&'s str>,
}

/// What the evolution declarations say about one field of a record.
#[derive(Debug, Clone, Copy, Default)]
pub struct FieldEvolution<'s> {
    /// The field's name before (`renamed_from:`).
    pub renamed_from: Option<&'s str>,
    /// Its `cast:`, when its stored type changed.
    pub cast: Option<&'s FieldCast>,
    /// Its `backfill:`, what existing rows get.
    pub backfill: Option<&'s FieldBackfill>,
}

impl<'s> TypeEvolution<'s> {
    /// The declarations on the field at `index` of the record (none for another index).
    pub fn field(&self, index: usize) -> FieldEvolution<'s> {
        self.fields.get(index).copied().unwrap_or_default()
    }

    /// The removed values read as the enum value at `index` (none for another index).
    pub fn read_aliases_of(&self, index: usize) -> &[&'s RemovedValue] {
        self.read_aliases.get(index).map_or(&[], Vec::as_slice)
    }
}

/// Files every declaration of `evolution` under the type (and field) it is written on: one
/// [`TypeEvolution`] per type of `ir`, by id.
pub(super) fn resolve<'s>(ir: &Ir<'s>, evolution: &'s Evolution) -> Vec<TypeEvolution<'s>> {
    let mut out: Vec<TypeEvolution<'s>> = ir
        .ids()
        .map(|id| {
            let def = ir.def(id);
            TypeEvolution {
                fields: match &def.kind {
                    TypeKind::Record(record) => {
                        vec![FieldEvolution::default(); record.fields.len()]
                    }
                    _ => Vec::new(),
                },
                read_aliases: match &def.kind {
                    TypeKind::Enum(values) => vec![Vec::new(); values.len()],
                    _ => Vec::new(),
                },
                ..TypeEvolution::default()
            }
        })
        .collect();
    // Each record's field names to their index, built once.
    let field_index: BTreeMap<(TypeId, &str), usize> = ir
        .ids()
        .flat_map(|id| record_fields(ir.def(id)).map(move |(index, name)| ((id, name), index)))
        .collect();
    let field = |record: &str, field: &str| {
        let id = ir.id(record)?;
        Some((id, *field_index.get(&(id, field))?))
    };
    for rename in &evolution.renamed_fields {
        if let Some((id, index)) = field(&rename.record, &rename.field) {
            out[id.index()].fields[index].renamed_from = Some(&rename.from);
        }
    }
    for cast in &evolution.casts {
        if let Some((id, index)) = field(&cast.record, &cast.field) {
            out[id.index()].fields[index].cast = Some(cast);
        }
    }
    for backfill in &evolution.backfills {
        if let Some((id, index)) = field(&backfill.record, &backfill.field) {
            out[id.index()].fields[index].backfill = Some(backfill);
        }
    }
    for removed in &evolution.removed_fields {
        if let Some(id) = ir.id(&removed.record) {
            out[id.index()].removed_fields.push(removed);
        }
    }
    for removed in &evolution.removed_values {
        let Some(id) = ir.id(&removed.enum_name) else {
            continue;
        };
        out[id.index()].removed_values.push(removed);
        if removed.read_alias
            && let TypeKind::Enum(values) = &ir.def(id).kind
            && let Some(index) = values.iter().position(|v| v.name == removed.map_to)
        {
            out[id.index()].read_aliases[index].push(removed);
        }
    }
    for rename in &evolution.renamed_types {
        if let Some(id) = ir.id(&rename.type_name) {
            out[id.index()].renamed_from = Some(&rename.from);
        }
    }
    // A table's `renamed_from:` names the table; the record whose `table:` it is gets it.
    let record_of_table: BTreeMap<&str, TypeId> = ir
        .ids()
        .filter_map(|id| match &ir.def(id).kind {
            TypeKind::Record(record) => Some((record.table.as_ref()?.name.as_str(), id)),
            _ => None,
        })
        .collect();
    for rename in &evolution.renamed_tables {
        if let Some(id) = record_of_table.get(rename.table.as_str()) {
            out[id.index()].table_renamed_from = Some(&rename.from);
        }
    }
    out
}

/// A record's field names with their index (none for the other kinds).
fn record_fields(def: &TypeDef) -> impl Iterator<Item = (usize, &str)> {
    let fields = match &def.kind {
        TypeKind::Record(record) => record.fields.as_slice(),
        _ => &[],
    };
    fields
        .iter()
        .enumerate()
        .map(|(index, field)| (index, field.name.as_str()))
}
