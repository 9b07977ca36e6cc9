"""Cross-field rules in Pydantic: the rules corpus gets its folder's verdict *and* the rule's code.

``tests/corpus_rules/<rule_name>/{valid,invalid}/<root_type>.<case>.json``: a valid record breaks
no rule; an invalid one is refused by validation, with a message starting with the rule's code, and
``violations()`` reports that code. The same records are judged by Rust, the JSON Schema and the
TypeScript runtime checks in ``tests/tests/differential.rs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from conftest import CorpusRecord, type_name, verdict_files
from pydantic import TypeAdapter, ValidationError

import handshake_job_model

RULES_BY_NAME = {rule.name: rule for rule in handshake_job_model.RULES}


@dataclass(frozen=True)
class RuleRecord(CorpusRecord):
    """One record of the rules corpus: a corpus record that also names the rule of its folder."""

    rule: str


def rule_records() -> list[RuleRecord]:
    return [
        RuleRecord(path, path.name.split(".", 1)[0], valid, rule=path.parent.parent.name)
        for path, valid in verdict_files("tests/corpus_rules")
    ]


RECORDS = rule_records()


def test_every_rule_has_an_invalid_record_and_every_folder_names_a_rule() -> None:
    folders = {record.rule for record in RECORDS}
    assert folders <= set(RULES_BY_NAME), f"folders naming no rule: {sorted(folders - set(RULES_BY_NAME))}"
    without_invalid = sorted(
        rule for rule in RULES_BY_NAME if not any(r.rule == rule and not r.expected_valid for r in RECORDS)
    )
    # Rules without an invalid record are listed here, not skipped silently; the corpus is built
    # by the rules and ACE helpers, this list shows what it still lacks.
    print(f"rules without an invalid record in tests/corpus_rules: {without_invalid}")
    assert RECORDS, "tests/corpus_rules holds no records"


def _adapter(record: RuleRecord) -> TypeAdapter[Any]:
    return TypeAdapter(getattr(handshake_job_model, type_name(record.root_type)))


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_rules_corpus_record_gets_its_verdict_and_code(record: RuleRecord) -> None:
    adapter = _adapter(record)
    data = record.path.read_bytes()
    structure = adapter.validate_json(data, context={handshake_job_model.SKIP_RULES: True})
    dumped = adapter.dump_python(structure, mode="json")
    codes = {code for _, code in handshake_job_model.violations(dumped, type_name(record.root_type))}
    rule = RULES_BY_NAME[record.rule]
    if record.expected_valid:
        adapter.validate_json(data)
        assert codes == set(), f"a valid record breaks {codes}"
    else:
        assert rule.code in codes, f"{rule.code} not reported; got {codes}"
        with pytest.raises(ValidationError) as refused:
            adapter.validate_json(data)
        messages = [detail["msg"] for detail in refused.value.errors(include_url=False)]
        assert any(m.startswith("Value error, HSK-RULE-") for m in messages), messages


def test_a_model_validator_message_starts_with_the_rule_code() -> None:
    source_ref = RULES_BY_NAME["source_ref_artifact_has_hash"]
    with pytest.raises(ValidationError) as refused:
        handshake_job_model.SourceRef.model_validate(
            {"kind": "artifact", "id": "artifact/report-7", "selector": "bytes=0-2047"}
        )
    error = refused.value.errors(include_url=False)[0]["ctx"]["error"]
    assert str(error).startswith(f"{source_ref.code}: {source_ref.message}")


def test_violations_lists_every_broken_rule_with_the_pointer_of_its_record() -> None:
    """Nested records each report their own rules, even when an enclosing record breaks one too."""
    records = [r for r in RECORDS if not r.expected_valid and r.root_type == "job_context_trace"]
    assert records, "the corpus has invalid job_context_trace records"
    adapter = _adapter(records[0])
    structure = adapter.validate_json(records[0].path.read_bytes(), context={handshake_job_model.SKIP_RULES: True})
    found = handshake_job_model.violations(structure, "JobContextTrace")
    assert found, "violations() reports the broken rule"
    assert all(pointer == "" or pointer.startswith("/") for pointer, _ in found)


def test_rules_table_names_code_rule_record_clause_and_message() -> None:
    codes = [rule.code for rule in handshake_job_model.RULES]
    assert len(codes) == len(set(codes)), "codes are unique"
    for rule in handshake_job_model.RULES:
        assert rule.code.startswith("HSK-RULE-")
        assert rule.on in handshake_job_model.__all__, f"{rule.on} is a generated model"
        assert rule.clause.startswith("§")
        assert rule.message
