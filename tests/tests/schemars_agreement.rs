//! Our generated JSON Schemas and the schemas schemars derives from the handshake-job-model types
//! describe the same contract: the same named types, properties, required sets, enum values,
//! formats, string constraints, defaults, closed objects and union tags.
//!
//! The two are written differently on purpose or by convention; each difference below is
//! normalised away *and explained*. Anything else that differs is reported with its location and
//! fails the test.
//!
//! 1. Annotations: `description`, `title`, `examples`, `$comment`, `$schema`, `$id` and
//!    `x-lifecycle` are dropped from both. schemars writes the Rust doc comments, we write the
//!    spec's descriptions with their clauses (checked in `json_schema.rs`).
//! 2. References: schemars refers to the root type as `#` or by name; both are read as the type's
//!    name, so `$ref` layout does not matter, only which type is referenced.
//! 3. Optional fields: schemars writes `Option<T>` as `type: [T, "null"]` or
//!    `anyOf: [T, {type: null}]`. Our schema omits the field from `required` and never admits
//!    `null`, because the model skips `None` when writing. The `null` alternative is removed, and
//!    only on properties that are not required (a nullable *required* property stays a difference).
//! 4. Integer and number formats: schemars adds `format: uint64 | int64 | double`. These are not
//!    2020-12 formats (validators ignore them); the range of `uint` is stated by `minimum: 0` in
//!    both. The format is dropped for `integer` and `number` types only.
//! 5. Unit enums: schemars writes a `oneOf` of `{type: string, const: v}` (one per documented
//!    variant), we write `{type: string, enum: [...]}`; both are read as the list of values.
//! 6. Union tags: schemars writes the tag as `{type: string, const: v}`, we write `{const: v}`
//!    (a string `const` implies the type); both are read as the tag value.
//! 7. Key order is not compared; property and value lists are compared in spec order.
//! 8. Cross-field rules: ours carries each rule of `spec/*rules*.yaml` as an `allOf` entry whose
//!    `$comment` starts with its `HSK-RULE-…` code (plus `x-rules-not-expressible`); the Rust
//!    types enforce the same rules in the generated `Validate`, not in their derived schema. Such
//!    an `allOf` is removed from ours only when *every* entry is a rule; rules are compared with
//!    the Rust validators in `rules.rs`.
//! 9. Assertions that restate a format or a Rust integer type: ours puts a `pattern` beside
//!    `format: uuid` and `format: date-time` (the hyphenated UUID text and the narrowed RFC 3339
//!    grammar every target reads; `format` alone only annotates under 2020-12), and states the
//!    range of `integer` (i64) and `uint` (u64) as `minimum`/`maximum`. schemars leaves them to the
//!    format and the Rust type. Exactly those patterns and bounds are dropped.

mod json_schema_support;

use std::collections::{BTreeMap, BTreeSet};

use handshake_codegen::json_schema;
use handshake_conformance::rule_blocks::remove_rule_block;
use json_schema_support::root_schemas;
use serde_json::{Value, json};

/// The contract a schema states for one type, with every difference of notation removed.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Any JSON value (`{}` or `true`).
    Any,
    /// A reference to a named type.
    Named(String),
    /// `string`, `integer`, `number` or `boolean`, with the constraints that apply to it.
    Scalar {
        ty: String,
        constraints: BTreeMap<String, Value>,
    },
    /// A closed set of strings, in declaration order.
    Enum(Vec<String>),
    /// `type: array`.
    List(Box<Shape>),
    /// `type: object` with `additionalProperties` as the value type.
    Map(Box<Shape>),
    /// A record or a union variant.
    Object(ObjectShape),
    /// An internally tagged union: variants keyed by tag value.
    Union {
        tag: String,
        variants: Vec<(String, ObjectShape)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct ObjectShape {
    /// Properties in declaration order: name, shape, default.
    properties: Vec<(String, Shape, Option<Value>)>,
    required: BTreeSet<String>,
    closed: bool,
}

/// Keywords that only annotate (normalisation 1).
const ANNOTATIONS: [&str; 7] = [
    "description",
    "title",
    "examples",
    "$comment",
    "$schema",
    "$id",
    "x-lifecycle",
];

/// Reads schemas in either notation into [`Shape`]s, collecting what it cannot read.
struct Reader<'a> {
    /// Name of the document's root type, for `$ref: "#"` (normalisation 2).
    root: &'a str,
    /// Where each problem is, and what it is.
    problems: Vec<String>,
}

impl Reader<'_> {
    fn shape(&mut self, at: &str, schema: &Value) -> Shape {
        let object = match schema {
            Value::Bool(true) => return Shape::Any,
            Value::Object(object) => object,
            other => {
                self.problems
                    .push(format!("{at}: unexpected schema {other}"));
                return Shape::Any;
            }
        };
        let mut object = object.clone();
        for key in ANNOTATIONS {
            object.remove(key);
        }
        object.remove("default"); // read by the caller, which knows it is a property
        // Normalisation 8: rule blocks (and only rule blocks) are not part of the derived shape.
        remove_rule_block(&mut object);
        object.remove("x-rules-not-expressible");
        if object.is_empty() {
            return Shape::Any;
        }
        if let Some(reference) = object.remove("$ref") {
            self.expect_empty(at, &object);
            let reference = reference.as_str().unwrap_or_default();
            return Shape::Named(match reference {
                "#" => self.root.to_string(),
                other => other.rsplit('/').next().unwrap_or(other).to_string(),
            });
        }
        if let Some(variants) = object.remove("oneOf") {
            self.expect_empty(at, &object);
            return self.one_of(at, variants.as_array().cloned().unwrap_or_default());
        }
        if let Some(values) = object.remove("enum") {
            object.remove("type");
            self.expect_empty(at, &object);
            let values = values.as_array().cloned().unwrap_or_default();
            return Shape::Enum(
                values
                    .iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect(),
            );
        }
        let ty = match object.remove("type") {
            Some(Value::String(ty)) => ty,
            other => {
                self.problems
                    .push(format!("{at}: no single type: {other:?}"));
                return Shape::Any;
            }
        };
        match ty.as_str() {
            "array" => {
                let items = object.remove("items").unwrap_or(Value::Bool(true));
                self.expect_empty(at, &object);
                Shape::List(Box::new(self.shape(&format!("{at}/items"), &items)))
            }
            "object" if object.contains_key("properties") => Shape::Object(self.object(at, object)),
            "object" => {
                let values = object
                    .remove("additionalProperties")
                    .unwrap_or(Value::Bool(true));
                self.expect_empty(at, &object);
                Shape::Map(Box::new(
                    self.shape(&format!("{at}/additionalProperties"), &values),
                ))
            }
            "integer" | "number" => {
                // Normalisation 4.
                object.remove("format");
                // Normalisation 9.
                if object.get("maximum") == Some(&Value::from(u64::MAX))
                    || object.get("maximum") == Some(&Value::from(i64::MAX))
                {
                    object.remove("maximum");
                }
                if object.get("minimum") == Some(&Value::from(i64::MIN)) {
                    object.remove("minimum");
                }
                Shape::Scalar {
                    ty,
                    constraints: object.into_iter().collect(),
                }
            }
            _ => {
                // Normalisation 9.
                let restated = match object.get("format").and_then(Value::as_str) {
                    Some("uuid") => Some(json_schema::UUID_PATTERN),
                    Some("date-time") => Some(json_schema::DATE_TIME_PATTERN),
                    _ => None,
                };
                if restated.is_some() && object.get("pattern").and_then(Value::as_str) == restated {
                    object.remove("pattern");
                }
                // The edge-day offset rule of a timestamp restates its range too.
                let edge = json!({ "pattern": json_schema::DATE_TIME_EDGE_OFFSET_PATTERN });
                if restated == Some(json_schema::DATE_TIME_PATTERN)
                    && object.get("not") == Some(&edge)
                {
                    object.remove("not");
                }
                Shape::Scalar {
                    ty,
                    constraints: object.into_iter().collect(),
                }
            }
        }
    }

    fn object(&mut self, at: &str, mut object: serde_json::Map<String, Value>) -> ObjectShape {
        let required: BTreeSet<String> = object
            .remove("required")
            .and_then(|r| r.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|name| name.as_str().unwrap_or_default().to_string())
            .collect();
        let closed = object.remove("additionalProperties") == Some(Value::Bool(false));
        let properties = object
            .remove("properties")
            .and_then(|p| p.as_object().cloned())
            .unwrap_or_default();
        self.expect_empty(at, &object);
        let properties = properties
            .iter()
            .map(|(name, schema)| {
                let at = format!("{at}/properties/{name}");
                let default = schema.get("default").cloned();
                let schema = if required.contains(name) {
                    schema.clone()
                } else {
                    without_null(schema)
                };
                (name.clone(), self.shape(&at, &schema), default)
            })
            .collect();
        ObjectShape {
            properties,
            required,
            closed,
        }
    }

    /// Normalisations 5 (enum as `oneOf` of `const`s) and 6 (union tags).
    fn one_of(&mut self, at: &str, variants: Vec<Value>) -> Shape {
        if variants
            .iter()
            .all(|v| v.get("const").is_some_and(Value::is_string))
        {
            return Shape::Enum(
                variants
                    .iter()
                    .map(|v| v["const"].as_str().unwrap_or_default().to_string())
                    .collect(),
            );
        }
        let mut tag_name = None;
        let mut read = Vec::new();
        for (index, variant) in variants.iter().enumerate() {
            let at = format!("{at}/oneOf/{index}");
            let tag = variant
                .get("properties")
                .and_then(Value::as_object)
                .and_then(|p| p.iter().find(|(_, s)| s.get("const").is_some()))
                .map(|(name, schema)| {
                    (
                        name.clone(),
                        schema["const"].as_str().unwrap_or_default().to_string(),
                    )
                });
            let Some((name, value)) = tag else {
                self.problems
                    .push(format!("{at}: a union variant without a const tag"));
                continue;
            };
            if tag_name.get_or_insert_with(|| name.clone()) != &name {
                self.problems
                    .push(format!("{at}: tag {name} differs from the other variants'"));
            }
            let mut variant = variant.as_object().cloned().unwrap_or_default();
            for key in ANNOTATIONS {
                variant.remove(key);
            }
            variant.remove("type");
            if let Some(Value::Object(properties)) = variant.get_mut("properties") {
                properties.remove(&name);
            }
            let mut shape = self.object(&at, variant);
            shape.required.remove(&name);
            read.push((value, shape));
        }
        Shape::Union {
            tag: tag_name.unwrap_or_default(),
            variants: read,
        }
    }

    fn expect_empty(&mut self, at: &str, rest: &serde_json::Map<String, Value>) {
        if !rest.is_empty() {
            let keys: Vec<&String> = rest.keys().collect();
            self.problems
                .push(format!("{at}: unexpected keywords {keys:?}"));
        }
    }
}

/// Normalisation 3: drop the `null` alternative schemars adds for `Option<T>`.
fn without_null(schema: &Value) -> Value {
    let mut schema = schema.clone();
    let Some(object) = schema.as_object_mut() else {
        return schema;
    };
    if let Some(Value::Array(types)) = object.get("type").cloned() {
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        let single = if rest.len() == 1 {
            rest[0].clone()
        } else {
            Value::Array(rest)
        };
        object.insert("type".into(), single);
    }
    if let Some(Value::Array(alternatives)) = object.get("anyOf").cloned() {
        let rest: Vec<Value> = alternatives
            .into_iter()
            .filter(|a| a.get("type") != Some(&Value::from("null")))
            .collect();
        if rest.len() == 1 {
            object.remove("anyOf");
            if let Value::Object(inner) = &rest[0] {
                for (key, value) in inner {
                    object.insert(key.clone(), value.clone());
                }
            }
        }
    }
    schema
}

/// Every named type of a document (the root under its own name, then `$defs`) as shapes.
fn contract(root_name: &str, document: &Value) -> (BTreeMap<String, Shape>, Vec<String>) {
    let mut reader = Reader {
        root: root_name,
        problems: Vec::new(),
    };
    let mut types = BTreeMap::new();
    let mut root = document.clone();
    let defs = root
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .unwrap_or(Value::Object(Default::default()));
    types.insert(root_name.to_string(), reader.shape("#", &root));
    for (name, schema) in defs.as_object().cloned().unwrap_or_default() {
        let shape = reader.shape(&format!("#/$defs/{name}"), &schema);
        types.insert(name, shape);
    }
    (types, reader.problems)
}

/// schemars' schema for the model type of each root, by file stem.
fn schemars_schema(stem: &str) -> Value {
    // Every root type, from the generator's registry (no hand-kept list).
    macro_rules! by_stem {
        ($(($ty:path, $name:literal, $stem:literal, $kind:ident, $place:ident)),* $(,)?) => {
            match stem {
                $($stem => schemars::schema_for!($ty),)*
                other => panic!("root schema {other} is not a root type of the spec"),
            }
        };
    }
    let schema = handshake_job_model::for_each_root_type!(by_stem);
    schema.to_value()
}

/// Human-readable differences between two contracts.
fn differences(ours: &BTreeMap<String, Shape>, theirs: &BTreeMap<String, Shape>) -> Vec<String> {
    let mut out = Vec::new();
    let our_names: BTreeSet<&String> = ours.keys().collect();
    let their_names: BTreeSet<&String> = theirs.keys().collect();
    for name in our_names.difference(&their_names) {
        out.push(format!("{name}: only in our schema"));
    }
    for name in their_names.difference(&our_names) {
        out.push(format!("{name}: only in schemars' schema"));
    }
    for name in our_names.intersection(&their_names) {
        compare(&mut out, name, &ours[*name], &theirs[*name]);
    }
    out
}

fn compare(out: &mut Vec<String>, at: &str, ours: &Shape, theirs: &Shape) {
    match (ours, theirs) {
        (Shape::Object(a), Shape::Object(b)) => compare_objects(out, at, a, b),
        (
            Shape::Union {
                tag: ta,
                variants: va,
            },
            Shape::Union {
                tag: tb,
                variants: vb,
            },
        ) => {
            if ta != tb {
                out.push(format!("{at}: union tag {ta} vs {tb}"));
            }
            let names_a: Vec<&String> = va.iter().map(|(n, _)| n).collect();
            let names_b: Vec<&String> = vb.iter().map(|(n, _)| n).collect();
            if names_a != names_b {
                out.push(format!("{at}: variants {names_a:?} vs {names_b:?}"));
            }
            for ((name, a), (_, b)) in va.iter().zip(vb) {
                compare_objects(out, &format!("{at}::{name}"), a, b);
            }
        }
        (Shape::List(a), Shape::List(b)) | (Shape::Map(a), Shape::Map(b)) => {
            compare(out, &format!("{at}[]"), a, b)
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{at}: ours {a:?}, schemars {b:?}")),
    }
}

fn compare_objects(out: &mut Vec<String>, at: &str, ours: &ObjectShape, theirs: &ObjectShape) {
    let names_a: Vec<&String> = ours.properties.iter().map(|(n, _, _)| n).collect();
    let names_b: Vec<&String> = theirs.properties.iter().map(|(n, _, _)| n).collect();
    if names_a != names_b {
        out.push(format!("{at}: properties {names_a:?} vs {names_b:?}"));
    }
    if ours.required != theirs.required {
        out.push(format!(
            "{at}: required {:?} vs {:?}",
            ours.required, theirs.required
        ));
    }
    if ours.closed != theirs.closed {
        out.push(format!("{at}: closed {} vs {}", ours.closed, theirs.closed));
    }
    for (name, shape, default) in &ours.properties {
        if let Some((_, their_shape, their_default)) =
            theirs.properties.iter().find(|(n, _, _)| n == name)
        {
            compare(out, &format!("{at}.{name}"), shape, their_shape);
            if default != their_default {
                out.push(format!(
                    "{at}.{name}: default {default:?} vs {their_default:?}"
                ));
            }
        }
    }
}

#[test]
fn schemars_and_our_schemas_state_the_same_contract_for_every_root() {
    let mut report = Vec::new();
    for root in root_schemas() {
        let (ours, our_problems) = contract(&root.type_name, &root.schema);
        let (theirs, their_problems) = contract(&root.type_name, &schemars_schema(&root.stem));
        report.extend(
            our_problems
                .into_iter()
                .map(|p| format!("{}: ours unreadable at {p}", root.stem)),
        );
        report.extend(
            their_problems
                .into_iter()
                .map(|p| format!("{}: schemars' unreadable at {p}", root.stem)),
        );
        report.extend(
            differences(&ours, &theirs)
                .into_iter()
                .map(|d| format!("{}: {d}", root.stem)),
        );
    }
    assert!(
        report.is_empty(),
        "unexplained differences:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_comparison_notices_a_difference() {
    // Guard against a normalisation that hides everything: drop one required field from our
    // AiJob schema and the comparison must report it.
    let root = root_schemas()
        .into_iter()
        .find(|r| r.stem == "ai_job")
        .expect("ai_job schema");
    let mut broken = root.schema.clone();
    broken["required"]
        .as_array_mut()
        .expect("required")
        .retain(|name| name != "job_id");
    let (ours, _) = contract(&root.type_name, &broken);
    let (theirs, _) = contract(&root.type_name, &schemars_schema("ai_job"));
    let found = differences(&ours, &theirs);
    assert!(
        found.iter().any(|d| d.starts_with("AiJob: required")),
        "not noticed: {found:?}"
    );
}
