"""Shared fixtures of the Python SDK tests (hand-written): repository paths and corpus records."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = REPO_ROOT / "tests" / "examples"


@dataclass(frozen=True)
class CorpusRecord:
    """One JSON record whose folder states its verdict: ``<root_type>/{valid,invalid}/<case>.json``."""

    path: Path
    root_type: str
    expected_valid: bool

    @property
    def name(self) -> str:
        return self.path.relative_to(REPO_ROOT).as_posix()

    def load(self) -> Any:
        return json.loads(self.path.read_text(encoding="utf-8"))


def verdict_files(base: str) -> Iterator[tuple[Path, bool]]:
    """Every ``<base>/<folder>/{valid,invalid}/<case>.json``, sorted, with whether its folder says valid."""
    for path in sorted((REPO_ROOT / base).glob("*/*/*.json")):
        verdict = path.parent.name
        if verdict in ("valid", "invalid"):
            yield path, verdict == "valid"


def corpus_records() -> list[CorpusRecord]:
    """The differential corpus (``tests/corpus``) and the example records (``tests/examples``)."""
    return [
        CorpusRecord(path, path.parent.parent.name, valid)
        for base in ("tests/corpus", "tests/examples")
        for path, valid in verdict_files(base)
    ]


def example_files(folder: str, pattern: str = "*.json") -> list[Path]:
    """The example records under ``tests/examples/<folder>`` matching ``pattern``, sorted."""
    return sorted((EXAMPLES / folder).glob(pattern))


def assert_round_trips(adapter: TypeAdapter[Any], path: Path) -> Any:
    """The record at ``path`` is accepted, keeps its ``profile`` tag and is written back unchanged."""
    value = json.loads(path.read_text())
    parsed = adapter.validate_python(value)
    assert parsed.profile == value["profile"]
    assert adapter.dump_python(parsed, mode="json", exclude_none=True) == value
    return parsed


def assert_refused(adapter: TypeAdapter[Any], path: Path) -> None:
    """The record at ``path`` is refused."""
    with pytest.raises(ValidationError):
        adapter.validate_python(json.loads(path.read_text()))


def load_golden(case: object) -> ModuleType:
    """The Python golden of ``tests/golden/<case>``, imported once as a subpackage of
    ``handshake_job_model``: where codegen's output folder sits, so its relative imports of the
    hand-written runtime (``.._runtime``) resolve to the SDK's own."""
    import handshake_job_model

    directory = REPO_ROOT / "tests/golden" / str(case) / "expected/python"
    name = f"{handshake_job_model.__name__}.golden_{case}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def type_name(root_type: str) -> str:
    """``ai_job`` → ``AiJob``: the generated name of a corpus folder's root type."""
    return "".join(word[:1].upper() + word[1:] for word in root_type.split("_"))
