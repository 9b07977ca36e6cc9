"""Canonical JSON and the prompt hashes of §2.6.6.7.5, as the Rust crate ``handshake-canonical`` has them.

Hand-written (``cargo xtask codegen`` never touches it), standard library only. It ports
``crates/canonical/src/{json,number,timestamp,hashes}.rs`` and follows the independent Python
implementation that wrote the crate's test vectors (``crates/canonical/vectors/generate.py``, which
takes its timestamp rule from :func:`canonical_timestamp` here); the SDK tests check it against
every vector in ``crates/canonical/vectors/*.json``.

The rules (see ``crates/canonical/src/json.rs`` for why they depart from RFC 8785):

* **Objects**: keys NFC-normalised and sorted by code point (Python's own ``str`` order, which is
  UTF-8 byte order); two keys equal after NFC are an error.
* **Strings**: NFC-normalised; a string value that is a whole RFC 3339 date-time is rewritten to
  UTC ``YYYY-MM-DDThh:mm:ss.ffffffZ`` (keys never are).
* **Numbers**: an ``int`` is written in full; a ``float`` with exactly six decimals, rounded half to
  even on its exact binary value, never with exponent or ``-0.000000``. Integer or float follows the
  Python type, as it follows the serde type in Rust: ``1`` gives ``1`` and ``1.0`` gives ``1.000000``.
* **Escapes**: ``\\"`` ``\\\\`` ``\\b`` ``\\f`` ``\\n`` ``\\r`` ``\\t``, other U+0000–U+001F as
  lower-case ``\\u00xx``, everything else literal UTF-8; no whitespace.

Values are what :func:`json.loads` or ``model_dump(mode="json")`` give: ``None``, ``bool``,
``int``, ``float``, ``str``, ``list`` (or ``tuple``) and ``dict`` with ``str`` keys.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

__all__ = [
    "CanonicalError",
    "canonical_hash",
    "canonical_json",
    "canonical_prompt_blocks",
    "canonical_timestamp",
    "prompt_hash",
    "prompt_parts_hash",
]


class CanonicalError(ValueError):
    """A value that has no canonical form: keys equal after NFC, a non-finite float, a lone
    surrogate, a value that is not JSON, or prompt blocks of the wrong shape."""


_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)

# serde_json holds integers in i64 or u64; any other integer literal becomes a binary64 float.
_INT_MIN = -(2**63)
_INT_END = 2**64


def canonical_timestamp(text: str) -> str | None:
    """The canonical UTC form of an RFC 3339 date-time, or ``None`` if ``text`` is none.

    ``2026-01-02T05:04:05.5+02:00`` becomes ``2026-01-02T03:04:05.500000Z``. Fractions are padded
    or truncated (never rounded) to six digits; ``T`` and ``Z`` may be lower-case. Not timestamps:
    a date alone, a missing offset, a day that does not exist, a leap second (``:60``), an offset
    beyond ``±23:59``, and a year outside 0001–9999 before or after the shift to UTC.
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "")[:6].ljust(6, "0"))
    if offset in ("Z", "z"):
        shift = timedelta(0)
    else:
        offset_hour, offset_minute = int(offset[1:3]), int(offset[4:6])
        if offset_hour > 23 or offset_minute > 59:
            return None
        shift = timedelta(hours=offset_hour, minutes=offset_minute)
        if offset[0] == "-":
            shift = -shift
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros)
        utc = local - shift
    except (ValueError, OverflowError):
        # No such day or time of day (hour 24, second 60, year 0000), or outside years 0001-9999
        # once shifted to UTC.
        return None
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def _escape(text: str) -> str:
    """``text`` as a JSON string with the RFC 8785 escapes.

    :func:`json.dumps` with ``ensure_ascii=False`` escapes exactly these: ``\\"`` ``\\\\`` ``\\b``
    ``\\f`` ``\\n`` ``\\r`` ``\\t``, the other controls below U+0020 as lower-case ``\\u00xx``, and
    nothing else (U+007F, U+2028 and ``/`` stay literal).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(f"string {text!r} holds a lone surrogate, which JSON text cannot carry") from None
    return json.dumps(text, ensure_ascii=False)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise CanonicalError(f"{value!r} is not a finite number")
    text = format(value, ".6f")
    # Negative zero, or a negative value that rounds to zero, loses its sign.
    if text.startswith("-") and set(text[1:]) <= set("0."):
        text = text[1:]
    return text


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if _INT_MIN <= value < _INT_END:
            out.append(str(value))
        else:
            # What serde_json reads such a literal as: the nearest binary64 float.
            try:
                as_float = float(value)
            except OverflowError:
                raise CanonicalError(f"integer {value} is out of the range of a number") from None
            out.append(_float(as_float))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, str):
        text = _nfc(value)
        timestamp = canonical_timestamp(text)
        out.append(f'"{timestamp}"' if timestamp is not None else _escape(text))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, Mapping):
        entries = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"object key {key!r} is not a string")
            entries.append((_nfc(key), key, item))
        entries.sort(key=lambda entry: entry[0])
        for left, right in pairwise(entries):
            if left[0] == right[0]:
                raise CanonicalError(f"keys {left[1]!r} and {right[1]!r} are equal after NFC")
        out.append("{")
        for index, (key, _, item) in enumerate(entries):
            if index:
                out.append(",")
            out.append(_escape(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    else:
        raise CanonicalError(f"{type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of the JSON value ``value`` (see the module docstring).

    An ``int`` outside the ``i64``/``u64`` range is written as the float serde_json holds it as
    (``18446744073709551616`` → ``18446744073709551616.000000``), so a JSON text parsed with
    :func:`json.loads` canonicalises as the Rust crate canonicalises it (except ``-0``, an integer
    to Python and a float to serde_json).

    :raises CanonicalError: keys equal after NFC, a non-finite float, a lone surrogate, a non-JSON
        value.
    """
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def canonical_hash(value: Any) -> str:
    """SHA-256 (lower-case hex) of the UTF-8 bytes of :func:`canonical_json` of ``value``."""
    return _sha256(canonical_json(value))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sorted_blocks(blocks: Any) -> list[str]:
    """The canonical text of each ContextBlock of ``blocks``, in prompt order: by the NFC
    ``order_key`` (code point order), equal keys by their canonical text."""
    if not isinstance(blocks, (list, tuple)):
        raise CanonicalError("prompt blocks must be an array of ContextBlock objects")
    keyed = []
    for index, block in enumerate(blocks):
        order_key = block.get("order_key") if isinstance(block, Mapping) else None
        if not isinstance(order_key, str):
            raise CanonicalError(f"block [{index}]: a ContextBlock must be an object with a string order_key")
        keyed.append((_nfc(order_key), canonical_json(block)))
    keyed.sort()
    return [text for _, text in keyed]


def canonical_prompt_blocks(blocks: Sequence[Any]) -> str:
    """The canonical form hashed by :func:`prompt_hash`: the blocks sorted by ``order_key``, as one array.

    :raises CanonicalError: ``blocks`` is not a list of objects that each have a string
        ``order_key``, or as :func:`canonical_json`.
    """
    return "[" + ",".join(_sorted_blocks(blocks)) + "]"


def prompt_hash(blocks: Sequence[Any]) -> str:
    """A prompt hash (§2.6.6.7.5): SHA-256 of :func:`canonical_prompt_blocks` of one
    WorkingContext's ``blocks`` (``stable_prefix_hash``, ``variable_suffix_hash``)."""
    return _sha256(canonical_prompt_blocks(blocks))


def prompt_parts_hash(parts: Iterable[Sequence[Any]]) -> str:
    """The prompt hash of several block lists read in order (§2.6.6.7.5), lower-case hex.

    Each part is a list of ContextBlock objects (their JSON form), sorted as :func:`prompt_hash`
    sorts it; the sorted parts are concatenated into one canonical JSON array, whose SHA-256 is the
    result. One part gives its :func:`prompt_hash`; the stable prefix blocks followed by the
    variable suffix blocks give ``full_prompt_hash``. This is the ``prompt_blocks`` form of a
    spec's ``hash_of`` rule, as Rust's ``handshake_canonical::prompt_parts_hash``.

    :raises CanonicalError: as :func:`canonical_prompt_blocks`, for any part.
    """
    texts: list[str] = []
    for part in parts:
        texts.extend(_sorted_blocks(part))
    return _sha256("[" + ",".join(texts) + "]")
