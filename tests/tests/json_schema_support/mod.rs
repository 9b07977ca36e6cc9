//! Shared by the JSON Schema conformance tests: the generated schemas, the example records, a
//! format-asserting 2020-12 validator, serde checks against the model crate, and mechanical
//! "make this valid record invalid" mutations derived from the schema itself.
//!
//! Mutations are derived by walking a valid instance alongside its schema, so every required
//! field, enum, format, string constraint, union tag and closed object the spec declares gets a
//! rejection case without anyone writing one: a new required field in the spec is covered the
//! moment codegen runs.

#![allow(dead_code)] // each test binary uses a different subset of these helpers

use std::fs;
use std::path::{Path, PathBuf};

use handshake_codegen::json_schema;
use handshake_conformance::repo_root;
use handshake_spec::model::Spec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The checked spec of this repository.
pub fn spec() -> Spec {
    match handshake_spec::load(&repo_root()) {
        Ok(spec) => spec,
        Err(error) => panic!("spec/ does not load:\n{error}"),
    }
}

/// One generated schema: the root type's name, the file stem (`ai_job`) and the parsed document.
pub struct RootSchema {
    /// `PascalCase` type name, e.g. `AiJob`.
    pub type_name: String,
    /// File stem without `.schema.json`, e.g. `ai_job`; also the examples folder name.
    pub stem: String,
    /// Repo-relative path the generator writes.
    pub path: String,
    /// The exact generated text.
    pub text: String,
    /// The parsed schema.
    pub schema: Value,
}

/// Every schema the generator produces for the repository's spec, in spec order.
pub fn root_schemas() -> Vec<RootSchema> {
    let spec = spec();
    let files = json_schema::generate(&spec);
    let roots: Vec<_> = json_schema::schema_roots(&spec).collect();
    assert_eq!(files.len(), roots.len(), "one schema file per root type");
    roots
        .into_iter()
        .zip(files)
        .map(|(root, file)| {
            let stem = json_schema::file_name(&root.name)
                .trim_end_matches(".schema.json")
                .to_string();
            assert!(
                file.path.ends_with(&format!("/{stem}.schema.json")),
                "{} is {}",
                root.name,
                file.path
            );
            let schema = serde_json::from_str(&file.contents)
                .unwrap_or_else(|error| panic!("{} is not JSON: {error}", file.path));
            RootSchema {
                type_name: root.name.clone(),
                stem,
                path: file.path,
                text: file.contents,
                schema,
            }
        })
        .collect()
}

/// The schema for one stem (`ai_job`).
pub fn root_schema(stem: &str) -> RootSchema {
    root_schemas()
        .into_iter()
        .find(|root| root.stem == stem)
        .unwrap_or_else(|| panic!("no root schema {stem}"))
}

/// A 2020-12 validator that also asserts `format` (uuid, date-time), which 2020-12 leaves to
/// annotation by default: the Rust model refuses bad UUIDs and timestamps, so the schema must too.
pub fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|error| panic!("schema does not compile: {error}"))
}

/// All schema errors for an instance, one per line, or `None` when it is valid.
pub fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Option<String> {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        None
    } else {
        Some(errors.join("\n"))
    }
}

/// Example records of one kind for a root: `tests/examples/<stem>/<kind>/*.json`, sorted by name.
pub fn examples(stem: &str, kind: &str) -> Vec<(PathBuf, Value)> {
    let dir = repo_root().join("tests/examples").join(stem).join(kind);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
            (path, value)
        })
        .collect()
}

/// Repo-relative display of a path.
pub fn display(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Deserialize into `T` and serialize back: the model's own reading of an instance.
fn serde_round_trip<T: DeserializeOwned + Serialize>(instance: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(instance.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| format!("serialize failed: {e}"))
}

/// Read `instance` as the handshake-job-model type of root `stem` and write it back.
///
/// A root with no entry here fails every test that touches it, so a new root type cannot go
/// untested: add its model type to the match.
pub fn model_round_trip(stem: &str, instance: &Value) -> Result<Value, String> {
    // Every root type, from the generator's registry (no hand-kept list).
    macro_rules! by_stem {
        ($(($ty:path, $name:literal, $stem:literal, $kind:ident, $place:ident)),* $(,)?) => {
            match stem {
                $($stem => serde_round_trip::<$ty>(instance),)*
                other => panic!("root schema {other} is not a root type of the spec"),
            }
        };
    }
    handshake_job_model::for_each_root_type!(by_stem)
}

/// One way to break a valid instance, found by walking it alongside its schema.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// What was broken and where, e.g. `missing required "job_id" at /`.
    pub name: String,
    /// The broken instance.
    pub instance: Value,
}

/// Every single-point mutation of `instance` that its schema must reject.
///
/// Kinds: a required property removed, an unknown property added, an enum value replaced, a
/// `uuid`/`date-time` string malformed, a string newtype's length or pattern violated, an unsigned
/// integer made negative, a union tag replaced, and any typed value replaced by a value of another
/// JSON type. Pattern violations use a candidate string checked against the pattern itself, so no
/// mutation is emitted that would accidentally still be valid.
pub fn mutations(document: &Value, instance: &Value) -> Vec<Mutation> {
    let mut out = Vec::new();
    walk(document, instance, document, instance, "", &mut out);
    out
}

/// Follow local references (`#`, `#/$defs/Name`) until a schema without `$ref` is reached.
/// Siblings of `$ref` in our schemas are only annotations (`description`, `default`).
fn resolve<'a>(document: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        schema = match reference {
            "#" => document,
            other => {
                let pointer = other
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("non-local $ref {other}"));
                document
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {other}"))
            }
        };
    }
    schema
}

/// Escape a property name for a JSON pointer.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `root` with the value at `pointer` replaced by `replace(old)` (`None` removes it from its parent).
fn edit(root: &Value, pointer: &str, replace: impl FnOnce(&Value) -> Option<Value>) -> Value {
    let mut copy = root.clone();
    if pointer.is_empty() {
        return replace(root).expect("the root value is never removed");
    }
    let (parent, last) = pointer.rsplit_once('/').expect("pointer has a segment");
    let key = last.replace("~1", "/").replace("~0", "~");
    let parent = copy.pointer_mut(parent).expect("parent exists");
    match parent {
        Value::Object(map) => {
            let old = map.get(&key).cloned().unwrap_or(Value::Null);
            match replace(&old) {
                Some(new) => {
                    map.insert(key, new);
                }
                None => {
                    map.shift_remove(&key);
                }
            }
        }
        Value::Array(items) => {
            let index: usize = key.parse().expect("array index");
            let new = replace(&items[index]).expect("array items are replaced, not removed");
            items[index] = new;
        }
        _ => unreachable!("pointer parents are containers"),
    }
    copy
}

fn push(out: &mut Vec<Mutation>, name: String, instance: Value) {
    out.push(Mutation { name, instance });
}

/// A value of a different JSON type than `value`, for "wrong type" mutations.
///
/// An object is replaced by a string, not an array: serde's derived `Deserialize` also reads a
/// struct from a JSON array (fields by position), so `[]` is read as "every field absent" by a
/// record whose fields are all optional (LayerScope, RuntimeConfig, CalendarScopeHint). The schema
/// refuses that array; the model's leniency there is serde's, is reported, and is not what this
/// mutation is about.
fn other_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(12345),
        Value::Number(_) => json!("12"),
        Value::Bool(_) => json!("true"),
        Value::Array(_) => json!({}),
        Value::Object(_) => json!("an object was expected"),
        Value::Null => json!("null"),
    }
}

fn walk(
    document: &Value,
    root: &Value,
    schema: &Value,
    instance: &Value,
    pointer: &str,
    out: &mut Vec<Mutation>,
) {
    let schema = resolve(document, schema);
    let at = if pointer.is_empty() { "/" } else { pointer };
    let Some(schema_object) = schema.as_object() else {
        return;
    };
    // `{}` (the spec's `json`): anything goes, nothing to break.
    if schema_object
        .keys()
        .all(|k| k == "description" || k == "default" || k == "$comment")
    {
        return;
    }
    // Wrong JSON type at every typed location; a union has no `type` of its own, its tag covers it.
    if schema_object.contains_key("type") || schema_object.contains_key("enum") {
        push(
            out,
            format!("wrong JSON type at {at}"),
            edit(root, pointer, |old| Some(other_type(old))),
        );
    }
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        let Some(object) = instance.as_object() else {
            return;
        };
        let matching = variants.iter().find(|variant| {
            let properties = resolve(document, variant)
                .get("properties")
                .and_then(Value::as_object);
            properties.is_some_and(|properties| {
                properties.iter().any(|(name, property)| {
                    property
                        .get("const")
                        .is_some_and(|constant| object.get(name) == Some(constant))
                })
            })
        });
        let variant =
            matching.unwrap_or_else(|| panic!("no oneOf variant matches the instance at {at}"));
        let variant = resolve(document, variant);
        if let Some((tag, _)) = variant
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|p| {
                p.iter()
                    .find(|(_, property)| property.get("const").is_some())
            })
        {
            let tag_pointer = format!("{pointer}/{}", escape(tag));
            push(
                out,
                format!("unknown union tag at {tag_pointer}"),
                edit(root, &tag_pointer, |_| Some(json!("no_such_variant"))),
            );
        }
        walk(document, root, variant, instance, pointer, out);
        return;
    }
    if let (Some(values), Some(_)) = (
        schema.get("enum").and_then(Value::as_array),
        instance.as_str(),
    ) {
        let bogus = json!("not_a_declared_value");
        assert!(!values.contains(&bogus));
        push(
            out,
            format!("undeclared enum value at {at}"),
            edit(root, pointer, |_| Some(bogus)),
        );
        return;
    }
    match instance {
        Value::String(_) => string_mutations(schema, root, pointer, at, out),
        Value::Number(_) => {
            if schema.get("minimum") == Some(&json!(0)) {
                push(
                    out,
                    format!("negative unsigned integer at {at}"),
                    edit(root, pointer, |_| Some(json!(-1))),
                );
            }
            if schema.get("type") == Some(&json!("integer")) {
                push(
                    out,
                    format!("fractional integer at {at}"),
                    edit(root, pointer, |_| Some(json!(1.5))),
                );
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    walk(
                        document,
                        root,
                        item_schema,
                        item,
                        &format!("{pointer}/{index}"),
                        out,
                    );
                }
            }
        }
        Value::Object(object) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for name in required {
                    if object.contains_key(name) {
                        let field = format!("{pointer}/{}", escape(name));
                        push(
                            out,
                            format!("missing required {name:?} at {at}"),
                            edit(root, &field, |_| None),
                        );
                    }
                }
                // Every record and variant is closed in the spec language, so this mutation is
                // derived from `properties`, not from `additionalProperties`: a schema that stops
                // closing an object is caught here instead of silently losing the case.
                let extra = format!("{pointer}/unexpected_property");
                push(
                    out,
                    format!("unknown property at {at}"),
                    edit(root, &extra, |_| Some(json!(1))),
                );
                for (name, value) in object {
                    if let Some(property) = properties.get(name)
                        && property.get("const").is_none()
                    {
                        walk(
                            document,
                            root,
                            property,
                            value,
                            &format!("{pointer}/{}", escape(name)),
                            out,
                        );
                    }
                }
            } else if let Some(value_schema) =
                schema.get("additionalProperties").filter(|s| s.is_object())
            {
                for (name, value) in object {
                    walk(
                        document,
                        root,
                        value_schema,
                        value,
                        &format!("{pointer}/{}", escape(name)),
                        out,
                    );
                }
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

fn string_mutations(
    schema: &Value,
    root: &Value,
    pointer: &str,
    at: &str,
    out: &mut Vec<Mutation>,
) {
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => {
            push(
                out,
                format!("malformed uuid at {at}"),
                edit(root, pointer, |_| Some(json!("not-a-uuid"))),
            );
            push(
                out,
                format!("uuid with a non-hex digit at {at}"),
                edit(root, pointer, |_| {
                    Some(json!("0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6g"))
                }),
            );
        }
        Some("date-time") => {
            push(
                out,
                format!("malformed date-time at {at}"),
                edit(root, pointer, |_| Some(json!("yesterday"))),
            );
            push(
                out,
                format!("date-time without offset at {at}"),
                edit(root, pointer, |_| Some(json!("2026-11-24T02:15:00.123456"))),
            );
            push(
                out,
                format!("impossible date-time at {at}"),
                edit(root, pointer, |_| Some(json!("2026-13-45T25:61:00Z"))),
            );
        }
        _ => {}
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        let long = "a".repeat(usize::try_from(max).expect("small maxLength") + 1);
        push(
            out,
            format!("string over maxLength {max} at {at}"),
            edit(root, pointer, |_| Some(json!(long))),
        );
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && min > 0
    {
        push(
            out,
            format!("string under minLength {min} at {at}"),
            edit(root, pointer, |_| Some(json!(""))),
        );
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        let pattern_only = json!({ "pattern": pattern });
        let candidate = ["has spaces & symbols!", "", "UPPER", "-"]
            .into_iter()
            .find(|candidate| !jsonschema::is_valid(&pattern_only, &json!(candidate)));
        if let Some(candidate) = candidate {
            push(
                out,
                format!("string not matching {pattern:?} at {at}"),
                edit(root, pointer, |_| Some(json!(candidate))),
            );
        }
    }
}
