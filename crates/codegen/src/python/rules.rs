//! Python target, cross-field rules: `rules.py` (the rules and the walk plan as data, from
//! [`crate::rule_data`], built into one `RuleSet`, plus `RULES`, `broken_rules`, `check` and
//! `violations()`), and the `model_validator` each record with rules gets in `types.py`.
//!
//! The interpreter is not generated: it is the hand-written
//! `sdk/python/handshake_job_model/_runtime/rules.py`, which `rules.py` imports from
//! `.._runtime.rules` (the output folder is a subpackage of `handshake_job_model`), checked by
//! mypy in strict mode and unit-tested on its own by `sdk/check.sh`. The data is the JSON the
//! TypeScript target prints, written as Python literals (`True`, `False`, `None`).

use std::fmt::Write as _;

use super::{docstring, header, one_line, py_string, py_value};
use crate::ir::{Ir, TypeId};
use crate::rule_data;

/// `rules.py`.
pub(super) fn rules_file(ir: &Ir<'_>) -> String {
    let spec = ir.spec;
    let mut out = header(spec, "Cross-field rules");
    out.push_str(PRELUDE);

    out.push_str("_RULE_SET = RuleSet(\n    rules=(\n");
    for (on, rule) in ir.rules() {
        let _ = writeln!(out, "        # {}", one_line(&rule.meta.description));
        let _ = writeln!(
            out,
            "        {},",
            py_value(&rule_data::rule_with(ir, on, rule))
        );
    }
    out.push_str("    ),\n    walk={\n");
    for (name, node) in rule_data::walk_with(ir) {
        let _ = writeln!(out, "        {}: {},", py_string(&name), py_value(&node));
    }
    out.push_str("    },\n)\n");
    out.push_str(
        "\"\"\"Every cross-field rule (conditions as data) and the types from which a record with rules can be reached.\"\"\"\n",
    );
    out.push_str(WRAPPERS);
    out
}

/// The `model_validator` of a record with rules, appended to its class body in `types.py`.
pub(super) fn model_validator(out: &mut String, ir: &Ir<'_>, record: TypeId) {
    let rules: Vec<String> = ir
        .rules_on(record)
        .iter()
        .map(|r| format!("{} ``{}`` ({})", r.code, r.name, r.meta.clause))
        .collect();
    if rules.is_empty() {
        return;
    }
    out.push_str("\n    @model_validator(mode=\"after\")\n");
    out.push_str("    def _cross_field_rules(self, info: ValidationInfo) -> Self:\n");
    let mut lines = vec![
        "Cross-field rules; a violation raises ``ValueError(\"<code>: <message> (<clause>)\")``:"
            .to_string(),
        String::new(),
    ];
    lines.extend(rules.into_iter().map(|r| format!("- {r}")));
    docstring(out, "        ", &lines);
    let _ = writeln!(
        out,
        "        _check_rules(self, {}, info)\n        return self",
        py_string(&ir.def(record).name)
    );
}

/// The imports `types.py` adds when the spec has rules: from Pydantic, and the generated `check`.
pub(super) const TYPES_PYDANTIC_IMPORTS: &str =
    "from pydantic import ValidationInfo, model_validator\n";
pub(super) const TYPES_RULES_IMPORTS: &str = "from .rules import check as _check_rules\n";

const PRELUDE: &str = r#"from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationInfo

from .._runtime.rules import SKIP_RULES, CrossFieldRule, RuleSet

__all__ = ["RULES", "SKIP_RULES", "CrossFieldRule", "broken_rules", "check", "violations"]

"#;

/// The typed wrappers over the rule set, after the data.
const WRAPPERS: &str = r#"
RULES: tuple[CrossFieldRule, ...] = _RULE_SET.rules
"""Every cross-field rule, in spec order."""


def broken_rules(type_name: str, record: Any) -> list[CrossFieldRule]:
    """The rules of ``type_name`` that the JSON value ``record`` breaks (its own rules only)."""
    return _RULE_SET.broken_rules(type_name, record)


def check(model: BaseModel, type_name: str, info: ValidationInfo) -> None:
    """Body of the generated ``model_validator``: raise on the first broken rules of ``model``."""
    _RULE_SET.check(model, type_name, info)


def violations(value: Any, type_name: str) -> list[tuple[str, str]]:
    """Every broken rule in ``value`` of type ``type_name``, as ``(json_pointer, code)`` pairs.

    ``value`` is a model (validated with ``context={SKIP_RULES: True}`` when it may break rules) or
    its JSON form (``model_dump(mode="json")``). The pointer names the record the rule is on
    (``""`` for the value itself), in document order, rules in spec order.
    """
    return _RULE_SET.violations(value, type_name)
"#;

#[cfg(test)]
mod tests {
    use crate::rule_plan::test_rules;

    fn file(name: &str) -> String {
        let files = super::super::generate(&test_rules::spec());
        crate::test_model::contents(files, &format!("out/py/{name}"))
    }

    #[test]
    fn only_records_with_rules_get_a_model_validator() {
        let types = file("types.py");
        let source_ref =
            crate::test_model::between(&types, "\nclass SourceRef(_Record):", "\nclass ");
        assert!(source_ref.contains("    @model_validator(mode=\"after\")\n"));
        assert!(source_ref.contains("        _check_rules(self, \"SourceRef\", info)\n"));
        assert_eq!(
            types.matches("@model_validator").count(),
            1,
            "only SourceRef has rules"
        );
        assert!(types.contains("from .rules import check as _check_rules\n"));
    }

    #[test]
    fn a_spec_without_rules_imports_nothing_for_them() {
        let spec = crate::typescript::test_spec::spec();
        let types = &super::super::generate(&spec)[0].contents;
        assert!(!types.contains("_check_rules"));
        assert!(!types.contains("model_validator"));
    }

    #[test]
    fn conditions_are_data_with_defaults_on_their_steps() {
        let rules = file("rules.py");
        assert!(rules.contains(
            "        {\"code\": \"HSK-RULE-0001\", \"name\": \"artifact_has_hash\", \"on\": \"SourceRef\", \"clause\": \"§2.6.6.7.2\", \"message\": \"artifact has hash is broken\", \"when\": "
        ));
        assert!(rules.contains(r#"{"op": "contains", "path": [{"key": "layers", "fallback": ["derived"]}], "value": "raw"}"#));
        assert!(rules.contains(
            r#"{"op": "all_equal", "path": [{"key": "selectors"}], "key": [{"key": "kind"}]}"#
        ));
        assert!(rules.contains(r#"        "Bundle": {"kind": "record", "children": [["sources", {"list": "SourceRef"}], ["by_name", {"map": "SourceRef"}]]},"#));
        assert!(
            rules.contains("from .._runtime.rules import SKIP_RULES, CrossFieldRule, RuleSet\n")
        );
        assert!(
            !rules.contains("def _holds"),
            "the interpreter lives in _runtime/rules.py"
        );
    }
}
