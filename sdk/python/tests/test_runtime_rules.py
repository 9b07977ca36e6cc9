"""Unit tests of the rule interpreter ``handshake_job_model._runtime.rules`` as itself (hand-written).

The cases are small hand-written rules in ``sdk/runtime_cases.json``, which the TypeScript
interpreter's test (``sdk/typescript/test/runtime_rules.ts``) runs too, so both interpreters give
the same answer on every operator, apart from the spec's own rules (``test_rules.py`` runs those on
``tests/corpus_rules``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import REPO_ROOT
from pydantic import BaseModel, ValidationError, ValidationInfo, model_validator

from handshake_job_model._runtime.rules import ABSENT, SKIP_RULES, CrossFieldRule, RuleSet, holds, resolve

CASES = json.loads((REPO_ROOT / "sdk/runtime_cases.json").read_text(encoding="utf-8"))

OPERATORS = {
    "present", "absent", "equals", "not_equals", "in", "not_in", "length", "contains", "each",
    "all_equal", "member_of", "same_as", "at_most", "equals_sum", "sorted_by", "hash_of", "all",
    "any", "not",
}


@pytest.mark.parametrize("case", CASES["conditions"], ids=[case["name"] for case in CASES["conditions"]])
def test_a_condition_holds_as_the_case_says(case: dict[str, Any]) -> None:
    root = case.get("root", case["value"])
    assert holds(case["condition"], case["value"], root) is case["holds"]


def test_every_operator_has_a_case_that_holds_and_one_that_fails() -> None:
    seen: dict[str, set[bool]] = {}
    for case in CASES["conditions"]:
        seen.setdefault(case["condition"]["op"], set()).add(case["holds"])
    assert set(seen) == OPERATORS
    assert [op for op, outcomes in seen.items() if outcomes != {True, False}] == []


@pytest.mark.parametrize("walk", CASES["walks"], ids=[walk["name"] for walk in CASES["walks"]])
def test_violations_name_the_record_each_broken_rule_is_on(walk: dict[str, Any]) -> None:
    rule_set = RuleSet(walk["rules"], walk["walk"])
    for case in walk["cases"]:
        expected = [tuple(pair) for pair in case["violations"]]
        assert rule_set.violations(case["value"], walk["type"]) == expected, case["value"]


def test_holds_reads_the_value_as_the_root_when_no_root_is_given() -> None:
    same_as = {"op": "same_as", "path": [{"key": "a"}], "other": [{"key": "b"}], "uuids": False}
    assert holds(same_as, {"a": 1, "b": 1})
    assert not holds(same_as, {"a": 1, "b": 2})


def test_resolve_gives_absent_and_fallbacks() -> None:
    assert resolve({"a": {"b": None}}, [{"key": "a"}, {"key": "b"}]) is ABSENT
    assert resolve({}, [{"key": "a", "fallback": None}]) is None
    assert resolve({"a": [1]}, []) == {"a": [1]}
    assert repr(ABSENT) == "ABSENT"


def test_an_unknown_operator_or_hash_form_is_an_error_not_a_verdict() -> None:
    with pytest.raises(ValueError, match="unknown rule operator 'later'"):
        holds({"op": "later", "path": []}, {})
    hash_of = {"op": "hash_of", "path": [{"key": "h"}], "form": "sha1", "parts": []}
    with pytest.raises(ValueError, match="unknown hash form 'sha1'"):
        holds(hash_of, {"h": "x"})


RULE_SET = RuleSet(
    [
        {"code": "R-1", "name": "has_id", "on": "Thing", "clause": "§1", "message": "a thing has an id",
         "when": None, "require": {"op": "present", "path": [{"key": "id"}]}},
        {"code": "R-2", "name": "named_when_live", "on": "Thing", "clause": "§2", "message": "a live thing has a name",
         "when": {"op": "equals", "path": [{"key": "live"}], "value": True},
         "require": {"op": "present", "path": [{"key": "name"}]}},
        {"code": "R-3", "name": "other", "on": "Other", "clause": "§3", "message": "other",
         "when": None, "require": {"op": "absent", "path": []}},
    ],
    {},
)


def test_a_rule_set_keeps_the_rules_in_order_and_finds_a_records_own() -> None:
    assert RULE_SET.rules[0] == CrossFieldRule("R-1", "has_id", "Thing", "§1", "a thing has an id")
    assert [rule.code for rule in RULE_SET.rules] == ["R-1", "R-2", "R-3"]
    assert [rule.code for rule in RULE_SET.broken_rules("Thing", {"live": True})] == ["R-1", "R-2"]
    assert [rule.code for rule in RULE_SET.broken_rules("Thing", {"id": 1, "live": False})] == []
    assert RULE_SET.broken_rules("Unknown", {}) == []


class Thing(BaseModel):
    id: int | None = None
    live: bool = False
    name: str | None = None

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Thing:
        RULE_SET.check(self, "Thing", info)
        return self


def test_check_raises_every_broken_rule_of_the_model_unless_told_to_skip() -> None:
    with pytest.raises(ValidationError) as raised:
        Thing.model_validate({"live": True})
    message = raised.value.errors()[0]["msg"]
    assert "R-1: a thing has an id (§1); R-2: a live thing has a name (§2)" in message
    thing = Thing.model_validate({"live": True}, context={SKIP_RULES: True})
    # A model is judged through its JSON form: unset optional fields are null there, so absent.
    assert RULE_SET.violations(thing, "Thing") == [("", "R-1"), ("", "R-2")]
    assert Thing.model_validate({"id": 1}).id == 1
