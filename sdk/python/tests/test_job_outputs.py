"""Profile outputs (§2.6.6.6.1) in the Python SDK: the ``JobOutputs`` union tagged by profile name,
one variant per profile that declares outputs, checked against the shared examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_refused, assert_round_trips, example_files
from pydantic import TypeAdapter

from handshake_job_model import PROFILES, AiJob, JobOutputs

JOB_OUTPUTS = TypeAdapter(JobOutputs)


@pytest.mark.parametrize("path", example_files("job_outputs/valid"), ids=lambda p: p.stem)
def test_valid_job_outputs_are_accepted_and_round_trip(path: Path) -> None:
    parsed = assert_round_trips(JOB_OUTPUTS, path)
    assert path.stem.startswith(parsed.profile)


@pytest.mark.parametrize("path", example_files("job_outputs/invalid"), ids=lambda p: p.stem)
def test_invalid_job_outputs_are_refused(path: Path) -> None:
    assert_refused(JOB_OUTPUTS, path)


def test_profiles_name_their_outputs_record_and_canvas_has_none() -> None:
    assert {p.name for p in PROFILES if p.outputs is None} == {"canvas"}
    docs = next(p for p in PROFILES if p.name == "docs_sheets")
    assert docs.outputs == "DocsSheetsJobOutputs"


@pytest.mark.parametrize("path", example_files("ai_job/valid", "outputs_*.json"), ids=lambda p: p.stem)
def test_jobs_carry_their_outputs(path: Path) -> None:
    job = AiJob.model_validate(json.loads(path.read_text()))
    assert job.job_outputs is not None
