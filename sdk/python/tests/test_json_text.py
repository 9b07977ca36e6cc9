"""Strict JSON text (``handshake_job_model.json_text``): every text entry point refuses what Rust refuses.

A repeated key (at any depth) and nesting deeper than ``MAX_NESTING_DEPTH`` (127 arrays and objects,
where serde_json stops) are refused with Pydantic's ``ValidationError`` by the generated models'
``model_validate_json``, by ``validate_json`` (unions, enums, ``TypeAdapter``) and by the verdicts
CLI; valid records still pass.
"""

from __future__ import annotations

import json
import sys

import pytest
from conftest import REPO_ROOT, corpus_records, type_name
from pydantic import TypeAdapter, ValidationError

from handshake_job_model import AiJob, PlannedOperation, generated, verdicts
from handshake_job_model.json_text import MAX_NESTING_DEPTH, check_json_text, validate_json

REQUIRED_ONLY = (REPO_ROOT / "tests/corpus/ai_job/valid/required_only.json").read_text(encoding="utf-8")


def refusal(error: pytest.ExceptionInfo[ValidationError]) -> tuple[tuple[str | int, ...], str]:
    [detail] = error.value.errors(include_url=False)
    assert detail["type"] == "json_invalid"
    return detail["loc"], detail["msg"]


def deep_record(depth: int) -> str:
    """A PlannedOperation whose open-JSON ``chart_spec_patch`` nests arrays, ``depth`` levels in all."""
    arrays = depth - 1  # the record's own object is the first level
    return (
        '{"op": "update_chart_spec", "target_chart_id": "0193a2b4-5c6d-7e8f-9a0b-000000000002", '
        f'"chart_spec_patch": {"[" * arrays}{"]" * arrays}}}'
    )


def test_the_limit_is_serde_jsons() -> None:
    # serde_json's recursion limit is 128: 127 nested arrays and objects parse, the 128th is refused
    # (checked with `handshake validate` on deep_record(127) and deep_record(128)).
    assert MAX_NESTING_DEPTH == 127


def test_a_top_level_duplicate_key_is_refused_at_that_key() -> None:
    text = REQUIRED_ONLY.replace('"job_kind": "doc_edit",', '"job_kind": "doc_edit", "job_kind": "doc_review",')
    with pytest.raises(ValidationError) as error:
        AiJob.model_validate_json(text)
    assert refusal(error) == (("job_kind",), "Invalid JSON: duplicate key 'job_kind'")


def test_a_nested_duplicate_key_is_refused_at_its_path() -> None:
    text = REQUIRED_ONLY.replace('"artefact_type": "doc",', '"artefact_type": "doc", "artefact_type": "doc",')
    with pytest.raises(ValidationError) as error:
        AiJob.model_validate_json(text.encode())
    assert refusal(error)[0] == ("entity_refs", 0, "artefact_type")


def test_a_duplicate_inside_open_json_is_refused_too() -> None:
    text = deep_record(3).replace("[[]]", '[{"a": 1, "\\u0061": 2}]')
    with pytest.raises(ValidationError) as error:
        validate_json(PlannedOperation, text)
    assert refusal(error)[0] == ("chart_spec_patch", 0, "a")


def test_equal_keys_in_different_objects_are_fine() -> None:
    check_json_text('{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}')


def test_a_record_at_the_limit_passes_and_one_level_deeper_is_refused() -> None:
    validate_json("PlannedOperation", deep_record(MAX_NESTING_DEPTH))
    with pytest.raises(ValidationError) as error:
        validate_json("PlannedOperation", deep_record(MAX_NESTING_DEPTH + 1))
    loc, message = refusal(error)
    # Level 1 is the record, level 2 chart_spec_patch, level 128 the array 126 indices below it.
    assert loc == ("chart_spec_patch", *([0] * (MAX_NESTING_DEPTH - 1)))
    assert message == "Invalid JSON: nesting deeper than 127 arrays and objects"


def test_deep_objects_are_counted_like_arrays() -> None:
    at_limit = '{"a":' * MAX_NESTING_DEPTH + "1" + "}" * MAX_NESTING_DEPTH
    check_json_text(at_limit)
    with pytest.raises(ValidationError) as error:
        check_json_text('{"a":' + at_limit + "}")
    assert refusal(error)[0] == ("a",) * MAX_NESTING_DEPTH


def test_hostile_nesting_is_refused_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # far below a million levels: the check must not recurse into them
    try:
        with pytest.raises(ValidationError) as error:
            validate_json(PlannedOperation, "[" * 1_000_000)
    finally:
        sys.setrecursionlimit(limit)
    assert refusal(error)[0] == (0,) * MAX_NESTING_DEPTH


def test_brackets_inside_strings_do_not_nest() -> None:
    check_json_text(json.dumps({"s": "[" * 500, "t": '\\"[{'}))


def test_text_that_is_not_json_is_left_to_pydantic() -> None:
    with pytest.raises(ValidationError) as error:
        AiJob.model_validate_json('{"job_id": ')
    assert error.value.errors()[0]["type"] == "json_invalid"


def test_type_adapters_and_names_are_accepted() -> None:
    adapter = TypeAdapter(generated.JobState)
    assert validate_json(adapter, '"queued"') == "queued"
    assert validate_json("JobState", b'"queued"') == "queued"
    with pytest.raises(LookupError):
        validate_json("NoSuchType", "{}")


@pytest.mark.parametrize("record", [r for r in corpus_records() if r.expected_valid], ids=lambda r: r.name)
def test_valid_corpus_records_still_pass(record: object) -> None:
    validate_json(type_name(record.root_type), record.path.read_bytes())  # type: ignore[attr-defined]


def test_the_verdicts_cli_uses_the_strict_path(tmp_path: object) -> None:
    folder = tmp_path / "ai_job" / "invalid"  # type: ignore[operator]
    folder.mkdir(parents=True)
    duplicate = folder / "duplicate.json"
    duplicate.write_text(REQUIRED_ONLY.replace('"state": "queued",', '"state": "queued", "state": "queued",'))
    deep = folder / "deep.json"
    deep.write_text(deep_record(MAX_NESTING_DEPTH + 1))
    judged = verdicts.verdict(duplicate, "AiJob")
    assert judged["valid"] is False and judged["errors"] == ["state: Invalid JSON: duplicate key 'state'"]
    assert verdicts.verdict(deep, "PlannedOperation")["valid"] is False
