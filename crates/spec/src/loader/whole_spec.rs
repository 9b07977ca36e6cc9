//! Pass C: checks that need the whole assembled spec (cycles, defaults, keys, unique names).

use std::collections::{BTreeMap, BTreeSet};

use marked_yaml::Node;

use super::read::{is_null, shape};
use super::{At, Owner, ReadFile, Reader};
use crate::LoadError;
use crate::diagnostics::Code;
use crate::model::{
    Claim, ErrorDef, Field, FieldStorage, Location, Primitive, Record, TypeDef, TypeKind, TypeRef,
};
use crate::names::{self, SQL_MAX_IDENTIFIER_LEN};
use crate::suggest::{did_you_mean, did_you_mean_or_list};

impl Reader<'_> {
    // ----- pass C ----------------------------------------------------------------------------

    pub(super) fn check_cycles(&mut self, types: &[TypeDef]) {
        let index: BTreeMap<&str, usize> = types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        // Direct edges: a record or union holding another record/union by value.
        let mut edges: Vec<Vec<(usize, String)>> = vec![Vec::new(); types.len()];
        for (i, def) in types.iter().enumerate() {
            let mut add = |path: String, ty: &TypeRef| {
                if let TypeRef::Named(target) = ty
                    && let Some(&j) = index.get(target.as_str())
                    && let Some(target_def) = types.get(j)
                    && matches!(target_def.kind, TypeKind::Record(_) | TypeKind::Union(_))
                    && let Some(slot) = edges.get_mut(i)
                {
                    slot.push((j, path));
                }
            };
            match &def.kind {
                TypeKind::Record(record) => {
                    for field in &record.fields {
                        add(format!("{}.{}", def.name, field.name), &field.ty);
                    }
                }
                TypeKind::Union(union) => {
                    for variant in &union.variants {
                        for field in &variant.fields {
                            add(
                                format!("{}.{}.{}", def.name, variant.name, field.name),
                                &field.ty,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        let mut reported = vec![false; types.len()];
        for start in 0..types.len() {
            if reported.get(start).copied().unwrap_or(true) {
                continue;
            }
            let Some(cycle) = find_cycle(start, &edges) else {
                continue;
            };
            let mut path: Vec<String> = Vec::new();
            for &(node, ref step) in &cycle {
                if let Some(flag) = reported.get_mut(node) {
                    *flag = true;
                }
                path.push(step.clone());
            }
            let Some(def) = types.get(start) else {
                continue;
            };
            let at = (def.meta.location.clone(), def.name.chars().count());
            let chain = format!("{} → {}", path.join(" → "), def.name);
            let last_field = path.last().cloned().unwrap_or_default();
            self.sink.report(
                Code::InfiniteRecord,
                at,
                format!("`{}` contains itself without a list or map in between: {chain}", def.name),
                "infinitely large",
                Some(format!("make one field on the cycle a list (e.g. `{last_field}` as `[T]`), so the nesting can end")),
            );
        }
    }

    pub(super) fn check_defaults(&mut self, types: &mut [TypeDef], errors: &mut [ErrorDef]) {
        let defaults = std::mem::take(&mut self.pending.defaults);
        for pending in defaults {
            let value = match self.default_value(&pending.node, &pending.ty, types, 0) {
                Ok(value) => value,
                Err((at, problem)) => {
                    self.sink.report(Code::DefaultTypeMismatch, at, format!("`default` of field `{}` does not match its type `{}`: {problem}", pending.field, pending.ty), "wrong default", Some("write a value of the field's type (YAML list for `[T]`, mapping for records and `map<T>`)".into()));
                    continue;
                }
            };
            let fields: Option<&mut Vec<Field>> = match &pending.owner {
                Owner::Type(name) => {
                    types
                        .iter_mut()
                        .find(|t| &t.name == name)
                        .and_then(|t| match &mut t.kind {
                            TypeKind::Record(record) => Some(&mut record.fields),
                            _ => None,
                        })
                }
                Owner::Variant(name, variant) => types
                    .iter_mut()
                    .find(|t| &t.name == name)
                    .and_then(|t| match &mut t.kind {
                        TypeKind::Union(union) => union
                            .variants
                            .iter_mut()
                            .find(|v| &v.name == variant)
                            .map(|v| &mut v.fields),
                        _ => None,
                    }),
                Owner::Error(name) => errors
                    .iter_mut()
                    .find(|e| &e.name == name)
                    .map(|e| &mut e.fields),
            };
            if let Some(field) =
                fields.and_then(|fields| fields.iter_mut().find(|f| f.name == pending.field))
            {
                field.default = Some(value);
            }
        }
    }

    /// Converts a YAML value to JSON, checking it against `ty`.
    pub(super) fn default_value(
        &self,
        node: &Node,
        ty: &TypeRef,
        types: &[TypeDef],
        depth: usize,
    ) -> Result<serde_json::Value, (At, String)> {
        use serde_json::Value;
        let at = self.source.at_node(node);
        let fail = |problem: String| Err((at.clone(), problem));
        if depth > 64 {
            return fail("nested too deeply".into());
        }
        match ty {
            TypeRef::Primitive(Primitive::Json) => Ok(yaml_to_json(node)),
            TypeRef::Primitive(primitive) => {
                primitive_value(node, *primitive).map_err(|problem| (at.clone(), problem))
            }
            TypeRef::List(inner) => {
                let Node::Sequence(seq) = node else {
                    return fail(format!("expected a list, found {}", shape(node)));
                };
                seq.iter()
                    .map(|item| self.default_value(item, inner, types, depth + 1))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
            TypeRef::Map(inner) => {
                let Node::Mapping(map) = node else {
                    return fail(format!("expected a mapping, found {}", shape(node)));
                };
                let mut out = serde_json::Map::new();
                for (key, value) in map.iter() {
                    out.insert(
                        key.as_str().to_string(),
                        self.default_value(value, inner, types, depth + 1)?,
                    );
                }
                Ok(Value::Object(out))
            }
            TypeRef::Named(name) => self.named_value(node, at, name, types, depth),
        }
    }

    /// A value of the declared type `name`: an id, a constrained string, an enum value, a record
    /// or a union (by its tag). `at` is where `node` is, which [`Self::default_value`] knows.
    fn named_value(
        &self,
        node: &Node,
        at: At,
        name: &str,
        types: &[TypeDef],
        depth: usize,
    ) -> Result<serde_json::Value, (At, String)> {
        use serde_json::Value;
        let fail = |problem: String| Err((at.clone(), problem));
        let Some(def) = types.iter().find(|t| t.name == name) else {
            return fail(format!("unknown type `{name}`"));
        };
        match &def.kind {
            TypeKind::Id => {
                self.default_value(node, &TypeRef::Primitive(Primitive::Uuid), types, depth + 1)
            }
            TypeKind::String(constraints) => {
                let value = self.default_value(
                    node,
                    &TypeRef::Primitive(Primitive::String),
                    types,
                    depth + 1,
                )?;
                let length = value
                    .as_str()
                    .map(|s| s.chars().count() as u64)
                    .unwrap_or(0);
                if constraints.min_length.is_some_and(|min| length < min)
                    || constraints.max_length.is_some_and(|max| length > max)
                {
                    return fail(format!("violates the length bounds of `{name}`"));
                }
                if let (Some(pattern), Some(text)) = (&constraints.pattern, value.as_str())
                    && crate::pattern::matches(pattern, text) == Some(false)
                {
                    return fail(format!("does not match the pattern of `{name}`"));
                }
                Ok(value)
            }
            TypeKind::Enum(values) => {
                let Node::Scalar(scalar) = node else {
                    return fail(format!(
                        "expected a value of `{name}`, found {}",
                        shape(node)
                    ));
                };
                if values.iter().any(|v| v.name == scalar.as_str()) {
                    Ok(Value::String(scalar.as_str().to_string()))
                } else {
                    let hint =
                        did_you_mean(scalar.as_str(), values.iter().map(|v| v.name.as_str()))
                            .map(|h| format!("; {h}"))
                            .unwrap_or_default();
                    fail(format!(
                        "`{}` is not a value of `{name}`{hint}",
                        scalar.as_str().escape_debug()
                    ))
                }
            }
            TypeKind::Record(record) => {
                self.default_object(node, &record.fields, None, name, types, depth)
            }
            TypeKind::Union(union) => {
                let Node::Mapping(map) = node else {
                    return fail(format!(
                        "expected a mapping for `{name}`, found {}",
                        shape(node)
                    ));
                };
                let Some(tag) = map.get_scalar(&union.tag) else {
                    return fail(format!("missing the tag `{}`", union.tag));
                };
                let Some(variant) = union.variants.iter().find(|v| v.name == tag.as_str()) else {
                    return fail(format!(
                        "`{}` is not a variant of `{name}`",
                        tag.as_str().escape_debug()
                    ));
                };
                self.default_object(node, &variant.fields, Some(&union.tag), name, types, depth)
            }
        }
    }

    pub(super) fn default_object(
        &self,
        node: &Node,
        fields: &[Field],
        tag: Option<&str>,
        name: &str,
        types: &[TypeDef],
        depth: usize,
    ) -> Result<serde_json::Value, (At, String)> {
        let at = self.source.at_node(node);
        let Node::Mapping(map) = node else {
            return Err((
                at,
                format!("expected a mapping for `{name}`, found {}", shape(node)),
            ));
        };
        let mut out = serde_json::Map::new();
        for (key, value) in map.iter() {
            if Some(key.as_str()) == tag {
                out.insert(
                    key.as_str().to_string(),
                    serde_json::Value::String(
                        value
                            .as_scalar()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                );
                continue;
            }
            let Some(field) = fields.iter().find(|f| f.name == key.as_str()) else {
                return Err((
                    self.source.at_scalar(key),
                    format!(
                        "`{}` is not a field of `{name}`",
                        key.as_str().escape_debug()
                    ),
                ));
            };
            out.insert(
                field.name.clone(),
                self.default_value(value, &field.ty, types, depth + 1)?,
            );
        }
        if let Some(missing) = fields
            .iter()
            .find(|f| f.required && !map.contains_key(f.name.as_str()))
        {
            return Err((
                at,
                format!("required field `{}` of `{name}` is missing", missing.name),
            ));
        }
        Ok(serde_json::Value::Object(out))
    }

    pub(super) fn check_foreign_keys(&mut self, types: &[TypeDef]) {
        let references = std::mem::take(&mut self.pending.foreign_keys);
        let stored: Vec<&str> = types
            .iter()
            .filter(|t| matches!(&t.kind, TypeKind::Record(r) if r.table.is_some()))
            .map(|t| t.name.as_str())
            .collect();
        for (name, at) in references {
            let table = types
                .iter()
                .find(|t| t.name == name)
                .and_then(|t| match &t.kind {
                    TypeKind::Record(record) => record.table.as_ref(),
                    _ => None,
                });
            match table {
                Some(table) if table.primary_key.len() == 1 => {}
                Some(table) => {
                    self.sink.report(Code::InvalidForeignKey, at, format!("foreign key references `{name}`, whose primary key has {} columns", table.primary_key.len()), "not a single-column key", Some("a foreign key is one column; reference a record with a one-column primary key".into()));
                }
                None => {
                    let help = Some(did_you_mean_or_list(&name, &stored, "records with a table"));
                    self.sink.report(
                        Code::InvalidForeignKey,
                        at,
                        format!(
                            "foreign key references `{name}`, which is not a record with a table"
                        ),
                        "no such stored record",
                        help,
                    );
                }
            }
        }
    }

    pub(super) fn check_children(&mut self, types: &[TypeDef]) {
        let children = std::mem::take(&mut self.pending.children);
        let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
        let mut nested_reported: BTreeSet<(String, String)> = BTreeSet::new();
        for child in children {
            let Some(fields) =
                types
                    .iter()
                    .find(|t| t.name == child.element)
                    .and_then(|t| match &t.kind {
                        TypeKind::Record(record) => Some(&record.fields),
                        _ => None,
                    })
            else {
                continue;
            };
            let mut extra: Vec<&str> = vec!["position"];
            extra.extend(child.parent_key.iter().map(String::as_str));
            for field in fields {
                if let FieldStorage::ChildTable(nested) = &field.storage
                    && nested_reported.insert((child.element.clone(), field.name.clone()))
                {
                    let at = (field.meta.location.clone(), field.name.chars().count());
                    self.sink.report(Code::NestedChildTable, at, format!("field `{}` of `{}` is stored in the child table `{}`, but `{}` is itself stored as the rows of a child table", field.name, child.element, nested.table, child.element), "a child table inside a child table", Some(format!("child tables do not nest: store `{}` with `storage: json`", field.name)));
                }
            }
            for field in fields {
                if extra.contains(&field.name.as_str()) {
                    let at = (field.meta.location.clone(), field.name.chars().count());
                    let key = (child.element.clone(), field.name.clone());
                    if reported.insert(key) {
                        self.sink.report(Code::ChildColumnCollision, at, format!("field `{}` of `{}` collides with a column its child table adds", field.name, child.element), "also a child-table column", Some("child tables add the parent's primary key columns and `position`; rename the field".into()));
                    }
                }
            }
            for (column, at) in &child.columns {
                self.check_column(
                    column,
                    at.clone(),
                    fields,
                    &extra,
                    "child table index",
                    &child.element,
                );
            }
        }
        self.check_generated_sql_names(types);
    }

    pub(super) fn check_unique_sql_names(&mut self) {
        let names = std::mem::take(&mut self.pending.sql_names);
        let mut seen: BTreeMap<&str, (&str, &Location)> = BTreeMap::new();
        let mut reports = Vec::new();
        let mut too_long = Vec::new();
        for (name, kind, at) in &names {
            if name.is_empty() {
                continue;
            }
            if name.len() > SQL_MAX_IDENTIFIER_LEN {
                too_long.push((at.clone(), format!("{kind} name `{name}` is {} bytes, longer than the {SQL_MAX_IDENTIFIER_LEN} Postgres keeps", name.len())));
            }
            if let Some((first_kind, first)) = seen.get(name.as_str()) {
                reports.push((at.clone(), format!("{kind} name `{name}` is already used by {} {first_kind}", if *first_kind == "index" { "an" } else { "a" }), format!("the {first_kind} `{name}` is declared at {first}; table and index names are unique across the schema")));
            } else {
                seen.insert(name, (kind, &at.0));
            }
        }
        for (at, message) in too_long {
            self.sink.report(
                Code::SqlNameTooLong,
                at,
                message,
                "too long for Postgres",
                Some(format!("shorten it to {SQL_MAX_IDENTIFIER_LEN} bytes or fewer: Postgres would cut it silently, and two cut names can clash")),
            );
        }
        for (at, message, help) in reports {
            self.sink.report(
                Code::DuplicateSqlName,
                at,
                message,
                "name already used",
                Some(help),
            );
        }
    }

    /// The names the SQL target derives from the tables (a column's CHECK constraint, see
    /// [`names::sql_check_name`], and an append-only table's triggers): each fits in the bytes
    /// Postgres keeps and is no other SQL object's name. A rule's CHECK is not counted: which
    /// rules become CHECKs is the SQL target's decision, and it keeps a rule whose name would not
    /// fit (or is taken) out of the CHECKs.
    fn check_generated_sql_names(&mut self, types: &[TypeDef]) {
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        let mut tables = Vec::new();
        for def in types {
            let TypeKind::Record(Record {
                fields,
                table: Some(table),
            }) = &def.kind
            else {
                continue;
            };
            taken.insert(table.name.clone(), format!("the table `{}`", table.name));
            for index in &table.indexes {
                taken.insert(index.name.clone(), format!("the index `{}`", index.name));
            }
            for field in fields {
                if let FieldStorage::ChildTable(child) = &field.storage {
                    taken.insert(child.table.clone(), format!("the table `{}`", child.table));
                    for index in &child.indexes {
                        taken.insert(index.name.clone(), format!("the index `{}`", index.name));
                    }
                }
            }
            tables.push((fields, table));
        }
        let mut derived: Vec<(String, String, At, &str)> = Vec::new();
        for (fields, table) in tables {
            let name = table.name.as_str();
            if name.is_empty() || name.len() > SQL_MAX_IDENTIFIER_LEN {
                continue; // reported as the table's own name
            }
            let table_at = (table.meta.location.clone(), "table".len());
            for field in fields.iter() {
                if !matches!(field.storage, FieldStorage::ChildTable(_))
                    && names::sql_column_has_check(field, types, true)
                {
                    derived.push((
                        names::sql_check_name(name, &field.name),
                        format!("the CHECK of column `{}` of table `{name}`", field.name),
                        field_at(field),
                        COLUMN,
                    ));
                }
            }
            if table.append_only {
                for trigger in names::sql_append_only_names(name) {
                    derived.push((
                        trigger,
                        format!("an append-only trigger of table `{name}`"),
                        table_at.clone(),
                        TABLE,
                    ));
                }
            }
            for field in fields.iter() {
                let FieldStorage::ChildTable(child) = &field.storage else {
                    continue;
                };
                let child_name = child.table.as_str();
                if child_name.is_empty() || child_name.len() > SQL_MAX_IDENTIFIER_LEN {
                    continue;
                }
                let at = field_at(field);
                // The parent's key columns (without their enum CHECK), then `position`.
                for key in &table.primary_key {
                    if let Some(key_field) = fields.iter().find(|f| &f.name == key)
                        && names::sql_column_has_check(key_field, types, false)
                    {
                        derived.push((
                            names::sql_check_name(child_name, key),
                            format!("the CHECK of column `{key}` of table `{child_name}`"),
                            at.clone(),
                            COLUMN,
                        ));
                    }
                }
                derived.push((
                    names::sql_check_name(child_name, "position"),
                    format!("the CHECK of column `position` of table `{child_name}`"),
                    at.clone(),
                    TABLE,
                ));
                let element = match &field.ty {
                    TypeRef::List(inner) => match inner.as_ref() {
                        TypeRef::Named(element) => types.iter().find(|t| &t.name == element),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(TypeKind::Record(element)) = element.map(|t| &t.kind) {
                    for element_field in &element.fields {
                        let added = element_field.name == "position"
                            || table.primary_key.contains(&element_field.name);
                        if !added
                            && !matches!(element_field.storage, FieldStorage::ChildTable(_))
                            && names::sql_column_has_check(element_field, types, true)
                        {
                            derived.push((
                                names::sql_check_name(child_name, &element_field.name),
                                format!(
                                    "the CHECK of column `{}` of table `{child_name}`",
                                    element_field.name
                                ),
                                field_at(element_field),
                                COLUMN,
                            ));
                        }
                    }
                }
                if table.append_only {
                    for trigger in names::sql_append_only_names(child_name) {
                        derived.push((trigger, format!("an append-only trigger of table `{child_name}` (it inherits `append_only`)"), at.clone(), TABLE));
                    }
                }
            }
        }
        // The append-only triggers of one table share a description: one report for them.
        let mut too_long: BTreeSet<String> = BTreeSet::new();
        for (name, what, at, shorten) in derived {
            if name.len() > SQL_MAX_IDENTIFIER_LEN {
                if too_long.insert(what.clone()) {
                    self.sink.report(Code::SqlNameTooLong, at, format!("`{name}`, {what}, is {} bytes, longer than the {SQL_MAX_IDENTIFIER_LEN} Postgres keeps", name.len()), "derives a name too long for Postgres", Some(format!("the SQL target names it after the table; shorten {shorten} so it fits in {SQL_MAX_IDENTIFIER_LEN} bytes")));
                }
            } else if let Some(first) = taken.get(&name) {
                self.sink.report(Code::GeneratedSqlNameClash, at, format!("`{name}`, {what}, is already {first}"), "derives a name already used", Some("SQL names are unique across the schema; rename the table, index or column so the names differ".into()));
            } else {
                taken.insert(name, what);
            }
        }
    }

    pub(super) fn check_unique_error_codes(&mut self) {
        let codes = std::mem::take(&mut self.pending.error_codes);
        let mut seen: BTreeMap<&str, &Location> = BTreeMap::new();
        let mut reports = Vec::new();
        for (code, at) in &codes {
            if let Some(first) = seen.get(code.as_str()) {
                reports.push((at.clone(), code.clone(), (*first).clone()));
            } else {
                seen.insert(code, &at.0);
            }
        }
        for (at, code, first) in reports {
            let message = format!("error code `{code}` is used twice");
            self.reused_code(Code::DuplicateErrorCode, at, message, &first);
        }
    }
}

/// What to shorten when a derived SQL name is too long.
const COLUMN: &str = "the table name or the field name";
const TABLE: &str = "the table name";

/// Where a field is declared, spanning its name.
fn field_at(field: &Field) -> At {
    (field.meta.location.clone(), field.name.chars().count())
}

/// A scalar of a primitive type (not `json`), as JSON; the problem when it is not one.
fn primitive_value(node: &Node, primitive: Primitive) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    let Node::Scalar(scalar) = node else {
        return Err(format!(
            "expected a {} value, found {}",
            primitive.spelling(),
            shape(node)
        ));
    };
    let text = scalar.as_str();
    let plain = scalar.may_coerce();
    let not = |expected: &str| Err(format!("`{}` is not {expected}", text.escape_debug()));
    match primitive {
        Primitive::String => {
            if plain && is_null(scalar) {
                Err("expected text, found null".into())
            } else {
                Ok(Value::String(text.to_string()))
            }
        }
        Primitive::Integer => match text.parse::<i64>() {
            Ok(n) if plain => Ok(Value::from(n)),
            _ => not("an integer"),
        },
        Primitive::UnsignedInteger => match text.parse::<u64>() {
            Ok(n) if plain => Ok(Value::from(n)),
            _ => not("an unsigned integer"),
        },
        Primitive::Number => match text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) if plain => Ok(Value::Number(n)),
            _ => not("a number"),
        },
        Primitive::Boolean => match text {
            "true" if plain => Ok(Value::Bool(true)),
            "false" if plain => Ok(Value::Bool(false)),
            _ => not("`true` or `false`"),
        },
        Primitive::Uuid if is_uuid(text) => Ok(Value::String(text.to_string())),
        Primitive::Uuid => not("a hyphenated lower-case UUID"),
        Primitive::Timestamp if is_timestamp(text) => Ok(Value::String(text.to_string())),
        Primitive::Timestamp => not("an RFC 3339 UTC timestamp ending in `Z`"),
        Primitive::Json => Ok(yaml_to_json(node)),
    }
}

/// A path of edges from `start` back to `start`, if there is one (depth-first, spec order).
pub(super) fn find_cycle(
    start: usize,
    edges: &[Vec<(usize, String)>],
) -> Option<Vec<(usize, String)>> {
    let mut visited = vec![false; edges.len()];
    let mut path: Vec<(usize, String)> = Vec::new();
    fn walk(
        node: usize,
        start: usize,
        edges: &[Vec<(usize, String)>],
        visited: &mut [bool],
        path: &mut Vec<(usize, String)>,
    ) -> bool {
        for (next, label) in edges.get(node).map(Vec::as_slice).unwrap_or(&[]) {
            path.push((node, label.clone()));
            if *next == start {
                return true;
            }
            if let Some(seen) = visited.get_mut(*next)
                && !*seen
            {
                *seen = true;
                if walk(*next, start, edges, visited, path) {
                    return true;
                }
            }
            path.pop();
        }
        false
    }
    walk(start, start, edges, &mut visited, &mut path).then_some(path)
}

/// YAML core-schema conversion for `json` values: plain scalars may be null, booleans or numbers.
pub(super) fn yaml_to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Node::Scalar(scalar) => {
            let text = scalar.as_str();
            if !scalar.may_coerce() {
                return Value::String(text.to_string());
            }
            match text {
                "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => {
                    if let Ok(n) = text.parse::<i64>() {
                        Value::from(n)
                    } else if let Some(n) = text
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .and_then(serde_json::Number::from_f64)
                    {
                        Value::Number(n)
                    } else {
                        Value::String(text.to_string())
                    }
                }
            }
        }
        Node::Sequence(seq) => Value::Array(seq.iter().map(yaml_to_json).collect()),
        Node::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().to_string(), yaml_to_json(v)))
                .collect(),
        ),
    }
}

pub(super) fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, len)| {
            g.len() == len
                && g.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

/// `YYYY-MM-DDTHH:MM:SS(.fraction)?Z`
pub(super) fn is_timestamp(value: &str) -> bool {
    let Some(body) = value.strip_suffix('Z') else {
        return false;
    };
    let Some((date, time)) = body.split_once('T') else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    let date: Vec<&str> = date.split('-').collect();
    let (time, fraction) = match time.split_once('.') {
        Some((t, f)) => (t, Some(f)),
        None => (time, None),
    };
    let time: Vec<&str> = time.split(':').collect();
    date.len() == 3
        && date.first().is_some_and(|y| digits(y, 4))
        && date.iter().skip(1).all(|p| digits(p, 2))
        && time.len() == 3
        && time.iter().all(|p| digits(p, 2))
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

impl Reader<'_> {
    /// Checks every claimed id against `master-spec.lock` beside the manifest (its ids are the
    /// first tab-separated column of each line not starting with `#`), when there is one.
    pub(super) fn check_claims(
        &mut self,
        manifest_dir: &str,
        read: &mut ReadFile<'_>,
    ) -> Result<Vec<Claim>, LoadError> {
        if self.pending.claims.is_empty() {
            return Ok(Vec::new());
        }
        let lock_path = if manifest_dir.is_empty() {
            "master-spec.lock".to_string()
        } else {
            format!("{manifest_dir}/master-spec.lock")
        };
        let Some(lock) = read(&lock_path)? else {
            // Loaders that read only the YAML (a spec from another revision, a benchmark's copy)
            // have no lock to check against; spec-sync still reports a claim no item has.
            return Ok(std::mem::take(&mut self.pending.claims)
                .into_iter()
                .map(|(id, at, declaration)| Claim {
                    id,
                    location: at.0,
                    declaration,
                })
                .collect());
        };
        let known: BTreeSet<&str> = lock
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split('\t').next())
            .collect();
        let mut claims = Vec::new();
        for (id, at, declaration) in std::mem::take(&mut self.pending.claims) {
            if known.contains(id.as_str()) {
                claims.push(Claim {
                    id,
                    location: at.0,
                    declaration,
                });
                continue;
            }
            let help = match crate::suggest::closest(&id, known.iter().copied()) {
                Some(closest) => format!("did you mean `{closest}`?"),
                None => format!(
                    "claim an id listed in `{lock_path}` (`cargo xtask spec-sync --master-spec PATH` lists the items)"
                ),
            };
            self.sink.report(
                Code::UnknownClaim,
                at,
                format!("unknown Master Spec item `{id}`"),
                "not in the lock",
                Some(help),
            );
        }
        Ok(claims)
    }
}
