//! Cross-field rules in JSON Schema: each rule on a record becomes one `allOf` entry of that
//! record's schema, `{"$comment": "<code> <clause>", "if": <when>, "then": <require>}` (a rule
//! without `when` is just `{"$comment": …, …<require>}`).
//!
//! Translation, condition by condition (a path `a.b` becomes nested `properties`; each step is
//! `required` exactly when an absent value would make the condition false, so absence behaves as
//! in `docs/spec-language.md`; a field with a `default:` is judged on its default when absent,
//! as the Rust model does after applying it):
//! `present` → `required`; `absent` → `not` of it; `equals` → `const`; `in` → `enum`;
//! `not_equals`/`not_in` → `not` of those; `min_length`/`max_length` → `minLength`/`maxLength`
//! (strings, code points like the Rust `chars().count()`) or `minItems`/`maxItems` (lists);
//! `contains` → `contains: {const}`; `each` → `items`; `all`/`any`/`not` → `allOf`/`anyOf`/`not`.
//! A `[variant]` step is a `const` on the union's tag: required together with the rest of the path
//! where absence fails the condition, an `if`/`then` where absence satisfies it.
//!
//! `all_equal` compares list elements with each other, `member_of` a value with the elements of
//! another list of the same instance, `same_as` a value with another field, and `hash_of`
//! recomputes a SHA-256, which JSON Schema has no keyword for: a rule using any of them is left out of the schema and listed under `x-rules-not-expressible` on the record
//! (rule, code, reason), so the gap is visible and tests can assert it.

use handshake_spec::model::{Condition, FieldPath, Rule};
use serde_json::{Map, Value, json};

use crate::ir::{Ir, Step, TypeId, atom_holds, read_default};

/// Why `all_equal` has no JSON Schema translation.
pub const ALL_EQUAL_REASON: &str =
    "all_equal compares list elements with each other; JSON Schema has no keyword for that";

/// Why `member_of` has no JSON Schema translation.
pub const MEMBER_OF_REASON: &str = "member_of compares a value with the elements of another list of the record; JSON Schema has no keyword that relates two values of one instance";

/// Why `same_as` has no JSON Schema translation.
pub const SAME_AS_REASON: &str = "same_as compares a value with another field of the record; JSON Schema has no keyword that relates two values of one instance";

/// Why `at_most` has no JSON Schema translation.
pub const AT_MOST_REASON: &str = "at_most bounds a number, count or sum by another field of the record; JSON Schema bounds only by constants";

/// Why `sorted_by` has no JSON Schema translation.
pub const SORTED_BY_REASON: &str = "sorted_by compares neighbouring list elements with each other; JSON Schema has no keyword for that";

/// Why `equals_sum` has no JSON Schema translation.
pub const EQUALS_SUM_REASON: &str =
    "equals_sum adds up other values of the record; JSON Schema has no arithmetic";

/// Why `hash_of` has no JSON Schema translation.
pub const HASH_OF_REASON: &str = "hash_of recomputes a SHA-256 over canonical JSON of other values of the record; JSON Schema has no keyword that computes a value";

/// Why a rule has no JSON Schema translation (the first operator of its that has none), with the
/// operator's name as it is written in the spec; `None` when every operator has one.
pub fn inexpressible_reason(rule: &Rule) -> Option<(&'static str, &'static str)> {
    let reason = |condition: &Condition| match condition {
        Condition::MemberOf { .. } => Some(("member_of", MEMBER_OF_REASON)),
        Condition::HashOf { .. } => Some(("hash_of", HASH_OF_REASON)),
        Condition::SameAs { .. } => Some(("same_as", SAME_AS_REASON)),
        Condition::AtMost { .. } => Some(("at_most", AT_MOST_REASON)),
        Condition::SortedBy { .. } => Some(("sorted_by", SORTED_BY_REASON)),
        Condition::EqualsSum { .. } => Some(("equals_sum", EQUALS_SUM_REASON)),
        Condition::AllEqual { .. } => Some(("all_equal", ALL_EQUAL_REASON)),
        _ => None,
    };
    std::iter::once(&rule.require)
        .chain(&rule.when)
        .flat_map(Condition::walk)
        .find_map(reason)
}

/// Adds the rules on `def` to its schema: an `allOf` of the expressible ones and an
/// `x-rules-not-expressible` list of the others. Nothing is added for a type without rules.
pub(super) fn annotate(ir: &Ir<'_>, id: TypeId, schema: &mut Map<String, Value>) {
    let mut entries = Vec::new();
    let mut inexpressible = Vec::new();
    for rule in ir.rules_on(id) {
        match rule_schema(ir, id, rule) {
            Some(entry) => entries.push(Value::Object(entry)),
            None => inexpressible.push(json!({
                "rule": rule.name,
                "code": rule.code,
                "reason": inexpressible_reason(rule).map_or(ALL_EQUAL_REASON, |(_, reason)| reason),
            })),
        }
    }
    if !entries.is_empty() {
        schema.insert("allOf".into(), Value::Array(entries));
    }
    if !inexpressible.is_empty() {
        schema.insert(
            "x-rules-not-expressible".into(),
            Value::Array(inexpressible),
        );
    }
}

/// The `$comment` of a rule's `allOf` entry: `<code> <clause>`; also how tools recognise one.
pub fn rule_comment(rule: &Rule) -> String {
    format!("{} {}", rule.code, rule.meta.clause)
}

fn rule_schema(ir: &Ir<'_>, on: TypeId, rule: &Rule) -> Option<Map<String, Value>> {
    let require = condition(ir, on, &rule.require)?;
    let mut entry = Map::new();
    entry.insert("$comment".into(), Value::String(rule_comment(rule)));
    match &rule.when {
        Some(when) => {
            let when = condition(ir, on, when)?;
            entry.insert("if".into(), Value::Object(when));
            entry.insert("then".into(), Value::Object(require));
        }
        None => entry.extend(require),
    }
    Some(entry)
}

/// The schema of a condition on a value of type `scope`; `None` when it is not expressible.
fn condition(ir: &Ir<'_>, scope: TypeId, condition: &Condition) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    match condition {
        Condition::All(items) | Condition::Any(items) => {
            let items = items
                .iter()
                .map(|c| condition_value(ir, scope, c))
                .collect::<Option<Vec<_>>>()?;
            let key = if matches!(condition, Condition::All(_)) {
                "allOf"
            } else {
                "anyOf"
            };
            out.insert(key.into(), Value::Array(items));
        }
        Condition::Not(inner) => {
            out.insert("not".into(), condition_value(ir, scope, inner)?);
        }
        Condition::Absent(path) => {
            let present = Condition::Present(path.clone());
            out.insert("not".into(), condition_value(ir, scope, &present)?);
        }
        Condition::NotEquals { path, value } => {
            let equals = Condition::Equals {
                path: path.clone(),
                value: value.clone(),
            };
            out.insert("not".into(), condition_value(ir, scope, &equals)?);
        }
        Condition::NoneOf { path, values } => {
            let one_of = Condition::OneOf {
                path: path.clone(),
                values: values.clone(),
            };
            out.insert("not".into(), condition_value(ir, scope, &one_of)?);
        }
        Condition::AllEqual { .. }
        | Condition::MemberOf { .. }
        | Condition::SameAs { .. }
        | Condition::AtMost { .. }
        | Condition::SortedBy { .. }
        | Condition::EqualsSum { .. }
        | Condition::HashOf { .. } => {
            return None;
        }
        Condition::Present(path) => return along(ir, scope, path, condition, Map::new()),
        Condition::Equals { path, value } => {
            let mut leaf = Map::new();
            leaf.insert("const".into(), value.clone());
            return along(ir, scope, path, condition, leaf);
        }
        Condition::OneOf { path, values } => {
            let mut leaf = Map::new();
            leaf.insert("enum".into(), Value::Array(values.clone()));
            return along(ir, scope, path, condition, leaf);
        }
        Condition::Length { path, min, max } => {
            let is_list = ir.path(Some(scope), path).ok()?.ends_at_list();
            let (min_key, max_key) = if is_list {
                ("minItems", "maxItems")
            } else {
                ("minLength", "maxLength")
            };
            let mut leaf = Map::new();
            if let Some(min) = min {
                leaf.insert(min_key.into(), (*min).into());
            }
            if let Some(max) = max {
                leaf.insert(max_key.into(), (*max).into());
            }
            return along(ir, scope, path, condition, leaf);
        }
        Condition::Contains { path, value } => {
            let mut leaf = Map::new();
            leaf.insert("contains".into(), json!({ "const": value }));
            return along(ir, scope, path, condition, leaf);
        }
        Condition::Each {
            path,
            condition: inner,
        } => {
            let element = ir.element_of(Some(scope), path)?;
            let mut leaf = Map::new();
            leaf.insert("items".into(), condition_value(ir, element, inner)?);
            return along(ir, scope, path, condition, leaf);
        }
    }
    Some(out)
}

fn condition_value(ir: &Ir<'_>, scope: TypeId, c: &Condition) -> Option<Value> {
    condition(ir, scope, c).map(Value::Object)
}

/// Nests `leaf` under the `properties` of each step of `path`, requiring a step exactly when its
/// absence would make `atom` false. A `[variant]` step becomes a `const` on the union's tag:
/// merged into the union's schema (tag required) when absence makes `atom` false, else an
/// `if` (the tag is the variant) / `then` (the rest of the path), so another variant passes.
fn along(
    ir: &Ir<'_>,
    scope: TypeId,
    path: &FieldPath,
    atom: &Condition,
    leaf: Map<String, Value>,
) -> Option<Map<String, Value>> {
    let resolved = ir.path(Some(scope), path).ok()?;
    let steps = &resolved.steps;
    let mut schema = leaf;
    for (index, step) in steps.iter().enumerate().rev() {
        match step {
            Step::Variant { tag, variant, .. } => {
                let mut test = Map::new();
                test.insert(
                    "properties".into(),
                    json!({ *tag: { "const": variant.name } }),
                );
                test.insert("required".into(), json!([tag]));
                schema = if atom_holds(atom, None) {
                    let mut conditional = Map::new();
                    conditional.insert("if".into(), Value::Object(test));
                    conditional.insert("then".into(), Value::Object(schema));
                    conditional
                } else {
                    merge(test, schema)
                };
            }
            Step::Tag { key, .. } => schema = property(key, schema, atom_holds(atom, None)),
            Step::Field(field) => {
                let absent_holds = match field.default() {
                    // Absent with a default: the default is read instead, and the rest of the
                    // path in it.
                    Some(default) => {
                        atom_holds(atom, read_default(default, &steps[index + 1..]).as_ref())
                    }
                    None => atom_holds(atom, None),
                };
                schema = property(field.key(), schema, absent_holds);
            }
        }
    }
    Some(schema)
}

/// `{"properties": {name: schema}}`, with `name` required unless its absence satisfies the atom.
fn property(name: &str, schema: Map<String, Value>, absent_holds: bool) -> Map<String, Value> {
    let mut outer = Map::new();
    let mut properties = Map::new();
    properties.insert(name.to_string(), Value::Object(schema));
    outer.insert("properties".into(), Value::Object(properties));
    if !absent_holds {
        outer.insert("required".into(), json!([name]));
    }
    outer
}

/// `test` (the tag's `const`, tag required) and `rest` (the schema of the variant's fields) as one
/// schema: their `properties` and `required` joined (the loader never lets a path read the tag
/// after a variant step, so the keys differ); anything else in `rest` stays beside them.
fn merge(test: Map<String, Value>, rest: Map<String, Value>) -> Map<String, Value> {
    let mut out = test;
    for (key, value) in rest {
        match (key.as_str(), out.get_mut(&key), value) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => mine.extend(theirs),
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => mine.extend(theirs),
            (_, _, value) => {
                out.insert(key, value);
            }
        }
    }
    out
}
