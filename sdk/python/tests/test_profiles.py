"""Profiles (§2.6.6.6) in the Python SDK: the closed job-kind registry, status mapping, and the
``JobInputs`` union tagged by profile name, checked against the shared examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, assert_refused, assert_round_trips, example_files
from pydantic import TypeAdapter

from handshake_job_model import (
    JOB_KIND_PROFILE,
    JOB_KIND_VALUES,
    PROFILES,
    AiJob,
    JobInputs,
    map_status,
    profile_by_id,
    profile_of,
)

JOB_INPUTS = TypeAdapter(JobInputs)


def test_every_job_kind_is_bound_to_exactly_one_profile() -> None:
    listed = [kind for profile in PROFILES for kind in profile.job_kinds]
    assert sorted(listed) == sorted(JOB_KIND_VALUES)
    assert len(listed) == len(set(listed))
    assert set(JOB_KIND_PROFILE) == set(JOB_KIND_VALUES)
    assert profile_of("doc_rewrite").profile_id == "docs_sheets_ai_v0.5"
    assert profile_of("doc_rewrite").inputs == "DocsAiJobProfile"


def test_statuses_map_onto_the_lifecycle() -> None:
    assert map_status("distillation_v0.1", "pending") == "queued"
    assert map_status("docling_ingest_v0.1", "interrupted") == "failed"
    assert map_status("docs_sheets_ai_v0.5", "awaiting_user") == "awaiting_user"
    assert map_status("docs_sheets_ai_v0.5", "interrupted") is None
    assert map_status("no_such_profile_v1", "queued") is None
    assert profile_by_id("no_such_profile_v1") is None


@pytest.mark.parametrize("path", example_files("job_inputs/valid"), ids=lambda p: p.stem)
def test_valid_job_inputs_are_accepted_and_tagged_with_their_profile(path: Path) -> None:
    parsed = assert_round_trips(JOB_INPUTS, path)
    assert parsed.profile == path.stem


@pytest.mark.parametrize("path", example_files("job_inputs/invalid"), ids=lambda p: p.stem)
def test_invalid_job_inputs_are_refused(path: Path) -> None:
    assert_refused(JOB_INPUTS, path)


def test_an_unknown_job_kind_is_refused() -> None:
    assert_refused(TypeAdapter(AiJob), EXAMPLES / "ai_job" / "invalid" / "unknown_job_kind.json")
