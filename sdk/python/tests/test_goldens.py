"""Every Python golden output imports and runs against the SDK's hand-written runtime (hand-written).

A golden (``tests/golden/<case>/expected/python``) is what codegen writes into the package's
``generated/`` folder; its modules import ``.._runtime``, which is not in the golden folder. Each is
loaded as a subpackage of ``handshake_job_model``, where that import finds the SDK's own runtime,
and its rules are run once, so a change of the runtime's API that the generated code calls fails
here as well as in ``cargo test``'s byte comparison.
"""

from __future__ import annotations

import sys

import pytest
from conftest import REPO_ROOT, load_golden

GOLDENS = sorted(path for path in (REPO_ROOT / "tests/golden").glob("*/expected/python") if path.is_dir())


def test_there_are_goldens_and_the_rules_case_has_rules() -> None:
    assert len(GOLDENS) >= 2
    rules = sys.modules[f"{load_golden('rules').__name__}.rules"]
    assert len(rules.RULES) > 0


@pytest.mark.parametrize("case", [path.parent.parent.name for path in GOLDENS])
def test_a_golden_package_imports_and_runs_its_rules(case: str) -> None:
    package = load_golden(case)
    rules = sys.modules[f"{package.__name__}.rules"]
    assert all(rule.code and rule.on for rule in rules.RULES)
    for rule in rules.RULES:
        # An empty object breaks or keeps each rule; either way the interpreter reads the data.
        assert isinstance(rules.broken_rules(rule.on, {}), list)
        assert isinstance(rules.violations({}, rule.on), list)
