//! JSON Schema (draft 2020-12) generator: one self-contained schema file per root type.
//!
//! Every file is a complete contract for its root type: the type's own schema at the top level and
//! every type it reaches, transitively, under `$defs` (in spec order), referenced as
//! `#/$defs/Name`. Nothing is fetched: `$id` names the file but no reference leaves the file.
//!
//! Key order is fixed (we build `serde_json::Map`s and the workspace enables `preserve_order`):
//! `$comment` (the `@generated` marker), `$schema`, `$id`, `title`, `description`, the type's own
//! keywords, `x-lifecycle` (lifecycle enum only), `$defs`. Inside a definition or property:
//! `description`, then the type's keywords, then `default`.
//!
//! Choices where the brief left one open, applied everywhere so the output is predictable:
//! - **Enum value descriptions** go into the enum's `description` (a "values:" list), not into a
//!   `oneOf` of `const`s: `enum` gives validators a direct "is not one of [...]" error and every
//!   JSON Schema consumer (typify, quicktype, datamodel-code-generator) maps it to a plain enum.
//! - **Decisions** (`decision:` in the spec) are appended to the description as `Decision: ...`, so
//!   a reader of the schema alone sees why, and generated docs comments carry it.
//! - **Optional fields** are simply absent from `required`; they are not nullable. The Rust model
//!   omits `None` when serializing, so `null` never appears on the wire and the schema refuses it.
//! - **Unions** are a bare `oneOf` (no `discriminator`, which is an OpenAPI keyword, not 2020-12):
//!   each variant is a closed object whose tag property is a `const`, so exactly one variant can
//!   match any instance.
//! - **Every record and variant is closed** (`additionalProperties: false`): an unknown field is an
//!   error, matching `#[serde(deny_unknown_fields)]` in the Rust model.

use handshake_spec::model::{Field, Lifecycle, Meta, Primitive, Spec, TypeDef, TypeKind, TypeRef};
use serde_json::{Map, Value, json};

pub mod rules;

use crate::ir::{Ir, TypeId};
use crate::names::snake_case;
use crate::{GeneratedFile, marker};

/// The dialect every generated schema declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Base of every schema's `$id`. The URI identifies the schema; it is never fetched.
///
/// The full `$id` is `<ID_BASE><spec version>/<file name>` ([`schema_id`]): §2.6.6.6.3 asks for
/// versioned schemas, and a schema of another spec version is another resource, so two versions
/// of one record never share an identifier in a validator's registry.
pub const ID_BASE: &str = "https://schemas.handshake.dev/ai-job-model/";

/// The `$id` of the schema file `file_name` of `spec`, e.g.
/// `https://schemas.handshake.dev/ai-job-model/0.4.0/ai_job.schema.json`.
pub fn schema_id(spec: &Spec, file_name: &str) -> String {
    format!("{ID_BASE}{}/{file_name}", spec.version)
}

/// `pattern` of every UUID (`uuid` and ids), beside `format: uuid`: under 2020-12 `format` only
/// annotates unless a validator opts in, so the pattern is what asserts the hyphenated text form
/// every target reads (the Python and TypeScript SDKs use the same expression).
pub const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// `pattern` of every timestamp, beside `format: date-time`: RFC 3339 `date-time` narrowed as
/// every target reads it (`T`/`t` separator, seconds 00–59 so no leap second, year 0001–9999,
/// offsets up to ±23:59). A day past the end of its month (`02-30`) still needs `format`: a
/// calendar is beyond a portable regular expression, and every other target refuses it.
pub const DATE_TIME_PATTERN: &str = "^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

/// What [`DATE_TIME_PATTERN`] must not also match (`"not": {"pattern": …}`): an offset other than
/// `Z`/`±00:00` on 0001-01-01 or 9999-12-31. Decision (docs/spec-language.md): a timestamp's
/// instant must lie in years 0001–9999 in UTC, the range of its one output form, and on the two
/// edge days only a zero offset lets every target decide that without date arithmetic (a
/// pattern cannot add an offset to a time).
pub const DATE_TIME_EDGE_OFFSET_PATTERN: &str =
    "^(0001-01-01|9999-12-31)[Tt].*[+-]((0[1-9]|1[0-9]|2[0-3]):[0-5][0-9]|00:(0[1-9]|[1-5][0-9]))$";

/// Source named in the `@generated` marker: schemas come from the whole spec.
const SOURCE: &str = "spec/handshake.yaml";

/// Generate one schema file per root type (and for the lifecycle enum), in spec order.
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    generate_with(&Ir::new(spec))
}

/// [`generate`] from the resolved spec.
pub fn generate_with(ir: &Ir<'_>) -> Vec<GeneratedFile> {
    let spec = ir.spec;
    schema_root_ids(ir)
        .map(|id| {
            let file_name = file_name(&ir.def(id).name);
            let document = root_schema(ir, id, &file_name);
            let mut contents =
                serde_json::to_string_pretty(&document).expect("a JSON value always serializes");
            contents.push('\n');
            GeneratedFile {
                path: format!(
                    "{}/{file_name}",
                    spec.outputs.json_schema.trim_end_matches('/')
                ),
                contents,
            }
        })
        .collect()
}

/// Types that get their own schema file: those marked `root: true`, and the lifecycle enum, whose
/// schema also carries the transition table (`x-lifecycle`) for non-Rust consumers.
pub fn schema_roots(spec: &Spec) -> impl Iterator<Item = &TypeDef> {
    spec.types.iter().filter(|t| is_schema_root(spec, t))
}

/// The ids of the [`schema_roots`], in spec order.
pub fn schema_root_ids<'a>(ir: &'a Ir<'_>) -> impl Iterator<Item = TypeId> + 'a {
    ir.ids()
        .filter(|id| ir.def(*id).root || ir.lifecycle() == Some(*id))
}

fn is_schema_root(spec: &Spec, def: &TypeDef) -> bool {
    def.root || def.name == spec.lifecycle.name
}

/// File name of a root type's schema, e.g. `AiJob` → `ai_job.schema.json`.
pub fn file_name(type_name: &str) -> String {
    format!("{}.schema.json", snake_case(type_name))
}

/// The whole document for one root type.
fn root_schema(ir: &Ir<'_>, root: TypeId, file_name: &str) -> Value {
    ir_document(ir, root, &schema_id(ir.spec, file_name), true)
}

/// The document of `root_schema` without the cross-field rules (no `allOf` rule entries, no
/// `x-rules-not-expressible`), under its own `$id` (`…/<version>/structure/<file name>`): what a
/// record must be to parse at all, the counterpart of serde in the Rust model. The TypeScript SDK
/// runs it with Ajv and then its own rule checks, so a structural failure reports `InvalidRecord`
/// and a broken rule its own code, as Rust does.
pub fn structure_schema_with(ir: &Ir<'_>, root: TypeId) -> Value {
    let id = schema_id(
        ir.spec,
        &format!("structure/{}", file_name(&ir.def(root).name)),
    );
    ir_document(ir, root, &id, false)
}

/// The schema document of `root`: its `$defs` are the types it references (in spec order,
/// without the root), and every type carries its rules when `with_rules` is set.
fn ir_document(ir: &Ir<'_>, root: TypeId, id: &str, with_rules: bool) -> Value {
    let spec = ir.spec;
    let annotate = |id: TypeId, schema: &mut Map<String, Value>| {
        if with_rules {
            rules::annotate(ir, id, schema);
        }
    };
    let root_id = root;
    let root = ir.def(root_id);
    let mut document = Map::new();
    document.insert("$comment".into(), Value::String(marker::sentence(SOURCE)));
    document.insert("$schema".into(), Value::String(DIALECT.into()));
    document.insert("$id".into(), Value::String(id.into()));
    document.insert("title".into(), Value::String(root.name.clone()));
    document.extend(type_definition(root, &root.name));
    annotate(root_id, &mut document);
    if ir.lifecycle() == Some(root_id) {
        document.insert("x-lifecycle".into(), lifecycle_annotation(&spec.lifecycle));
    }
    let defs: Map<String, Value> = ir
        .referenced_from(root_id)
        .iter()
        .filter(|id| **id != root_id)
        .map(|id| {
            let t = ir.def(*id);
            let mut definition = type_definition(t, &root.name);
            annotate(*id, &mut definition);
            (t.name.clone(), Value::Object(definition))
        })
        .collect();
    if !defs.is_empty() {
        document.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(document)
}

/// `description` followed by the keywords of a named type. `root` is the name of the file's root
/// type: a reference back to it is `#`, since the root is not repeated under `$defs`.
fn type_definition(def: &TypeDef, root: &str) -> Map<String, Value> {
    let mut schema = Map::new();
    match &def.kind {
        TypeKind::Id => {
            schema.insert("description".into(), describe(&def.meta).into());
            schema.insert("type".into(), "string".into());
            schema.insert("format".into(), "uuid".into());
            schema.insert("pattern".into(), UUID_PATTERN.into());
        }
        TypeKind::String(constraints) => {
            schema.insert("description".into(), describe(&def.meta).into());
            schema.insert("type".into(), "string".into());
            if let Some(pattern) = &constraints.pattern {
                schema.insert("pattern".into(), pattern.clone().into());
            }
            if let Some(min) = constraints.min_length {
                schema.insert("minLength".into(), min.into());
            }
            if let Some(max) = constraints.max_length {
                schema.insert("maxLength".into(), max.into());
            }
            if let Some(example) = &constraints.example {
                schema.insert("examples".into(), json!([example]));
            }
        }
        TypeKind::Enum(values) => {
            let listing: Vec<String> = values
                .iter()
                .map(|value| format!("`{}`: {}", value.name, describe(&value.meta)))
                .collect();
            let description = format!("{}. Values: {}.", describe(&def.meta), listing.join("; "));
            schema.insert("description".into(), description.into());
            schema.insert("type".into(), "string".into());
            schema.insert(
                "enum".into(),
                values
                    .iter()
                    .map(|v| Value::String(v.name.clone()))
                    .collect(),
            );
        }
        TypeKind::Record(record) => {
            schema.insert("description".into(), describe(&def.meta).into());
            schema.extend(closed_object(None, &record.fields, root));
        }
        TypeKind::Union(union) => {
            schema.insert("description".into(), describe(&def.meta).into());
            let variants = union
                .variants
                .iter()
                .map(|variant| {
                    let mut schema = Map::new();
                    schema.insert("description".into(), describe(&variant.meta).into());
                    let mut tag = Map::new();
                    tag.insert(
                        "description".into(),
                        format!(
                            "{} tag: this object is the `{}` variant ({})",
                            def.name, variant.name, variant.meta.clause
                        )
                        .into(),
                    );
                    tag.insert("const".into(), variant.name.clone().into());
                    schema.extend(closed_object(
                        Some((&union.tag, tag)),
                        &variant.fields,
                        root,
                    ));
                    Value::Object(schema)
                })
                .collect();
            schema.insert("oneOf".into(), Value::Array(variants));
        }
    }
    schema
}

/// `type: object`, `properties`, `required`, `additionalProperties: false` for a list of fields,
/// with an optional leading tag property (for union variants; the tag is always required).
fn closed_object(
    tag: Option<(&String, Map<String, Value>)>,
    fields: &[Field],
    root: &str,
) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    if let Some((tag_name, tag_schema)) = tag {
        properties.insert(tag_name.clone(), Value::Object(tag_schema));
        required.push(Value::String(tag_name.clone()));
    }
    for field in fields {
        properties.insert(field.name.clone(), Value::Object(property(field, root)));
        if field.required {
            required.push(Value::String(field.name.clone()));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert("required".into(), Value::Array(required));
    schema.insert("additionalProperties".into(), Value::Bool(false));
    schema
}

/// One property: its description (with clause), its type's keywords, and its default if any.
fn property(field: &Field, root: &str) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("description".into(), describe(&field.meta).into());
    schema.extend(type_reference(&field.ty, root));
    if let Some(default) = &field.default {
        schema.insert("default".into(), default.clone());
    }
    schema
}

/// The keywords for a type expression: inline for primitives, lists and maps; a `$ref` for names.
fn type_reference(ty: &TypeRef, root: &str) -> Map<String, Value> {
    let mut schema = Map::new();
    match ty {
        TypeRef::Primitive(primitive) => match primitive {
            Primitive::String => {
                schema.insert("type".into(), "string".into());
            }
            Primitive::Integer => {
                schema.insert("type".into(), "integer".into());
                schema.insert("minimum".into(), i64::MIN.into());
                schema.insert("maximum".into(), i64::MAX.into());
            }
            Primitive::UnsignedInteger => {
                schema.insert("type".into(), "integer".into());
                schema.insert("minimum".into(), 0.into());
                schema.insert("maximum".into(), u64::MAX.into());
            }
            Primitive::Number => {
                schema.insert("type".into(), "number".into());
            }
            Primitive::Boolean => {
                schema.insert("type".into(), "boolean".into());
            }
            Primitive::Uuid => {
                schema.insert("type".into(), "string".into());
                schema.insert("format".into(), "uuid".into());
                schema.insert("pattern".into(), UUID_PATTERN.into());
            }
            Primitive::Timestamp => {
                schema.insert("type".into(), "string".into());
                schema.insert("format".into(), "date-time".into());
                schema.insert("pattern".into(), DATE_TIME_PATTERN.into());
                schema.insert(
                    "not".into(),
                    json!({ "pattern": DATE_TIME_EDGE_OFFSET_PATTERN }),
                );
            }
            // Any JSON value: the empty schema (equivalent to `true`), so a description can sit
            // beside it.
            Primitive::Json => {}
        },
        TypeRef::Named(name) if name == root => {
            schema.insert("$ref".into(), "#".into());
        }
        TypeRef::Named(name) => {
            schema.insert("$ref".into(), format!("#/$defs/{name}").into());
        }
        TypeRef::List(item) => {
            schema.insert("type".into(), "array".into());
            schema.insert("items".into(), Value::Object(type_reference(item, root)));
        }
        TypeRef::Map(value) => {
            schema.insert("type".into(), "object".into());
            schema.insert(
                "additionalProperties".into(),
                Value::Object(type_reference(value, root)),
            );
        }
    }
    schema
}

/// `x-lifecycle`: the state machine as data, so a consumer without the Rust crate can enforce it.
fn lifecycle_annotation(lifecycle: &Lifecycle) -> Value {
    let terminal: Vec<Value> = lifecycle
        .terminal_states()
        .map(|s| Value::String(s.name.clone()))
        .collect();
    let transitions: Vec<Value> = lifecycle
        .transitions
        .iter()
        .map(|t| json!([t.from, t.to]))
        .collect();
    let mut annotation = Map::new();
    annotation.insert("initial".into(), lifecycle.initial.clone().into());
    annotation.insert("terminal".into(), Value::Array(terminal));
    annotation.insert("transitions".into(), Value::Array(transitions));
    Value::Object(annotation)
}

/// Description text: the spec's one line, its clause(s), and its decision when there is one.
fn describe(meta: &Meta) -> String {
    match &meta.decision {
        None => format!("{} ({})", meta.description, meta.clause),
        Some(decision) => format!(
            "{} ({}). Decision: {}",
            meta.description,
            meta.clause,
            decision.trim()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_model::object_keys;
    use handshake_spec::model::{
        EnumValue, Outputs, Record, State, StringConstraints, Transition, TransitionOrigin, Union,
        Variant,
    };

    use crate::test_model::named;

    fn meta(clause: &str, description: &str) -> Meta {
        crate::test_model::meta_in("spec/test.yaml", clause, description)
    }

    fn field(name: &str, ty: TypeRef, required: bool) -> Field {
        let meta = meta("§2.6.6.2.1", &format!("the {name}"));
        crate::test_model::field_with(meta, name, ty, required)
    }

    fn prim(primitive: Primitive) -> TypeRef {
        TypeRef::Primitive(primitive)
    }

    fn def(name: &str, root: bool, kind: TypeKind) -> TypeDef {
        TypeDef {
            name: name.into(),
            meta: meta("§2.6.6.2", &format!("the {name} type")),
            root,
            kind,
        }
    }

    /// A small spec with one type of every kind, a self-referencing root, an unreferenced type and
    /// a lifecycle.
    fn sample_spec() -> Spec {
        let state = |name: &str, terminal: bool| State {
            name: name.into(),
            terminal,
            meta: meta("§2.6.6.3.2", name),
        };
        let transition = |from: &str, to: &str| Transition {
            from: from.into(),
            to: to.into(),
            origin: TransitionOrigin::Diagram,
            meta: meta("§2.6.6.3.1", "edge"),
        };
        let mut with_default = field(
            "tags",
            TypeRef::List(Box::new(prim(Primitive::String))),
            false,
        );
        with_default.default = Some(json!(["derived"]));
        let mut decided = field("note", prim(Primitive::String), false);
        decided.meta.decision = Some("kept free text because the spec gives no format".into());
        let types = vec![
            def("Unused", false, TypeKind::Id),
            def("JobId", false, TypeKind::Id),
            def(
                "SemVer",
                false,
                TypeKind::String(StringConstraints {
                    pattern: Some("^[0-9]+\\.[0-9]+\\.[0-9]+$".into()),
                    min_length: Some(5),
                    max_length: Some(64),
                    example: Some("1.0.0".into()),
                }),
            ),
            def(
                "AccessMode",
                false,
                TypeKind::Enum(vec![
                    EnumValue {
                        name: "analysis_only".into(),
                        meta: meta("§2.6.6.2.2", "read-only"),
                    },
                    EnumValue {
                        name: "apply_scoped".into(),
                        meta: meta("§2.6.6.2.2", "apply to listed entities"),
                    },
                ]),
            ),
            def(
                "EntityRef",
                true,
                TypeKind::Record(Record {
                    fields: vec![
                        field("artefact_id", prim(Primitive::Uuid), true),
                        field("selector", prim(Primitive::Json), false),
                    ],
                    table: None,
                }),
            ),
            def(
                "PlannedOperation",
                true,
                TypeKind::Union(Union {
                    tag: "op".into(),
                    variants: vec![
                        Variant {
                            name: "insert_block".into(),
                            fields: vec![field("after", prim(Primitive::String), true)],
                            meta: meta("§2.6.6.2.4", "insert a block"),
                        },
                        Variant {
                            name: "cluster_nodes".into(),
                            fields: vec![
                                field(
                                    "node_ids",
                                    TypeRef::List(Box::new(prim(Primitive::Uuid))),
                                    true,
                                ),
                                field("label", prim(Primitive::String), false),
                            ],
                            meta: meta("§2.6.6.2.4", "cluster nodes"),
                        },
                    ],
                }),
            ),
            def(
                "Job",
                true,
                TypeKind::Record(Record {
                    fields: vec![
                        field("job_id", named("JobId"), true),
                        field("version", named("SemVer"), true),
                        field("access_mode", named("AccessMode"), true),
                        field(
                            "entity_refs",
                            TypeRef::List(Box::new(named("EntityRef"))),
                            true,
                        ),
                        field(
                            "operations",
                            TypeRef::List(Box::new(named("PlannedOperation"))),
                            false,
                        ),
                        field("state", named("JobState"), true),
                        field("children", TypeRef::List(Box::new(named("Job"))), false),
                        field("created_at", prim(Primitive::Timestamp), true),
                        field("attempt", prim(Primitive::UnsignedInteger), false),
                        field("delta", prim(Primitive::Integer), false),
                        field("score", prim(Primitive::Number), false),
                        field("flag", prim(Primitive::Boolean), false),
                        field(
                            "limits",
                            TypeRef::Map(Box::new(prim(Primitive::UnsignedInteger))),
                            false,
                        ),
                        with_default,
                        decided,
                    ],
                    table: None,
                }),
            ),
            def(
                "JobState",
                false,
                TypeKind::Enum(vec![
                    EnumValue {
                        name: "queued".into(),
                        meta: meta("§2.6.6.3.2", "waiting"),
                    },
                    EnumValue {
                        name: "running".into(),
                        meta: meta("§2.6.6.3.2", "executing"),
                    },
                    EnumValue {
                        name: "completed".into(),
                        meta: meta("§2.6.6.3.2", "done"),
                    },
                ]),
            ),
        ];
        Spec {
            name: "test_spec".into(),
            version: "0.1.0".into(),
            master_spec: "v02.84".into(),
            outputs: Outputs {
                rust: "r".into(),
                json_schema: "schemas".into(),
                migrations: "m".into(),
                typescript: "t".into(),
                python: "p".into(),
                docs: "d".into(),
            },
            files: vec!["spec/handshake.yaml".into()],
            types,
            lifecycle: Lifecycle {
                name: "JobState".into(),
                meta: meta("§2.6.6.3", "the job lifecycle"),
                states: vec![
                    state("queued", false),
                    state("running", false),
                    state("completed", true),
                ],
                initial: "queued".into(),
                transitions: vec![
                    transition("queued", "running"),
                    transition("running", "completed"),
                ],
                rejected: Vec::new(),
            },
            errors: Vec::new(),
            rules: Vec::new(),
            profiles: Vec::new(),
            out_of_scope: Vec::new(),
            claims: Vec::new(),
            evolution: Default::default(),
        }
    }

    fn document(spec: &Spec, path: &str) -> Value {
        let text = crate::test_model::contents(generate(spec), path);
        serde_json::from_str(&text).expect("generated schema is JSON")
    }

    #[test]
    fn the_structure_schema_is_the_schema_without_its_rules() {
        let spec = crate::rule_plan::test_rules::spec();
        let ir = Ir::new(&spec);
        let mut stripped_some = false;
        for root in schema_roots(&spec) {
            let file = file_name(&root.name);
            let id = ir.id(&root.name).expect("declared");
            let mut full = root_schema(&ir, id, &file);
            let strip = |schema: &mut Value| {
                let object = schema.as_object_mut().expect("an object");
                object.remove("allOf").is_some()
                    | object.remove("x-rules-not-expressible").is_some()
            };
            stripped_some |= strip(&mut full);
            if let Some(defs) = full.get_mut("$defs").and_then(Value::as_object_mut) {
                for definition in defs.values_mut() {
                    stripped_some |= strip(definition);
                }
            }
            let structure = structure_schema_with(&ir, id);
            assert_eq!(
                structure["$id"],
                json!(format!("{ID_BASE}{}/structure/{file}", spec.version))
            );
            full["$id"] = structure["$id"].clone();
            assert_eq!(full, structure, "{}", root.name);
        }
        assert!(stripped_some, "the test spec's schemas carry rules");
    }

    #[test]
    fn one_file_per_root_and_for_the_lifecycle_enum_in_spec_order() {
        let paths: Vec<String> = generate(&sample_spec())
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            paths,
            [
                "schemas/entity_ref.schema.json",
                "schemas/planned_operation.schema.json",
                "schemas/job.schema.json",
                "schemas/job_state.schema.json"
            ]
        );
    }

    #[test]
    fn files_carry_the_marker_first_use_two_space_indent_and_end_with_one_newline() {
        for file in generate(&sample_spec()) {
            assert_eq!(
                crate::output::form_problem(&file.contents),
                None,
                "{}",
                file.path
            );
            assert!(
                file.contents.starts_with("{\n  \"$comment\": \"@generated")
                    && file.contents.ends_with("}\n"),
                "{}",
                file.path
            );
        }
    }

    #[test]
    fn root_keys_come_in_the_fixed_order() {
        let job = document(&sample_spec(), "schemas/job.schema.json");
        assert_eq!(
            object_keys(&job),
            [
                "$comment",
                "$schema",
                "$id",
                "title",
                "description",
                "type",
                "properties",
                "required",
                "additionalProperties",
                "$defs"
            ]
        );
        assert_eq!(job["$schema"], DIALECT);
        assert_eq!(
            job["$id"],
            "https://schemas.handshake.dev/ai-job-model/0.1.0/job.schema.json"
        );
        assert_eq!(job["title"], "Job");
        assert_eq!(job["description"], "the Job type (§2.6.6.2)");
    }

    #[test]
    fn defs_hold_exactly_the_reachable_types_in_spec_order_without_the_root() {
        let job = document(&sample_spec(), "schemas/job.schema.json");
        assert_eq!(
            object_keys(&job["$defs"]),
            [
                "JobId",
                "SemVer",
                "AccessMode",
                "EntityRef",
                "PlannedOperation",
                "JobState"
            ]
        );
        let entity_ref = document(&sample_spec(), "schemas/entity_ref.schema.json");
        assert!(
            entity_ref.get("$defs").is_none(),
            "a root that references nothing has no $defs"
        );
    }

    #[test]
    fn references_point_into_defs_and_back_to_the_root_as_hash() {
        let job = document(&sample_spec(), "schemas/job.schema.json");
        let properties = &job["properties"];
        assert_eq!(properties["job_id"]["$ref"], "#/$defs/JobId");
        assert_eq!(
            properties["entity_refs"]["items"]["$ref"],
            "#/$defs/EntityRef"
        );
        assert_eq!(properties["children"]["items"]["$ref"], "#");
    }

    #[test]
    fn required_is_exactly_the_spec_required_fields_in_spec_order() {
        let job = document(&sample_spec(), "schemas/job.schema.json");
        assert_eq!(
            job["required"],
            json!([
                "job_id",
                "version",
                "access_mode",
                "entity_refs",
                "state",
                "created_at"
            ])
        );
        assert_eq!(job["additionalProperties"], false);
        assert_eq!(
            object_keys(&job["properties"])[..3],
            ["job_id", "version", "access_mode"]
        );
    }

    #[test]
    fn primitives_map_to_their_json_schema_types() {
        let job = document(&sample_spec(), "schemas/job.schema.json");
        let p = &job["properties"];
        let body = |name: &str| {
            let mut schema = p[name].as_object().expect("property").clone();
            assert!(
                schema
                    .remove("description")
                    .is_some_and(|d| d.as_str().is_some_and(|d| d.contains("(§"))),
                "{name} names its clause"
            );
            Value::Object(schema)
        };
        assert_eq!(
            body("created_at"),
            json!({
                "type": "string",
                "format": "date-time",
                "pattern": DATE_TIME_PATTERN,
                "not": {"pattern": DATE_TIME_EDGE_OFFSET_PATTERN}
            })
        );
        assert_eq!(
            body("attempt"),
            json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})
        );
        assert_eq!(
            body("delta"),
            json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})
        );
        assert_eq!(body("score"), json!({"type": "number"}));
        assert_eq!(body("flag"), json!({"type": "boolean"}));
        assert_eq!(
            body("limits"),
            json!({"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": u64::MAX}})
        );
        assert_eq!(
            body("tags"),
            json!({"type": "array", "items": {"type": "string"}, "default": ["derived"]})
        );
        let entity_ref = document(&sample_spec(), "schemas/entity_ref.schema.json");
        assert_eq!(entity_ref["properties"]["artefact_id"]["format"], "uuid");
        assert_eq!(
            object_keys(&entity_ref["properties"]["selector"]),
            ["description"],
            "json is the empty schema"
        );
    }

    #[test]
    fn named_types_map_by_kind() {
        let job = document(&sample_spec(), "schemas/job.schema.json");
        let defs = &job["$defs"];
        assert_eq!(
            defs["JobId"],
            json!({"description": "the JobId type (§2.6.6.2)", "type": "string", "format": "uuid", "pattern": UUID_PATTERN})
        );
        assert_eq!(defs["SemVer"]["pattern"], "^[0-9]+\\.[0-9]+\\.[0-9]+$");
        assert_eq!(defs["SemVer"]["minLength"], 5);
        assert_eq!(defs["SemVer"]["maxLength"], 64);
        assert_eq!(defs["SemVer"]["examples"], json!(["1.0.0"]));
        assert_eq!(
            defs["AccessMode"]["enum"],
            json!(["analysis_only", "apply_scoped"])
        );
        assert_eq!(
            defs["AccessMode"]["description"],
            "the AccessMode type (§2.6.6.2). Values: `analysis_only`: read-only (§2.6.6.2.2); `apply_scoped`: apply to listed entities (§2.6.6.2.2)."
        );
    }

    #[test]
    fn union_variants_are_closed_objects_with_a_const_tag() {
        let op = document(&sample_spec(), "schemas/planned_operation.schema.json");
        let variants = op["oneOf"].as_array().expect("oneOf");
        assert_eq!(variants.len(), 2);
        let cluster = &variants[1];
        assert_eq!(cluster["type"], "object");
        assert_eq!(cluster["properties"]["op"]["const"], "cluster_nodes");
        assert_eq!(
            object_keys(&cluster["properties"]),
            ["op", "node_ids", "label"]
        );
        assert_eq!(cluster["required"], json!(["op", "node_ids"]));
        assert_eq!(cluster["additionalProperties"], false);
        assert!(op.get("discriminator").is_none());
    }

    #[test]
    fn decisions_are_appended_to_descriptions() {
        let job = document(&sample_spec(), "schemas/job.schema.json");
        assert_eq!(
            job["properties"]["note"]["description"],
            "the note (§2.6.6.2.1). Decision: kept free text because the spec gives no format"
        );
    }

    #[test]
    fn the_lifecycle_enum_carries_its_transition_table() {
        let state = document(&sample_spec(), "schemas/job_state.schema.json");
        assert_eq!(state["enum"], json!(["queued", "running", "completed"]));
        assert_eq!(
            state["x-lifecycle"],
            json!({"initial": "queued", "terminal": ["completed"], "transitions": [["queued", "running"], ["running", "completed"]]})
        );
        let job = document(&sample_spec(), "schemas/job.schema.json");
        assert!(
            job["$defs"]["JobState"].get("x-lifecycle").is_none(),
            "only the lifecycle's own file carries it"
        );
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(generate(&sample_spec()), generate(&sample_spec()));
    }
}
