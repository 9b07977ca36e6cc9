"""Profile outputs (§2.6.6.6.1) in the Python SDK: the ``JobOutputs`` union tagged by profile name,
one variant per profile that declares outputs, checked against the shared examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from handshake_job_model import PROFILES, AiJob, JobOutputs

EXAMPLES = Path(__file__).resolve().parents[3] / "tests" / "examples"
JOB_OUTPUTS = TypeAdapter(JobOutputs)


@pytest.mark.parametrize("path", sorted((EXAMPLES / "job_outputs" / "valid").glob("*.json")), ids=lambda p: p.stem)
def test_valid_job_outputs_are_accepted_and_round_trip(path: Path) -> None:
    value = json.loads(path.read_text())
    parsed = JOB_OUTPUTS.validate_python(value)
    assert parsed.profile == value["profile"]
    assert path.stem.startswith(parsed.profile)
    assert JOB_OUTPUTS.dump_python(parsed, mode="json", exclude_none=True) == value


@pytest.mark.parametrize("path", sorted((EXAMPLES / "job_outputs" / "invalid").glob("*.json")), ids=lambda p: p.stem)
def test_invalid_job_outputs_are_refused(path: Path) -> None:
    with pytest.raises(ValidationError):
        JOB_OUTPUTS.validate_python(json.loads(path.read_text()))


def test_profiles_name_their_outputs_record_and_canvas_has_none() -> None:
    assert {p.name for p in PROFILES if p.outputs is None} == {"canvas"}
    docs = next(p for p in PROFILES if p.name == "docs_sheets")
    assert docs.outputs == "DocsSheetsJobOutputs"


@pytest.mark.parametrize("path", sorted((EXAMPLES / "ai_job" / "valid").glob("outputs_*.json")), ids=lambda p: p.stem)
def test_jobs_carry_their_outputs(path: Path) -> None:
    job = AiJob.model_validate(json.loads(path.read_text()))
    assert job.job_outputs is not None
