//! Python target, cross-field rules: `rules.py` (the rules as data, one interpreter, the
//! `RULES` table and `violations()`), and the `model_validator` each record with rules gets in
//! `types.py`.
//!
//! A model validator raises on the record it belongs to, and Pydantic then skips the validators
//! of every enclosing model, so validation alone cannot list *all* violations. `violations()`
//! does: it walks a value checked with `context={SKIP_RULES: True}` (structure only) and evaluates
//! every rule on every record it reaches, like the Rust validators do.

use std::fmt::Write as _;

use handshake_spec::model::{Condition, FieldPath, Measure, Spec, Term};

use super::{docstring, header, one_line, py_string, py_value};
use crate::rule_plan::{self, Shape, Step, WalkNode};

/// `rules.py`.
pub(super) fn rules_file(spec: &Spec) -> String {
    let mut out = header(spec, "Cross-field rules");
    out.push_str(PRELUDE);

    out.push_str("\nRULES: tuple[CrossFieldRule, ...] = (\n");
    for rule in &spec.rules {
        let _ = writeln!(out, "    # {}", one_line(&rule.meta.description));
        let _ = writeln!(
            out,
            "    CrossFieldRule({}, {}, {}, {}, {}),",
            py_string(&rule.code),
            py_string(&rule.name),
            py_string(&rule.on),
            py_string(&rule.meta.clause.to_string()),
            py_string(&rule.message)
        );
    }
    out.push_str(")\n\"\"\"Every cross-field rule, in spec order.\"\"\"\n\n");

    out.push_str("_CONDITIONS: dict[str, tuple[_Condition | None, _Condition]] = {\n");
    for rule in &spec.rules {
        let when = rule
            .when
            .as_ref()
            .map(|c| condition(spec, Some(&rule.on), Some(&rule.on), c))
            .unwrap_or_else(|| "None".to_string());
        let require = condition(spec, Some(&rule.on), Some(&rule.on), &rule.require);
        let _ = writeln!(
            out,
            "    {}: (\n        {when},\n        {require},\n    ),",
            py_string(&rule.name)
        );
    }
    out.push_str(
        "}\n\"\"\"Rule name → (``when``, ``require``) as data; ``None`` means always.\"\"\"\n\n",
    );

    out.push_str("_RULES_ON: dict[str, tuple[CrossFieldRule, ...]] = {\n");
    for record in rule_plan::records_with_rules(spec) {
        let indexes: Vec<String> = spec
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.on == record)
            .map(|(i, _)| format!("RULES[{i}]"))
            .collect();
        let _ = writeln!(
            out,
            "    {}: ({}{}),",
            py_string(record),
            indexes.join(", "),
            if indexes.len() == 1 { "," } else { "" }
        );
    }
    out.push_str("}\n\"\"\"The rules of each record type that has any, in spec order.\"\"\"\n\n");

    out.push_str("_WALK: dict[str, _WalkNode] = {\n");
    for node in rule_plan::walk_plan(spec) {
        match &node {
            WalkNode::Record { name, children } => {
                let _ = writeln!(
                    out,
                    "    {}: (\"record\", {}),",
                    py_string(name),
                    children_tuple(children)
                );
            }
            WalkNode::Union {
                name,
                tag,
                variants,
            } => {
                let entries: Vec<String> = variants
                    .iter()
                    .map(|(variant, children)| {
                        format!("{}: {}", py_string(variant), children_tuple(children))
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "    {}: (\"union\", {}, {{{}}}),",
                    py_string(name),
                    py_string(tag),
                    entries.join(", ")
                );
            }
        }
    }
    out.push_str(
        "}\n\"\"\"Types from which a record with rules can be reached, and the fields leading there.\"\"\"\n",
    );
    out.push_str(INTERPRETER);
    out
}

fn children_tuple(children: &[rule_plan::Child]) -> String {
    let items: Vec<String> = children
        .iter()
        .map(|c| format!("({}, {})", py_string(&c.field), shape(&c.shape)))
        .collect();
    tuple(items)
}

fn shape(shape: &Shape) -> String {
    match shape {
        Shape::Named(name) => py_string(name),
        Shape::List(inner) => format!("(\"list\", {})", self::shape(inner)),
        Shape::Map(inner) => format!("(\"map\", {})", self::shape(inner)),
    }
}

fn tuple(items: Vec<String>) -> String {
    match items.len() {
        0 => "()".to_string(),
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

/// A path as a tuple of steps: a key, `(key, default)` when the field declares a default, or
/// `_Variant(tag, variant)` for a `[variant]` step.
fn path(spec: &Spec, from: Option<&str>, path: &FieldPath) -> String {
    tuple(
        rule_plan::steps(spec, from, path)
            .into_iter()
            .map(|step| match &step {
                Step::Field {
                    key,
                    fallback: None,
                } => py_string(key),
                Step::Field {
                    key,
                    fallback: Some(default),
                } => format!("({}, {})", py_string(key), py_value(default)),
                Step::Variant { tag, variant } => {
                    format!("_Variant({}, {})", py_string(tag), py_string(variant))
                }
            })
            .collect(),
    )
}

/// A condition as a nested tuple `(operator, operands…)`, read by `_holds` in `rules.py`; `root`
/// is the rule's record, where `member_of` lists are read.
fn condition(spec: &Spec, root: Option<&str>, from: Option<&str>, condition: &Condition) -> String {
    let values = |values: &[serde_json::Value]| tuple(values.iter().map(py_value).collect());
    let bound = |bound: &Option<u64>| bound.map_or("None".to_string(), |b| b.to_string());
    match condition {
        Condition::Present(p) => format!("(\"present\", {})", path(spec, from, p)),
        Condition::Absent(p) => format!("(\"absent\", {})", path(spec, from, p)),
        Condition::Equals { path: p, value } => {
            format!("(\"equals\", {}, {})", path(spec, from, p), py_value(value))
        }
        Condition::NotEquals { path: p, value } => format!(
            "(\"not_equals\", {}, {})",
            path(spec, from, p),
            py_value(value)
        ),
        Condition::OneOf { path: p, values: v } => {
            format!("(\"in\", {}, {})", path(spec, from, p), values(v))
        }
        Condition::NoneOf { path: p, values: v } => {
            format!("(\"not_in\", {}, {})", path(spec, from, p), values(v))
        }
        Condition::Length { path: p, min, max } => format!(
            "(\"length\", {}, {}, {})",
            path(spec, from, p),
            bound(min),
            bound(max)
        ),
        Condition::Contains { path: p, value } => format!(
            "(\"contains\", {}, {})",
            path(spec, from, p),
            py_value(value)
        ),
        Condition::Each {
            path: p,
            condition: inner,
        } => {
            let element = rule_plan::element_type(spec, from, p);
            format!(
                "(\"each\", {}, {})",
                path(spec, from, p),
                self::condition(spec, root, element.as_deref(), inner)
            )
        }
        Condition::AllEqual { path: p, key } => {
            let element = rule_plan::element_type(spec, from, p);
            format!(
                "(\"all_equal\", {}, {})",
                path(spec, from, p),
                self::path(spec, element.as_deref(), key)
            )
        }
        Condition::EqualsSum { path: p, terms } => {
            let terms = terms
                .iter()
                .map(|term| match term {
                    Term::Value(q) => format!("(\"value\", ({},))", path(spec, from, q)),
                    Term::Max(qs) => format!(
                        "(\"max\", {})",
                        tuple(qs.iter().map(|q| path(spec, from, q)).collect())
                    ),
                })
                .collect();
            format!(
                "(\"equals_sum\", {}, {})",
                path(spec, from, p),
                tuple(terms)
            )
        }
        Condition::SortedBy { path: p, keys } => {
            let element = rule_plan::element_type(spec, from, p);
            let keys = keys
                .iter()
                .map(|key| {
                    let key_path = FieldPath::fields(&[key.field.as_str()]);
                    format!(
                        "({}, {}, {})",
                        path(spec, element.as_deref(), &key_path),
                        if key.numeric { "True" } else { "False" },
                        if key.descending { "True" } else { "False" }
                    )
                })
                .collect();
            format!("(\"sorted_by\", {}, {})", path(spec, from, p), tuple(keys))
        }
        Condition::AtMost { measure, bound } => {
            let element = rule_plan::element_type(spec, from, measure.path());
            let (kind, key) = match measure {
                Measure::Value(_) => ("value", "None".to_string()),
                Measure::Count(_) => ("count", "None".to_string()),
                Measure::Sum { key, .. } => ("sum", path(spec, element.as_deref(), key)),
            };
            format!(
                "(\"at_most\", {}, \"{kind}\", {key}, {})",
                path(spec, from, measure.path()),
                path(spec, root, bound)
            )
        }
        Condition::SameAs { path: p, other } => format!(
            "(\"same_as\", {}, {}, {})",
            path(spec, from, p),
            path(spec, root, other),
            if rule_plan::same_as_compares_uuids(spec, root, from, p, other) {
                "True"
            } else {
                "False"
            }
        ),
        Condition::HashOf {
            path: p,
            form,
            parts,
        } => format!(
            "(\"hash_of\", {}, \"{}\", {})",
            path(spec, from, p),
            form.name(),
            tuple(parts.iter().map(|part| path(spec, from, part)).collect())
        ),
        Condition::All(conditions) => format!(
            "(\"all\", {})",
            tuple(
                conditions
                    .iter()
                    .map(|c| self::condition(spec, root, from, c))
                    .collect()
            )
        ),
        Condition::Any(conditions) => format!(
            "(\"any\", {})",
            tuple(
                conditions
                    .iter()
                    .map(|c| self::condition(spec, root, from, c))
                    .collect()
            )
        ),
        Condition::Not(inner) => {
            format!("(\"not\", {})", self::condition(spec, root, from, inner))
        }
        Condition::MemberOf {
            list,
            matches,
            filter,
        } => {
            let element = rule_plan::element_type(spec, root, list);
            let pairs: Vec<String> = matches
                .iter()
                .map(|member| {
                    let key = member.key.as_ref().map_or("None".to_string(), |key| {
                        path(spec, element.as_deref(), key)
                    });
                    let uuids = rule_plan::member_compares_uuids(spec, root, from, list, member);
                    format!(
                        "({key}, {}, {})",
                        path(spec, from, &member.value),
                        if uuids { "True" } else { "False" }
                    )
                })
                .collect();
            let filter = filter.as_ref().map_or("None".to_string(), |f| {
                self::condition(spec, root, element.as_deref(), f)
            });
            format!(
                "(\"member_of\", {}, {}, {filter})",
                path(spec, root, list),
                tuple(pairs)
            )
        }
    }
}

/// The `model_validator` of a record with rules, appended to its class body in `types.py`.
pub(super) fn model_validator(out: &mut String, spec: &Spec, type_name: &str) {
    let rules: Vec<String> = rule_plan::rules_on(spec, type_name)
        .map(|r| format!("{} ``{}`` ({})", r.code, r.name, r.meta.clause))
        .collect();
    if rules.is_empty() {
        return;
    }
    out.push_str("\n    @model_validator(mode=\"after\")\n");
    out.push_str("    def _cross_field_rules(self, info: ValidationInfo) -> Self:\n");
    let mut lines = vec![
        "Cross-field rules; a violation raises ``ValueError(\"<code>: <message> (<clause>)\")``:"
            .to_string(),
        String::new(),
    ];
    lines.extend(rules.into_iter().map(|r| format!("- {r}")));
    docstring(out, "        ", &lines);
    let _ = writeln!(
        out,
        "        _check_rules(self, {}, info)\n        return self",
        py_string(type_name)
    );
}

/// Imports `types.py` needs when the spec has rules.
pub(super) const TYPES_IMPORTS: &str = "
from pydantic import ValidationInfo, model_validator

from .rules import check as _check_rules
";

const PRELUDE: &str = r#"from __future__ import annotations

import re
from typing import Any, NamedTuple, TypeAlias

from pydantic import BaseModel, ValidationInfo

SKIP_RULES = "handshake_skip_rules"
"""Validation context key: ``context={SKIP_RULES: True}`` checks structure only.

A failing ``model_validator`` stops the validators of every enclosing model, so to list *every*
violation, validate with this context and pass the result to :func:`violations`.
"""

_Condition: TypeAlias = tuple[Any, ...]
_WalkNode: TypeAlias = tuple[Any, ...]


class _Variant(NamedTuple):
    """A ``[variant]`` path step: the value if its ``tag`` property is ``name``, else absent."""

    tag: str
    name: str


class CrossFieldRule(NamedTuple):
    """A cross-field rule: stable code, name, the record type it constrains, clause(s), message."""

    code: str
    name: str
    on: str
    clause: str
    message: str

"#;

const INTERPRETER: &str = r#"
_ABSENT: Any = object()
"""A missing optional field (or ``null``) anywhere on a path."""


def _resolve(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if isinstance(step, _Variant):
            if not (isinstance(value, dict) and value.get(step.tag) == step.name):
                return _ABSENT
            continue
        key, fallback = (step, _ABSENT) if isinstance(step, str) else step
        value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            value = fallback
        if value is _ABSENT:
            return _ABSENT
    return value


def _equal(left: Any, right: Any) -> bool:
    """JSON equality: booleans are not numbers, numbers compare by value, containers deeply."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _same(left: Any, right: Any, uuids: bool) -> bool:
    """``member_of`` and ``same_as`` equality: JSON equality, or for UUIDs the same UUID in any letter case."""
    if left is _ABSENT or right is _ABSENT:
        return False
    if uuids:
        return (
            isinstance(left, str)
            and isinstance(right, str)
            and _UUID_TEXT.fullmatch(left) is not None
            and _UUID_TEXT.fullmatch(right) is not None
            and left.lower() == right.lower()
        )
    return _equal(left, right)


def _member_of(condition: _Condition, value: Any, root: Any) -> bool:
    wanted = [(key, _resolve(value, path), uuids) for key, path, uuids in condition[2]]
    if any(found is _ABSENT for _, found, _ in wanted):
        return False
    items = _resolve(root, condition[1])
    if not isinstance(items, list):
        return False
    return any(
        (condition[3] is None or _holds(condition[3], item, root))
        and all(
            _same(item if key is None else _resolve(item, key), found, uuids)
            for key, found, uuids in wanted
        )
        for item in items
    )


def _wire(value: Any) -> Any:
    """``value`` as the Rust model writes it: object members that are ``null`` left out.

    ``model_dump(mode="json")`` writes an absent optional field as ``None``; the wire form (Rust,
    ``model_dump(exclude_none=True)``) omits it, and a hash covers the wire form. (A ``json``
    payload holding ``null`` would lose it too; no hashed record has such a field.)
    """
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _hash_of(form: str, parts: list[Any]) -> str | None:
    """The hash ``form`` gives over ``parts`` (lower-case hex), ``None`` if they cannot be hashed."""
    # Imported here, not at the top: the module also runs where it is generated without the
    # package around it (the golden outputs).
    from ..canonical import CanonicalError, prompt_parts_hash

    if form != "prompt_blocks":
        raise ValueError(f"unknown hash form {form!r}")
    try:
        return prompt_parts_hash([_wire(part) for part in parts])
    except CanonicalError:
        return None


def _number(value: Any) -> float | None:
    """A JSON number as binary64 (the comparison every target makes), ``None`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _at_most(condition: _Condition, found: Any, root: Any) -> bool:
    """``("at_most", path, measure, key, bound)``: the value, count or sum at ``path`` is at most
    the number at ``bound`` of the rule's record; an absent value or bound holds."""
    bound = _resolve(root, condition[4])
    if found is _ABSENT or bound is _ABSENT:
        return True
    measure = condition[2]
    if measure == "value":
        measured = _number(found)
    elif not isinstance(found, list):
        return False
    elif measure == "count":
        measured = float(len(found))
    else:
        measured = 0.0
        for item in found:
            number = _resolve(item, condition[3])
            if number is _ABSENT:
                continue
            if _number(number) is None:
                return False
            measured += float(number)
    limit = _number(bound)
    return measured is not None and limit is not None and measured <= limit


def _equals_sum(condition: _Condition, found: Any, value: Any) -> bool:
    """``("equals_sum", path, terms)``: the number at ``path`` is the sum, left to right in binary64,
    of the terms (``("value", (p,))`` or ``("max", (p, ...))``); a missing number counts as 0."""
    if found is _ABSENT:
        return True
    stored = _number(found)
    if stored is None:
        return False
    total = 0.0
    for kind, paths in condition[2]:
        numbers = []
        for path in paths:
            number = _resolve(value, path)
            number = 0.0 if number is _ABSENT else _number(number)
            if number is None:
                return False
            numbers.append(number)
        total += max(numbers) if kind == "max" else numbers[0]
    return stored == total


def _in_order(first: Any, second: Any, keys: tuple[Any, ...]) -> bool:
    """``sorted_by``: whether ``first`` may precede ``second``; keys are ``(path, numeric,
    descending)``, numbers compared as binary64 and strings by code point (Python's ``str`` order)."""
    for key, numeric, descending in keys:
        left, right = _resolve(first, key), _resolve(second, key)
        if numeric:
            left, right = _number(left), _number(right)
            if left is None or right is None:
                return False
        elif not (isinstance(left, str) and isinstance(right, str)):
            return False
        if left != right:
            return left > right if descending else left < right
    return True


def _holds(condition: _Condition, value: Any, root: Any) -> bool:
    """Whether ``condition`` holds on the JSON value ``value`` (the record, or a list element);
    ``root`` is the record the rule is on, where ``member_of`` reads its list.

    ``("hash_of", path, form, (part, ...))`` recomputes a stored hash from the record
    (§2.6.6.7.5): form ``prompt_blocks`` is :func:`handshake_job_model.canonical.prompt_parts_hash`
    of the parts, as the Rust validators compute it. An absent hash holds; an absent part fails.
    ``("same_as", path, other, uuids)`` compares the value at ``path`` with the value at ``other``
    of the rule's record, as ``member_of`` compares; absent on either side fails it.
    ``("at_most", path, measure, key, bound)`` is :func:`_at_most`; ``("sorted_by", path, keys)``
    holds when every element may precede the next (:func:`_in_order`).
    """
    operator = condition[0]
    if operator == "all":
        return all(_holds(c, value, root) for c in condition[1])
    if operator == "any":
        return any(_holds(c, value, root) for c in condition[1])
    if operator == "not":
        return not _holds(condition[1], value, root)
    if operator == "member_of":
        return _member_of(condition, value, root)
    found = _resolve(value, condition[1])
    if operator == "present":
        return found is not _ABSENT
    if operator == "absent":
        return found is _ABSENT
    if operator == "equals":
        return found is not _ABSENT and _equal(found, condition[2])
    if operator == "not_equals":
        return found is _ABSENT or not _equal(found, condition[2])
    if operator == "in":
        return found is not _ABSENT and any(_equal(found, v) for v in condition[2])
    if operator == "not_in":
        return found is _ABSENT or not any(_equal(found, v) for v in condition[2])
    if operator == "length":
        if found is _ABSENT:
            return True
        if not isinstance(found, (str, list, dict)):
            return False
        length = len(found)  # a str counts code points, as Rust's chars() and JSON Schema do
        low, high = condition[2], condition[3]
        return (low is None or length >= low) and (high is None or length <= high)
    if operator == "contains":
        return isinstance(found, list) and any(_equal(item, condition[2]) for item in found)
    if operator == "each":
        if found is _ABSENT:
            return True
        return isinstance(found, list) and all(_holds(condition[2], item, root) for item in found)
    if operator == "all_equal":
        if found is _ABSENT:
            return True
        if not isinstance(found, list):
            return False
        keys = [_resolve(item, condition[2]) for item in found]
        return all(
            (a is _ABSENT and b is _ABSENT) or (a is not _ABSENT and b is not _ABSENT and _equal(a, b))
            for a, b in zip(keys, keys[1:])
        )
    if operator == "same_as":
        return _same(found, _resolve(root, condition[2]), condition[3])
    if operator == "at_most":
        return _at_most(condition, found, root)
    if operator == "equals_sum":
        return _equals_sum(condition, found, value)
    if operator == "sorted_by":
        if found is _ABSENT:
            return True
        return isinstance(found, list) and all(_in_order(a, b, condition[2]) for a, b in zip(found, found[1:]))
    if operator == "hash_of":
        if found is _ABSENT:
            return True
        parts = [_resolve(value, part) for part in condition[3]]
        if any(part is _ABSENT for part in parts):
            return False
        return isinstance(found, str) and _hash_of(condition[2], parts) == found
    raise ValueError(f"unknown rule operator {operator!r}")


def broken_rules(type_name: str, record: Any) -> list[CrossFieldRule]:
    """The rules of ``type_name`` that the JSON value ``record`` breaks (its own rules only)."""
    broken = []
    for rule in _RULES_ON.get(type_name, ()):
        when, require = _CONDITIONS[rule.name]
        if (when is None or _holds(when, record, record)) and not _holds(require, record, record):
            broken.append(rule)
    return broken


def check(model: BaseModel, type_name: str, info: ValidationInfo) -> None:
    """Body of the generated ``model_validator``: raise on the first broken rules of ``model``."""
    if isinstance(info.context, dict) and info.context.get(SKIP_RULES):
        return
    broken = broken_rules(type_name, model.model_dump(mode="json"))
    if broken:
        raise ValueError("; ".join(f"{r.code}: {r.message} ({r.clause})" for r in broken))


def _pointer(parent: str, key: object) -> str:
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _walk_shape(shape: Any, value: Any, pointer: str, out: list[tuple[str, str]]) -> None:
    if isinstance(shape, str):
        _walk(shape, value, pointer, out)
    elif shape[0] == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            _walk_shape(shape[1], item, _pointer(pointer, index), out)
    elif shape[0] == "map" and isinstance(value, dict):
        for key, item in value.items():
            _walk_shape(shape[1], item, _pointer(pointer, key), out)


def _walk(type_name: str, value: Any, pointer: str, out: list[tuple[str, str]]) -> None:
    if not isinstance(value, dict):
        return
    out.extend((pointer, rule.code) for rule in broken_rules(type_name, value))
    node = _WALK.get(type_name)
    if node is None:
        return
    if node[0] == "record":
        children = node[1]
    else:
        children = node[2].get(value.get(node[1]), ())
    for field, shape in children:
        child = value.get(field)
        if child is not None:
            _walk_shape(shape, child, _pointer(pointer, field), out)


def violations(value: Any, type_name: str) -> list[tuple[str, str]]:
    """Every broken rule in ``value`` of type ``type_name``, as ``(json_pointer, code)`` pairs.

    ``value`` is a model (validated with ``context={SKIP_RULES: True}`` when it may break rules) or
    its JSON form (``model_dump(mode="json")``). The pointer names the record the rule is on
    (``""`` for the value itself), in document order, rules in spec order.
    """
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    out: list[tuple[str, str]] = []
    _walk(type_name, value, "", out)
    return out
"#;

#[cfg(test)]
mod tests {
    use crate::rule_plan::test_rules;

    fn file(name: &str) -> String {
        let spec = test_rules::spec();
        super::super::generate(&spec)
            .into_iter()
            .find(|f| f.path == format!("out/py/{name}"))
            .expect("file generated")
            .contents
    }

    #[test]
    fn only_records_with_rules_get_a_model_validator() {
        let types = file("types.py");
        let source_ref = types
            .split("\nclass SourceRef(_Record):")
            .nth(1)
            .and_then(|rest| rest.split("\nclass ").next())
            .expect("SourceRef class");
        assert!(source_ref.contains("    @model_validator(mode=\"after\")\n"));
        assert!(source_ref.contains("        _check_rules(self, \"SourceRef\", info)\n"));
        assert_eq!(
            types.matches("@model_validator").count(),
            1,
            "only SourceRef has rules"
        );
        assert!(types.contains("from .rules import check as _check_rules\n"));
    }

    #[test]
    fn a_spec_without_rules_imports_nothing_for_them() {
        let spec = crate::typescript::test_spec::spec();
        let types = &super::super::generate(&spec)[0].contents;
        assert!(!types.contains("_check_rules"));
        assert!(!types.contains("model_validator"));
    }

    #[test]
    fn conditions_are_data_with_defaults_on_their_steps() {
        let rules = file("rules.py");
        assert!(rules.contains(
            "    CrossFieldRule(\"HSK-RULE-0001\", \"artifact_has_hash\", \"SourceRef\", \"§2.6.6.7.2\", \"artifact has hash is broken\"),\n"
        ));
        assert!(rules.contains("(\"contains\", ((\"layers\", [\"derived\"]),), \"raw\")"));
        assert!(rules.contains("(\"all_equal\", (\"selectors\",), (\"kind\",))"));
        assert!(rules.contains("    \"Bundle\": (\"record\", ((\"sources\", (\"list\", \"SourceRef\")), (\"by_name\", (\"map\", \"SourceRef\")))),\n"));
    }
}
