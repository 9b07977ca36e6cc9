"""``handshake_job_model.canonical`` is the Rust crate's canonical JSON (hand-written tests).

The reference is the crate's vectors (``crates/canonical/vectors/*.json``: input, canonical text,
SHA-256), which ``cargo test -p handshake-canonical`` checks the Rust side against, and the prompt
hashes stored in the rules corpus records of ``prompt_envelope_hashes_match_its_blocks``, which
the Rust validators accept (valid) or refuse (invalid).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT

import handshake_job_model
from handshake_job_model.canonical import (
    CanonicalError,
    canonical_hash,
    canonical_json,
    canonical_prompt_blocks,
    canonical_timestamp,
    prompt_hash,
    prompt_parts_hash,
)

VECTORS = sorted((REPO_ROOT / "crates/canonical/vectors").glob("*.json"))
HASH_RULE = REPO_ROOT / "tests/corpus_rules/prompt_envelope_hashes_match_its_blocks"
VALID_ENVELOPES = sorted((HASH_RULE / "valid").glob("*.json"))
INVALID_ENVELOPES = sorted((HASH_RULE / "invalid").glob("*.json"))


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    assert len(set(keys)) == len(keys), f"duplicate key in a vector input: {keys}"
    return dict(pairs)


def _parse_int(literal: str) -> int | float:
    # As generate.py: serde_json holds `-0` and integers outside i64/u64 as binary64 floats. Python
    # would read `-0` as the integer 0 (canonical `0`, where Rust writes `0.000000`), so the literal
    # decides here; out-of-range integers canonical_json turns into floats by itself.
    if literal.startswith("-0"):
        return float(literal)
    return int(literal)


def _load(text: str) -> Any:
    """JSON text parsed so that integer or float follows the literal, as serde_json reads it."""
    return json.loads(text, parse_int=_parse_int, object_pairs_hook=_object)


def test_there_are_vectors() -> None:
    assert len(VECTORS) >= 20, [path.name for path in VECTORS]


@pytest.mark.parametrize("path", VECTORS, ids=[path.stem for path in VECTORS])
def test_canonical_json_gives_the_vector(path: Path) -> None:
    vector = _load(path.read_text(encoding="utf-8"))
    text = canonical_json(vector["input"])
    assert text == vector["canonical"]
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == vector["sha256"]
    assert canonical_hash(vector["input"]) == vector["sha256"]
    # Canonical JSON is a fixed point: parsed again, it canonicalises to itself.
    assert canonical_json(_load(text)) == text


def test_integers_beyond_i64_and_u64_are_written_as_serde_json_holds_them() -> None:
    # Plain json.loads keeps them as Python ints; Rust reads such literals as floats.
    assert canonical_json(json.loads("[18446744073709551615, 18446744073709551616, -9223372036854775809]")) == (
        "[18446744073709551615,18446744073709551616.000000,-9223372036854775808.000000]"
    )


def test_integer_or_float_follows_the_python_type() -> None:
    assert canonical_json({"int": 1, "float": 1.0, "negative_zero": -0.0}) == (
        '{"float":1.000000,"int":1,"negative_zero":0.000000}'
    )


def test_timestamps_are_rewritten_in_values_only() -> None:
    assert canonical_timestamp("2026-01-02T05:04:05.5+02:00") == "2026-01-02T03:04:05.500000Z"
    assert canonical_timestamp("2026-01-02T03:04:05") is None
    for text in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "2026-01-02T03:04:05+24:00"):
        assert canonical_timestamp(text) is None, text
    assert canonical_json({"2026-01-02T05:04:05+02:00": "2026-01-02T05:04:05+02:00"}) == (
        '{"2026-01-02T05:04:05+02:00":"2026-01-02T03:04:05.000000Z"}'
    )


@pytest.mark.parametrize(
    "value",
    [
        {"\u00e9": 1, "e\u0301": 2},
        [math.nan],
        [math.inf],
        "\ud800",
        {1: "non-string key"},
        {"bytes": b"x"},
    ],
    ids=["keys_equal_after_nfc", "nan", "infinity", "lone_surrogate", "int_key", "bytes"],
)
def test_values_without_a_canonical_form_are_refused(value: Any) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(value)


def _block(order_key: str, content: str) -> dict[str, Any]:
    return {
        "kind": "task",
        "content": content,
        "source_refs": [],
        "sensitivity": "low",
        "projection": "full",
        "order_key": order_key,
    }


def test_blocks_sort_by_nfc_order_key_then_by_canonical_text() -> None:
    # Decomposed, "e\u0301" would sort before "\u00e1"; as NFC ("\u00e9") it sorts after.
    late, tie_b, tie_a = _block("e\u0301", "late"), _block("a\u0301", "b"), _block("\u00e1", "a")
    expected = "[" + ",".join(canonical_json(block) for block in (tie_a, tie_b, late)) + "]"
    assert canonical_prompt_blocks([late, tie_b, tie_a]) == expected
    assert prompt_hash([tie_b, late, tie_a]) == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    # Parts are sorted one by one and then concatenated, not sorted together.
    parts = [[late], [tie_b, tie_a]]
    joined = "[" + ",".join(canonical_json(block) for block in (late, tie_a, tie_b)) + "]"
    assert prompt_parts_hash(parts) == hashlib.sha256(joined.encode("utf-8")).hexdigest()
    assert prompt_parts_hash([[late, tie_a]]) == prompt_hash([late, tie_a])
    assert prompt_parts_hash([]) == prompt_hash([]) == hashlib.sha256(b"[]").hexdigest()


@pytest.mark.parametrize(
    "blocks",
    [{"order_key": "a"}, [["order_key", "a"]], [{"content": "no order_key"}], [{"order_key": 1}]],
    ids=["not_a_list", "block_not_an_object", "no_order_key", "order_key_not_a_string"],
)
def test_prompt_blocks_of_another_shape_are_refused(blocks: Any) -> None:
    with pytest.raises(CanonicalError):
        prompt_parts_hash([blocks])


def _envelope_hashes(envelope: dict[str, Any]) -> tuple[str, str, str]:
    prefix = envelope["stable_prefix"]["blocks"]
    suffix = envelope["variable_suffix"]["blocks"]
    return (prompt_parts_hash([prefix]), prompt_parts_hash([suffix]), prompt_parts_hash([prefix, suffix]))


def _stored_hashes(envelope: dict[str, Any]) -> tuple[str, str, str]:
    return (envelope["stable_prefix_hash"], envelope["variable_suffix_hash"], envelope["full_prompt_hash"])


def test_the_rules_corpus_has_prompt_envelopes() -> None:
    assert len(VALID_ENVELOPES) >= 4 and len(INVALID_ENVELOPES) >= 5


@pytest.mark.parametrize("path", VALID_ENVELOPES, ids=[path.stem for path in VALID_ENVELOPES])
def test_prompt_parts_hash_gives_the_hashes_a_valid_envelope_stores(path: Path) -> None:
    envelope = json.loads(path.read_text(encoding="utf-8"))
    assert _envelope_hashes(envelope) == _stored_hashes(envelope)
    # The wire form of the model (absent optional fields omitted) hashes the same.
    model = handshake_job_model.PromptEnvelope.model_validate(envelope)
    assert _envelope_hashes(model.model_dump(mode="json", exclude_none=True)) == _stored_hashes(envelope)


@pytest.mark.parametrize("path", INVALID_ENVELOPES, ids=[path.stem for path in INVALID_ENVELOPES])
def test_an_invalid_envelope_stores_a_hash_its_blocks_do_not_give(path: Path) -> None:
    envelope = json.loads(path.read_text(encoding="utf-8"))
    assert _envelope_hashes(envelope) != _stored_hashes(envelope)


def test_the_interpreter_hashes_the_wire_form_not_the_nulls_of_model_dump() -> None:
    """``model_dump(mode="json")`` writes absent optional fields as ``None``; the stored hash covers
    the wire form, where they are omitted, so the rule must hold on both dumps."""
    envelope = json.loads(VALID_ENVELOPES[0].read_text(encoding="utf-8"))
    model = handshake_job_model.PromptEnvelope.model_validate(envelope)
    with_nulls = model.model_dump(mode="json")
    assert "null" in json.dumps(with_nulls), "the record has an absent optional field"
    assert _envelope_hashes(with_nulls) != _stored_hashes(envelope)
    assert handshake_job_model.violations(with_nulls, "PromptEnvelope") == []
    assert handshake_job_model.violations(model, "PromptEnvelope") == []


def test_an_absent_hash_holds_and_an_absent_part_fails() -> None:
    rule = next(r for r in handshake_job_model.RULES if r.name == "prompt_envelope_hashes_match_its_blocks")
    envelope = json.loads(VALID_ENVELOPES[0].read_text(encoding="utf-8"))
    without_hash = dict(envelope)
    del without_hash["full_prompt_hash"]
    assert rule not in handshake_job_model.broken_rules("PromptEnvelope", without_hash)
    without_blocks = dict(envelope, variable_suffix={})
    assert rule in handshake_job_model.broken_rules("PromptEnvelope", without_blocks)
    edited = json.loads(json.dumps(envelope))
    edited["variable_suffix"]["blocks"][0]["content"] += "!"
    assert handshake_job_model.violations(edited, "PromptEnvelope") == [("", rule.code)]
