"""Shared fixtures of the Python SDK tests (hand-written): repository paths and corpus records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[3]


class CorpusRecord(NamedTuple):
    """One JSON record whose folder states its verdict: ``<root_type>/{valid,invalid}/<case>.json``."""

    path: Path
    root_type: str
    expected_valid: bool

    @property
    def name(self) -> str:
        return self.path.relative_to(REPO_ROOT).as_posix()

    def load(self) -> Any:
        return json.loads(self.path.read_text(encoding="utf-8"))


def corpus_records() -> list[CorpusRecord]:
    """The differential corpus (``tests/corpus``) and the example records (``tests/examples``)."""
    records = []
    for base in ("tests/corpus", "tests/examples"):
        for path in sorted((REPO_ROOT / base).glob("*/*/*.json")):
            verdict = path.parent.name
            if verdict in ("valid", "invalid"):
                records.append(CorpusRecord(path, path.parent.parent.name, verdict == "valid"))
    return records


def type_name(root_type: str) -> str:
    """``ai_job`` → ``AiJob``: the generated name of a corpus folder's root type."""
    return "".join(word[:1].upper() + word[1:] for word in root_type.split("_"))
