"""The Python models write the Rust wire format: absent optionals omitted, UTC ``Z`` timestamps."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from conftest import REPO_ROOT
from pydantic import ValidationError

from handshake_job_model import AiJob, EntityRef, JobMetrics, PlannedOperationInsertBlock, StatusReason

REQUIRED_ONLY = REPO_ROOT / "tests/corpus/ai_job/valid/required_only.json"
WIRE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def wire(model: object) -> object:
    """Serialize exactly as the Rust model does."""
    return model.model_dump(mode="json", exclude_none=True)  # type: ignore[attr-defined]


def test_a_canonical_record_round_trips_byte_for_byte_as_json_values() -> None:
    record = json.loads(REQUIRED_ONLY.read_text(encoding="utf-8"))
    job = AiJob.model_validate(record)
    assert wire(job) == record
    assert AiJob.model_validate(wire(job)) == job


def test_absent_optional_fields_are_omitted_not_null() -> None:
    job = AiJob.model_validate_json(REQUIRED_ONLY.read_bytes())
    assert job.parent_job_id is None
    out = wire(job)
    assert "parent_job_id" not in out
    assert "null" not in json.dumps(out)


def test_optional_fields_refuse_explicit_null() -> None:
    record = json.loads(REQUIRED_ONLY.read_text(encoding="utf-8"))
    record["parent_job_id"] = None
    with pytest.raises(ValidationError, match="null is not allowed"):
        AiJob.model_validate(record)


def test_timestamps_are_written_in_utc_with_z_and_six_fraction_digits() -> None:
    record = json.loads(REQUIRED_ONLY.read_text(encoding="utf-8"))
    record["created_at"] = "2026-11-24T03:20:00.5+01:00"
    record["updated_at"] = "2026-11-24T02:20:00.123456789Z"
    out = wire(AiJob.model_validate(record))
    assert out["created_at"] == "2026-11-24T02:20:00.500000Z"
    assert out["updated_at"] == "2026-11-24T02:20:00.123456Z"  # truncated like Rust, never rounded
    assert all(WIRE_TIMESTAMP.match(out[k]) for k in ("created_at", "updated_at"))


def test_timestamps_must_be_aware_and_rfc3339() -> None:
    record = json.loads(REQUIRED_ONLY.read_text(encoding="utf-8"))
    for bad in ("2026-11-24T02:20:00", "2026-11-24", 1764037200, "1764037200"):
        with pytest.raises(ValidationError):
            AiJob.model_validate({**record, "created_at": bad})
    naive = dt.datetime(2026, 11, 24, 2, 20)
    with pytest.raises(ValidationError, match="timezone-aware"):
        AiJob.model_validate({**record, "created_at": naive})
    aware = dt.datetime(2026, 11, 24, 3, 20, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert AiJob.model_validate({**record, "created_at": aware}).created_at.tzinfo == dt.UTC


def test_integers_are_read_by_value_like_every_target() -> None:
    metrics = {
        "duration_ms": 0,
        "tokens_planner": 0,
        "tokens_executor": 0,
        "entities_read_count": 0,
        "entities_written_count": 0,
        "validators_run_count": 0,
    }
    JobMetrics.model_validate(metrics)
    for bad in ("5", 1.5, True, -1, 2**64, float(2**64), float("inf"), float("nan")):
        with pytest.raises(ValidationError):
            JobMetrics.model_validate({**metrics, "duration_ms": bad})
    assert JobMetrics.model_validate({**metrics, "duration_ms": 2**64 - 1}).duration_ms == 2**64 - 1
    # A number with an integral value is that integer (JSON Schema's `integer`; JSON.parse too).
    for text in ("1000", "1000.0", "1e3", "1.0E3"):
        read = JobMetrics.model_validate_json(json.dumps(metrics).replace('"duration_ms": 0', f'"duration_ms": {text}'))
        assert read.duration_ms == 1000 and type(read.duration_ms) is int


def test_uuids_are_read_hyphenated_and_written_lower_case() -> None:
    ref = EntityRef.model_validate({"artefact_type": "doc", "artefact_id": "9C4D5E6F-7A8B-4C9D-8E1F-2A3B4C5D6E7F"})
    assert wire(ref) == {"artefact_type": "doc", "artefact_id": "9c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f"}
    assert EntityRef(artefact_type="doc", artefact_id=uuid.UUID(int=1)).artefact_id == uuid.UUID(int=1)
    for bad in ("{9c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f}", "9c4d5e6f7a8b4c9d8e1f2a3b4c5d6e7f", "not-a-uuid"):
        with pytest.raises(ValidationError):
            EntityRef.model_validate({"artefact_type": "doc", "artefact_id": bad})


def test_unknown_fields_are_refused_at_every_level() -> None:
    with pytest.raises(ValidationError, match="extra"):
        StatusReason.model_validate({"code": "created", "why": "x"})
    with pytest.raises(ValidationError):
        PlannedOperationInsertBlock.model_validate(
            {"op": "insert_block", "after": "b1", "content": {"block_type": "p", "text": "x", "extra": 1}}
        )


def test_union_variants_carry_their_tag_on_the_wire() -> None:
    operation = PlannedOperationInsertBlock(after="b1", content={"block_type": "p", "text": "x"})  # type: ignore[arg-type]
    assert wire(operation) == {"op": "insert_block", "after": "b1", "content": {"block_type": "p", "text": "x"}}
