//! TypeScript target: `types.ts`, `lifecycle.ts` and `errors.ts` under `spec.outputs.typescript`.
//!
//! The output is plain TypeScript (no runtime dependency) that type-checks under `tsc --strict`:
//! records are interfaces, enums string-literal unions with a `…_VALUES` tuple, unions
//! discriminated unions, ids and string newtypes branded strings with a guard (`isX`) and a
//! checked constructor (`asX`). Every exported item carries TSDoc naming its clause.

use std::fmt::Write as _;

use handshake_spec::model::{
    Clause, Field, Lifecycle, Meta, Primitive, Spec, StringConstraints, TransitionOrigin, TypeDef,
    TypeKind, TypeRef, Union,
};

use crate::GeneratedFile;
use crate::ir::Ir;
use crate::marker;
use crate::names::{pascal_case, screaming_snake_case};

mod profiles;
mod rules;
mod validate;

/// Source named in the marker of files built from the whole spec.
const WHOLE_SPEC: &str = "spec/handshake.yaml";

/// The hyphenated UUID form every target writes (RFC 4122 text form, either case).
const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Generate `types.ts`, `lifecycle.ts`, `errors.ts` and `rules.ts`, in that order, then
/// `profiles.ts` and `validate.ts` where the spec has what they need.
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    generate_with(&Ir::new(spec))
}

/// [`generate`] from the resolved spec.
pub fn generate_with(ir: &Ir<'_>) -> Vec<GeneratedFile> {
    let spec = ir.spec;
    let dir = spec.outputs.typescript.trim_end_matches('/');
    let mut files = vec![
        GeneratedFile {
            path: format!("{dir}/types.ts"),
            contents: types_file(spec),
        },
        GeneratedFile {
            path: format!("{dir}/lifecycle.ts"),
            contents: lifecycle_file(spec),
        },
        GeneratedFile {
            path: format!("{dir}/errors.ts"),
            contents: errors_file(spec),
        },
        GeneratedFile {
            path: format!("{dir}/rules.ts"),
            contents: rules::rules_file(ir),
        },
    ];
    // `profiles.ts` only for specs with `profiles:` (§2.6.6.6).
    if let Some(contents) = profiles::profiles_file_with(ir) {
        files.push(GeneratedFile {
            path: format!("{dir}/profiles.ts"),
            contents,
        });
    }
    // `validate.ts` only for specs with an `InvalidRecord` error, the code it reports.
    if let Some(contents) = validate::validate_file(ir) {
        files.push(GeneratedFile {
            path: format!("{dir}/validate.ts"),
            contents,
        });
    }
    files
}

fn header(spec: &Spec, what: &str) -> String {
    let mut out = marker::line("//", WHOLE_SPEC);
    out.push_str("/**\n");
    let _ = writeln!(
        out,
        " * {what} of the `{}` spec {} (Master Spec {}).",
        spec.name, spec.version, spec.master_spec
    );
    out.push_str(" *\n * @packageDocumentation\n */\n");
    out
}

fn types_file(spec: &Spec) -> String {
    let mut out = header(spec, "Types");
    // package.json's `version` must equal this; a conformance test (tests/tests/sdk_versions.rs)
    // fails when it drifts.
    out.push_str(
        "\n/** The spec's `version` (spec/handshake.yaml), which is also the package's version. */\n",
    );
    let _ = writeln!(
        out,
        "export const SPEC_VERSION = {};",
        js_string(&spec.version)
    );
    out.push_str("\n/** The Master Spec version the spec implements. */\n");
    let _ = writeln!(
        out,
        "export const MASTER_SPEC_VERSION = {};",
        js_string(&spec.master_spec)
    );
    let needs_uuid = spec.types.iter().any(|t| matches!(t.kind, TypeKind::Id));
    if needs_uuid {
        out.push_str("\n/** Hyphenated RFC 4122 UUID text, the form every target writes. */\n");
        let _ = writeln!(
            out,
            "const UUID_PATTERN = new RegExp({}, \"u\");",
            js_string(UUID_PATTERN)
        );
    }
    for ty in &spec.types {
        out.push('\n');
        match &ty.kind {
            TypeKind::Id => id_type(&mut out, ty),
            TypeKind::String(constraints) => string_type(&mut out, ty, constraints),
            TypeKind::Enum(values) => {
                let mut doc = vec![
                    ty.meta.description.clone(),
                    String::new(),
                    "Values:".to_string(),
                ];
                for value in values {
                    doc.push(format!(
                        "- `{}`: {} ({})",
                        value.name, value.meta.description, value.meta.clause
                    ));
                    if let Some(decision) = &value.meta.decision {
                        doc.push(format!("  Decision: {decision}"));
                    }
                }
                doc.extend(meta_tail(&ty.meta));
                // A type cannot map a value on read; say which old spellings records may hold.
                let aliases: Vec<String> = spec
                    .evolution
                    .removed_values_of(&ty.name)
                    .filter(|r| r.read_alias)
                    .map(|r| format!("`{}` → `{}`", r.value, r.map_to))
                    .collect();
                if !aliases.is_empty() {
                    doc.push(String::new());
                    doc.push(format!(
                        "Records written before the spec removed them may hold {}: the Rust and Python models read them as the value shown; this type does not.",
                        aliases.join(", ")
                    ));
                }
                tsdoc(&mut out, "", &doc);
                let names: Vec<String> = values.iter().map(|v| js_string(&v.name)).collect();
                let union = if names.is_empty() {
                    "never".to_string()
                } else {
                    names.join(" | ")
                };
                let _ = writeln!(out, "export type {} = {union};", ty.name);
                out.push('\n');
                tsdoc(
                    &mut out,
                    "",
                    &[
                        format!("Every value of {{@link {}}}, in spec order.", ty.name),
                        format!("Clause: {}", ty.meta.clause),
                    ],
                );
                let _ = writeln!(
                    out,
                    "export const {}_VALUES = [{}] as const satisfies readonly {}[];",
                    screaming_snake_case(&ty.name),
                    names.join(", "),
                    ty.name
                );
            }
            TypeKind::Record(record) => {
                tsdoc(&mut out, "", &type_doc(&ty.meta));
                let renamed: Vec<(String, String)> = spec.evolution.renamed_fields_of(&ty.name);
                interface(&mut out, &ty.name, None, &record.fields, &renamed);
            }
            TypeKind::Union(union) => union_type(&mut out, ty, union),
        }
        if let Some(renamed) = spec.evolution.type_renamed_from(&ty.name) {
            tsdoc(
                &mut out,
                "",
                &[format!(
                    "@deprecated The name of {{@link {}}} before it was renamed (`renamed_from`).",
                    ty.name
                )],
            );
            let _ = writeln!(out, "export type {} = {};", renamed.from, ty.name);
        }
    }
    out
}

fn id_type(out: &mut String, ty: &TypeDef) {
    let name = &ty.name;
    let mut doc = vec![
        ty.meta.description.clone(),
        String::new(),
        "A UUID in hyphenated text form, branded so it cannot be mixed up with another id or a plain".to_string(),
        format!("string. Make one with {{@link as{name}}}; test a value with {{@link is{name}}}."),
    ];
    doc.extend(meta_tail(&ty.meta));
    tsdoc(out, "", &doc);
    let _ = writeln!(
        out,
        "export type {name} = string & {{ readonly __brand: {} }};",
        js_string(name)
    );
    out.push('\n');
    tsdoc_clause(
        out,
        &format!("Whether `value` is a {{@link {name}}}: a hyphenated UUID string."),
        &ty.meta.clause,
    );
    let _ = writeln!(
        out,
        "export function is{name}(value: unknown): value is {name} {{"
    );
    out.push_str("  return typeof value === \"string\" && UUID_PATTERN.test(value);\n}\n\n");
    constructor(out, ty, "it is not a hyphenated UUID");
}

fn string_type(out: &mut String, ty: &TypeDef, constraints: &StringConstraints) {
    let name = &ty.name;
    let screaming = screaming_snake_case(name);
    let mut doc = vec![ty.meta.description.clone(), String::new()];
    let mut rules = Vec::new();
    if let Some(pattern) = &constraints.pattern {
        rules.push(format!("matches `{pattern}`"));
    }
    if let Some(min) = constraints.min_length {
        rules.push(format!("at least {min} characters"));
    }
    if let Some(max) = constraints.max_length {
        rules.push(format!("at most {max} characters"));
    }
    if rules.is_empty() {
        doc.push("A string, branded so it cannot be mixed up with other strings.".to_string());
    } else {
        doc.push(format!(
            "A string that {}; branded so it cannot be mixed up with other strings.",
            rules.join(", ")
        ));
    }
    doc.push(format!(
        "Make one with {{@link as{name}}}; test a value with {{@link is{name}}}."
    ));
    doc.extend(meta_tail(&ty.meta));
    if let Some(example) = &constraints.example {
        doc.push(String::new());
        doc.push(format!("@example `{example}`"));
    }
    tsdoc(out, "", &doc);
    let _ = writeln!(
        out,
        "export type {name} = string & {{ readonly __brand: {} }};",
        js_string(name)
    );
    if let Some(pattern) = &constraints.pattern {
        out.push('\n');
        tsdoc(
            out,
            "",
            &[format!(
                "The pattern every {{@link {name}}} matches (ECMA-262, `u` flag)."
            )],
        );
        let _ = writeln!(
            out,
            "export const {screaming}_PATTERN = new RegExp({}, \"u\");",
            js_string(pattern)
        );
    }
    out.push('\n');
    tsdoc_clause(
        out,
        &format!(
            "Whether `value` is a {{@link {name}}}: a string meeting its constraints (lengths count code points)."
        ),
        &ty.meta.clause,
    );
    let _ = writeln!(
        out,
        "export function is{name}(value: unknown): value is {name} {{"
    );
    out.push_str("  if (typeof value !== \"string\") {\n    return false;\n  }\n");
    let mut checks = Vec::new();
    if constraints.min_length.is_some() || constraints.max_length.is_some() {
        out.push_str("  const length = [...value].length;\n");
    }
    if let Some(min) = constraints.min_length {
        checks.push(format!("length >= {min}"));
    }
    if let Some(max) = constraints.max_length {
        checks.push(format!("length <= {max}"));
    }
    if constraints.pattern.is_some() {
        checks.push(format!("{screaming}_PATTERN.test(value)"));
    }
    if checks.is_empty() {
        out.push_str("  return true;\n}\n\n");
    } else {
        let _ = writeln!(out, "  return {};\n}}\n", checks.join(" && "));
    }
    constructor(out, ty, "it does not meet the constraints");
}

fn constructor(out: &mut String, ty: &TypeDef, why: &str) {
    let name = &ty.name;
    tsdoc(
        out,
        "",
        &[
            format!("Brands `value` as a {{@link {name}}}."),
            String::new(),
            format!("Clause: {}", ty.meta.clause),
            String::new(),
            format!("@throws RangeError when {why}."),
        ],
    );
    let _ = writeln!(out, "export function as{name}(value: string): {name} {{");
    let _ = writeln!(out, "  if (!is{name}(value)) {{");
    let _ = writeln!(
        out,
        "    throw new RangeError(`not a {name}: ${{JSON.stringify(value)}}`);"
    );
    out.push_str("  }\n  return value;\n}\n");
}

fn union_type(out: &mut String, ty: &TypeDef, union: &Union) {
    let mut variant_names = Vec::new();
    for variant in &union.variants {
        let interface_name = format!("{}{}", ty.name, pascal_case(&variant.name));
        let mut doc = vec![format!(
            "Variant `{}` of {{@link {}}}: {}",
            variant.name, ty.name, variant.meta.description
        )];
        doc.extend(meta_tail(&variant.meta));
        tsdoc(out, "", &doc);
        interface(
            out,
            &interface_name,
            Some((&union.tag, &variant.name)),
            &variant.fields,
            &[],
        );
        out.push('\n');
        variant_names.push(interface_name);
    }
    let mut doc = type_doc(&ty.meta);
    doc.insert(1, String::new());
    doc.insert(2, format!("Discriminated by `{}`.", union.tag));
    tsdoc(out, "", &doc);
    if variant_names.is_empty() {
        let _ = writeln!(out, "export type {} = never;", ty.name);
    } else {
        let _ = writeln!(out, "export type {} =", ty.name);
        let last = variant_names.len() - 1;
        for (index, name) in variant_names.iter().enumerate() {
            let _ = writeln!(out, "  | {name}{}", if index == last { ";" } else { "" });
        }
    }
    out.push('\n');
    tsdoc(
        out,
        "",
        &[
            format!(
                "Every `{}` value of {{@link {}}}, in spec order.",
                union.tag, ty.name
            ),
            format!("Clause: {}", ty.meta.clause),
        ],
    );
    let tags: Vec<String> = union.variants.iter().map(|v| js_string(&v.name)).collect();
    let _ = writeln!(
        out,
        "export const {}_{}_VALUES = [{}] as const satisfies readonly {}[{}][];",
        screaming_snake_case(&ty.name),
        union.tag.to_ascii_uppercase(),
        tags.join(", "),
        ty.name,
        js_string(&union.tag)
    );
}

/// `renamed` lists (field, its name before) for the fields declared `renamed_from`: an interface
/// describes what is written and cannot read the old name, so its doc says so.
fn interface(
    out: &mut String,
    name: &str,
    tag: Option<(&str, &str)>,
    fields: &[Field],
    renamed: &[(String, String)],
) {
    if fields.is_empty() && tag.is_none() {
        let _ = writeln!(out, "export interface {name} {{}}");
        return;
    }
    let _ = writeln!(out, "export interface {name} {{");
    if let Some((tag, value)) = tag {
        tsdoc(out, "  ", &[format!("Discriminator: always `{value}`.")]);
        let _ = writeln!(out, "  {}: {};", property_name(tag), js_string(value));
    }
    for field in fields {
        let mut doc = vec![field.meta.description.clone()];
        if let Some(note) = type_note(&field.ty) {
            doc.push(String::new());
            doc.push(note);
        }
        doc.extend(meta_tail(&field.meta));
        if let Some(default) = &field.default {
            doc.push(String::new());
            doc.push(format!(
                "@defaultValue `{default}` (applied by readers when the field is absent)"
            ));
        }
        if let Some((_, from)) = renamed.iter().find(|(f, _)| *f == field.name) {
            doc.push(String::new());
            doc.push(format!(
                "Called `{from}` before (`renamed_from`): the Rust and Python models read records that use the old name; this type describes only the new one."
            ));
        }
        tsdoc(out, "  ", &doc);
        let optional = if field.required { "" } else { "?" };
        let _ = writeln!(
            out,
            "  {}{optional}: {};",
            property_name(&field.name),
            ts_type(&field.ty)
        );
    }
    out.push_str("}\n");
}

/// A sentence explaining how a primitive is carried, where `string`/`number` alone would mislead.
fn type_note(ty: &TypeRef) -> Option<String> {
    match ty {
        TypeRef::Primitive(Primitive::Timestamp) => {
            Some("An RFC 3339 timestamp in UTC with `Z`, e.g. `2026-01-01T00:00:00Z`.".to_string())
        }
        TypeRef::Primitive(Primitive::Uuid) => Some("A UUID in hyphenated text form.".to_string()),
        TypeRef::Primitive(Primitive::Integer) => Some(
            "A signed 64-bit integer; values beyond ±2^53 lose precision in JavaScript."
                .to_string(),
        ),
        TypeRef::Primitive(Primitive::UnsignedInteger) => Some(
            "An unsigned 64-bit integer; values beyond 2^53 lose precision in JavaScript."
                .to_string(),
        ),
        TypeRef::Primitive(Primitive::Json) => {
            Some("Any JSON value; the spec leaves it open.".to_string())
        }
        TypeRef::List(inner) | TypeRef::Map(inner) => {
            type_note(inner).map(|note| format!("Elements: {note}"))
        }
        _ => None,
    }
}

fn ts_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Primitive(primitive) => match primitive {
            Primitive::String | Primitive::Uuid | Primitive::Timestamp => "string",
            Primitive::Integer | Primitive::UnsignedInteger | Primitive::Number => "number",
            Primitive::Boolean => "boolean",
            Primitive::Json => "unknown",
        }
        .to_string(),
        TypeRef::Named(name) => name.clone(),
        TypeRef::List(inner) => format!("{}[]", ts_type(inner)),
        TypeRef::Map(inner) => format!("Record<string, {}>", ts_type(inner)),
    }
}

fn lifecycle_file(spec: &Spec) -> String {
    let lifecycle = &spec.lifecycle;
    let state = &lifecycle.name;
    let screaming = screaming_snake_case(state);
    let mut out = header(spec, "The job lifecycle state machine");
    let _ = writeln!(out, "\nimport type {{ {state} }} from \"./types.js\";\n");

    let mut doc = vec![format!(
        "The allowed transitions of {{@link {state}}} as a type: one `{{ from, to }}` pair per edge."
    )];
    doc.extend(meta_tail(&lifecycle.meta));
    tsdoc(&mut out, "", &doc);
    if lifecycle.transitions.is_empty() {
        let _ = writeln!(out, "export type {state}Edge = never;");
    } else {
        let _ = writeln!(out, "export type {state}Edge =");
        let last = lifecycle.transitions.len() - 1;
        for (index, transition) in lifecycle.transitions.iter().enumerate() {
            let _ = writeln!(
                out,
                "  | {{ readonly from: {}; readonly to: {} }}{}",
                js_string(&transition.from),
                js_string(&transition.to),
                if index == last { ";" } else { "" }
            );
        }
    }
    out.push('\n');
    tsdoc_clause(
        &mut out,
        &format!(
            "The states {{@link {state}}} `F` may move to next (`never` for terminal states)."
        ),
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export type {state}Successor<F extends {state}> = Extract<{state}Edge, {{ readonly from: F }}>[\"to\"];\n"
    );

    tsdoc_clause(
        &mut out,
        &format!(
            "The transition table of {{@link {state}}}, in spec order; each row names its clause."
        ),
        &lifecycle.meta.clause,
    );
    let _ = writeln!(out, "export const {screaming}_TRANSITIONS = [");
    for transition in &lifecycle.transitions {
        let mut doc = vec![transition.meta.description.clone()];
        doc.extend(meta_tail(&transition.meta));
        tsdoc(&mut out, "  ", &doc);
        let origin = match transition.origin {
            TransitionOrigin::Diagram => "diagram",
            TransitionOrigin::Text => "text",
        };
        let _ = writeln!(
            out,
            "  {{ from: {}, to: {}, origin: {}, clause: {} }},",
            js_string(&transition.from),
            js_string(&transition.to),
            js_string(origin),
            js_string(transition.meta.clause.primary())
        );
    }
    let _ = writeln!(
        out,
        "] as const satisfies readonly ({state}Edge & {{ readonly origin: \"diagram\" | \"text\"; readonly clause: string }})[];\n"
    );

    let initial = lifecycle
        .states
        .iter()
        .find(|s| s.name == lifecycle.initial);
    let mut doc = vec![format!(
        "The state every job starts in: `{}`.",
        lifecycle.initial
    )];
    if let Some(initial) = initial {
        doc.push(String::new());
        doc.push(initial.meta.description.clone());
        doc.push(format!("Clause: {}", initial.meta.clause));
    }
    tsdoc(&mut out, "", &doc);
    let _ = writeln!(
        out,
        "export const INITIAL = {} satisfies {state};\n",
        js_string(&lifecycle.initial)
    );

    let terminal: Vec<String> = lifecycle
        .terminal_states()
        .map(|s| js_string(&s.name))
        .collect();
    tsdoc_clause(
        &mut out,
        "The terminal states, in spec order: no transition ever leaves them.",
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export const TERMINAL = [{}] as const satisfies readonly {state}[];\n",
        terminal.join(", ")
    );

    rejected_table(&mut out, lifecycle);

    tsdoc_clause(
        &mut out,
        &format!(
            "Whether a job in state `from` may move to state `to` (the table of {{@link {screaming}_TRANSITIONS}})."
        ),
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export function canTransition(from: {state}, to: {state}): boolean {{"
    );
    let _ = writeln!(
        out,
        "  return {screaming}_TRANSITIONS.some((transition) => transition.from === from && transition.to === to);\n}}\n"
    );
    tsdoc_clause(
        &mut out,
        "Whether `state` is terminal: no transition ever leaves it.",
        &lifecycle.meta.clause,
    );
    let _ = writeln!(
        out,
        "export function isTerminal(state: {state}): boolean {{"
    );
    out.push_str("  return (TERMINAL as readonly string[]).includes(state);\n}\n");
    out
}

fn rejected_table(out: &mut String, lifecycle: &Lifecycle) {
    let state = &lifecycle.name;
    tsdoc_clause(
        out,
        "Edges the spec's diagram draws that the table refuses, each with the reason.",
        &lifecycle.meta.clause,
    );
    let _ = writeln!(out, "export const REJECTED_TRANSITIONS = [");
    for rejected in &lifecycle.rejected {
        let _ = writeln!(
            out,
            "  {{ from: {}, to: {}, clause: {}, reason: {} }},",
            js_string(&rejected.from),
            js_string(&rejected.to),
            js_string(rejected.meta.clause.primary()),
            js_string(rejected.reason())
        );
    }
    let _ = writeln!(
        out,
        "] as const satisfies readonly {{ readonly from: {state}; readonly to: {state}; readonly clause: string; readonly reason: string }}[];\n"
    );
}

fn errors_file(spec: &Spec) -> String {
    let mut out = header(spec, "Typed errors with stable codes");
    out.push('\n');
    tsdoc(
        &mut out,
        "",
        &[
            "The stable code of every error, by name, in spec order. Codes are never reused."
                .to_string(),
        ],
    );
    out.push_str("export const ERROR_CODES = {\n");
    for error in &spec.errors {
        let mut doc = vec![error.meta.description.clone()];
        if !error.fields.is_empty() {
            doc.push(String::new());
            doc.push("Fields:".to_string());
            for field in &error.fields {
                doc.push(format!(
                    "- `{}` ({}{}): {}",
                    field.name,
                    field.ty,
                    if field.required { "" } else { ", optional" },
                    field.meta.description
                ));
            }
        }
        doc.extend(meta_tail(&error.meta));
        tsdoc(&mut out, "  ", &doc);
        let _ = writeln!(out, "  {}: {},", error.name, js_string(&error.code));
    }
    out.push_str("} as const;\n\n");
    tsdoc(
        &mut out,
        "",
        &[
            "The message template of every error; `{field}` interpolates a field of the error."
                .to_string(),
        ],
    );
    out.push_str("export const ERROR_MESSAGES = {\n");
    for error in &spec.errors {
        let _ = writeln!(out, "  {}: {},", error.name, js_string(&error.message));
    }
    out.push_str("} as const satisfies Record<keyof typeof ERROR_CODES, string>;\n");
    out
}

fn type_doc(meta: &Meta) -> Vec<String> {
    let mut doc = vec![meta.description.clone()];
    doc.extend(meta_tail(meta));
    doc
}

/// The closing lines every TSDoc block carries: a blank line, the clause, and any decision.
fn meta_tail(meta: &Meta) -> Vec<String> {
    let mut lines = vec![String::new(), format!("Clause: {}", meta.clause)];
    if let Some(decision) = &meta.decision {
        lines.push(format!("Decision: {decision}"));
    }
    lines
}

/// Write a TSDoc block; `*/` inside text is defused so a description can never end the comment.
/// A top-level TSDoc comment of one sentence and the clause it cites.
fn tsdoc_clause(out: &mut String, sentence: &str, clause: &Clause) {
    tsdoc(
        out,
        "",
        &[sentence.to_string(), format!("Clause: {clause}")],
    );
}

fn tsdoc(out: &mut String, indent: &str, lines: &[impl AsRef<str>]) {
    let _ = writeln!(out, "{indent}/**");
    for line in lines {
        let line = line.as_ref().replace("*/", "*\\/");
        for piece in line.split('\n') {
            if piece.trim().is_empty() {
                let _ = writeln!(out, "{indent} *");
            } else {
                let _ = writeln!(out, "{indent} * {}", piece.trim_end());
            }
        }
    }
    let _ = writeln!(out, "{indent} */");
}

/// A JavaScript string literal. JSON string syntax is valid ECMAScript (ES2019+), escapes included.
fn js_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// Spec names are snake_case identifiers, valid as TypeScript property names unquoted (keywords
/// included); anything else is quoted.
fn property_name(name: &str) -> String {
    if !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        js_string(name)
    }
}

/// A small hand-built spec exercising every construct, shared by the unit tests of the
/// TypeScript, Python and docs targets.
#[cfg(test)]
pub(crate) mod test_spec {
    use handshake_spec::model::*;

    use crate::test_model::named;

    fn meta(clause: &str, description: &str) -> Meta {
        crate::test_model::meta_in("spec/core.yaml", clause, description)
    }

    fn decided(clause: &str, description: &str, decision: &str) -> Meta {
        Meta {
            decision: Some(decision.to_string()),
            ..meta(clause, description)
        }
    }

    fn in_file(mut meta: Meta, file: &str) -> Meta {
        meta.location.file = file.to_string();
        meta
    }

    fn field(name: &str, ty: TypeRef, required: bool) -> Field {
        let meta = meta("§2.6.6.2.1", &format!("the {name} field"));
        crate::test_model::field_with(meta, name, ty, required)
    }

    fn primitive(primitive: Primitive) -> TypeRef {
        TypeRef::Primitive(primitive)
    }

    fn value(name: &str) -> EnumValue {
        EnumValue {
            name: name.to_string(),
            meta: meta("§2.6.6.2.2", &format!("the {name} value")),
        }
    }

    fn state(name: &str, terminal: bool) -> State {
        State {
            name: name.to_string(),
            terminal,
            meta: in_file(
                meta("§2.6.6.3.2", &format!("the {name} state")),
                "spec/lifecycle.yaml",
            ),
        }
    }

    fn transition(from: &str, to: &str, origin: TransitionOrigin) -> Transition {
        Transition {
            from: from.to_string(),
            to: to.to_string(),
            origin,
            meta: in_file(
                meta("§2.6.6.3.1", &format!("{from} to {to}")),
                "spec/lifecycle.yaml",
            ),
        }
    }

    /// The spec: ids, a constrained string, enums, a record using every type expression, a union
    /// and a lifecycle with a text-only edge and a rejected edge.
    pub(crate) fn spec() -> Spec {
        let mut with_default = field("modes", TypeRef::List(Box::new(named("AccessMode"))), false);
        with_default.default = Some(serde_json::json!(["analysis_only"]));
        let mut keyword = field("previous_state", named("JobState"), false);
        keyword.meta.decision = Some("a decision | with a pipe".to_string());
        let mut title = field("title", primitive(Primitive::String), false);
        title.meta.description = "a title | or a heading".to_string();
        let record_fields = vec![
            field("job_id", named("JobId"), true),
            field("version", named("SemVer"), true),
            field("state", named("JobState"), true),
            title,
            field("attempt", primitive(Primitive::UnsignedInteger), true),
            field("offset", primitive(Primitive::Integer), false),
            field("score", primitive(Primitive::Number), false),
            field("urgent", primitive(Primitive::Boolean), false),
            field("artefact_id", primitive(Primitive::Uuid), false),
            field("created_at", primitive(Primitive::Timestamp), true),
            field("payload", primitive(Primitive::Json), false),
            field(
                "tags",
                TypeRef::List(Box::new(primitive(Primitive::String))),
                false,
            ),
            field(
                "labels",
                TypeRef::Map(Box::new(primitive(Primitive::String))),
                false,
            ),
            field(
                "operations",
                TypeRef::List(Box::new(named("PlannedOperation"))),
                false,
            ),
            field("children", TypeRef::List(Box::new(named("Job"))), false),
            with_default,
            keyword,
        ];
        let lifecycle_meta = in_file(meta("§2.6.6.3", "the job lifecycle"), "spec/lifecycle.yaml");
        Spec {
            name: "test_spec".to_string(),
            version: "0.1.0".to_string(),
            master_spec: "v02.84".to_string(),
            outputs: Outputs {
                rust: "out/rust".to_string(),
                json_schema: "out/schemas".to_string(),
                migrations: "out/migrations".to_string(),
                typescript: "out/ts".to_string(),
                python: "out/py".to_string(),
                docs: "out/docs".to_string(),
            },
            files: vec![
                "spec/handshake.yaml".into(),
                "spec/core.yaml".into(),
                "spec/lifecycle.yaml".into(),
            ],
            types: vec![
                TypeDef {
                    name: "JobId".into(),
                    meta: meta("§2.6.6.2.1", "stable id of a job"),
                    root: false,
                    kind: TypeKind::Id,
                },
                TypeDef {
                    name: "SemVer".into(),
                    meta: meta("§2.6.6.2.1", "a semantic version */ \"quoted\""),
                    root: false,
                    kind: TypeKind::String(StringConstraints {
                        pattern: Some(
                            r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$".into(),
                        ),
                        min_length: Some(5),
                        max_length: Some(32),
                        example: Some("1.0.0".into()),
                    }),
                },
                TypeDef {
                    name: "AccessMode".into(),
                    meta: decided(
                        "§2.6.6.2.2",
                        "consent level",
                        "closed set; profiles cannot add modes",
                    ),
                    root: false,
                    kind: TypeKind::Enum(vec![
                        value("analysis_only"),
                        value("preview_only"),
                        value("apply_scoped"),
                    ]),
                },
                TypeDef {
                    name: "Job".into(),
                    meta: meta("§2.6.6.2", "one job"),
                    root: true,
                    kind: TypeKind::Record(Record {
                        fields: record_fields,
                        table: None,
                    }),
                },
                TypeDef {
                    name: "PlannedOperation".into(),
                    meta: meta("§2.6.6.2.4", "one planned edit"),
                    root: false,
                    kind: TypeKind::Union(Union {
                        tag: "op".into(),
                        variants: vec![
                            Variant {
                                name: "insert_block".into(),
                                fields: vec![field("text", primitive(Primitive::String), true)],
                                meta: meta("§2.6.6.2.4", "insert a block"),
                            },
                            Variant {
                                name: "delete_block".into(),
                                fields: vec![],
                                meta: meta("§2.6.6.2.4", "delete a block"),
                            },
                        ],
                    }),
                },
                TypeDef {
                    name: "JobState".into(),
                    meta: lifecycle_meta.clone(),
                    root: false,
                    kind: TypeKind::Enum(
                        ["queued", "running", "completed", "failed"]
                            .iter()
                            .map(|name| EnumValue {
                                name: name.to_string(),
                                meta: in_file(
                                    meta("§2.6.6.3.2", &format!("the {name} state")),
                                    "spec/lifecycle.yaml",
                                ),
                            })
                            .collect(),
                    ),
                },
            ],
            lifecycle: Lifecycle {
                name: "JobState".into(),
                meta: lifecycle_meta,
                states: vec![
                    state("queued", false),
                    state("running", false),
                    state("completed", true),
                    state("failed", true),
                ],
                initial: "queued".into(),
                transitions: vec![
                    transition("queued", "running", TransitionOrigin::Diagram),
                    transition("running", "completed", TransitionOrigin::Diagram),
                    transition("running", "failed", TransitionOrigin::Diagram),
                    transition("queued", "failed", TransitionOrigin::Text),
                ],
                rejected: vec![RejectedTransition {
                    from: "failed".into(),
                    to: "running".into(),
                    meta: in_file(
                        decided(
                            "§2.6.6.3.1",
                            "retry edge",
                            "a retry is a new workflow run, the job stays failed",
                        ),
                        "spec/lifecycle.yaml",
                    ),
                }],
            },
            errors: vec![ErrorDef {
                name: "IllegalTransition".into(),
                code: "HSK-JOB-001".into(),
                message: "illegal transition from {from} to {to}".into(),
                fields: vec![
                    field("from", named("JobState"), true),
                    field("to", named("JobState"), true),
                ],
                meta: in_file(
                    meta("§2.6.6.3.1", "a transition outside the table"),
                    "spec/errors.yaml",
                ),
            }],
            rules: Vec::new(),
            profiles: Vec::new(),
            out_of_scope: Vec::new(),
            claims: Vec::new(),
            evolution: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> String {
        crate::test_model::contents(generate(&test_spec::spec()), &format!("out/ts/{name}"))
    }

    #[test]
    fn every_type_is_exported_with_its_clause() {
        let spec = test_spec::spec();
        let types = file("types.ts");
        for ty in &spec.types {
            let exported = types.contains(&format!("export type {} ", ty.name))
                || types.contains(&format!("export interface {} ", ty.name));
            assert!(exported, "{} is not exported", ty.name);
            assert!(
                types.contains(&format!("Clause: {}", ty.meta.clause)),
                "{} lacks its clause",
                ty.name
            );
        }
    }

    #[test]
    fn a_description_can_never_end_the_comment_it_sits_in() {
        let types = file("types.ts");
        assert!(types.contains("a semantic version *\\/ \"quoted\""));
        assert!(!types.contains("version */"));
    }

    #[test]
    fn the_lifecycle_type_and_table_list_exactly_the_allowed_edges() {
        let spec = test_spec::spec();
        let lifecycle = file("lifecycle.ts");
        for transition in &spec.lifecycle.transitions {
            let pair = format!("from: \"{}\", to: \"{}\"", transition.from, transition.to);
            assert_eq!(lifecycle.matches(&pair).count(), 1, "{pair} in the table");
            let edge = format!(
                "{{ readonly from: \"{}\"; readonly to: \"{}\" }}",
                transition.from, transition.to
            );
            assert!(lifecycle.contains(&edge), "{edge} in the edge type");
        }
        assert!(
            !lifecycle.contains("readonly from: \"failed\"; readonly to: \"running\""),
            "a rejected edge is no edge"
        );
        assert!(lifecycle.contains("export const INITIAL = \"queued\" satisfies JobState;"));
        assert!(lifecycle.contains("export const TERMINAL = [\"completed\", \"failed\"] as const"));
    }

    #[test]
    fn optional_fields_are_optional_properties() {
        let types = file("types.ts");
        assert!(types.contains("  job_id: JobId;"));
        assert!(types.contains("  title?: string;"));
        assert!(types.contains("  labels?: Record<string, string>;"));
        assert!(types.contains("  payload?: unknown;"));
    }
}
