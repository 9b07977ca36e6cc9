//! `types.ts`: records, enums, unions, ids and string newtypes, each with TSDoc naming its clause.

use std::fmt::Write as _;

use handshake_spec::model::{
    Field, Primitive, StringConstraints, TypeDef, TypeKind, TypeRef, Union,
};

use crate::ir::Ir;
use crate::names::{pascal_case, screaming_snake_case};

use super::{
    UUID_PATTERN, header, js_string, meta_tail, property_name, tsdoc, tsdoc_clause, type_lines,
};
use crate::doc_text::{Markup, enum_lines, string_phrase};

pub(super) fn types_file(ir: &Ir<'_>) -> String {
    let spec = ir.spec;
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
    for id in ir.ids() {
        let ty = ir.def(id);
        let evolved = ir.evolution(id);
        out.push('\n');
        match &ty.kind {
            TypeKind::Id => id_type(&mut out, ty),
            TypeKind::String(constraints) => string_type(&mut out, ty, constraints),
            TypeKind::Enum(values) => {
                let mut doc = enum_lines(ty, values, Markup::TsDoc);
                // A type cannot map a value on read; say which old spellings records may hold.
                let aliases: Vec<String> = evolved
                    .removed_values
                    .iter()
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
                tsdoc(&mut out, "", &type_lines(&ty.meta));
                let renamed: Vec<Option<&str>> = (0..record.fields.len())
                    .map(|index| evolved.field(index).renamed_from)
                    .collect();
                interface(&mut out, &ty.name, None, &record.fields, &renamed);
            }
            TypeKind::Union(union) => union_type(&mut out, ty, union),
        }
        if let Some(from) = evolved.renamed_from {
            tsdoc(
                &mut out,
                "",
                &[format!(
                    "@deprecated The name of {{@link {}}} before it was renamed (`renamed_from`).",
                    ty.name
                )],
            );
            let _ = writeln!(out, "export type {from} = {};", ty.name);
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
    doc.push(format!(
        "{}; branded so it cannot be mixed up with other strings.",
        string_phrase(constraints)
    ));
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
    let mut doc = type_lines(&ty.meta);
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

/// `renamed` holds each field's name before (`renamed_from`), in field order (empty when no field
/// has one): an interface describes what is written and cannot read the old name, so its doc
/// says so.
fn interface(
    out: &mut String,
    name: &str,
    tag: Option<(&str, &str)>,
    fields: &[Field],
    renamed: &[Option<&str>],
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
    for (index, field) in fields.iter().enumerate() {
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
        if let Some(from) = renamed.get(index).copied().flatten() {
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
