"""The scalar types and the model base class of the generated Pydantic models (hand-written;
``cargo xtask codegen`` never touches it).

The generated ``generated/types.py`` imports these under private names (``Timestamp as
_Timestamp``, ...), so a spec type may be called ``Timestamp`` or ``Record``. Validation mirrors the
Rust wire format, not Pydantic's lax defaults: scalars are strict (no ``"1"`` → ``1``, no ``1`` →
``True``), integers carry their 64-bit bounds, timestamps are RFC 3339 and written in UTC, optional
fields are never ``null``. ``tests/test_wire.py`` and the corpus tests check them through the
generated models.
"""

from __future__ import annotations

import datetime as _dt
import re as _re
from typing import Annotated, Self, TypeVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, PlainSerializer, StrictInt

from ..json_text import check_json_text

# RFC 3339 as every target reads it: `T`/`t` between date and time, any number of fraction
# digits, `Z`/`z` or a `+hh:mm`/`-hh:mm` offset; `datetime` then refuses a leap second and year 0.
_RFC3339 = _re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$"
)


def _timestamp_input(value: object) -> _dt.datetime:
    """Read an RFC 3339 timestamp (any offset) or an aware ``datetime``, as an aware ``datetime``.

    Numbers (Unix times) and ISO 8601 forms outside RFC 3339 are refused, like the Rust model does.
    Digits below the microsecond are truncated, never rounded (Rust keeps microseconds too).
    """
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamp must be timezone-aware")
        return value
    if not isinstance(value, str):
        raise ValueError("timestamp must be an RFC 3339 string")
    match = _RFC3339.match(value)
    if match is None:
        raise ValueError("timestamp must be RFC 3339, e.g. 2026-01-01T00:00:00Z")
    year, month, day, hour, minute, second, fraction, sign, offset_hour, offset_minute = match.groups()
    if (year, month, day) in (("0001", "01", "01"), ("9999", "12", "31")) and (
        sign is not None and (offset_hour, offset_minute) != ("00", "00")
    ):
        raise ValueError("on 0001-01-01 and 9999-12-31 the offset must be Z or +00:00 (years 0001-9999 in UTC)")
    offset = _dt.timedelta(0)
    if sign is not None:
        if int(offset_hour) > 23 or int(offset_minute) > 59:
            raise ValueError("timestamp offset out of range")
        offset = _dt.timedelta(hours=int(offset_hour), minutes=int(offset_minute))
        if sign == "-":
            offset = -offset
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return _dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), microsecond,
            tzinfo=_dt.timezone(offset),
        )
    except ValueError as error:
        raise ValueError(f"timestamp out of range: {error}") from None


def _timestamp_utc(value: _dt.datetime) -> _dt.datetime:
    # The instant must be writable as YYYY-MM-DDThh:mm:ss.ffffffZ: years 0001-9999 in UTC, as in Rust.
    try:
        return value.astimezone(_dt.UTC)
    except OverflowError:
        raise ValueError("the instant in UTC falls outside years 0001-9999") from None


def _timestamp_text(value: _dt.datetime) -> str:
    value = value.astimezone(_dt.UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z"
    )


Timestamp = Annotated[
    _dt.datetime,
    BeforeValidator(_timestamp_input),
    AfterValidator(_timestamp_utc),
    PlainSerializer(_timestamp_text, return_type=str, when_used="json"),
]
"""``timestamp``: any RFC 3339 offset in, normalised to UTC; written ``YYYY-MM-DDThh:mm:ss.ffffffZ``."""

_UUID_TEXT = _re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _uuid_input(value: object) -> object:
    """Accept a ``UUID`` or its hyphenated text form only (no braces, ``urn:uuid:`` or bare hex)."""
    if isinstance(value, str) and not _UUID_TEXT.match(value):
        raise ValueError("uuid must be in hyphenated form, e.g. 0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b")
    return value


Uuid = Annotated[UUID, BeforeValidator(_uuid_input)]
"""``uuid``: RFC 4122 in hyphenated text form (either case in, lower case out)."""

_T = TypeVar("_T")


def _not_null(value: _T | None) -> _T:
    if value is None:
        raise ValueError("null is not allowed; omit the field instead")
    return value


OptionalField = Annotated[_T | None, AfterValidator(_not_null)]
"""An optional field: it may be absent (``None`` in Python, omitted on the wire) but never ``null``.

Matches the JSON Schema, where optional properties are not nullable. A ``json`` field is the one
exception: ``null`` is a JSON value, so it stays ``JsonValue | None``.
"""


def _integer_input(value: object) -> object:
    """Read a JSON number with an integral value as that integer (``1000.0`` and ``1e3`` are 1000).

    JSON has one number type and JSON Schema's ``integer`` is any number with a zero fraction, so
    every target reads integers by value (decision in ``serde_support::Exact`` of the Rust crate).
    A fraction stays a float and is refused by ``StrictInt``, like strings and booleans.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


I64 = Annotated[StrictInt, BeforeValidator(_integer_input), Field(ge=-(2**63), le=2**63 - 1)]
"""``integer``: signed 64-bit, by value (no strings, fractions or booleans)."""

U64 = Annotated[StrictInt, BeforeValidator(_integer_input), Field(ge=0, le=2**64 - 1)]
"""``uint``: unsigned 64-bit, by value."""


class Record(BaseModel):
    """Base of every generated model: ``model_validate_json`` reads the text as every target does.

    Before Pydantic parses it, the text is checked by ``handshake_job_model.json_text``: an object
    with a repeated key, or nesting deeper than ``MAX_NESTING_DEPTH`` arrays and objects, is refused
    with a ``ValidationError`` (type ``json_invalid``), as the Rust model refuses it. For unions,
    enums and ``TypeAdapter`` users, ``handshake_job_model.json_text.validate_json`` does the same.
    """

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: object) -> Self:
        check_json_text(json_data, cls.__name__)
        return super().model_validate_json(json_data, **kwargs)  # type: ignore[arg-type]
