//! Pass A (every declared name) and pass B for `types:`: kinds, fields, storage, type expressions.

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::read::Entry;
use super::read::Words;
use super::source::location;
use super::{
    At, ConvertedFile, FIELD_KEYS, KINDS, MAX_TYPE_DEPTH, META_KEYS, Owner, PRIMITIVES,
    PendingChild, PendingDefault, Reader,
};
use crate::diagnostics::Code;
use crate::model::{
    ChildTable, EnumValue, Field, FieldStorage, Primitive, Record, StringConstraints, TypeDef,
    TypeKind, TypeRef, Union, Variant,
};
use crate::names::NameKind;
use crate::suggest::did_you_mean;

/// A type expression around one element type: its opening and closing text, and the type it makes.
type Wrapper = (&'static str, &'static str, fn(Box<TypeRef>) -> TypeRef);

/// `[T]` and `map<T>`.
const WRAPPERS: [Wrapper; 2] = [("[", "]", TypeRef::List), ("map<", ">", TypeRef::Map)];

/// The kinds a type may have.
const TYPE_KINDS: Words<'static> = Words {
    noun: "kind",
    words: KINDS,
    allowed: "allowed: `id`, `string`, `enum`, `record`, `union`",
};

/// The storages a field may have (besides a child table, written as a mapping).
const STORAGES: Words<'static> = Words {
    noun: "storage",
    words: &["column", "json"],
    allowed: "allowed: `column`, `json`, `{ child_table: NAME, indexes: {…} }`",
};

impl Reader<'_> {
    // ----- pass A ----------------------------------------------------------------------------

    // ----- pass B ----------------------------------------------------------------------------

    pub(super) fn file(&mut self, root: &MarkedMappingNode) -> ConvertedFile {
        self.check_keys(
            root,
            &[
                "types",
                "lifecycle",
                "errors",
                "rules",
                "profiles",
                "out_of_scope",
                "removed_tables",
            ],
            "a spec file",
        );
        self.removed_tables(root);
        let mut converted = ConvertedFile::default();
        if let Some(node) = root.get_node("types")
            && let Some(map) = self.expect_map(node, "`types`")
        {
            for (key, value) in map.iter() {
                if let Some(def) = self.type_def(key, value) {
                    converted.types.push(def);
                }
            }
        }
        if let Some((key, node)) = root.get_key_value("lifecycle") {
            let owner = self.source.at_scalar(key);
            converted.lifecycle = self.lifecycle(node, owner);
        }
        if let Some(node) = root.get_node("errors")
            && let Some(map) = self.expect_map(node, "`errors`")
        {
            for (key, value) in map.iter() {
                if let Some(def) = self.error_def(key, value) {
                    converted.errors.push(def);
                }
            }
        }
        converted
    }

    pub(super) fn type_def(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<TypeDef> {
        let name = self.name(key, NameKind::Type);
        let owner = self.source.at_scalar(key);
        let what = format!("type `{name}`");
        let map = self.expect_map(node, &what)?;
        let common = [
            "kind",
            "clause",
            "description",
            "decision",
            "root",
            "renamed_from",
        ];
        let kind_node = self.require(map, "kind", &owner, &what);
        let kind = kind_node
            .and_then(|n| self.expect_scalar(n, "`kind`"))
            .map(|s| (s.as_str().to_string(), self.source.at_scalar(s)));
        let extra: &[&str] = match kind.as_ref().map(|(k, _)| k.as_str()) {
            Some("id") => &[],
            Some("string") => &["pattern", "min_length", "max_length", "example"],
            Some("enum") => &["values", "removed_values"],
            Some("record") => &["fields", "table", "removed_fields"],
            Some("union") => &["tag", "variants"],
            Some(other) => {
                if let Some((_, at)) = &kind {
                    let context = format!(" for type `{name}`");
                    self.unknown_word(Code::UnknownWord, at.clone(), other, &TYPE_KINDS, &context);
                }
                return None;
            }
            None => return None,
        };
        let allowed: Vec<&str> = common.iter().chain(extra.iter()).copied().collect();
        self.check_keys(map, &allowed, &what);
        let meta = self.meta(map, &owner, &what);
        if let Some((key, node)) = map.get_key_value("renamed_from") {
            self.type_renamed_from(key, node, &name);
        }
        let root = match map.get_node("root") {
            Some(n) => self.boolean(n, "`root`").unwrap_or(false),
            None => false,
        };
        let kind = match kind.as_ref().map(|(k, _)| k.as_str()) {
            Some("id") => TypeKind::Id,
            Some("string") => TypeKind::String(self.string_constraints(map)),
            Some("enum") => {
                let values = self.enum_values(map, &owner, &what);
                self.removed_values(map, &name, &values, "removed_values");
                TypeKind::Enum(values)
            }
            Some("record") => {
                let record = self.record(map, &owner, &name);
                self.removed_fields(map, &name, &record.fields);
                TypeKind::Record(record)
            }
            _ => TypeKind::Union(self.union(map, &owner, &name)),
        };
        Some(TypeDef {
            name,
            meta,
            root,
            kind,
        })
    }

    pub(super) fn string_constraints(&mut self, map: &MarkedMappingNode) -> StringConstraints {
        let pattern = map
            .get_node("pattern")
            .and_then(|n| self.text(n, "`pattern`"));
        let min_length = map
            .get_node("min_length")
            .and_then(|n| self.unsigned(n, "`min_length`"));
        let max_length = map
            .get_node("max_length")
            .and_then(|n| self.unsigned(n, "`max_length`"));
        let example = map
            .get_node("example")
            .and_then(|n| self.expect_scalar(n, "`example`"))
            .map(|s| s.as_str().to_string());
        // Each problem is reported at the value it is about: (key, message, label, help).
        let mut problems: Vec<(&str, String, &str, &str)> = Vec::new();
        if let (Some(min), Some(max)) = (min_length, max_length)
            && min > max
        {
            let message = format!("`min_length` {min} is greater than `max_length` {max}");
            let help = "swap or correct the bounds";
            problems.push(("min_length", message, "no string can satisfy both", help));
        }
        if let Some(pattern) = &pattern
            && let Err(problem) = crate::pattern::check(pattern)
        {
            let message = format!("invalid `pattern`: {problem}");
            let help =
                "use the common subset of ECMA-262 and Rust regex syntax, anchored with `^…$`";
            problems.push(("pattern", message, "not a valid regular expression", help));
        }
        if let Some(example) = &example {
            let length = example.chars().count() as u64;
            let too_short = min_length.is_some_and(|min| length < min);
            let too_long = max_length.is_some_and(|max| length > max);
            let mismatch = pattern
                .as_deref()
                .is_some_and(|p| crate::pattern::matches(p, example) == Some(false));
            if too_short || too_long || mismatch {
                let why = if mismatch {
                    "does not match `pattern`"
                } else {
                    "violates the length bounds"
                };
                let message = format!("`example` `{}` {why}", example.escape_debug());
                problems.push((
                    "example",
                    message,
                    why,
                    "fix the example or the constraints",
                ));
            }
        }
        for (key, message, label, help) in problems {
            if let Some(node) = map.get_node(key) {
                let at = self.source.at_node(node);
                let help = Some(help.to_string());
                self.sink
                    .report(Code::InvalidStringConstraints, at, message, label, help);
            }
        }
        StringConstraints {
            pattern,
            min_length,
            max_length,
            example,
        }
    }

    pub(super) fn enum_values(
        &mut self,
        map: &MarkedMappingNode,
        owner: &At,
        what: &str,
    ) -> Vec<EnumValue> {
        let Some(node) = self.require(map, "values", owner, what) else {
            return Vec::new();
        };
        let Some(values) = self.expect_map(node, "`values`") else {
            return Vec::new();
        };
        if values.is_empty() {
            self.no_members(node, what, "values", "an enum needs at least one value");
        }
        let mut out = Vec::new();
        let mut allowed = META_KEYS.to_vec();
        allowed.push("renamed_from");
        for entry in values.iter() {
            let what = |name: &str| format!("enum value `{name}`");
            if let Some(value) = self.entry(entry, NameKind::EnumValue, what, &allowed) {
                out.push(EnumValue {
                    name: value.name,
                    meta: value.meta,
                });
            }
        }
        out
    }

    /// Reports an enum or a union (`what`) whose `members` (`node`) are an empty mapping.
    fn no_members(&mut self, node: &Node, what: &str, members: &str, help: &str) {
        let at = self.source.at_node(node);
        let message = format!("{what} has no {members}");
        let help = Some(help.to_string());
        self.sink
            .report(Code::EmptyEnumOrUnion, at, message, "empty", help);
    }

    pub(super) fn record(&mut self, map: &MarkedMappingNode, owner: &At, name: &str) -> Record {
        let what = format!("record `{name}`");
        let owner_ref = Owner::Type(name.to_string());
        let fields = match self.require(map, "fields", owner, &what) {
            Some(node) => self.fields(node, &owner_ref),
            None => Vec::new(),
        };
        let table = map.get_key_value("table").and_then(|(key, node)| {
            let owner = self.source.at_scalar(key);
            self.table(node, owner, &fields, name)
        });
        // child_table fields need a parent table to hang off.
        if let Some(Node::Mapping(field_map)) = map.get_node("fields") {
            for (key, value) in field_map.iter() {
                let child = value
                    .as_mapping()
                    .and_then(|m| m.get_node("storage"))
                    .and_then(|s| s.as_mapping())
                    .is_some();
                if child && table.is_none() {
                    let at = self.source.at_scalar(key);
                    self.sink.report(Code::InvalidChildTable, at, format!("field `{}` of {what} uses `child_table` storage but the record has no `table:`", key.as_str()), "child table without a parent table", Some("add a `table:` to the record, or drop the `storage:`".into()));
                }
            }
        }
        if let (Some(table), Some(Node::Mapping(field_map))) = (&table, map.get_node("fields")) {
            for (key, value) in field_map.iter() {
                let storage = value
                    .as_mapping()
                    .and_then(|m| m.get_node("storage"))
                    .and_then(|s| s.as_mapping());
                let Some(storage) = storage else { continue };
                let element = fields
                    .iter()
                    .find(|f| f.name == key.as_str())
                    .and_then(|f| match &f.ty {
                        TypeRef::List(inner) => match inner.as_ref() {
                            TypeRef::Named(n) => Some(n.clone()),
                            _ => None,
                        },
                        _ => None,
                    });
                let Some(element) = element else { continue };
                let mut columns = Vec::new();
                if let Some(Node::Mapping(indexes)) = storage.get_node("indexes") {
                    for (_, index) in indexes.iter() {
                        let list = match index {
                            Node::Sequence(seq) => Some(seq),
                            Node::Mapping(m) => m.get_sequence("columns"),
                            Node::Scalar(_) => None,
                        };
                        for column in list.into_iter().flat_map(|s| s.iter()) {
                            if let Node::Scalar(column) = column {
                                columns.push((
                                    column.as_str().to_string(),
                                    self.source.at_scalar(column),
                                ));
                            }
                        }
                    }
                }
                self.pending.children.push(PendingChild {
                    element,
                    parent_key: table.primary_key.clone(),
                    columns,
                });
            }
        }
        Record { fields, table }
    }

    pub(super) fn union(&mut self, map: &MarkedMappingNode, owner: &At, name: &str) -> Union {
        let what = format!("union `{name}`");
        let tag = match self.require(map, "tag", owner, &what) {
            Some(node) => match self.expect_scalar(node, "`tag`") {
                Some(scalar) => self.name(scalar, NameKind::Field),
                None => String::new(),
            },
            None => String::new(),
        };
        let mut variants = Vec::new();
        let Some(node) = self.require(map, "variants", owner, &what) else {
            return Union { tag, variants };
        };
        let Some(variant_map) = self.expect_map(node, "`variants`") else {
            return Union { tag, variants };
        };
        if variant_map.is_empty() {
            self.no_members(
                node,
                &what,
                "variants",
                "a union needs at least one variant",
            );
        }
        for entry in variant_map.iter() {
            let variant_what = |variant: &str| format!("variant `{variant}` of {what}");
            let keys = ["clause", "description", "decision", "fields"];
            let Some(variant) = self.entry(entry, NameKind::Variant, variant_what, &keys) else {
                continue;
            };
            let Entry {
                name: variant_name,
                what: variant_what,
                map: value_map,
                meta,
                ..
            } = variant;
            let owner_ref = Owner::Variant(name.to_string(), variant_name.clone());
            let fields = match value_map.get_node("fields") {
                Some(fields_node) => self.fields(fields_node, &owner_ref),
                None => Vec::new(),
            };
            if let Some(Node::Mapping(field_map)) = value_map.get_node("fields") {
                for field_key in field_map.keys() {
                    if !tag.is_empty() && field_key.as_str() == tag {
                        let field_at = self.source.at_scalar(field_key);
                        self.sink.report(Code::VariantFieldNamedLikeTag, field_at, format!("field `{tag}` of {variant_what} has the name of the union's tag"), "clashes with the tag", Some("rename the field or the `tag`; on the wire the tag holds the variant name".into()));
                    }
                }
            }
            variants.push(Variant {
                name: variant_name,
                fields,
                meta,
            });
        }
        Union { tag, variants }
    }

    pub(super) fn fields(&mut self, node: &Node, owner: &Owner) -> Vec<Field> {
        let Some(map) = self.expect_map(node, "`fields`") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            if let Some(field) = self.field(key, value, owner) {
                out.push(field);
            }
        }
        out
    }

    pub(super) fn field(
        &mut self,
        key: &MarkedScalarNode,
        node: &Node,
        owner: &Owner,
    ) -> Option<Field> {
        let kind = if matches!(owner, Owner::Error(_)) {
            NameKind::ErrorField
        } else {
            NameKind::Field
        };
        let name = self.name(key, kind);
        let at = self.source.at_scalar(key);
        let what = format!("field `{name}`");
        let map = self.expect_keys(node, &what, FIELD_KEYS)?;
        let meta = self.meta(map, &at, &what);
        let ty = self
            .require(map, "type", &at, &what)
            .and_then(|n| self.type_expr(n, 0));
        if ty.is_none()
            && let Owner::Type(declaration) | Owner::Error(declaration) = owner
        {
            self.pending
                .unresolved
                .insert(format!("{declaration}.{name}"));
        }
        let required = self
            .require(map, "required", &at, &what)
            .and_then(|n| self.boolean(n, "`required`"));
        if let Some((default_key, default)) = map.get_key_value("default") {
            if required == Some(true) {
                let default_at = self.source.at_scalar(default_key);
                self.sink.report(
                    Code::RequiredWithDefault,
                    default_at,
                    format!("{what} is `required: true` and has a `default`"),
                    "a default is only used when the field is absent",
                    Some(
                        "pick one: drop the `default`, or make the field `required: false`".into(),
                    ),
                );
            }
            if let Some(ty) = &ty {
                self.pending.defaults.push(PendingDefault {
                    owner: owner.clone(),
                    field: name.clone(),
                    ty: ty.clone(),
                    node: default.clone(),
                });
            }
        }
        self.field_evolution(map, owner, &name, ty.as_ref(), required);
        let storage = match (map.get_node("storage"), &ty) {
            (Some(storage), Some(ty)) => self.storage(storage, ty, &what),
            (None, Some(ty)) => self.default_storage(ty),
            _ => FieldStorage::Json,
        };
        Some(Field {
            name,
            ty: ty.unwrap_or(TypeRef::Primitive(Primitive::Json)),
            // Unknown (already reported): assume required, so key checks add no follow-up errors.
            required: required.unwrap_or(true),
            default: None,
            storage,
            meta,
        })
    }

    pub(super) fn columnable(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Primitive(Primitive::Json) => false,
            TypeRef::Primitive(_) => true,
            // A type whose `kind` is missing or wrong is already reported; assume a column so
            // that key and index checks do not pile follow-up errors on top.
            TypeRef::Named(name) => !matches!(
                self.declarations.kind(name),
                Some("record" | "union" | "error")
            ),
            TypeRef::List(_) | TypeRef::Map(_) => false,
        }
    }

    pub(super) fn default_storage(&self, ty: &TypeRef) -> FieldStorage {
        if self.columnable(ty) {
            FieldStorage::Column
        } else {
            FieldStorage::Json
        }
    }

    pub(super) fn storage(&mut self, node: &Node, ty: &TypeRef, what: &str) -> FieldStorage {
        match node {
            Node::Scalar(scalar) => match scalar.as_str() {
                "column" => {
                    if !self.columnable(ty) {
                        let at = self.source.at_scalar(scalar);
                        self.sink.report(
                            Code::NotAColumnType,
                            at,
                            format!("{what} of type `{ty}` cannot be stored in a typed column"),
                            "not a scalar, id, string or enum",
                            Some("use `storage: json`, or leave `storage` out".into()),
                        );
                    }
                    FieldStorage::Column
                }
                "json" => FieldStorage::Json,
                other => {
                    let at = self.source.at_scalar(scalar);
                    let context = format!(" for {what}");
                    self.unknown_word(Code::UnknownWord, at, other, &STORAGES, &context);
                    self.default_storage(ty)
                }
            },
            Node::Mapping(map) => {
                self.check_keys(map, &["child_table", "indexes"], "`storage`");
                let owner = self.source.at_node(node);
                let element_is_record = match ty {
                    TypeRef::List(inner) => match inner.as_ref() {
                        TypeRef::Named(n) => self.declarations.kind(n) == Some("record"),
                        _ => false,
                    },
                    _ => false,
                };
                if !element_is_record {
                    self.sink.report(Code::InvalidChildTable, owner.clone(), format!("`child_table` storage on {what} of type `{ty}`"), "child tables hold lists of records", Some("use `child_table` only on a `[Record]` field; use `storage: json` otherwise".into()));
                }
                let table = match self.require(map, "child_table", &owner, "`storage`") {
                    Some(n) => match self.expect_scalar(n, "`child_table`") {
                        Some(s) => self.table_name(s),
                        None => String::new(),
                    },
                    None => String::new(),
                };
                let indexes = match map.get_node("indexes") {
                    Some(n) => self.indexes(n, None),
                    None => Vec::new(),
                };
                FieldStorage::ChildTable(ChildTable { table, indexes })
            }
            Node::Sequence(_) => {
                let at = self.source.at_node(node);
                self.sink.report(
                    Code::WrongShape,
                    at,
                    format!(
                        "`storage` of {what} must be `column`, `json` or a `child_table` mapping"
                    ),
                    "found a list",
                    None,
                );
                self.default_storage(ty)
            }
        }
    }

    /// Parses a type expression: `T`, `[T]` (YAML list of one, or the quoted text), `map<T>`.
    pub(super) fn type_expr(&mut self, node: &Node, depth: usize) -> Option<TypeRef> {
        if depth > MAX_TYPE_DEPTH {
            let at = self.source.at_node(node);
            self.sink.report(
                Code::MalformedTypeExpression,
                at,
                "type expression is nested too deeply",
                "too deep",
                Some(format!("nest at most {MAX_TYPE_DEPTH} lists/maps")),
            );
            return None;
        }
        match node {
            Node::Sequence(seq) => match seq.first() {
                Some(inner) if seq.len() == 1 => self
                    .type_expr(inner, depth + 1)
                    .map(|t| TypeRef::List(Box::new(t))),
                _ => {
                    let at = self.source.at_node(node);
                    self.sink.report(
                        Code::MalformedTypeExpression,
                        at,
                        "a list type holds exactly one element type",
                        format!("found {} elements", seq.len()),
                        Some("write `[T]`, e.g. `[EntityRef]`".into()),
                    );
                    None
                }
            },
            Node::Mapping(_) => {
                let at = self.source.at_node(node);
                self.sink.report(
                    Code::MalformedTypeExpression,
                    at,
                    "a type must be a name, `[T]` or `map<T>`",
                    "found a mapping",
                    None,
                );
                None
            }
            Node::Scalar(scalar) => {
                let at = self.source.at_scalar(scalar);
                let text = scalar.as_str();
                let offset = self.source.text_offset(&at, text);
                self.type_text(text, (0, text.len()), &at, offset, depth)
            }
        }
    }

    /// Parses `whole[start..end]`, a type expression written as text; columns in diagnostics stay
    /// relative to `whole` so an unknown name is underlined exactly.
    pub(super) fn type_text(
        &mut self,
        whole: &str,
        (start, end): (usize, usize),
        at: &At,
        offset: Option<usize>,
        depth: usize,
    ) -> Option<TypeRef> {
        let malformed = |this: &mut Self, label: &str| {
            this.sink.report(
                Code::MalformedTypeExpression,
                at.clone(),
                format!("malformed type expression `{}`", whole.escape_debug()),
                label,
                Some("write e.g. `JobId`, `[EntityRef]`, `map<string>`".into()),
            );
            None
        };
        if depth > MAX_TYPE_DEPTH {
            return malformed(self, "nested too deeply");
        }
        let Some(expr) = whole.get(start..end) else {
            return malformed(self, "expected a name, `[T]` or `map<T>`");
        };
        // The element type of a wrapper is the text between its brackets.
        for (open, close, wrap) in WRAPPERS {
            if let Some(inner) = expr.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
                if inner.is_empty() {
                    return malformed(self, "empty element type");
                }
                let inner_range = (start + open.len(), end - close.len());
                return self
                    .type_text(whole, inner_range, at, offset, depth + 1)
                    .map(|t| wrap(Box::new(t)));
            }
        }
        if expr.is_empty() || !expr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return malformed(self, "expected a name, `[T]` or `map<T>`");
        }
        if let Some(primitive) = Primitive::from_spelling(expr) {
            return Some(TypeRef::Primitive(primitive));
        }
        if self
            .declarations
            .names
            .get(expr)
            .is_some_and(|d| d.kind.as_deref() != Some("error"))
        {
            return Some(TypeRef::Named(expr.to_string()));
        }
        let name_at = match offset {
            Some(offset) => {
                let before = whole.get(..start).unwrap_or_default();
                let column = at.0.column + offset + before.chars().count();
                (
                    location(&at.0.file, at.0.line, column),
                    expr.chars().count(),
                )
            }
            None => at.clone(),
        };
        let candidates: Vec<String> = self
            .declarations
            .names
            .iter()
            .filter(|(_, d)| d.kind.as_deref() != Some("error"))
            .map(|(n, _)| n.clone())
            .chain(PRIMITIVES.iter().map(|p| p.to_string()))
            .collect();
        let help = did_you_mean(expr, candidates.iter().map(String::as_str)).or_else(|| {
            Some("declare it under `types:` in a spec file, or use a primitive: `string`, `integer`, `uint`, `number`, `boolean`, `uuid`, `timestamp`, `json`".into())
        });
        let label = if self.declarations.names.contains_key(expr) {
            "an error, not a type"
        } else {
            "not declared in any spec file"
        };
        self.sink.report(
            Code::UnknownType,
            name_at,
            format!("unknown type `{expr}`"),
            label,
            help,
        );
        None
    }
}
