//! Builders of hand-made spec items, shared by the targets' unit tests: each test module names
//! its own file, clause and wording, and these write the model's structs once.

use handshake_spec::model::{
    Clause, Field, FieldStorage, Location, Meta, Record, TypeDef, TypeKind, TypeRef,
};

/// The `Meta` of an item declared at line 1, column 1 of `file`, citing `clause`.
pub(crate) fn meta_in(file: &str, clause: &str, description: &str) -> Meta {
    Meta {
        clause: Clause(vec![clause.to_string()]),
        description: description.to_string(),
        decision: None,
        location: Location {
            file: file.to_string(),
            line: 1,
            column: 1,
        },
    }
}

/// A column-stored field without a default.
pub(crate) fn field_with(meta: Meta, name: &str, ty: TypeRef, required: bool) -> Field {
    Field {
        name: name.to_string(),
        ty,
        required,
        default: None,
        storage: FieldStorage::Column,
        meta,
    }
}

/// A reference to the type declared as `name`.
pub(crate) fn named(name: &str) -> TypeRef {
    TypeRef::Named(name.to_string())
}

/// The contents of the generated file at `path`; panics when it was not generated.
pub(crate) fn contents(files: Vec<crate::GeneratedFile>, path: &str) -> String {
    files
        .into_iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} generated"))
        .contents
}

/// The file `name` in `dir` (e.g. `out/ts`) as a target's `generate` writes it for the shared
/// test spec ([`crate::typescript::test_spec`]).
pub(crate) fn test_spec_file(
    generate: fn(&handshake_spec::model::Spec) -> Vec<crate::GeneratedFile>,
    dir: &str,
    name: &str,
) -> String {
    let spec = crate::typescript::test_spec::spec();
    contents(generate(&spec), &format!("{dir}/{name}"))
}

/// The part of `text` after the first `start`, up to the next `end` (or the end of the text);
/// panics, naming `start`, when `text` lacks it.
pub(crate) fn between<'t>(text: &'t str, start: &str, end: &str) -> &'t str {
    let (_, rest) = text
        .split_once(start)
        .unwrap_or_else(|| panic!("{start:?} is in the text"));
    rest.split(end).next().unwrap_or(rest)
}

/// A record type without a table.
pub(crate) fn record(meta: Meta, name: &str, root: bool, fields: Vec<Field>) -> TypeDef {
    TypeDef {
        name: name.to_string(),
        meta,
        root,
        kind: TypeKind::Record(Record {
            fields,
            table: None,
        }),
    }
}

/// The keys of a JSON object in their order; a test's value that is no object fails it.
pub(crate) fn object_keys(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}
