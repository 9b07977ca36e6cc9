//! Docs target, cross-field rules: each rule "in words" under the type it constrains, with its code,
//! clause and decision, and a note for each target that cannot express it; plus the rules table
//! of `index.md`.
//!
//! Which targets express what: Rust, Pydantic and the TypeScript runtime checks express every
//! rule. The JSON Schema has no way to compare one list element with another, so `all_equal` is
//! beyond it. A SQL CHECK sees one row: the rule's record must have a table and every path must be
//! a typed column of it; whether a CHECK exists is asked of the SQL generator itself.

use std::fmt::Write as _;

use handshake_spec::model::{
    Condition, FieldPath, FieldStorage, Measure, PathStep, Rule, Spec, Term, TypeKind,
};

use super::{Pages, anchor, cell, one_line, sentence};
use crate::ir::{Ir, Step, TypeId};
use crate::rule_plan;
use crate::sql::Schema;
use handshake_spec::names::SQL_MAX_IDENTIFIER_LEN;

/// The `### Rules` subsection of a type's section; nothing when no rule is on the type.
pub(super) fn type_rules(out: &mut String, ir: &Ir<'_>, schema: &Schema, id: TypeId) {
    let rules = ir.rules_on(id);
    if rules.is_empty() {
        return;
    }
    let type_name = &ir.def(id).name;
    let _ = writeln!(out, "\n### {type_name}: rules\n");
    let stored = matches!(
        &ir.def(id).kind,
        TypeKind::Record(record) if record.table.is_some()
    );
    if !stored {
        let _ = writeln!(
            out,
            "`{type_name}` has no table, so no rule below is a SQL CHECK; every other target enforces them \
             unless a rule says otherwise.\n"
        );
    }
    for rule in rules.iter().copied() {
        let _ = writeln!(
            out,
            "- **`{}`** `{}` ({}): {}",
            rule.code,
            rule.name,
            rule.meta.clause,
            in_words(rule)
        );
        let _ = writeln!(
            out,
            "  - Reported as “{}”. {}",
            one_line(&rule.message),
            sentence(&rule.meta.description)
        );
        if let Some(decision) = &rule.meta.decision {
            let _ = writeln!(out, "  - **Decision:** {}", sentence(decision));
        }
        for (target, reason) in gaps(ir, schema, id, rule) {
            if target == "SQL" && !stored {
                continue;
            }
            let _ = writeln!(out, "  - *Not expressed in {target}:* {reason}");
        }
    }
}

/// The rules table of `index.md`; nothing when the spec has no rules.
pub(super) fn index_rules(out: &mut String, spec: &Spec, pages: &Pages) {
    if spec.rules.is_empty() {
        return;
    }
    out.push_str(
        "\n## Cross-field rules\n\nEnforced by the Rust validators, Pydantic `model_validator`s and the TypeScript \
         `checkRules…` functions (inside `validate…`); the JSON Schema (`if`/`then`) and SQL CHECKs carry the rules they can express \
         (see each rule).\n\n| code | rule | on | clause | in words |\n| --- | --- | --- | --- | --- |\n",
    );
    for rule in &spec.rules {
        let on = match pages.page_of_type.get(&rule.on) {
            Some(page) => format!("[`{}`]({page}#{}-rules)", rule.on, anchor(&rule.on)),
            None => format!("`{}`", rule.on),
        };
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {on} | {} | {} |",
            rule.code,
            rule.name,
            rule.meta.clause,
            cell(&in_words(rule))
        );
    }
}

/// The rule as one sentence: "when A, B must hold".
pub(crate) fn in_words(rule: &Rule) -> String {
    let require = words(&rule.require, true);
    match &rule.when {
        Some(when) => sentence(&format!("when {}, {require}", words(when, false))),
        None => sentence(&require),
    }
}

/// A path in words: its field steps as a dot path, then which variant each `[variant]` step
/// selects, e.g. `` `job_inputs.source_table_ref` (with `job_inputs` a `charts_decks`) ``.
fn path(path: &FieldPath) -> String {
    let mut keys: Vec<&str> = Vec::new();
    let mut selections = Vec::new();
    for step in &path.0 {
        match step {
            PathStep::Field(key) => keys.push(key),
            PathStep::Variant(variant) => {
                let value = if keys.is_empty() {
                    "the element".to_string()
                } else {
                    format!("`{}`", keys.join("."))
                };
                selections.push(format!("{value} {} `{variant}`", article(variant)));
            }
        }
    }
    let keys = if keys.is_empty() {
        "the element".to_string()
    } else {
        format!("`{}`", keys.join("."))
    };
    if selections.is_empty() {
        keys
    } else {
        format!("{keys} (with {})", selections.join(", "))
    }
}

/// The prefix of a path ending in `[variant]`, and the variant: such a path is "is a `v`".
fn variant_test(path: &FieldPath) -> Option<(FieldPath, &str)> {
    match path.0.split_last()? {
        (PathStep::Variant(variant), prefix) => Some((FieldPath(prefix.to_vec()), variant)),
        _ => None,
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => format!("`{text}`"),
        other => format!("`{other}`"),
    }
}

fn values(values: &[serde_json::Value]) -> String {
    values.iter().map(value).collect::<Vec<_>>().join(", ")
}

/// A condition in words; `must` phrases it as a requirement ("`hash` must be present").
fn words(condition: &Condition, must: bool) -> String {
    let (is, is_not, has) = if must {
        ("must be", "must not be", "must have")
    } else {
        ("is", "is not", "has")
    };
    match condition {
        Condition::Present(p) | Condition::Absent(p) if variant_test(p).is_some() => {
            let (prefix, variant) = variant_test(p).unwrap_or((FieldPath(Vec::new()), ""));
            let verb = if matches!(condition, Condition::Present(_)) {
                is
            } else {
                is_not
            };
            format!("{} {verb} {} `{variant}`", path(&prefix), article(variant))
        }
        Condition::Present(p) => format!("{} {is} present", path(p)),
        Condition::Absent(p) => format!("{} {is} absent", path(p)),
        Condition::Equals { path: p, value: v } => format!("{} {is} {}", path(p), value(v)),
        Condition::NotEquals { path: p, value: v } => {
            format!("{} {is_not} {}", path(p), value(v))
        }
        Condition::OneOf { path: p, values: v } => {
            format!("{} {is} one of {}", path(p), values(v))
        }
        Condition::NoneOf { path: p, values: v } => {
            format!("{} {is_not} any of {}", path(p), values(v))
        }
        Condition::Length { path: p, min, max } => match (min, max) {
            (None, Some(0)) => format!("{} {is} empty", path(p)),
            (Some(min), Some(max)) => {
                format!("{} {has} a length between {min} and {max}", path(p))
            }
            (Some(min), None) => format!("{} {has} a length of at least {min}", path(p)),
            (None, Some(max)) => format!("{} {has} a length of at most {max}", path(p)),
            (None, None) => format!("{} {has} any length", path(p)),
        },
        Condition::Contains { path: p, value: v } => {
            let verb = if must { "must contain" } else { "contains" };
            format!("{} {verb} {}", path(p), value(v))
        }
        Condition::Each { path: p, condition } => format!(
            "for every element of {}: {}",
            path(p),
            words(condition, must)
        ),
        Condition::AllEqual { path: p, key } => format!(
            "all elements of {} {} the same {}",
            path(p),
            if must { "must have" } else { "have" },
            path(key)
        ),
        Condition::EqualsSum { path: p, terms } => format!(
            "{} {is} the sum of {} (a missing number counts as 0)",
            path(p),
            terms
                .iter()
                .map(|term| match term {
                    Term::Value(p) => path(p),
                    Term::Max(paths) => format!(
                        "the largest of {}",
                        paths.iter().map(path).collect::<Vec<_>>().join(", ")
                    ),
                })
                .collect::<Vec<_>>()
                .join(" + ")
        ),
        Condition::SortedBy { path: p, keys } => format!(
            "the elements of {} {} sorted by {}",
            path(p),
            if must { "must be" } else { "are" },
            keys.iter()
                .map(|k| format!(
                    "`{}` {}",
                    k.field,
                    if k.descending {
                        "descending"
                    } else {
                        "ascending"
                    }
                ))
                .collect::<Vec<_>>()
                .join(", then ")
        ),
        Condition::AtMost { measure, bound } => {
            let measured = match measure {
                Measure::Value(p) => path(p),
                Measure::Count(p) => format!("the number of elements of {}", path(p)),
                Measure::Sum { list, key } => {
                    format!("the sum of {} over {}", path(key), path(list))
                }
            };
            format!("{measured} {is} at most the record's {}", path(bound))
        }
        Condition::SameAs { path: p, other } => {
            format!("{} {is} the record's {}", path(p), path(other))
        }
        Condition::HashOf {
            path: p,
            form,
            parts,
        } => format!(
            "{} {is} the SHA-256 of the `{}` form of {}",
            path(p),
            form.name(),
            parts
                .iter()
                .map(path)
                .collect::<Vec<_>>()
                .join(" followed by ")
        ),
        Condition::MemberOf {
            list,
            matches,
            filter,
        } => {
            let verb = if must { "must be listed" } else { "is listed" };
            let mut parts = Vec::new();
            for member in matches {
                parts.push(match &member.key {
                    None => format!("equal to {}", path(&member.value)),
                    Some(key) => format!("its {} equal to {}", path(key), path(&member.value)),
                });
            }
            if let Some(filter) = filter {
                parts.push(format!("where {}", words(filter, false)));
            }
            let (subject, rest) = match matches.as_slice() {
                [member] if member.key.is_none() => (path(&member.value), String::new()),
                _ => (
                    "an element".to_string(),
                    format!(" with {}", parts.join(", ")),
                ),
            };
            let list_words = format!("{} of the rule's record", path(list));
            match matches.as_slice() {
                [member] if member.key.is_none() => {
                    let filter = filter
                        .as_ref()
                        .map(|f| format!(" (where {})", words(f, false)))
                        .unwrap_or_default();
                    format!("{subject} {verb} in {list_words}{filter}")
                }
                _ => {
                    let verb = if must { "must hold" } else { "holds" };
                    format!("{list_words} {verb} {subject}{rest}")
                }
            }
        }
        Condition::All(conditions) => conditions
            .iter()
            .map(|c| words(c, must))
            .collect::<Vec<_>>()
            .join(" and "),
        Condition::Any(conditions) => {
            let parts: Vec<String> = conditions.iter().map(|c| words(c, false)).collect();
            let list = format!("({})", parts.join(") or ("));
            if must {
                format!("at least one must hold: {list}")
            } else {
                format!("at least one of {list}")
            }
        }
        Condition::Not(inner) => match inner.as_ref() {
            Condition::Absent(p) => words(&Condition::Present(p.clone()), must),
            Condition::Present(p) => words(&Condition::Absent(p.clone()), must),
            other if must => format!("this must not hold: ({})", words(other, false)),
            other => format!("not ({})", words(other, false)),
        },
    }
}

/// Targets that cannot express `rule`, each with the reason. The verdicts come from the JSON
/// Schema and SQL generators themselves (`json_schema::rules`, `sql::rules`), so the docs can
/// never claim a rule reaches a target that does not carry it.
pub(crate) fn gaps(
    ir: &Ir<'_>,
    schema: &Schema,
    on: TypeId,
    rule: &Rule,
) -> Vec<(&'static str, String)> {
    let mut conditions: Vec<&Condition> = vec![&rule.require];
    conditions.extend(rule.when.as_ref());
    let mut gaps = Vec::new();
    if let Some((operator, reason)) = crate::json_schema::rules::inexpressible_reason(rule) {
        gaps.push((
            "JSON Schema",
            format!(
                "{}.",
                reason.replacen(operator, &format!("`{operator}`"), 1)
            ),
        ));
    }
    if let Some(reason) = sql_gap(ir, schema, on, rule, &conditions) {
        gaps.push(("SQL", reason));
    }
    gaps
}

/// Why `rule` has no SQL CHECK, when it has none: the SQL generator decides (its `schema` lists
/// the rules each table has no CHECK for), this explains.
fn sql_gap(
    ir: &Ir<'_>,
    schema: &Schema,
    on: TypeId,
    rule: &Rule,
    conditions: &[&Condition],
) -> Option<String> {
    let TypeKind::Record(record) = &ir.def(on).kind else {
        return Some(format!("`{}` is not a record.", rule.on));
    };
    let Some(table) = &record.table else {
        return Some(format!(
            "`{}` has no table, so there is no row to check.",
            rule.on
        ));
    };
    let unchecked = schema
        .table(&table.name)
        .is_some_and(|t| t.unchecked_rules.contains(&rule.name));
    if !unchecked {
        return None;
    }
    if rule.registry {
        return Some(format!(
            "it is derived from the profile registry, which grows with the spec, while a CHECK on `{}` cannot change without a non-additive migration; the stores run the generated validators instead.",
            table.name
        ));
    }
    fn row_local(condition: &Condition) -> bool {
        match condition {
            Condition::Each { .. }
            | Condition::AllEqual { .. }
            | Condition::Contains { .. }
            | Condition::MemberOf { .. }
            | Condition::SortedBy { .. } => false,
            Condition::All(conditions) | Condition::Any(conditions) => {
                conditions.iter().all(row_local)
            }
            Condition::Not(inner) => row_local(inner),
            _ => true,
        }
    }
    if conditions
        .iter()
        .flat_map(|c| c.walk())
        .any(|c| matches!(c, Condition::HashOf { .. }))
    {
        return Some(format!(
            "it recomputes a SHA-256 over canonical JSON (§2.6.6.7.5), which a CHECK on `{}` cannot.",
            table.name
        ));
    }

    if !conditions.iter().all(|c| row_local(c)) {
        return Some(format!(
            "it reads inside a list (`each`, `contains`, `all_equal`, `sorted_by` or `member_of`), which a CHECK on one row of `{}` cannot.",
            table.name
        ));
    }
    for condition in conditions {
        for p in rule_plan::condition_paths(condition) {
            if p.has_variant_step() {
                return Some(format!(
                    "`{p}` reads inside a union variant, and unions are stored as JSON in `{}`.",
                    table.name
                ));
            }
            let column = ir.path(Some(on), p).is_ok_and(|resolved| {
                matches!(resolved.steps.as_slice(),
                    [Step::Field(step)] if step.field.storage == FieldStorage::Column)
            });
            if !column {
                return Some(format!(
                    "`{p}` is not a typed column of `{}` (it lives in a JSON document or a child table).",
                    table.name
                ));
            }
        }
    }
    // The CHECK could be written; its name is what kept it out of the schema.
    let name = crate::sql::check_name(&table.name, &rule.name);
    if name.len() > SQL_MAX_IDENTIFIER_LEN {
        return Some(format!(
            "its CHECK would be named `{name}`, {} bytes, longer than the {SQL_MAX_IDENTIFIER_LEN} Postgres keeps whole; a shorter rule name gets it one.",
            name.len()
        ));
    }
    let (_, unexpressed) = crate::sql::rules::table_rules(ir, on, &table.name);
    if !unexpressed.contains(&rule.name) {
        return Some(format!(
            "its CHECK would be named `{name}`, which another object of the schema already is; a different rule name gets it one."
        ));
    }
    Some(format!(
        "the SQL generator cannot write it as a CHECK on `{}`.",
        table.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule_plan::test_rules;

    fn rule(name: &str) -> Rule {
        test_rules::spec()
            .rules
            .into_iter()
            .find(|r| r.name == name)
            .expect("rule exists")
    }

    #[test]
    fn a_rule_reads_as_a_sentence() {
        assert_eq!(
            in_words(&rule("artifact_has_hash")),
            "When `kind` is `artifact`, `hash` must be present."
        );
        assert_eq!(
            in_words(&rule("selectors_bounded")),
            "`selectors` must have a length of at most 2."
        );
        assert_eq!(
            in_words(&rule("raw_only_for_files")),
            "When `layers` contains `raw`, `kind` must be one of `file`, `import`."
        );
    }

    /// A rule the SQL target could make a CHECK but for its name: the page says the name is
    /// what kept it out, as the schema the migrations print has it.
    #[test]
    fn a_rule_left_without_a_check_for_its_name_says_so() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let base = handshake_spec::load_manifest(&root, "tests/golden/rules/spec/handshake.yaml")
            .unwrap_or_else(|e| panic!("the rules golden spec does not load:\n{e}"));
        let ir = Ir::new(&base);
        let schema = crate::sql::schema_with(&ir);
        // A rule that has a CHECK, and a column of the same table that has one too.
        let (table, rule, column) = schema
            .tables
            .iter()
            .find_map(|table| {
                let check = table.checks.first()?;
                let column = table
                    .columns
                    .iter()
                    .find(|c| c.enum_values.is_some() || c.ty.needs_check())?;
                Some((table.name.clone(), check.rule.clone(), column.name.clone()))
            })
            .expect("the rules case has a rule CHECK next to a column CHECK");
        for (renamed, says) in [
            ("a".repeat(60), "longer than the 63 Postgres keeps whole"),
            (
                column.clone(),
                "which another object of the schema already is",
            ),
        ] {
            let mut spec = base.clone();
            let target = spec
                .rules
                .iter_mut()
                .find(|r| r.name == rule)
                .expect("rule");
            target.name = renamed.clone();
            let ir = Ir::new(&spec);
            let schema = crate::sql::schema_with(&ir);
            let unchecked = &schema.table(&table).expect("table").unchecked_rules;
            assert!(
                unchecked.contains(&renamed),
                "{renamed}: no CHECK in the schema"
            );
            let (on, renamed_rule) = ir.rules().find(|(_, r)| r.name == renamed).expect("rule");
            let gaps = gaps(&ir, &schema, on.expect("on a record"), renamed_rule);
            let sql = gaps.iter().find(|(t, _)| *t == "SQL").expect("a SQL gap");
            assert!(sql.1.contains(says), "{}", sql.1);
        }
    }

    #[test]
    fn targets_that_cannot_express_a_rule_are_named_with_the_reason() {
        let spec = test_rules::spec();
        let ir = Ir::new(&spec);
        let source = ir.id("SourceRef").expect("declared");
        let schema = crate::sql::schema_with(&ir);
        let gaps = gaps(&ir, &schema, source, &rule("selectors_one_kind"));
        let targets: Vec<&str> = gaps.iter().map(|(t, _)| *t).collect();
        assert_eq!(targets, ["JSON Schema", "SQL"]);
        assert!(gaps[1].1.contains("no table"), "{}", gaps[1].1);
        let mut page = String::new();
        type_rules(&mut page, &ir, &schema, source);
        assert_eq!(page.matches("*Not expressed in JSON Schema:*").count(), 1);
        assert!(
            !page.contains("*Not expressed in SQL:*"),
            "said once for the type"
        );
        assert!(page.contains("`SourceRef` has no table, so no rule below is a SQL CHECK"));
        assert!(
            page.contains("*Not expressed in JSON Schema:* `all_equal` compares list elements with each other; JSON Schema has no keyword for that.\n"),
            "{page}"
        );
    }
}
