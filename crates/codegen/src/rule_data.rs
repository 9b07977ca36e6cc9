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
//! variant step mean; this module only writes its answers down. Until the SDK emitters pass the
//! IR, [`rule`] and [`walk`] take the spec and ask `rule_plan`'s cursor instead; [`Paths`] lets
//! one encoder serve both, and a test holds their output equal on every rule.

use handshake_spec::model::{Condition, FieldPath, Measure, MemberMatch, Rule, Spec, Term};
use serde_json::{Map, Value, json};

use crate::ir::{Ir, TypeId};
use crate::rule_plan::{self, Shape, Step, WalkNode};

/// Where the encoder asks how a path reads: the IR, or (until the SDK emitters pass the IR) the
/// spec through `rule_plan`'s cursor. `Scope` is the type a path is read from.
pub(crate) trait Paths {
    /// The type a path starts at.
    type Scope: Clone;
    /// The scope of the rule's record.
    fn on(&self, rule: &Rule) -> Self::Scope;
    /// The steps of `path` from `from`.
    fn steps(&self, from: &Self::Scope, path: &FieldPath) -> Vec<Step>;
    /// The element type of the list at `path` from `from`.
    fn element(&self, from: &Self::Scope, path: &FieldPath) -> Self::Scope;
    /// Whether a `same_as` compares UUIDs.
    fn same_as_uuids(
        &self,
        root: &Self::Scope,
        from: &Self::Scope,
        path: &FieldPath,
        other: &FieldPath,
    ) -> bool;
    /// Whether one comparison of a `member_of` compares UUIDs.
    fn member_uuids(
        &self,
        root: &Self::Scope,
        from: &Self::Scope,
        list: &FieldPath,
        member: &MemberMatch,
    ) -> bool;
}

impl Paths for Ir<'_> {
    type Scope = Option<TypeId>;

    fn on(&self, rule: &Rule) -> Option<TypeId> {
        self.id(&rule.on)
    }

    fn steps(&self, from: &Option<TypeId>, path: &FieldPath) -> Vec<Step> {
        rule_plan::steps_with(self, *from, path)
    }

    fn element(&self, from: &Option<TypeId>, path: &FieldPath) -> Option<TypeId> {
        self.element_of(*from, path)
    }

    fn same_as_uuids(
        &self,
        root: &Option<TypeId>,
        from: &Option<TypeId>,
        path: &FieldPath,
        other: &FieldPath,
    ) -> bool {
        self.same_as_compares_uuids(*root, *from, path, other)
    }

    fn member_uuids(
        &self,
        root: &Option<TypeId>,
        from: &Option<TypeId>,
        list: &FieldPath,
        member: &MemberMatch,
    ) -> bool {
        self.member_compares_uuids(*root, *from, list, member)
    }
}

// used by the SDK emitters until they read the IR
impl Paths for Spec {
    type Scope = Option<String>;

    fn on(&self, rule: &Rule) -> Option<String> {
        Some(rule.on.clone())
    }

    fn steps(&self, from: &Option<String>, path: &FieldPath) -> Vec<Step> {
        rule_plan::steps(self, from.as_deref(), path)
    }

    fn element(&self, from: &Option<String>, path: &FieldPath) -> Option<String> {
        rule_plan::element_type(self, from.as_deref(), path)
    }

    fn same_as_uuids(
        &self,
        root: &Option<String>,
        from: &Option<String>,
        path: &FieldPath,
        other: &FieldPath,
    ) -> bool {
        rule_plan::same_as_compares_uuids(self, root.as_deref(), from.as_deref(), path, other)
    }

    fn member_uuids(
        &self,
        root: &Option<String>,
        from: &Option<String>,
        list: &FieldPath,
        member: &MemberMatch,
    ) -> bool {
        rule_plan::member_compares_uuids(self, root.as_deref(), from.as_deref(), list, member)
    }
}

/// One rule as data: `{"code", "name", "on", "clause", "message", "when", "require"}`, its
/// conditions read from the rule's record.
// used by the SDK emitters until they read the IR (then `rule_with(ir, rule)`)
pub(crate) fn rule(spec: &Spec, rule: &Rule) -> Value {
    rule_with(spec, rule)
}

/// [`rule`], asking `paths` (the IR) how each path reads.
pub(crate) fn rule_with<P: Paths + ?Sized>(paths: &P, rule: &Rule) -> Value {
    let on = paths.on(rule);
    json!({
        "code": rule.code,
        "name": rule.name,
        "on": rule.on,
        "clause": rule.meta.clause.to_string(),
        "message": rule.message,
        "when": rule.when.as_ref().map_or(Value::Null, |c| condition(paths, &on, &on, c)),
        "require": condition(paths, &on, &on, &rule.require),
    })
}

/// The walk plan: for each type from which a record with rules can be reached, in the order
/// [`rule_plan::walk_plan_with`] gives, its name and how the walk crosses it.
// used by the SDK emitters until they read the IR (then `walk_with(ir)`)
pub(crate) fn walk(spec: &Spec) -> Vec<(String, Value)> {
    walk_with(&Ir::types_only(spec))
}

/// [`walk`] from the IR.
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
fn path<P: Paths + ?Sized>(paths: &P, from: &P::Scope, path: &FieldPath) -> Value {
    paths
        .steps(from, path)
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
fn condition<P: Paths + ?Sized>(
    paths: &P,
    root: &P::Scope,
    from: &P::Scope,
    condition: &Condition,
) -> Value {
    let bound = |bound: &Option<u64>| bound.map_or(Value::Null, Value::from);
    let list = |conditions: &[Condition]| -> Value {
        conditions
            .iter()
            .map(|c| self::condition(paths, root, from, c))
            .collect()
    };
    match condition {
        Condition::Present(p) => json!({ "op": "present", "path": path(paths, from, p) }),
        Condition::Absent(p) => json!({ "op": "absent", "path": path(paths, from, p) }),
        Condition::Equals { path: p, value } => {
            json!({ "op": "equals", "path": path(paths, from, p), "value": value })
        }
        Condition::NotEquals { path: p, value } => {
            json!({ "op": "not_equals", "path": path(paths, from, p), "value": value })
        }
        Condition::OneOf { path: p, values } => {
            json!({ "op": "in", "path": path(paths, from, p), "values": values })
        }
        Condition::NoneOf { path: p, values } => {
            json!({ "op": "not_in", "path": path(paths, from, p), "values": values })
        }
        Condition::Length { path: p, min, max } => json!({
            "op": "length",
            "path": path(paths, from, p),
            "min": bound(min),
            "max": bound(max),
        }),
        Condition::Contains { path: p, value } => {
            json!({ "op": "contains", "path": path(paths, from, p), "value": value })
        }
        Condition::Each {
            path: p,
            condition: inner,
        } => {
            let element = paths.element(from, p);
            json!({
                "op": "each",
                "path": path(paths, from, p),
                "condition": self::condition(paths, root, &element, inner),
            })
        }
        Condition::AllEqual { path: p, key } => {
            let element = paths.element(from, p);
            json!({
                "op": "all_equal",
                "path": path(paths, from, p),
                "key": self::path(paths, &element, key),
            })
        }
        Condition::EqualsSum { path: p, terms } => {
            let terms: Vec<Value> = terms
                .iter()
                .map(|term| match term {
                    Term::Value(q) => json!({ "max": false, "paths": [path(paths, from, q)] }),
                    Term::Max(qs) => json!({
                        "max": true,
                        "paths": qs.iter().map(|q| path(paths, from, q)).collect::<Vec<_>>(),
                    }),
                })
                .collect();
            json!({ "op": "equals_sum", "path": path(paths, from, p), "terms": terms })
        }
        Condition::SortedBy { path: p, keys } => {
            let element = paths.element(from, p);
            let keys: Vec<Value> = keys
                .iter()
                .map(|key| {
                    let key_path = FieldPath::fields(&[key.field.as_str()]);
                    json!({
                        "path": path(paths, &element, &key_path),
                        "numeric": key.numeric,
                        "descending": key.descending,
                    })
                })
                .collect();
            json!({ "op": "sorted_by", "path": path(paths, from, p), "keys": keys })
        }
        Condition::AtMost { measure, bound } => {
            let element = paths.element(from, measure.path());
            let (kind, key) = match measure {
                Measure::Value(_) => ("value", Value::Null),
                Measure::Count(_) => ("count", Value::Null),
                Measure::Sum { key, .. } => ("sum", path(paths, &element, key)),
            };
            json!({
                "op": "at_most",
                "path": path(paths, from, measure.path()),
                "measure": kind,
                "key": key,
                "bound": path(paths, root, bound),
            })
        }
        Condition::SameAs { path: p, other } => json!({
            "op": "same_as",
            "path": path(paths, from, p),
            "other": path(paths, root, other),
            "uuids": paths.same_as_uuids(root, from, p, other),
        }),
        Condition::HashOf {
            path: p,
            form,
            parts,
        } => json!({
            "op": "hash_of",
            "path": path(paths, from, p),
            "form": form.name(),
            "parts": parts.iter().map(|part| path(paths, from, part)).collect::<Vec<_>>(),
        }),
        Condition::All(conditions) => json!({ "op": "all", "conditions": list(conditions) }),
        Condition::Any(conditions) => json!({ "op": "any", "conditions": list(conditions) }),
        Condition::Not(inner) => json!({
            "op": "not",
            "condition": self::condition(paths, root, from, inner),
        }),
        Condition::MemberOf {
            list,
            matches,
            filter,
        } => {
            let element = paths.element(root, list);
            let matches: Vec<Value> = matches
                .iter()
                .map(|member| {
                    json!({
                        "key": member.key.as_ref().map_or(Value::Null, |key| {
                            path(paths, &element, key)
                        }),
                        "value": path(paths, from, &member.value),
                        "uuids": paths.member_uuids(root, from, list, member),
                    })
                })
                .collect();
            json!({
                "op": "member_of",
                "list": path(paths, root, list),
                "matches": matches,
                "filter": filter.as_ref().map_or(Value::Null, |f| {
                    self::condition(paths, root, &element, f)
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

    #[test]
    fn a_default_becomes_the_fallback_of_its_step_and_a_rule_keeps_its_fields_in_order() {
        let spec = test_rules::spec();
        let raw_only_for_files = spec
            .rules
            .iter()
            .find(|r| r.name == "raw_only_for_files")
            .expect("the fixture's contains rule");
        let data = rule(&spec, raw_only_for_files);
        let keys: Vec<&str> = data
            .as_object()
            .expect("a rule is an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["code", "name", "on", "clause", "message", "when", "require"]
        );
        assert_eq!(
            inline(&data["when"]),
            r#"{"op": "contains", "path": [{"key": "layers", "fallback": ["derived"]}], "value": "raw"}"#
        );
    }

    #[test]
    fn the_walk_plan_names_each_type_with_its_children() {
        let walk = walk(&test_rules::spec());
        let bundle = walk
            .iter()
            .find(|(name, _)| name == "Bundle")
            .expect("Bundle reaches SourceRef");
        assert_eq!(
            inline(&bundle.1),
            r#"{"kind": "record", "children": [["sources", {"list": "SourceRef"}], ["by_name", {"map": "SourceRef"}]]}"#
        );
    }

    /// The encoder gives the same data whether it asks the IR or the spec's cursor, on every rule
    /// of the unit-test spec and of the repository's spec: moving the SDK emitters to
    /// `rule_with(ir, …)` and `walk_with(ir)` changes no byte.
    #[test]
    fn the_ir_and_the_cursor_encode_every_rule_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let real = handshake_spec::load(&root).expect("the real spec loads");
        for spec in [test_rules::spec(), real] {
            let ir = Ir::new(&spec);
            for each in &spec.rules {
                assert_eq!(rule_with(&ir, each), rule(&spec, each), "{}", each.name);
            }
            assert_eq!(walk_with(&ir), walk(&spec));
        }
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
