"""Every corpus and example record gets the verdict of its folder from the Pydantic models.

The same records are judged by Rust and the JSON Schema in ``tests/tests/differential.rs``, which
also names any rule one target cannot express.
"""

from __future__ import annotations

import pytest
from conftest import CorpusRecord, corpus_records, type_name
from pydantic import TypeAdapter, ValidationError

import handshake_job_model
from handshake_job_model.json_text import validate_json

RECORDS = corpus_records()


def test_the_corpus_covers_valid_and_invalid_records_of_several_roots() -> None:
    assert any(r.expected_valid for r in RECORDS) and any(not r.expected_valid for r in RECORDS)
    assert {"ai_job", "planned_operation", "entity_ref"} <= {r.root_type for r in RECORDS}


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_record_gets_the_verdict_of_its_folder(record: CorpusRecord) -> None:
    model = getattr(handshake_job_model, type_name(record.root_type))
    adapter: TypeAdapter[object] = TypeAdapter(model)
    # The text entry point users call: duplicate keys and nesting beyond the limit are refused too.
    if record.expected_valid:
        validate_json(adapter, record.path.read_bytes())
    else:
        with pytest.raises(ValidationError):
            validate_json(adapter, record.path.read_bytes())
