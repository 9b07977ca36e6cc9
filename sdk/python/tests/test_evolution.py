"""The generated models read records written before the spec's evolution declarations (hand-written).

The ``evolution`` Python golden (``tests/golden/evolution/expected/python``) declares a field
``renamed_from`` an old name and enum values removed with ``read_alias: true`` (one through a
value's ``renamed_from``) and one without: old records parse under the new names, only the new
names are written, and the removed value without ``read_alias`` is refused.
"""

from __future__ import annotations

import sys

import pytest
from conftest import load_golden
from pydantic import ValidationError

types = sys.modules[f"{load_golden('evolution').__name__}.types"]


def old_task(colour: str) -> dict:
    return {
        "task_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
        "name": "written before the rename",
        "colour": colour,
        "stage": "draft",
        "owner": "ann",
    }


def test_an_old_record_is_read_under_the_new_names_and_written_with_them() -> None:
    task = types.Task.model_validate(old_task("azure"))
    assert task.title == "written before the rename"
    assert task.colour == "blue"
    written = task.model_dump(mode="json")
    assert written["title"] == "written before the rename"
    assert "name" not in written
    assert written["colour"] == "blue"
    # The new name is read too.
    assert types.Task.model_validate(written).title == "written before the rename"


def test_a_removed_value_is_read_only_where_it_is_declared_a_read_alias() -> None:
    assert types.Task.model_validate(old_task("teal")).colour == "green"
    with pytest.raises(ValidationError):
        types.Task.model_validate(old_task("violet"))
    assert types.COLOUR_VALUES == ("red", "blue", "green")


def test_a_renamed_type_keeps_its_old_name_as_an_alias() -> None:
    assert types.Hue is types.Colour


def test_a_removed_state_is_read_as_the_state_it_maps_to() -> None:
    old = old_task("red")
    old["stage"] = "pending"
    task = types.Task.model_validate(old)
    assert task.stage == "review"
    assert task.model_dump(mode="json")["stage"] == "review"
