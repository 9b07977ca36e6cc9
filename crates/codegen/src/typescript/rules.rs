//! TypeScript target, cross-field rules: `rules.ts` holds the rules as data (`RULES`, one JSON
//! object per rule) and the walk plan (`WALK`), both from [`crate::rule_data`], plus the typed
//! wrappers: `brokenRules`, `violations(typeName, value)` and a `checkRules<Type>` per record with
//! rules (the full check, structure and rules, is `validate<Type>` in `validate.ts`).
//!
//! The interpreter is not generated: it is the hand-written `sdk/typescript/src/runtime/rules.ts`,
//! which `rules.ts` imports from `../runtime/rules.js` (the output folder sits beside `runtime/` in
//! the SDK's `src/`), type-checked with `tsc --strict` and unit-tested on its own by
//! `sdk/check.sh`. Its functions are pure and read plain JSON values, the wire form the types
//! describe; they check the cross-field rules only, not the structure: that is the types' job at
//! compile time, and the JSON Schema's at run time.

use std::fmt::Write as _;

use super::{header, js_string, tsdoc};
use crate::ir::Ir;
use crate::{rule_data, rule_plan};

/// Where the generated `rules.ts` finds the hand-written interpreter, relative to itself.
const RUNTIME: &str = "../runtime/rules.js";

/// `rules.ts`.
pub(super) fn rules_file(ir: &Ir<'_>) -> String {
    let spec = ir.spec;
    let mut out = header(spec, "Cross-field rules");
    let records = rule_plan::records_with_rules_with(ir);
    let names: Vec<&str> = records.iter().map(|id| ir.def(*id).name.as_str()).collect();
    let _ = writeln!(
        out,
        "\nimport {{\n  brokenRules as brokenRulesOf,\n  violations as violationsOf,\n  type CrossFieldRule as RuleOf,\n  type Violation as ViolationOf,\n  type WalkPlan,\n}} from \"{RUNTIME}\";"
    );
    if !names.is_empty() {
        let _ = writeln!(
            out,
            "import type {{ {} }} from \"./types.js\";",
            names.join(", ")
        );
    }
    out.push_str(
        "\n// The interpreter's own names, re-exported so the package keeps one entry point.\n",
    );
    let _ = writeln!(
        out,
        "export {{\n  holds,\n  type Condition,\n  type HashForm,\n  type MemberMatch,\n  type PathStep,\n  type SortKey,\n}} from \"{RUNTIME}\";\n"
    );
    tsdoc(
        &mut out,
        "",
        &["The stable code of every cross-field rule."],
    );
    let _ = writeln!(
        out,
        "export type RuleCode = {};\n",
        literal_union(spec.rules.iter().map(|r| r.code.as_str()))
    );
    tsdoc(&mut out, "", &["The name of every cross-field rule."]);
    let _ = writeln!(
        out,
        "export type RuleName = {};\n",
        literal_union(spec.rules.iter().map(|r| r.name.as_str()))
    );
    tsdoc(
        &mut out,
        "",
        &[
            "A cross-field rule of this spec: stable code, name, the record type it constrains, clause(s), message, conditions.",
        ],
    );
    out.push_str("export type CrossFieldRule = RuleOf<RuleCode, RuleName>;\n\n");
    tsdoc(
        &mut out,
        "",
        &[
            "A broken rule: the JSON pointer of the record it is on (`\"\"` for the value itself) and its code.",
        ],
    );
    out.push_str("export type Violation = ViolationOf<RuleCode>;\n\n");

    tsdoc(
        &mut out,
        "",
        &[
            "Every cross-field rule, in spec order, with its conditions as data (JSON)."
                .to_string(),
        ],
    );
    out.push_str("export const RULES: readonly CrossFieldRule[] = [\n");
    for (on, rule) in ir.rules() {
        let mut doc = vec![rule.meta.description.clone(), String::new()];
        doc.push(format!("Clause: {}", rule.meta.clause));
        if let Some(decision) = &rule.meta.decision {
            doc.push(format!("Decision: {decision}"));
        }
        tsdoc(&mut out, "  ", &doc);
        let _ = writeln!(
            out,
            "  {},",
            rule_data::inline(&rule_data::rule_with(ir, on, rule))
        );
    }
    out.push_str("];\n\n");

    out.push_str("/** Types from which a record with rules can be reached, and the fields leading there. */\n");
    out.push_str("const WALK: WalkPlan = {\n");
    for (name, node) in rule_data::walk_with(ir) {
        let _ = writeln!(out, "  {}: {},", js_string(&name), rule_data::inline(&node));
    }
    out.push_str("};\n\n");

    tsdoc(
        &mut out,
        "",
        &[
            "The rules of `typeName` that the record `record` breaks (its own rules, not nested records').",
        ],
    );
    out.push_str("export function brokenRules(typeName: string, record: unknown): CrossFieldRule[] {\n  return brokenRulesOf(RULES, typeName, record);\n}\n\n");
    tsdoc(
        &mut out,
        "",
        &[
            "Every cross-field rule broken in `value`, read as the spec type `typeName`, including the".to_string(),
            "records nested in it: the JSON pointer of the record each rule is on, in document order, rules".to_string(),
            "in spec order. Checks rules only, not structure (that is the JSON Schema's job).".to_string(),
        ],
    );
    out.push_str("export function violations(typeName: string, value: unknown): Violation[] {\n  return violationsOf(RULES, WALK, typeName, value);\n}\n");

    for (id, record) in records.into_iter().zip(names) {
        let codes: Vec<String> = ir
            .rules_on(id)
            .iter()
            .map(|r| format!("- `{}` {} ({})", r.code, r.name, r.meta.clause))
            .collect();
        let mut doc = vec![
            format!(
                "Every cross-field rule broken in a {{@link {record}}}, including the records nested in it."
            ),
            String::new(),
            format!("Rules on `{record}`:"),
        ];
        doc.extend(codes);
        out.push('\n');
        tsdoc(&mut out, "", &doc);
        let _ = writeln!(
            out,
            "export function checkRules{record}(value: {record}): Violation[] {{\n  return violations({}, value);\n}}",
            js_string(record)
        );
    }
    out
}

fn literal_union<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(js_string).collect();
    if items.is_empty() {
        "never".to_string()
    } else {
        items.join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_plan::test_rules;

    fn rules_ts(spec: &handshake_spec::model::Spec) -> String {
        crate::test_model::contents(super::super::generate(spec), "out/ts/rules.ts")
    }

    #[test]
    fn each_record_with_rules_gets_a_typed_validator() {
        let rules = rules_ts(&test_rules::spec());
        assert!(rules.contains("import type { SourceRef } from \"./types.js\";\n"));
        assert!(rules.contains(
            "export function checkRulesSourceRef(value: SourceRef): Violation[] {\n  return violations(\"SourceRef\", value);\n}"
        ));
        assert!(
            !rules.contains("checkRulesBundle"),
            "Bundle has no rules of its own"
        );
        assert!(rules.contains(r#"{"op": "contains", "path": [{"key": "layers", "fallback": ["derived"]}], "value": "raw"}"#));
        assert!(rules.contains("  \"Bundle\": {\"kind\": \"record\", \"children\": [[\"sources\", {\"list\": \"SourceRef\"}], [\"by_name\", {\"map\": \"SourceRef\"}]]},\n"));
    }

    #[test]
    fn a_spec_without_rules_still_exports_the_empty_table() {
        let rules = rules_ts(&crate::typescript::test_spec::spec());
        assert!(rules.contains("export type RuleCode = never;"));
        assert!(rules.contains("export const RULES: readonly CrossFieldRule[] = [\n];"));
        assert!(!rules.contains("import type"));
    }

    #[test]
    fn the_interpreter_is_imported_not_printed() {
        let rules = rules_ts(&test_rules::spec());
        assert!(rules.contains("} from \"../runtime/rules.js\";\n"));
        assert!(
            !rules.contains("function holds"),
            "the interpreter lives in sdk/typescript/src/runtime/rules.ts"
        );
    }
}
