//! Pass B and C for the evolution declarations (issue #12): a field's `renamed_from:` and
//! `backfill:`, a record's `removed_fields:`, an enum's `removed_values:` and a value's
//! `renamed_from:`. Each is checked where it is written; backfill values against the field's type
//! once every type is known.

use std::collections::{BTreeMap, BTreeSet};

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::{At, Owner, PendingDefault, Reader};
use crate::diagnostics::Code;
use crate::model::{
    Backfill, EnumValue, Field, FieldBackfill, FieldCast, FieldRename, FieldStorage, RemovedField,
    RemovedTable, RemovedValue, TableRename, TypeDef, TypeKind, TypeRef, TypeRename,
};
use crate::names::NameKind;
use crate::suggest::did_you_mean;

impl Reader<'_> {
    /// `renamed_from:` and `backfill:` of a field (already key-checked).
    pub(super) fn field_evolution(
        &mut self,
        map: &MarkedMappingNode,
        owner: &Owner,
        field: &str,
        ty: Option<&TypeRef>,
        required: Option<bool>,
    ) {
        let record = match owner {
            Owner::Type(record) => Some(record.clone()),
            Owner::Variant(..) | Owner::Error(_) => None,
        };
        for key in ["renamed_from", "backfill", "cast"] {
            if let (Some((key_node, _)), None) = (map.get_key_value(key), &record) {
                let at = self.source.at_scalar(key_node);
                self.sink.report(
                    Code::EvolutionOutsideRecord,
                    at,
                    format!("`{key}` on field `{field}` outside a record"),
                    "only fields of records carry evolution declarations",
                    Some("variant and error fields are never stored in a table of their own; rename or add them without it".into()),
                );
            }
        }
        let Some(record) = record else { return };
        if let Some((key, node)) = map.get_key_value("renamed_from")
            && let Some((from, _)) = self.old_name(node, NameKind::Field, "field", field)
        {
            let location = self.source.at_scalar(key).0;
            self.pending.evolution.renamed_fields.push(FieldRename {
                record: record.clone(),
                field: field.to_string(),
                from,
                location,
            });
        }
        if let Some((key, node)) = map.get_key_value("cast") {
            let at = self.source.at_scalar(key);
            let cast = match node {
                Node::Scalar(scalar) if scalar.as_str() == "lossless" => Some((None, None)),
                Node::Mapping(entry) if entry.get_node("sql").is_some() => {
                    self.cast_expression(entry, &at, field)
                }
                Node::Mapping(entry) => self
                    .allow_data_loss(entry, &at, "a lossy `cast`")
                    .map(|why| (Some(why), None)),
                _ => {
                    let value_at = self.source.at_node(node);
                    self.sink.report(
                        Code::InvalidCast,
                        value_at,
                        format!("`cast` of field `{field}` must be `lossless`, `{{ allow_data_loss: <why> }}` or `{{ sql: <expression> }}`"),
                        "not a cast",
                        Some("write `cast: lossless` for a conversion that keeps every value, `cast: { allow_data_loss: <why> }` for one that may not, or `cast: { sql: <expression> }` to convert with your own SQL".into()),
                    );
                    None
                }
            };
            if let Some((allow_data_loss, sql)) = cast {
                self.pending.evolution.casts.push(FieldCast {
                    record: record.clone(),
                    field: field.to_string(),
                    allow_data_loss,
                    sql,
                    location: at.0,
                });
            }
        }
        if let Some((key, node)) = map.get_key_value("backfill") {
            let at = self.source.at_scalar(key);
            if required == Some(false) {
                self.sink.report(
                    Code::BackfillOnOptionalField,
                    at.clone(),
                    format!("field `{field}` is optional and has a `backfill`"),
                    "existing rows may leave an optional field empty",
                    Some("drop the `backfill`, or make the field `required: true`".into()),
                );
            }
            let sql = node.as_mapping().map(|m| {
                self.check_keys(m, &["sql"], "a `backfill` expression");
                m.get_node("sql")
                    .and_then(|n| self.text(n, "`backfill.sql`"))
                    .unwrap_or_default()
            });
            match sql {
                Some(sql) => {
                    if sql.trim().is_empty() || sql.contains(';') {
                        self.sink.report(
                            Code::InvalidBackfill,
                            at.clone(),
                            format!("`backfill.sql` of field `{field}` is not one SQL expression"),
                            "empty, or holds a `;`",
                            Some("write one expression over the row's columns, e.g. `{ sql: \"coalesce(title, '')\" }`".into()),
                        );
                    }
                    self.pending.evolution.backfills.push(FieldBackfill {
                        record,
                        field: field.to_string(),
                        value: Backfill::Sql(sql),
                        location: at.0,
                    });
                }
                None => {
                    if let Some(ty) = ty {
                        self.pending.backfills.push(PendingDefault {
                            owner: owner.clone(),
                            field: field.to_string(),
                            ty: ty.clone(),
                            node: node.clone(),
                        });
                        // The value is filled in by `check_backfills` once it is checked.
                        self.pending.evolution.backfills.push(FieldBackfill {
                            record,
                            field: field.to_string(),
                            value: Backfill::Value(serde_json::Value::Null),
                            location: at.0,
                        });
                    }
                }
            }
        }
    }

    /// `cast: { sql: <expression>, allow_data_loss: <why> }` (the reason optional): the
    /// expression, checked to be one SQL expression, and the reason if given.
    fn cast_expression(
        &mut self,
        entry: &MarkedMappingNode,
        at: &At,
        field: &str,
    ) -> Option<(Option<String>, Option<String>)> {
        self.check_keys(entry, &["sql", "allow_data_loss"], "a `cast` expression");
        let sql = entry
            .get_node("sql")
            .and_then(|n| self.text(n, "`cast.sql`"))?;
        if sql.trim().is_empty() || sql.contains(';') {
            self.sink.report(
                Code::InvalidCast,
                at.clone(),
                format!("`cast.sql` of field `{field}` is not one SQL expression"),
                "empty, or holds a `;`",
                Some(format!("write one expression over the row's columns that yields the new type, e.g. `{{ sql: \"CAST({field} AS BIGINT)\" }}`")),
            );
            return None;
        }
        let why = match entry.get_node("allow_data_loss") {
            Some(_) => Some(self.required_prose(entry, "allow_data_loss", at, "a lossy `cast`")?),
            None => None,
        };
        Some((why, Some(sql)))
    }

    /// `renamed_from:` of a type named `type_name`. The old name must stay free: the generated
    /// code keeps it as an alias of the new one.
    pub(super) fn type_renamed_from(
        &mut self,
        key: &MarkedScalarNode,
        node: &Node,
        type_name: &str,
    ) {
        let Some((from, at)) = self.old_name(node, NameKind::Type, "type", type_name) else {
            return;
        };
        if from != type_name
            && let Some(other) = self.declarations.names.get(&from)
        {
            let other = other.at.0.clone();
            self.sink.report(
                Code::OldNameDeclared,
                at,
                format!("type `{type_name}` is `renamed_from` `{from}`, which is declared too"),
                "the old name is taken",
                Some(format!("the generated code keeps `{from}` as an alias of `{type_name}`, so the name must be free; `{from}` is declared at {other}")),
            );
        }
        let location = self.source.at_scalar(key).0;
        self.pending.evolution.renamed_types.push(TypeRename {
            type_name: type_name.to_string(),
            from,
            location,
        });
    }

    /// `renamed_from:` of a `table:` block named `table`.
    pub(super) fn table_renamed_from(&mut self, key: &MarkedScalarNode, node: &Node, table: &str) {
        let Some((from, _)) = self.old_name(node, NameKind::Table, "table", table) else {
            return;
        };
        let location = self.source.at_scalar(key).0;
        self.pending.evolution.renamed_tables.push(TableRename {
            table: table.to_string(),
            from,
            location,
        });
    }

    /// The old name under `renamed_from:` (`node`) of the `noun` called `name`, checked as a
    /// `kind` name and reported when it is `name` itself, with where it is.
    fn old_name(
        &mut self,
        node: &Node,
        kind: NameKind,
        noun: &str,
        name: &str,
    ) -> Option<(String, At)> {
        let scalar = self.expect_scalar(node, "`renamed_from`")?;
        let at = self.source.at_scalar(scalar);
        let from = scalar.as_str().to_string();
        self.check_name(&from, kind, at.clone());
        if from == name {
            self.sink.report(
                Code::RenamedFromItself,
                at.clone(),
                format!("{noun} `{name}` is `renamed_from` itself"),
                "the old name is the new name",
                Some(format!(
                    "write the name the {noun} had in the previous version, or drop `renamed_from`"
                )),
            );
        }
        Some((from, at))
    }

    /// A spec file's `removed_tables:` (`name: { allow_data_loss: reason }`). Whether a table of
    /// that name is still declared is checked by codegen, which knows every table (a record's and
    /// its child tables).
    pub(super) fn removed_tables(&mut self, root: &MarkedMappingNode) {
        let removals = self.removals(root, "removed_tables", NameKind::Table, |name| {
            format!("removed table `{name}`")
        });
        for (name, at, reason) in removals {
            if self
                .pending
                .evolution
                .removed_tables
                .iter()
                .any(|t| t.table == name)
            {
                self.sink.report(
                    Code::RemovedTwice,
                    at.clone(),
                    format!("table `{name}` is removed twice"),
                    "a second removal of the same table",
                    Some("keep one entry".into()),
                );
            }
            let removed = reason.map(|allow_data_loss| RemovedTable {
                table: name,
                allow_data_loss,
                location: at.0,
            });
            self.pending.evolution.removed_tables.extend(removed);
        }
    }

    /// The entries of the optional `section` of removals in `map` (`name: { allow_data_loss:
    /// reason }`): each name (checked as a `kind` name), where it is, and its reason (`None` when
    /// the entry is not a mapping; empty when the reason is missing, which is reported).
    fn removals(
        &mut self,
        map: &MarkedMappingNode,
        section: &str,
        kind: NameKind,
        what: impl Fn(&str) -> String,
    ) -> Vec<(String, At, Option<String>)> {
        let Some(node) = map.get_node(section) else {
            return Vec::new();
        };
        let Some(entries) = self.expect_map(node, &format!("`{section}`")) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in entries.iter() {
            let name = self.name(key, kind);
            let at = self.source.at_scalar(key);
            let what = what(&name);
            let reason = self
                .expect_map(value, &what)
                .map(|entry| self.allow_data_loss(entry, &at, &what).unwrap_or_default());
            out.push((name, at, reason));
        }
        out
    }

    /// The reason of an `{ allow_data_loss: <why> }` entry (its only key), reported when missing.
    fn allow_data_loss(
        &mut self,
        entry: &MarkedMappingNode,
        at: &At,
        what: &str,
    ) -> Option<String> {
        self.check_keys(entry, &["allow_data_loss"], what);
        self.required_prose(entry, "allow_data_loss", at, what)
    }

    /// A record's `removed_fields:` (`name: { allow_data_loss: reason }`).
    pub(super) fn removed_fields(
        &mut self,
        map: &MarkedMappingNode,
        record: &str,
        fields: &[Field],
    ) {
        let removals = self.removals(map, "removed_fields", NameKind::Field, |name| {
            format!("removed field `{name}` of record `{record}`")
        });
        for (name, at, _) in &removals {
            if fields.iter().any(|f| &f.name == name) {
                self.sink.report(
                    Code::RemovedButDeclared,
                    at.clone(),
                    format!("field `{name}` of record `{record}` is both a field and in `removed_fields`"),
                    "still declared",
                    Some("remove the field from `fields:`, or drop this entry".into()),
                );
            }
        }
        let removed = removals.into_iter().filter_map(|(name, at, reason)| {
            Some(RemovedField {
                record: record.to_string(),
                field: name,
                allow_data_loss: reason?,
                location: at.0,
            })
        });
        self.pending.evolution.removed_fields.extend(removed);
    }

    /// An enum's `removed_values:` (`old: { map_to: value, read_alias: bool }`) and each value's
    /// `renamed_from:` (an old value mapped to it and read as an alias); the lifecycle's
    /// `removed_states:` (`key`) the same way, its states as the values.
    pub(super) fn removed_values(
        &mut self,
        map: &MarkedMappingNode,
        enum_name: &str,
        values: &[EnumValue],
        key: &str,
    ) {
        if let Some(Node::Mapping(value_map)) = map.get_node("values") {
            for (key, value) in value_map.iter() {
                let Some((renamed_key, node)) = value
                    .as_mapping()
                    .and_then(|m| m.get_key_value("renamed_from"))
                else {
                    continue;
                };
                let Some(scalar) = self.expect_scalar(node, "`renamed_from`") else {
                    continue;
                };
                let at = self.source.at_scalar(scalar);
                let old = scalar.as_str().to_string();
                self.check_name(&old, NameKind::EnumValue, at.clone());
                self.check_removed_value(&old, enum_name, values, at);
                let location = self.source.at_scalar(renamed_key).0;
                self.pending.evolution.removed_values.push(RemovedValue {
                    enum_name: enum_name.to_string(),
                    value: old,
                    map_to: key.as_str().to_string(),
                    read_alias: true,
                    location,
                });
            }
        }
        let Some(node) = map.get_node(key) else {
            return;
        };
        let Some(entries) = self.expect_map(node, &format!("`{key}`")) else {
            return;
        };
        for (key, value) in entries.iter() {
            let old = self.name(key, NameKind::EnumValue);
            let at = self.source.at_scalar(key);
            let what = format!("removed value `{old}` of enum `{enum_name}`");
            self.check_removed_value(&old, enum_name, values, at.clone());
            let Some(entry) = self.expect_map(value, &what) else {
                continue;
            };
            self.check_keys(entry, &["map_to", "read_alias"], &what);
            let map_to = self
                .require(entry, "map_to", &at, &what)
                .and_then(|n| self.expect_scalar(n, "`map_to`"))
                .map(|s| (s.as_str().to_string(), self.source.at_scalar(s)));
            if let Some((target, target_at)) = &map_to
                && !values.iter().any(|v| &v.name == target)
            {
                let help = did_you_mean(target, values.iter().map(|v| v.name.as_str()))
                    .unwrap_or_else(|| "name a value the enum declares".into());
                self.sink.report(
                    Code::UnknownMapTo,
                    target_at.clone(),
                    format!(
                        "`map_to` of {what} names `{target}`, which is not a value of `{enum_name}`"
                    ),
                    "not a value of the enum",
                    Some(help),
                );
            }
            let read_alias = match entry.get_node("read_alias") {
                Some(n) => self.boolean(n, "`read_alias`").unwrap_or(false),
                None => false,
            };
            self.pending.evolution.removed_values.push(RemovedValue {
                enum_name: enum_name.to_string(),
                value: old,
                map_to: map_to.map(|(t, _)| t).unwrap_or_default(),
                read_alias,
                location: at.0,
            });
        }
    }

    fn check_removed_value(&mut self, old: &str, enum_name: &str, values: &[EnumValue], at: At) {
        if values.iter().any(|v| v.name == old) {
            self.sink.report(
                Code::RemovedButDeclared,
                at.clone(),
                format!("value `{old}` of enum `{enum_name}` is both a value and removed"),
                "still declared",
                Some("remove it from `values:`, or drop the removal".into()),
            );
        }
        if self
            .pending
            .evolution
            .removed_values
            .iter()
            .any(|v| v.enum_name == enum_name && v.value == old)
        {
            self.sink.report(
                Code::RemovedTwice,
                at,
                format!("value `{old}` of enum `{enum_name}` is removed twice"),
                "a second removal of the same value",
                Some("map each old value to one value".into()),
            );
        }
    }

    /// Pass C: every `backfill:` value matches its field's type (like a `default:`).
    pub(super) fn check_backfills(&mut self, types: &[TypeDef]) {
        let pending = std::mem::take(&mut self.pending.backfills);
        for backfill in pending {
            let Owner::Type(record) = &backfill.owner else {
                continue;
            };
            let value = match self.default_value(&backfill.node, &backfill.ty, types, 0) {
                Ok(value) => value,
                Err((at, problem)) => {
                    self.sink.report(
                        Code::InvalidBackfill,
                        at,
                        format!(
                            "`backfill` of field `{}` does not match its type `{}`: {problem}",
                            backfill.field, backfill.ty
                        ),
                        "wrong backfill",
                        Some("write a value of the field's type, or an SQL expression as `{ sql: \"…\" }`".into()),
                    );
                    continue;
                }
            };
            if let Some(entry) = self
                .pending
                .evolution
                .backfills
                .iter_mut()
                .find(|b| &b.record == record && b.field == backfill.field)
            {
                entry.value = Backfill::Value(value);
            }
        }
    }
}

impl Reader<'_> {
    /// Pass C: a value removed from an enum that is also stored inside a JSON column keeps
    /// `read_alias: true` (`S1310`).
    ///
    /// Decision (docs/spec-language.md, "`map_to` rewrites enum columns, not JSON"): a migration
    /// rewrites the enum's typed columns, but a value inside a JSON column (a nested record, a
    /// list, a union) keeps its old spelling in stored rows. Without the alias those rows would
    /// no longer parse: data lost without a declaration, so the loader refuses it.
    pub(super) fn check_removed_values_in_json(&mut self, types: &[TypeDef]) {
        let mut in_json = BTreeMap::new();
        for type_def in types {
            if let TypeKind::Record(record) = &type_def.kind
                && let Some(table) = &record.table
            {
                enums_in_json_columns(types, &table.name, &record.fields, &mut in_json);
            }
        }
        let refused: Vec<(RemovedValue, String)> = self
            .pending
            .evolution
            .removed_values
            .iter()
            .filter(|removed| !removed.read_alias)
            .filter_map(|removed| {
                in_json
                    .get(&removed.enum_name)
                    .map(|column: &String| (removed.clone(), column.clone()))
            })
            .collect();
        for (removed, column) in refused {
            let (old, enum_name) = (&removed.value, &removed.enum_name);
            self.sink.report(
                Code::RemovedValueInJson,
                (removed.location.clone(), old.len()),
                format!(
                    "removed value `{old}` of enum `{enum_name}` may be stored inside the JSON column `{column}`, which a migration does not rewrite"
                ),
                "stored rows may keep it",
                Some(format!(
                    "add `read_alias: true`, so records that still hold `{old}` are read as `{}`",
                    removed.map_to
                )),
            );
        }
    }
}

/// Every enum reachable inside the JSON columns of `table` (`fields` are its record's), with the
/// first `table.column` that holds it; a child table's element record is followed into its own
/// columns.
fn enums_in_json_columns(
    types: &[TypeDef],
    table: &str,
    fields: &[Field],
    out: &mut BTreeMap<String, String>,
) {
    for field in fields {
        match &field.storage {
            FieldStorage::Column => {}
            FieldStorage::Json => {
                let column = format!("{table}.{}", field.name);
                enums_inside(types, &field.ty, &column, out, &mut BTreeSet::new());
            }
            FieldStorage::ChildTable(child) => {
                if let TypeRef::List(item) = &field.ty
                    && let TypeRef::Named(name) = item.as_ref()
                    && let Some(TypeKind::Record(element)) =
                        types.iter().find(|t| &t.name == name).map(|t| &t.kind)
                {
                    enums_in_json_columns(types, &child.table, &element.fields, out);
                }
            }
        }
    }
}

/// The enums a value of type `ty` may hold anywhere inside it; `seen` stops recursive types.
fn enums_inside(
    types: &[TypeDef],
    ty: &TypeRef,
    column: &str,
    out: &mut BTreeMap<String, String>,
    seen: &mut BTreeSet<String>,
) {
    match ty {
        TypeRef::Primitive(_) => {}
        TypeRef::List(item) | TypeRef::Map(item) => enums_inside(types, item, column, out, seen),
        TypeRef::Named(name) => {
            if !seen.insert(name.clone()) {
                return;
            }
            let Some(type_def) = types.iter().find(|t| &t.name == name) else {
                return;
            };
            let fields: Vec<&Field> = match &type_def.kind {
                TypeKind::Enum(_) => {
                    out.entry(name.clone())
                        .or_insert_with(|| column.to_string());
                    return;
                }
                TypeKind::Record(record) => record.fields.iter().collect(),
                TypeKind::Union(union) => union.variants.iter().flat_map(|v| &v.fields).collect(),
                TypeKind::Id | TypeKind::String(_) => return,
            };
            for field in fields {
                enums_inside(types, &field.ty, column, out, seen);
            }
        }
    }
}
