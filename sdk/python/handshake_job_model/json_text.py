"""Reading JSON text as every target reads it (hand-written).

Two things JSON leaves open are decided once for every target (docs/spec-language.md, "How every
target reads these on the wire"):

- **Duplicate keys** are refused: an object that names one key twice has no single meaning (Pydantic
  and ``JSON.parse`` keep the last value, serde's derive and the CLI refuse it).
- **Nesting** is at most :data:`MAX_NESTING_DEPTH` (127) arrays and objects, the record itself
  included: serde_json, which reads the text for the Rust model, stops at its recursion limit of
  128 (the 128th level is refused), while Pydantic's parser would go on to about 200.

Every generated model's ``model_validate_json`` calls :func:`check_json_text` first; for unions,
enums and ``TypeAdapter`` users, :func:`validate_json` does the same. Both raise Pydantic's
``ValidationError`` (error type ``json_invalid``, as for any other malformed text), so a caller
catches one exception type. The duplicate key's ``loc`` is the path of the repeated member (for
``{"a": [{"b": 1, "b": 2}]}``: ``("a", 0, "b")``); a too-deep text's ``loc`` is the path of the
first array or object beyond the limit.

The check reads the text twice more than Pydantic alone (a linear scan for the depth, then
``json.loads`` with an ``object_pairs_hook`` for the keys, which runs only once the depth is known
to be within the limit, so hostile nesting never reaches Python's recursion limit). Text that is
not JSON at all is left to Pydantic, which reports it as before.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails

__all__ = ["MAX_NESTING_DEPTH", "check_json_text", "validate_json"]

MAX_NESTING_DEPTH = 127
"""The deepest nesting of arrays and objects any target accepts (serde_json refuses the 128th)."""

_T = TypeVar("_T")

# A JSON string (skipped: brackets inside strings do not nest), or one bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class _Duplicate(dict[str, Any]):
    """A parsed object that named ``key`` twice (``json.loads`` keeps the last value)."""

    key: str


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            duplicate = _Duplicate(pairs)
            duplicate.key = key
            return duplicate
        seen[key] = value
    return seen


def _number(_text: str) -> int:
    # Numbers do not matter to the key check; skipping their conversion also avoids Python's
    # limit on the digits of an integer, which Pydantic's parser does not have.
    return 0


def _text(data: str | bytes | bytearray) -> str | None:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return None  # not UTF-8: Pydantic refuses it


def _too_deep(text: str) -> tuple[str | int, ...] | None:
    """The path of the first array or object nested deeper than the limit, or ``None``."""
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                return _path_at(text, match.start())
        elif token in "]}":
            depth -= 1
    return None


def _path_at(text: str, offset: int) -> tuple[str | int, ...]:
    """The path of the value that starts at ``offset``, from the text before it (no recursion)."""
    # Each open container: its key or index so far. An object's entry is the last key read (or
    # None before its first), an array's the index of its current element.
    stack: list[list[Any]] = []
    expect_key = False
    pattern = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)
    for match in pattern.finditer(text, 0, offset):
        token = match.group()
        if token == "[":
            stack.append(["[", 0])
            expect_key = False
        elif token == "{":
            stack.append(["{", None])
            expect_key = True
        elif token in "]}":
            if stack:
                stack.pop()
            expect_key = False
        elif token == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
            elif stack:
                expect_key = True
        elif token == ":":
            expect_key = False
        elif expect_key and stack:
            try:
                stack[-1][1] = json.loads(token)
            except ValueError:
                stack[-1][1] = token[1:-1]
            expect_key = False
    return tuple(entry for _, entry in stack if entry is not None)


def _duplicate_path(value: Any) -> tuple[str | int, ...] | None:
    """The path of the first repeated key in a ``json.loads`` result (depth within the limit)."""
    if isinstance(value, _Duplicate):
        return (value.key,)
    children: Any = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found = _duplicate_path(child)
        if found is not None:
            return (key, *found)
    return None


def _refuse(title: str, data: str | bytes | bytearray, loc: tuple[str | int, ...], error: str) -> ValidationError:
    detail = InitErrorDetails(type="json_invalid", loc=loc, input=data, ctx={"error": error})
    return ValidationError.from_exception_data(title, [detail], input_type="json")


def check_json_text(data: str | bytes | bytearray, title: str = "json") -> None:
    """Raise ``ValidationError`` if ``data`` repeats a key or nests deeper than the limit.

    ``title`` names the type in the error (as Pydantic's own errors do). Text that is not JSON
    passes: the parser that follows refuses it with its own message.
    """
    text = _text(data)
    if text is None:
        return
    deep = _too_deep(text)
    if deep is not None:
        raise _refuse(title, data, deep, f"nesting deeper than {MAX_NESTING_DEPTH} arrays and objects")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_number,
            parse_float=_number,
            parse_constant=_number,
        )
    except (ValueError, RecursionError):
        return
    duplicate = _duplicate_path(value)
    if duplicate is not None:
        raise _refuse(title, data, duplicate, f"duplicate key {duplicate[-1]!r}")


def validate_json(
    type_: type[_T] | str | TypeAdapter[_T], data: str | bytes | bytearray, **kwargs: Any
) -> _T:
    """``TypeAdapter(type_).validate_json(data, **kwargs)`` after :func:`check_json_text`.

    ``type_`` is a generated type (a model, a union, an enum, an id alias), its name
    (``"PlannedOperation"``), or a ``TypeAdapter``.
    """
    if isinstance(type_, str):
        from . import generated

        if type_ not in generated.__all__:
            raise LookupError(f"no generated type named {type_!r}")
        name = type_
        adapter: TypeAdapter[Any] = TypeAdapter(getattr(generated, type_))
    elif isinstance(type_, TypeAdapter):
        adapter = type_
        name = getattr(getattr(adapter, "_type", None), "__name__", "json")
    else:
        adapter = TypeAdapter(type_)
        name = getattr(type_, "__name__", str(type_))
    check_json_text(data, name)
    # One branch's adapter is `TypeAdapter[Any]` (a type looked up by name); the caller named the type.
    validated: _T = adapter.validate_json(data, **kwargs)
    return validated
