//! The cross-field rules as data, encoded once for both SDK targets.
//!
//! The TypeScript and Python SDKs judge records with a hand-written interpreter
//! (`sdk/typescript/src/runtime/rules.ts`, `sdk/python/handshake_job_model/_runtime/rules.py`);
//! the generated `rules.ts` / `rules.py` hold only the spec's rules and walk plan, as the JSON
//! values built here, plus typed wrappers. TypeScript prints each value as JSON ([`inline`]),
//! Python as the same text with Python's `True`/`False`/`None`, so both SDKs read the same data
//! and only the interpreters differ by language. The shapes (documented for readers of the data in
//! both runtimes' module docs):
//!
//! - a **path** is a list of steps: `{"key": k}`, `{"key": k, "fallback": default}` (the field's
//!   declared `default:`), or `{"tag": t, "variant": v}` for a `[variant]` step;
//! - a **condition** is `{"op": ..., operands}`; the operator names and operands are those of
//!   [`condition`];
//! - a **rule** is `{"code", "name", "on", "clause", "message", "when", "require"}`;
//! - a **walk node** is `{"kind": "record", "children": [[field, shape]]}` or
//!   `{"kind": "union", "tag": t, "variants": {variant: children}}`, a shape a type name,
//!   `{"list": shape}` or `{"map": shape}`.
//!
//! Paths are resolved by the IR ([`crate::ir`]), which decides what "absent", "default" and a
//! variant step mean; this module only writes its answers down.

use handshake_spec::model::{Condition, FieldPath, Measure, Rule, Term};
use serde_json::{Map, Value, json};

use crate::ir::{Ir, TypeId};
use crate::rule_plan::{self, Shape, Step, WalkNode};

/// One rule as data: `{"code", "name", "on", "clause", "message", "when", "require"}`, its
/// conditions read from the rule's record `on` (as [`Ir::rules`] gives it).
pub(crate) fn rule_with(ir: &Ir<'_>, on: Option<TypeId>, rule: &Rule) -> Value {
    json!({
        "code": rule.code,
        "name": rule.name,
        "on": rule.on,
        "clause": rule.meta.clause.to_string(),
        "message": rule.message,
        "when": rule.when.as_ref().map_or(Value::Null, |c| condition(ir, on, on, c)),
        "require": condition(ir, on, on, &rule.require),
    })
}

/// The walk plan: for each type from which a record with rules can be reached, in the order
/// [`rule_plan::walk_plan_with`] gives, its name and how the walk crosses it.
pub(crate) fn walk_with(ir: &Ir<'_>) -> Vec<(String, Value)> {
    rule_plan::walk_plan_with(ir)
        .into_iter()
        .map(|node| match node {
            WalkNode::Record { name, children } => (
                name,
                json!({ "kind": "record", "children": children_value(&children) }),
            ),
            WalkNode::Union {
                name,
                tag,
                variants,
            } => {
                let variants: Map<String, Value> = variants
                    .iter()
                    .map(|(variant, children)| (variant.clone(), children_value(children)))
                    .collect();
                (
                    name,
                    json!({ "kind": "union", "tag": tag, "variants": variants }),
                )
            }
        })
        .collect()
}

fn children_value(children: &[rule_plan::Child]) -> Value {
    children
        .iter()
        .map(|child| json!([child.field, shape(&child.shape)]))
        .collect()
}

fn shape(shape: &Shape) -> Value {
    match shape {
        Shape::Named(name) => Value::String(name.clone()),
        Shape::List(inner) => json!({ "list": self::shape(inner) }),
        Shape::Map(inner) => json!({ "map": self::shape(inner) }),
    }
}

/// A path read from a value of type `from`, as its list of steps.
fn path(ir: &Ir<'_>, from: Option<TypeId>, path: &FieldPath) -> Value {
    rule_plan::steps_with(ir, from, path)
        .into_iter()
        .map(|step| match step {
            Step::Field {
                key,
                fallback: None,
            } => json!({ "key": key }),
            Step::Field {
                key,
                fallback: Some(default),
            } => json!({ "key": key, "fallback": default }),
            Step::Variant { tag, variant } => json!({ "tag": tag, "variant": variant }),
        })
        .collect()
}

/// A condition as data, read from a value of type `from` (the rule's record, or a list element
/// inside `each`); `root` is the rule's record, where `member_of`, `same_as` and `at_most` read
/// their list, other value and bound.
fn condition(
    ir: &Ir<'_>,
    root: Option<TypeId>,
    from: Option<TypeId>,
    condition: &Condition,
) -> Value {
    let bound = |bound: &Option<u64>| bound.map_or(Value::Null, Value::from);
    let list = |conditions: &[Condition]| -> Value {
        conditions
            .iter()
            .map(|c| self::condition(ir, root, from, c))
            .collect()
    };
    match condition {
        Condition::Present(p) => json!({ "op": "present", "path": path(ir, from, p) }),
        Condition::Absent(p) => json!({ "op": "absent", "path": path(ir, from, p) }),
        Condition::Equals { path: p, value } => {
            json!({ "op": "equals", "path": path(ir, from, p), "value": value })
        }
        Condition::NotEquals { path: p, value } => {
            json!({ "op": "not_equals", "path": path(ir, from, p), "value": value })
        }
        Condition::OneOf { path: p, values } => {
            json!({ "op": "in", "path": path(ir, from, p), "values": values })
        }
        Condition::NoneOf { path: p, values } => {
            json!({ "op": "not_in", "path": path(ir, from, p), "values": values })
        }
        Condition::Length { path: p, min, max } => json!({
            "op": "length",
            "path": path(ir, from, p),
            "min": bound(min),
            "max": bound(max),
        }),
        Condition::Contains { path: p, value } => {
            json!({ "op": "contains", "path": path(ir, from, p), "value": value })
        }
        Condition::Each {
            path: p,
            condition: inner,
        } => {
            let element = ir.element_of(from, p);
            json!({
                "op": "each",
                "path": path(ir, from, p),
                "condition": self::condition(ir, root, element, inner),
            })
        }
        Condition::AllEqual { path: p, key } => {
            let element = ir.element_of(from, p);
            json!({
                "op": "all_equal",
                "path": path(ir, from, p),
                "key": self::path(ir, element, key),
            })
        }
        Condition::EqualsSum { path: p, terms } => {
            let terms: Vec<Value> = terms
                .iter()
                .map(|term| match term {
                    Term::Value(q) => json!({ "max": false, "paths": [path(ir, from, q)] }),
                    Term::Max(qs) => json!({
                        "max": true,
                        "paths": qs.iter().map(|q| path(ir, from, q)).collect::<Vec<_>>(),
                    }),
                })
                .collect();
            json!({ "op": "equals_sum", "path": path(ir, from, p), "terms": terms })
        }
        Condition::SortedBy { path: p, keys } => {
            let element = ir.element_of(from, p);
            let keys: Vec<Value> = keys
                .iter()
                .map(|key| {
                    let key_path = FieldPath::fields(&[key.field.as_str()]);
                    json!({
                        "path": path(ir, element, &key_path),
                        "numeric": key.numeric,
                        "descending": key.descending,
                    })
                })
                .collect();
            json!({ "op": "sorted_by", "path": path(ir, from, p), "keys": keys })
        }
        Condition::AtMost { measure, bound } => {
            let element = ir.element_of(from, measure.path());
            let (kind, key) = match measure {
                Measure::Value(_) => ("value", Value::Null),
                Measure::Count(_) => ("count", Value::Null),
                Measure::Sum { key, .. } => ("sum", path(ir, element, key)),
            };
            json!({
                "op": "at_most",
                "path": path(ir, from, measure.path()),
                "measure": kind,
                "key": key,
                "bound": path(ir, root, bound),
            })
        }
        Condition::SameAs { path: p, other } => json!({
            "op": "same_as",
            "path": path(ir, from, p),
            "other": path(ir, root, other),
            "uuids": ir.same_as_compares_uuids(root, from, p, other),
        }),
        Condition::HashOf {
            path: p,
            form,
            parts,
        } => json!({
            "op": "hash_of",
            "path": path(ir, from, p),
            "form": form.name(),
            "parts": parts.iter().map(|part| path(ir, from, part)).collect::<Vec<_>>(),
        }),
        Condition::All(conditions) => json!({ "op": "all", "conditions": list(conditions) }),
        Condition::Any(conditions) => json!({ "op": "any", "conditions": list(conditions) }),
        Condition::Not(inner) => json!({
            "op": "not",
            "condition": self::condition(ir, root, from, inner),
        }),
        Condition::MemberOf {
            list,
            matches,
            filter,
        } => {
            let element = ir.element_of(root, list);
            let matches: Vec<Value> = matches
                .iter()
                .map(|member| {
                    json!({
                        "key": member.key.as_ref().map_or(Value::Null, |key| {
                            path(ir, element, key)
                        }),
                        "value": path(ir, from, &member.value),
                        "uuids": ir.member_compares_uuids(root, from, list, member),
                    })
                })
                .collect();
            json!({
                "op": "member_of",
                "list": path(ir, root, list),
                "matches": matches,
                "filter": filter.as_ref().map_or(Value::Null, |f| {
                    self::condition(ir, root, element, f)
                }),
            })
        }
    }
}

/// `value` as JSON on one line, with a space after each `:` and `,` (`{"op": "present", ...}`):
/// the text the TypeScript target prints, and the Python target with its own three keywords.
pub(crate) fn inline(value: &Value) -> String {
    match value {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(key, item)| format!("{}: {}", Value::String(key.clone()), inline(item)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule_plan::test_rules;
    use crate::test_model::object_keys;

    #[test]
    fn a_default_becomes_the_fallback_of_its_step_and_a_rule_keeps_its_fields_in_order() {
        let spec = test_rules::spec();
        let ir = Ir::new(&spec);
        let (on, raw_only_for_files) = ir
            .rules()
            .find(|(_, r)| r.name == "raw_only_for_files")
            .expect("the fixture's contains rule");
        let data = rule_with(&ir, on, raw_only_for_files);
        assert_eq!(
            object_keys(&data),
            ["code", "name", "on", "clause", "message", "when", "require"]
        );
        assert_eq!(
            inline(&data["when"]),
            r#"{"op": "contains", "path": [{"key": "layers", "fallback": ["derived"]}], "value": "raw"}"#
        );
    }

    #[test]
    fn the_walk_plan_names_each_type_with_its_children() {
        let spec = test_rules::spec();
        let walk = walk_with(&Ir::new(&spec));
        let bundle = walk
            .iter()
            .find(|(name, _)| name == "Bundle")
            .expect("Bundle reaches SourceRef");
        assert_eq!(
            inline(&bundle.1),
            r#"{"kind": "record", "children": [["sources", {"list": "SourceRef"}], ["by_name", {"map": "SourceRef"}]]}"#
        );
    }

    #[test]
    fn inline_json_is_json() {
        let value = json!({ "a": [1, 2.5, null, true, "q\"\n"], "b": {} });
        let text = inline(&value);
        assert_eq!(text, r#"{"a": [1, 2.5, null, true, "q\"\n"], "b": {}}"#);
        assert_eq!(
            serde_json::from_str::<Value>(&text).expect("valid JSON"),
            value
        );
    }
}
