"""The rule interpreter of the Python SDK (hand-written; ``cargo xtask codegen`` never touches it).

The generated ``generated/rules.py`` holds the spec's cross-field rules and walk plan as data (JSON
values written as Python literals, the same data the TypeScript SDK prints as JSON) and builds one
:class:`RuleSet` from them; this module judges JSON values by that data. ``tests/test_runtime_rules.py``
tests each operator on small hand-written rules, apart from the corpus tests.

The data, as ``crates/codegen/src/rule_data.rs`` writes it:

* a **path** is a list of steps: ``{"key": k}`` reads a field, ``{"key": k, "fallback": v}`` reads a
  field whose declared ``default:`` is ``v`` (used when it is absent, as the Rust model applies
  defaults when it reads a record), ``{"tag": t, "variant": v}`` keeps a union value whose ``t``
  property is ``v`` and makes any other value absent;
* a **condition** is an object with an ``"op"`` and its operands (see :func:`holds`);
* a **rule** is ``{"code", "name", "on", "clause", "message", "when", "require"}``;
* the **walk plan** maps each type from which a record with rules can be reached to
  ``{"kind": "record", "children": [[field, shape], ...]}`` or
  ``{"kind": "union", "tag": t, "variants": {variant: children}}``; a shape is a type name,
  ``{"list": shape}`` or ``{"map": shape}``.

A model validator raises on the record it belongs to, and Pydantic then skips the validators of
every enclosing model, so validation alone cannot list *all* violations. :meth:`RuleSet.violations`
does: it walks a value checked with ``context={SKIP_RULES: True}`` (structure only) and evaluates
every rule on every record it reaches, like the Rust validators do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, NamedTuple, TypeAlias

from pydantic import BaseModel, ValidationInfo

from ..canonical import CanonicalError, prompt_parts_hash

SKIP_RULES = "handshake_skip_rules"
"""Validation context key: ``context={SKIP_RULES: True}`` checks structure only.

A failing ``model_validator`` stops the validators of every enclosing model, so to list *every*
violation, validate with this context and pass the result to ``violations``.
"""

Condition: TypeAlias = Mapping[str, Any]
"""A condition as data: ``{"op": ..., operands...}``."""

Path: TypeAlias = Sequence[Mapping[str, Any]]
"""A path as data: a list of steps (``{"key": k}``, ``{"key": k, "fallback": v}``, ``{"tag": t, "variant": v}``)."""

RuleData: TypeAlias = Mapping[str, Any]
"""One rule as data: ``{"code", "name", "on", "clause", "message", "when", "require"}``."""

WalkNode: TypeAlias = Mapping[str, Any]
"""How the walk crosses one type: ``{"kind": "record", ...}`` or ``{"kind": "union", ...}``."""


class CrossFieldRule(NamedTuple):
    """A cross-field rule: stable code, name, the record type it constrains, clause(s), message."""

    code: str
    name: str
    on: str
    clause: str
    message: str


class _Absent:
    """The type of :data:`ABSENT`."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""What a path gives for a missing optional field (or ``null``) anywhere on it, with no default."""


def resolve(value: Any, path: Path) -> Any:
    """The value at ``path`` inside the JSON value ``value``, or :data:`ABSENT`."""
    for step in path:
        if "variant" in step:
            if not (isinstance(value, dict) and value.get(step["tag"]) == step["variant"]):
                return ABSENT
            continue
        value = value.get(step["key"]) if isinstance(value, dict) else None
        if value is None:
            value = step.get("fallback", ABSENT)
        if value is ABSENT:
            return ABSENT
    return value


def equal(left: Any, right: Any) -> bool:
    """JSON equality: booleans are not numbers, numbers compare by value, containers deeply."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _same(left: Any, right: Any, uuids: bool) -> bool:
    """``member_of`` and ``same_as`` equality: JSON equality, or for UUIDs the same UUID in any letter case."""
    if left is ABSENT or right is ABSENT:
        return False
    if uuids:
        return (
            isinstance(left, str)
            and isinstance(right, str)
            and _UUID_TEXT.fullmatch(left) is not None
            and _UUID_TEXT.fullmatch(right) is not None
            and left.lower() == right.lower()
        )
    return equal(left, right)


def _member_of(condition: Condition, value: Any, root: Any) -> bool:
    """``{"op": "member_of", "list", "matches": [{"key", "value", "uuids"}], "filter"}``: some element
    of the list at ``list`` of the rule's record passes ``filter`` (when given) and equals, at each
    match's ``key`` (the element itself when ``null``), the value at that match's ``value``."""
    wanted = [(match["key"], resolve(value, match["value"]), bool(match["uuids"])) for match in condition["matches"]]
    if any(found is ABSENT for _, found, _ in wanted):
        return False
    items = resolve(root, condition["list"])
    if not isinstance(items, list):
        return False
    item_filter: Condition | None = condition["filter"]
    return any(
        (item_filter is None or holds(item_filter, item, root))
        and all(_same(item if key is None else resolve(item, key), found, uuids) for key, found, uuids in wanted)
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


def _at_most(condition: Condition, found: Any, root: Any) -> bool:
    """``{"op": "at_most", "path", "measure", "key", "bound"}``: the value, count or sum (of ``key``
    over the elements) at ``path`` is at most the number at ``bound`` of the rule's record; an absent
    value or bound holds."""
    bound = resolve(root, condition["bound"])
    if found is ABSENT or bound is ABSENT:
        return True
    measure = condition["measure"]
    measured: float | None
    if measure == "value":
        measured = _number(found)
    elif not isinstance(found, list):
        return False
    elif measure == "count":
        measured = float(len(found))
    else:
        measured = 0.0
        for item in found:
            number = item if condition["key"] is None else resolve(item, condition["key"])
            if number is ABSENT:
                continue
            as_float = _number(number)
            if as_float is None:
                return False
            measured += as_float
    limit = _number(bound)
    return measured is not None and limit is not None and measured <= limit


def _equals_sum(condition: Condition, found: Any, value: Any) -> bool:
    """``{"op": "equals_sum", "path", "terms": [{"max", "paths"}]}``: the number at ``path`` is the
    sum, left to right in binary64, of the terms (the number at a path, or with ``"max": true`` the
    largest of several); a missing number counts as 0."""
    if found is ABSENT:
        return True
    stored = _number(found)
    if stored is None:
        return False
    total = 0.0
    for term in condition["terms"]:
        numbers: list[float] = []
        for path in term["paths"]:
            number = resolve(value, path)
            as_float = 0.0 if number is ABSENT else _number(number)
            if as_float is None:
                return False
            numbers.append(as_float)
        total += max(numbers) if term["max"] else numbers[0]
    return stored == total


def _in_order(first: Any, second: Any, keys: Sequence[Mapping[str, Any]]) -> bool:
    """``sorted_by``: whether ``first`` may precede ``second``; keys are ``{"path", "numeric",
    "descending"}``, numbers compared as binary64 and strings by code point (Python's ``str`` order)."""
    for key in keys:
        left, right = resolve(first, key["path"]), resolve(second, key["path"])
        if key["numeric"]:
            left, right = _number(left), _number(right)
            if left is None or right is None:
                return False
        elif not (isinstance(left, str) and isinstance(right, str)):
            return False
        if left != right:
            return bool(left > right if key["descending"] else left < right)
    return True


def _length(found: Any, low: int | None, high: int | None) -> bool:
    if found is ABSENT:
        return True
    if not isinstance(found, (str, list, dict)):
        return False
    length = len(found)  # a str counts code points, as Rust's chars() and JSON Schema do
    return (low is None or length >= low) and (high is None or length <= high)


def _all_equal(found: Any, key: Path) -> bool:
    if found is ABSENT:
        return True
    if not isinstance(found, list):
        return False
    keys = [resolve(item, key) for item in found]
    return all(
        (a is ABSENT and b is ABSENT) or (a is not ABSENT and b is not ABSENT and equal(a, b))
        for a, b in pairwise(keys)
    )


def holds(condition: Condition, value: Any, root: Any = ABSENT) -> bool:
    """Whether ``condition`` holds on the JSON value ``value`` (the record, or a list element);
    ``root`` is the record the rule is on, where ``member_of``, ``same_as`` and ``at_most`` read
    (``value`` itself when not given).

    An absent value satisfies only ``absent``, ``not_equals``, ``not_in``, and ``length``, ``each``,
    ``all_equal``, ``sorted_by``, ``equals_sum`` and (an absent stored hash) ``hash_of`` vacuously.
    ``{"op": "hash_of", "path", "form", "parts"}`` recomputes a stored hash from the record
    (§2.6.6.7.5): form ``prompt_blocks`` is :func:`handshake_job_model.canonical.prompt_parts_hash`
    of the parts, as the Rust validators compute it; an absent part fails.
    ``{"op": "same_as", "path", "other", "uuids"}`` compares the value at ``path`` with the value at
    ``other`` of the rule's record, as ``member_of`` compares; absent on either side fails it.
    ``at_most`` is :func:`_at_most`, ``equals_sum`` :func:`_equals_sum`; ``sorted_by`` holds when
    every element may precede the next (:func:`_in_order`).
    """
    if root is ABSENT:
        root = value
    operator = condition["op"]
    if operator == "all":
        return all(holds(inner, value, root) for inner in condition["conditions"])
    if operator == "any":
        return any(holds(inner, value, root) for inner in condition["conditions"])
    if operator == "not":
        return not holds(condition["condition"], value, root)
    if operator == "member_of":
        return _member_of(condition, value, root)
    found = resolve(value, condition["path"])
    if operator == "present":
        return found is not ABSENT
    if operator == "absent":
        return found is ABSENT
    if operator == "equals":
        return found is not ABSENT and equal(found, condition["value"])
    if operator == "not_equals":
        return found is ABSENT or not equal(found, condition["value"])
    if operator == "in":
        return found is not ABSENT and any(equal(found, allowed) for allowed in condition["values"])
    if operator == "not_in":
        return found is ABSENT or not any(equal(found, refused) for refused in condition["values"])
    if operator == "length":
        return _length(found, condition["min"], condition["max"])
    if operator == "contains":
        return isinstance(found, list) and any(equal(item, condition["value"]) for item in found)
    if operator == "each":
        if found is ABSENT:
            return True
        return isinstance(found, list) and all(holds(condition["condition"], item, root) for item in found)
    if operator == "all_equal":
        return _all_equal(found, condition["key"])
    if operator == "same_as":
        return _same(found, resolve(root, condition["other"]), bool(condition["uuids"]))
    if operator == "at_most":
        return _at_most(condition, found, root)
    if operator == "equals_sum":
        return _equals_sum(condition, found, value)
    if operator == "sorted_by":
        if found is ABSENT:
            return True
        return isinstance(found, list) and all(_in_order(a, b, condition["keys"]) for a, b in pairwise(found))
    if operator == "hash_of":
        if found is ABSENT:
            return True
        parts = [resolve(value, part) for part in condition["parts"]]
        if any(part is ABSENT for part in parts):
            return False
        return isinstance(found, str) and _hash_of(condition["form"], parts) == found
    raise ValueError(f"unknown rule operator {operator!r}")


def _pointer(parent: str, key: object) -> str:
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


class RuleSet:
    """A spec's cross-field rules and walk plan as data, with the checks that read them.

    ``rules`` are the rules in spec order; ``walk`` maps each type from which a record with rules
    can be reached to how the walk crosses it (see the module docstring for both shapes).
    """

    def __init__(self, rules: Sequence[RuleData], walk: Mapping[str, WalkNode]) -> None:
        self.rules: tuple[CrossFieldRule, ...] = tuple(
            CrossFieldRule(rule["code"], rule["name"], rule["on"], rule["clause"], rule["message"]) for rule in rules
        )
        """Every cross-field rule, in spec order."""
        self._conditions: dict[str, tuple[Condition | None, Condition]] = {
            rule["name"]: (rule["when"], rule["require"]) for rule in rules
        }
        rules_on: dict[str, list[CrossFieldRule]] = {}
        for rule in self.rules:
            rules_on.setdefault(rule.on, []).append(rule)
        self._rules_on: dict[str, tuple[CrossFieldRule, ...]] = {
            name: tuple(on_record) for name, on_record in rules_on.items()
        }
        self._walk = walk

    def broken_rules(self, type_name: str, record: Any) -> list[CrossFieldRule]:
        """The rules of ``type_name`` that the JSON value ``record`` breaks (its own rules only)."""
        broken = []
        for rule in self._rules_on.get(type_name, ()):
            when, require = self._conditions[rule.name]
            if (when is None or holds(when, record, record)) and not holds(require, record, record):
                broken.append(rule)
        return broken

    def check(self, model: BaseModel, type_name: str, info: ValidationInfo) -> None:
        """Body of the generated ``model_validator``: raise on the first broken rules of ``model``."""
        if isinstance(info.context, dict) and info.context.get(SKIP_RULES):
            return
        broken = self.broken_rules(type_name, model.model_dump(mode="json"))
        if broken:
            raise ValueError("; ".join(f"{r.code}: {r.message} ({r.clause})" for r in broken))

    def violations(self, value: Any, type_name: str) -> list[tuple[str, str]]:
        """Every broken rule in ``value`` of type ``type_name``, as ``(json_pointer, code)`` pairs.

        ``value`` is a model (validated with ``context={SKIP_RULES: True}`` when it may break rules)
        or its JSON form (``model_dump(mode="json")``). The pointer names the record the rule is on
        (``""`` for the value itself), in document order, rules in spec order.
        """
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        out: list[tuple[str, str]] = []
        self._walk_type(type_name, value, "", out)
        return out

    def _walk_shape(self, shape: Any, value: Any, pointer: str, out: list[tuple[str, str]]) -> None:
        if isinstance(shape, str):
            self._walk_type(shape, value, pointer, out)
        elif "list" in shape and isinstance(value, list):
            for index, item in enumerate(value):
                self._walk_shape(shape["list"], item, _pointer(pointer, index), out)
        elif "map" in shape and isinstance(value, dict):
            for key, item in value.items():
                self._walk_shape(shape["map"], item, _pointer(pointer, key), out)

    def _walk_type(self, type_name: str, value: Any, pointer: str, out: list[tuple[str, str]]) -> None:
        if not isinstance(value, dict):
            return
        out.extend((pointer, rule.code) for rule in self.broken_rules(type_name, value))
        node = self._walk.get(type_name)
        if node is None:
            return
        children: Sequence[Sequence[Any]]
        if node["kind"] == "record":
            children = node["children"]
        else:
            tag = value.get(node["tag"])
            children = node["variants"].get(tag, ()) if isinstance(tag, str) else ()
        for field, shape in children:
            child = value.get(field)
            if child is not None:
                self._walk_shape(shape, child, _pointer(pointer, field), out)
