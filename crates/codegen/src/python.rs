//! Python target: Pydantic v2 models in `types.py`, `lifecycle.py`, `errors.py` and the package
//! `__init__.py` under `spec.outputs.python`.
//!
//! Validation mirrors the Rust wire format, not Pydantic's lax defaults: scalars are strict (no
//! `"1"` → `1`, no `1` → `True`), integers carry their 64-bit bounds, unknown keys are refused
//! (`extra="forbid"`), timestamps must be UTC. Ids are `Annotated[UUID, …]` aliases rather than
//! `RootModel`s: they stay plain `UUID` values in Python code and serialize as plain strings, which
//! is the wire format; the alias name carries the meaning for readers and type checkers.

use std::fmt::Write as _;

use handshake_spec::model::{
    Field, Meta, Primitive, Spec, StringConstraints, TypeDef, TypeKind, TypeRef, Union,
};

use crate::GeneratedFile;
use crate::doc_text::{self, Markup, enum_lines, meta_tail, type_lines};
use crate::ir::Ir;
use crate::marker;
use crate::names::{pascal_case, screaming_snake_case};

mod profiles;
mod rules;

/// Source named in the marker of files built from the whole spec.
const WHOLE_SPEC: &str = "spec/handshake.yaml";

/// The imports every `types.py` starts with. The strict scalar types and the model base class are
/// hand-written in `sdk/python/handshake_job_model/_runtime/scalars.py` (checked by mypy in strict
/// mode) and imported under private names, so a spec type may be called `Timestamp` or `Record`.
const TYPES_PRELUDE: &str = r#"from __future__ import annotations

from typing import Annotated, Literal, Self, Union
from uuid import UUID

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictFloat,
    StrictStr,
    StringConstraints,
)
"#;

/// Where `types.py` imports the hand-written scalars from (the output folder is a subpackage of
/// `handshake_job_model`, beside `_runtime`).
const TYPES_RUNTIME_IMPORTS: &str = "
from .._runtime.scalars import I64 as _I64
from .._runtime.scalars import OptionalField as _Optional
from .._runtime.scalars import Record as _Record
from .._runtime.scalars import Timestamp as _Timestamp
from .._runtime.scalars import U64 as _U64
from .._runtime.scalars import Uuid as _Uuid
";

/// Generate `types.py`, `lifecycle.py`, `errors.py`, `rules.py` and `__init__.py`, in that order.
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    generate_with(&Ir::new(spec))
}

/// [`generate`] from the resolved spec.
pub fn generate_with(ir: &Ir<'_>) -> Vec<GeneratedFile> {
    let spec = ir.spec;
    crate::files_in(
        &spec.outputs.python,
        [
            ("types.py", Some(types_file(ir))),
            ("lifecycle.py", Some(lifecycle_file(spec))),
            ("errors.py", Some(errors_file(spec))),
            ("rules.py", Some(rules::rules_file(ir))),
            ("__init__.py", Some(init_file(spec))),
            // Only for specs with `profiles:` (§2.6.6.6).
            ("profiles.py", profiles::profiles_file_with(ir)),
        ],
    )
}

fn header(spec: &Spec, what: &str) -> String {
    let mut out = marker::line("#", WHOLE_SPEC);
    let _ = writeln!(
        out,
        "\"\"\"{what} of the ``{}`` spec {} (Master Spec {}).\"\"\"\n",
        spec.name, spec.version, spec.master_spec
    );
    out
}

/// Names `types.py` exports, in spec order (variant models right before their union).
fn type_exports(spec: &Spec) -> Vec<String> {
    let mut names = Vec::new();
    for ty in &spec.types {
        match &ty.kind {
            TypeKind::Enum(_) => {
                names.push(ty.name.clone());
                names.push(format!("{}_VALUES", screaming_snake_case(&ty.name)));
            }
            TypeKind::String(constraints) => {
                names.push(ty.name.clone());
                if constraints.pattern.is_some() {
                    names.push(format!("{}_PATTERN", screaming_snake_case(&ty.name)));
                }
            }
            TypeKind::Union(union) => {
                for variant in &union.variants {
                    names.push(variant_class(ty, &variant.name));
                }
                names.push(ty.name.clone());
                names.push(format!(
                    "{}_{}_VALUES",
                    screaming_snake_case(&ty.name),
                    union.tag.to_ascii_uppercase()
                ));
            }
            TypeKind::Id | TypeKind::Record(_) => names.push(ty.name.clone()),
        }
    }
    names
}

fn variant_class(ty: &TypeDef, variant: &str) -> String {
    format!("{}{}", ty.name, pascal_case(variant))
}

fn types_file(ir: &Ir<'_>) -> String {
    let spec = ir.spec;
    let mut out = header(spec, "Pydantic v2 models");
    // `renamed_from:` reads the old field name too (`validation_alias`), which needs AliasChoices.
    if spec.evolution.renamed_fields.is_empty() {
        out.push_str(TYPES_PRELUDE);
    } else {
        out.push_str(&TYPES_PRELUDE.replacen(
            "    ConfigDict,\n",
            "    AliasChoices,\n    ConfigDict,\n",
            1,
        ));
    }
    if !spec.rules.is_empty() {
        out.push_str(rules::TYPES_PYDANTIC_IMPORTS);
    }
    out.push_str(TYPES_RUNTIME_IMPORTS);
    if !spec.rules.is_empty() {
        out.push_str(rules::TYPES_RULES_IMPORTS);
    }
    let mut models = Vec::new();
    // Spec order, except that a type moves before the first type whose fields name it: an
    // annotation naming a type not yet defined falls back to a builtin of the same name (the
    // spec's `Warning` would become Python's `Warning` class). Cycles (through lists or maps)
    // stay forward references, which `model_rebuild()` resolves at the end of the module.
    for &id in ir.definition_order() {
        let ty = ir.def(id);
        out.push_str("\n\n");
        match &ty.kind {
            TypeKind::Id => {
                let _ = writeln!(
                    out,
                    "{} = Annotated[_Uuid, Field(title={})]",
                    ty.name,
                    py_string(&ty.name)
                );
                docstring(
                    &mut out,
                    "",
                    &with_meta(&ty.meta, &["A UUID; serialized in hyphenated text form."]),
                );
            }
            TypeKind::String(constraints) => string_alias(&mut out, ty, constraints),
            TypeKind::Enum(values) => {
                let literals: Vec<String> = values.iter().map(|v| py_string(&v.name)).collect();
                // Removed values declared `read_alias` (and a value's `renamed_from`) are read as
                // the value they map to, before the `Literal` checks it; they are never written.
                let aliases: Vec<String> = ir
                    .evolution(id)
                    .removed_values
                    .iter()
                    .filter(|r| r.read_alias)
                    .map(|r| format!("{}: {}", py_string(&r.value), py_string(&r.map_to)))
                    .collect();
                if aliases.is_empty() {
                    let _ = writeln!(out, "{} = Literal[{}]", ty.name, literals.join(", "));
                } else {
                    let _ = writeln!(
                        out,
                        "{} = Annotated[\n    Literal[{}],\n    BeforeValidator(lambda value: {{{}}}.get(value, value) if isinstance(value, str) else value),\n]",
                        ty.name,
                        literals.join(", "),
                        aliases.join(", ")
                    );
                }
                let lines = enum_lines(ty, values, Markup::Rst);
                docstring(&mut out, "", &lines);
                let _ = writeln!(
                    out,
                    "{}_VALUES: tuple[{}, ...] = ({}{})",
                    screaming_snake_case(&ty.name),
                    ty.name,
                    literals.join(", "),
                    if literals.len() == 1 { "," } else { "" }
                );
                let _ = writeln!(
                    out,
                    "\"\"\"Every value of ``{}``, in spec order.\"\"\"",
                    ty.name
                );
            }
            TypeKind::Record(record) => {
                let evolved = ir.evolution(id);
                let renamed: Vec<Option<&str>> = (0..record.fields.len())
                    .map(|index| evolved.field(index).renamed_from)
                    .collect();
                model(
                    &mut out,
                    &ty.name,
                    &type_lines(&ty.meta),
                    None,
                    &record.fields,
                    &renamed,
                );
                rules::model_validator(&mut out, ir, id);
                models.push(ty.name.clone());
            }
            TypeKind::Union(union) => {
                union_alias(&mut out, ty, union);
                models.extend(union.variants.iter().map(|v| variant_class(ty, &v.name)));
            }
        }
    }
    // `renamed_from:` on a type: the old name stays, as an alias, for code written against it.
    for renamed in &spec.evolution.renamed_types {
        let _ = write!(
            out,
            "\n\n{} = {}\n\"\"\"Deprecated: the name of ``{}`` before it was renamed (``renamed_from``).\"\"\"\n",
            renamed.from, renamed.type_name, renamed.type_name
        );
    }
    if !models.is_empty() {
        out.push_str("\n\n# Resolve forward references between models declared in any order.\n");
        for name in &models {
            let _ = writeln!(out, "{name}.model_rebuild()");
        }
    }
    out
}

fn string_alias(out: &mut String, ty: &TypeDef, constraints: &StringConstraints) {
    let screaming = screaming_snake_case(&ty.name);
    let mut arguments = vec!["strict=True".to_string()];
    if let Some(pattern) = &constraints.pattern {
        let _ = writeln!(out, "{screaming}_PATTERN = {}", py_string(pattern));
        let _ = writeln!(
            out,
            "\"\"\"The pattern every ``{}`` matches.\"\"\"\n",
            ty.name
        );
        arguments.push(format!("pattern={screaming}_PATTERN"));
    }
    if let Some(min) = constraints.min_length {
        arguments.push(format!("min_length={min}"));
    }
    if let Some(max) = constraints.max_length {
        arguments.push(format!("max_length={max}"));
    }
    let _ = writeln!(
        out,
        "{} = Annotated[str, StringConstraints({})]",
        ty.name,
        arguments.join(", ")
    );
    let mut lines = vec![ty.meta.description.clone()];
    if let Some(example) = &constraints.example {
        lines.push(String::new());
        lines.push(format!("Example: ``{example}``"));
    }
    lines.extend(meta_tail(&ty.meta));
    docstring(out, "", &lines);
}

fn union_alias(out: &mut String, ty: &TypeDef, union: &Union) {
    let mut classes = Vec::new();
    for variant in &union.variants {
        let class = variant_class(ty, &variant.name);
        let mut lines = vec![format!(
            "Variant ``{}`` of ``{}``: {}",
            variant.name, ty.name, variant.meta.description
        )];
        lines.extend(meta_tail(&variant.meta));
        model(
            out,
            &class,
            &lines,
            Some((&union.tag, &variant.name)),
            &variant.fields,
            &[],
        );
        out.push_str("\n\n");
        classes.push(class);
    }
    // A one-member `Union` collapses to its member, where a discriminator is refused; the tag is
    // then checked by the member's own `Literal` field.
    match classes.len() {
        0 => {
            let _ = writeln!(out, "{} = Union[()]", ty.name);
        }
        1 => {
            let _ = writeln!(out, "{} = {}", ty.name, classes[0]);
        }
        _ => {
            let _ = writeln!(
                out,
                "{} = Annotated[Union[{}], Field(discriminator={})]",
                ty.name,
                classes.join(", "),
                // Pydantic names the discriminator by attribute and reads its alias on input.
                py_string(&py_field(&union.tag).0)
            );
        }
    }
    let mut lines = type_lines(&ty.meta);
    lines.insert(1, String::new());
    lines.insert(2, format!("Discriminated by ``{}``.", union.tag));
    docstring(out, "", &lines);
    let tags: Vec<String> = union.variants.iter().map(|v| py_string(&v.name)).collect();
    let _ = writeln!(
        out,
        "{}_{}_VALUES: tuple[str, ...] = ({}{})",
        screaming_snake_case(&ty.name),
        union.tag.to_ascii_uppercase(),
        tags.join(", "),
        if tags.len() == 1 { "," } else { "" }
    );
    let _ = writeln!(
        out,
        "\"\"\"Every ``{}`` value of ``{}``, in spec order.\"\"\"",
        union.tag, ty.name
    );
}

fn model(
    out: &mut String,
    name: &str,
    doc: &[String],
    tag: Option<(&str, &str)>,
    fields: &[Field],
    renamed: &[Option<&str>],
) {
    let _ = writeln!(out, "class {name}(_Record):");
    docstring(out, "    ", doc);
    out.push('\n');
    // Serialize by alias everywhere, so `model_dump()` writes the wire names; validate by alias
    // only (Pydantic's default), so a record spelling a Python attribute (`lambda_`) instead of
    // its wire name (`lambda`) is refused as an unknown key, as every other target refuses it.
    // `allow_inf_nan=False`: a `number` is finite, so a literal beyond the double range (`1e400`,
    // which Pydantic's parser reads as infinity) is refused, as serde_json and Ajv refuse it.
    out.push_str(
        "    model_config = ConfigDict(extra=\"forbid\", protected_namespaces=(), serialize_by_alias=True, allow_inf_nan=False)\n",
    );
    if let Some((tag, value)) = tag {
        let literal = py_string(value);
        let (attribute, alias) = py_field(tag);
        let line = match alias {
            Some(alias) => format!("{attribute}: Literal[{literal}] = Field({literal}, {alias})"),
            None => format!("{attribute}: Literal[{literal}] = {literal}"),
        };
        let _ = writeln!(out, "\n    {line}");
        docstring(
            out,
            "    ",
            &[format!("Discriminator: always ``{value}``.")],
        );
    }
    // A wire name Python cannot take as an attribute (a keyword, a BaseModel attribute, an
    // imported name) is the attribute `name_` with `alias="name"`: the wire key stays the spec's.
    for (index, field) in fields.iter().enumerate() {
        let ty = py_type(&field.ty);
        let (name, alias) = py_field(&field.name);
        // A renamed field validates from its new and its old wire name, and is written with the new.
        let old_name = renamed.get(index).copied().flatten();
        let alias = match (alias, old_name) {
            (alias, Some(from)) => Some(format!(
                "{}validation_alias=AliasChoices({}, {})",
                alias.map(|a| format!("{a}, ")).unwrap_or_default(),
                py_string(&field.name),
                py_string(from)
            )),
            (alias, None) => alias,
        };
        let with_alias = |arguments: &str| match &alias {
            Some(alias) if arguments.is_empty() => format!(" = Field({alias})"),
            Some(alias) => format!(" = Field({arguments}, {alias})"),
            None if arguments.is_empty() => String::new(),
            None => format!(" = Field({arguments})"),
        };
        let line = match (&field.default, field.required) {
            (_, true) => format!("{name}: {ty}{}", with_alias("")),
            (Some(default), false) => format!(
                "{name}: {ty}{}",
                with_alias(&format!(
                    "default={}, validate_default=True",
                    py_value(default)
                ))
            ),
            (None, false) if field.ty == TypeRef::Primitive(Primitive::Json) => match &alias {
                Some(_) => format!("{name}: {ty} | None{}", with_alias("default=None")),
                None => format!("{name}: {ty} | None = None"),
            },
            (None, false) => match &alias {
                Some(_) => format!("{name}: _Optional[{ty}]{}", with_alias("default=None")),
                None => format!("{name}: _Optional[{ty}] = None"),
            },
        };
        let _ = writeln!(out, "\n    {line}");
        let mut lines = vec![field.meta.description.clone()];
        lines.extend(meta_tail(&field.meta));
        docstring(out, "    ", &lines);
    }
}

/// The Python attribute of a wire name, and the `alias="…"` argument when they differ.
fn py_field(wire: &str) -> (String, Option<String>) {
    if handshake_spec::names::is_python_escaped(wire) {
        (
            format!("{wire}_"),
            Some(format!("alias={}", py_string(wire))),
        )
    } else {
        (wire.to_string(), None)
    }
}

fn py_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Primitive(primitive) => match primitive {
            Primitive::String => "StrictStr",
            Primitive::Integer => "_I64",
            Primitive::UnsignedInteger => "_U64",
            Primitive::Number => "StrictFloat",
            Primitive::Boolean => "StrictBool",
            Primitive::Uuid => "_Uuid",
            Primitive::Timestamp => "_Timestamp",
            Primitive::Json => "JsonValue",
        }
        .to_string(),
        TypeRef::Named(name) => name.clone(),
        TypeRef::List(inner) => format!("list[{}]", py_type(inner)),
        TypeRef::Map(inner) => format!("dict[str, {}]", py_type(inner)),
    }
}

fn lifecycle_file(spec: &Spec) -> String {
    let lifecycle = &spec.lifecycle;
    let state = &lifecycle.name;
    let mut out = header(spec, "The job lifecycle state machine");
    out.push_str(
        "from __future__ import annotations\n\nfrom typing import Literal, NamedTuple\n\n",
    );
    let _ = writeln!(out, "from .types import {state}\n\n");

    out.push_str("class LifecycleEdge(NamedTuple):\n");
    docstring(
        &mut out,
        "    ",
        &["One allowed transition, with where it comes from and its clause."],
    );
    let _ = writeln!(
        out,
        "\n    source: {state}\n    target: {state}\n    origin: Literal[\"diagram\", \"text\"]\n    clause: str\n\n"
    );
    out.push_str("class RejectedLifecycleEdge(NamedTuple):\n");
    docstring(
        &mut out,
        "    ",
        &["An edge the spec's diagram draws that the table refuses, with the reason."],
    );
    let _ = writeln!(
        out,
        "\n    source: {state}\n    target: {state}\n    clause: str\n    reason: str\n\n"
    );

    let _ = writeln!(
        out,
        "STATES: tuple[{state}, ...] = {}",
        py_tuple(lifecycle.states.iter().map(|s| py_string(&s.name)))
    );
    let _ = writeln!(
        out,
        "\"\"\"Every state of ``{state}``, in spec order.\"\"\"\n"
    );
    let _ = writeln!(out, "INITIAL: {state} = {}", py_string(&lifecycle.initial));
    let _ = writeln!(out, "\"\"\"The state every job starts in.\"\"\"\n");
    let _ = writeln!(
        out,
        "TERMINAL: tuple[{state}, ...] = {}",
        py_tuple(lifecycle.terminal_states().map(|s| py_string(&s.name)))
    );
    let _ = writeln!(
        out,
        "\"\"\"The terminal states, in spec order: no transition ever leaves them.\"\"\"\n"
    );

    out.push_str("TRANSITIONS: tuple[LifecycleEdge, ...] = (\n");
    for transition in &lifecycle.transitions {
        let _ = writeln!(out, "    # {}", one_line(&transition.meta.description));
        let origin = doc_text::origin(transition.origin);
        let _ = writeln!(
            out,
            "    LifecycleEdge({}, {}, {}, {}),",
            py_string(&transition.from),
            py_string(&transition.to),
            py_string(origin),
            py_string(transition.meta.clause.primary())
        );
    }
    out.push_str(")\n");
    let mut lines = vec![format!(
        "The transition table of ``{state}``, in spec order."
    )];
    lines.extend(meta_tail(&lifecycle.meta));
    docstring(&mut out, "", &lines);
    out.push('\n');

    out.push_str("REJECTED: tuple[RejectedLifecycleEdge, ...] = (\n");
    for rejected in &lifecycle.rejected {
        let _ = writeln!(
            out,
            "    RejectedLifecycleEdge({}, {}, {}, {}),",
            py_string(&rejected.from),
            py_string(&rejected.to),
            py_string(rejected.meta.clause.primary()),
            py_string(rejected.reason())
        );
    }
    out.push_str(")\n\"\"\"Edges the spec's diagram draws that the table refuses, each with the reason.\"\"\"\n\n");
    out.push_str("_ALLOWED = frozenset((t.source, t.target) for t in TRANSITIONS)\n\n\n");
    let _ = writeln!(
        out,
        "def can_transition(from_state: {state}, to_state: {state}) -> bool:"
    );
    docstring(
        &mut out,
        "    ",
        &[format!(
            "Whether a job in ``from_state`` may move to ``to_state`` ({}).",
            lifecycle.meta.clause
        )],
    );
    out.push_str("    return (from_state, to_state) in _ALLOWED\n\n\n");
    let _ = writeln!(out, "def is_terminal(state: {state}) -> bool:");
    docstring(
        &mut out,
        "    ",
        &["Whether no transition ever leaves ``state``."],
    );
    out.push_str("    return state in TERMINAL\n");
    out
}

fn errors_file(spec: &Spec) -> String {
    let mut out = header(spec, "Typed errors with stable codes");
    out.push_str("ERROR_CODES: dict[str, str] = {\n");
    for error in &spec.errors {
        let _ = writeln!(
            out,
            "    # {} ({})",
            one_line(&error.meta.description),
            error.meta.clause
        );
        let _ = writeln!(
            out,
            "    {}: {},",
            py_string(&error.name),
            py_string(&error.code)
        );
    }
    out.push_str("}\n\"\"\"The stable code of every error, by name, in spec order; codes are never reused.\"\"\"\n\n");
    out.push_str("ERROR_MESSAGES: dict[str, str] = {\n");
    for error in &spec.errors {
        let _ = writeln!(
            out,
            "    {}: {},",
            py_string(&error.name),
            py_string(&error.message)
        );
    }
    out.push_str(
        "}\n\"\"\"The message template of every error; ``{field}`` interpolates a field.\"\"\"\n",
    );
    out
}

fn init_file(spec: &Spec) -> String {
    let mut out = header(spec, "Generated package");
    let mut all: Vec<String> = ["__version__", "SPEC_VERSION", "MASTER_SPEC_VERSION"]
        .map(String::from)
        .to_vec();
    let mut import = |out: &mut String, module: &str, names: Vec<String>| {
        let _ = writeln!(out, "from .{module} import (");
        for name in &names {
            let _ = writeln!(out, "    {name},");
        }
        out.push_str(")\n");
        all.extend(names);
    };
    import(
        &mut out,
        "errors",
        vec!["ERROR_CODES".into(), "ERROR_MESSAGES".into()],
    );
    import(
        &mut out,
        "lifecycle",
        [
            "INITIAL",
            "REJECTED",
            "STATES",
            "TERMINAL",
            "TRANSITIONS",
            "can_transition",
            "is_terminal",
        ]
        .map(String::from)
        .to_vec(),
    );
    if !spec.profiles.is_empty() {
        import(
            &mut out,
            "profiles",
            profiles::EXPORTS.map(String::from).to_vec(),
        );
    }
    import(
        &mut out,
        "rules",
        [
            "RULES",
            "SKIP_RULES",
            "CrossFieldRule",
            "broken_rules",
            "violations",
        ]
        .map(String::from)
        .to_vec(),
    );
    import(&mut out, "types", type_exports(spec));
    out.push('\n');
    // The package's version is the spec's: pyproject.toml reads it from here
    // (`[tool.setuptools.dynamic] version = { attr = … }`), so the two cannot drift.
    let _ = writeln!(out, "__version__ = {}", py_string(&spec.version));
    out.push_str(
        "\"\"\"The spec's ``version`` (spec/handshake.yaml), which is also the package's version.\"\"\"\n",
    );
    let _ = writeln!(out, "SPEC_VERSION = {}", py_string(&spec.version));
    out.push_str("\"\"\"The version of the spec these models implement.\"\"\"\n");
    let _ = writeln!(
        out,
        "MASTER_SPEC_VERSION = {}",
        py_string(&spec.master_spec)
    );
    out.push_str("\"\"\"The Master Spec version the spec implements.\"\"\"\n");
    out.push_str("\n__all__ = [\n");
    for name in &all {
        let _ = writeln!(out, "    {},", py_string(name));
    }
    out.push_str("]\n");
    out
}

fn with_meta(meta: &Meta, extra: &[&str]) -> Vec<String> {
    let mut lines = vec![meta.description.clone(), String::new()];
    lines.extend(extra.iter().map(|s| s.to_string()));
    lines.extend(meta_tail(meta));
    lines
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A docstring; backslashes and triple quotes in spec text are escaped so it always parses.
fn docstring(out: &mut String, indent: &str, lines: &[impl AsRef<str>]) {
    let escape = |s: &str| s.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let mut text = Vec::new();
    for line in lines {
        for piece in line.as_ref().split('\n') {
            text.push(escape(piece.trim_end()));
        }
    }
    while text.last().is_some_and(|l| l.is_empty()) {
        text.pop();
    }
    if text.len() == 1 {
        let ending = if text[0].ends_with('"') { " " } else { "" };
        let _ = writeln!(out, "{indent}\"\"\"{}{ending}\"\"\"", text[0]);
        return;
    }
    let _ = writeln!(
        out,
        "{indent}\"\"\"{}",
        text.first().map(String::as_str).unwrap_or("")
    );
    for line in text.iter().skip(1) {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    let _ = writeln!(out, "{indent}\"\"\"");
}

/// A Python string literal. JSON string syntax is valid Python (same escapes, `\uXXXX` included).
fn py_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

fn py_tuple(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.len() {
        0 => "()".to_string(),
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

/// A JSON value as a Python literal.
fn py_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "None".to_string(),
        serde_json::Value::Bool(true) => "True".to_string(),
        serde_json::Value::Bool(false) => "False".to_string(),
        serde_json::Value::Number(number) => number.to_string(),
        serde_json::Value::String(text) => py_string(text),
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(py_value).collect::<Vec<_>>().join(", ")
        ),
        serde_json::Value::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", py_string(k), py_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> String {
        crate::test_model::test_spec_file(generate, "out/py", name)
    }

    #[test]
    fn a_type_is_defined_before_the_first_model_that_uses_it() {
        let types = file("types.py");
        let state = types
            .find("\nJobState = Literal[")
            .expect("JobState defined");
        let union = types
            .find("\nPlannedOperation = Annotated[")
            .expect("PlannedOperation defined");
        let job = types.find("\nclass Job(_Record)").expect("Job defined");
        assert!(
            state < job && union < job,
            "Job uses JobState and PlannedOperation, so they come first"
        );
    }

    #[test]
    fn every_model_derives_the_hand_written_base_class() {
        // `_runtime/scalars.py`'s `Record` reads JSON text through the strict check (its tests
        // are the SDK's `test_json_text.py`); every model must derive it, none BaseModel directly.
        let types = file("types.py");
        let base = types
            .find("\nfrom .._runtime.scalars import Record as _Record\n")
            .expect("base class imported");
        let first_model = types.find("\nclass Job(_Record)").expect("Job defined");
        assert!(
            base < first_model,
            "the base class is imported before the models"
        );
        assert!(
            !types.contains("(BaseModel):"),
            "no model derives BaseModel directly"
        );
        assert!(
            !types.contains("\ndef "),
            "the scalar helpers live in the runtime"
        );
    }

    #[test]
    fn optional_fields_may_be_absent_but_not_null_except_json() {
        let types = file("types.py");
        assert!(types.contains("    title: _Optional[StrictStr] = None\n"));
        assert!(types.contains("    payload: JsonValue | None = None\n"));
        assert!(types.contains("    modes: list[AccessMode] = Field(default=[\"analysis_only\"], validate_default=True)\n"));
        assert!(types.contains("    attempt: _U64\n"));
    }

    #[test]
    fn docstrings_escape_quotes_and_backslashes() {
        let mut out = String::new();
        docstring(&mut out, "", &["ends with a quote \""]);
        assert_eq!(out, "\"\"\"ends with a quote \" \"\"\"\n");
        out.clear();
        docstring(
            &mut out,
            "    ",
            &[
                "has \"\"\" and \\ inside".to_string(),
                String::new(),
                "second".to_string(),
            ],
        );
        assert_eq!(
            out,
            "    \"\"\"has \\\"\\\"\\\" and \\\\ inside\n\n    second\n    \"\"\"\n"
        );
    }

    #[test]
    fn the_package_exports_every_type_and_the_lifecycle() {
        let init = file("__init__.py");
        for name in [
            "\"Job\"",
            "\"PlannedOperationInsertBlock\"",
            "\"ACCESS_MODE_VALUES\"",
            "\"can_transition\"",
            "\"ERROR_CODES\"",
        ] {
            assert!(init.contains(name), "{name} exported");
        }
    }
}
