//! TypeScript target, cross-field rules: `rules.ts` holds the rules as data (`RULES`), one small
//! interpreter, `violations(typeName, value)` and a typed `checkRules<Type>` per record with rules
//! (the full check, structure and rules, is `validate<Type>` in `validate.ts`).
//!
//! The functions are pure and read plain JSON values, the wire form the types describe: a path
//! step through a missing optional field uses the field's `default:` when it declares one (the
//! Rust model applies defaults when it reads a record), so the verdicts match the Rust
//! validators. They check the cross-field rules only, not the structure: that is the types' job
//! at compile time, and the JSON Schema's at run time.

use std::fmt::Write as _;

use handshake_spec::model::{Condition, FieldPath, Measure, Spec, Term};

use super::{header, js_string, tsdoc};
use crate::rule_plan::{self, Shape, Step, WalkNode};

/// `rules.ts`.
pub(super) fn rules_file(spec: &Spec) -> String {
    let mut out = header(spec, "Cross-field rules");
    let records = rule_plan::records_with_rules(spec);
    // The interpreter recomputes `hash_of` hashes with the hand-written canonical JSON module, and
    // `sorted_by` compares strings by code point with it.
    out.push_str("\nimport { compareCodePoints, promptPartsHash } from \"../canonical.js\";");
    if !records.is_empty() {
        let _ = writeln!(
            out,
            "\nimport type {{ {} }} from \"./types.js\";",
            records.join(", ")
        );
    }
    out.push('\n');
    tsdoc(
        &mut out,
        "",
        &["The stable code of every cross-field rule.".to_string()],
    );
    let _ = writeln!(
        out,
        "export type RuleCode = {};\n",
        literal_union(spec.rules.iter().map(|r| r.code.as_str()))
    );
    tsdoc(
        &mut out,
        "",
        &["The name of every cross-field rule.".to_string()],
    );
    let _ = writeln!(
        out,
        "export type RuleName = {};\n",
        literal_union(spec.rules.iter().map(|r| r.name.as_str()))
    );
    out.push_str(TYPES);

    tsdoc(
        &mut out,
        "",
        &["Every cross-field rule, in spec order, with its conditions as data.".to_string()],
    );
    out.push_str("export const RULES: readonly CrossFieldRule[] = [\n");
    for rule in &spec.rules {
        let mut doc = vec![rule.meta.description.clone(), String::new()];
        doc.push(format!("Clause: {}", rule.meta.clause));
        if let Some(decision) = &rule.meta.decision {
            doc.push(format!("Decision: {decision}"));
        }
        tsdoc(&mut out, "  ", &doc);
        let when = rule
            .when
            .as_ref()
            .map(|c| condition(spec, Some(&rule.on), Some(&rule.on), c))
            .unwrap_or_else(|| "null".to_string());
        let _ = writeln!(
            out,
            "  {{\n    code: {},\n    name: {},\n    on: {},\n    clause: {},\n    message: {},\n    when: {when},\n    require: {},\n  }},",
            js_string(&rule.code),
            js_string(&rule.name),
            js_string(&rule.on),
            js_string(&rule.meta.clause.to_string()),
            js_string(&rule.message),
            condition(spec, Some(&rule.on), Some(&rule.on), &rule.require)
        );
    }
    out.push_str("];\n\n");

    out.push_str("/** Types from which a record with rules can be reached, and the fields leading there. */\n");
    out.push_str("const WALK: Readonly<Record<string, WalkNode>> = {\n");
    for node in rule_plan::walk_plan(spec) {
        match &node {
            WalkNode::Record { name, children } => {
                let _ = writeln!(
                    out,
                    "  {}: {{ kind: \"record\", children: {} }},",
                    js_string(name),
                    children_array(children)
                );
            }
            WalkNode::Union {
                name,
                tag,
                variants,
            } => {
                let entries: Vec<String> = variants
                    .iter()
                    .map(|(variant, children)| {
                        format!("{}: {}", js_string(variant), children_array(children))
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "  {}: {{ kind: \"union\", tag: {}, variants: {{ {} }} }},",
                    js_string(name),
                    js_string(tag),
                    entries.join(", ")
                );
            }
        }
    }
    out.push_str("};\n");
    out.push_str(INTERPRETER);

    for record in records {
        let codes: Vec<String> = rule_plan::rules_on(spec, record)
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

fn children_array(children: &[rule_plan::Child]) -> String {
    let items: Vec<String> = children
        .iter()
        .map(|c| format!("[{}, {}]", js_string(&c.field), shape(&c.shape)))
        .collect();
    format!("[{}]", items.join(", "))
}

fn shape(shape: &Shape) -> String {
    match shape {
        Shape::Named(name) => js_string(name),
        Shape::List(inner) => format!("{{ list: {} }}", self::shape(inner)),
        Shape::Map(inner) => format!("{{ map: {} }}", self::shape(inner)),
    }
}

fn path(spec: &Spec, from: Option<&str>, path: &FieldPath) -> String {
    let steps: Vec<String> = rule_plan::steps(spec, from, path)
        .into_iter()
        .map(|step| match &step {
            Step::Field {
                key,
                fallback: None,
            } => format!("{{ key: {} }}", js_string(key)),
            Step::Field {
                key,
                fallback: Some(default),
            } => format!("{{ key: {}, fallback: {default} }}", js_string(key)),
            Step::Variant { tag, variant } => format!(
                "{{ tag: {}, variant: {} }}",
                js_string(tag),
                js_string(variant)
            ),
        })
        .collect();
    format!("[{}]", steps.join(", "))
}

fn json(value: &serde_json::Value) -> String {
    value.to_string()
}

/// A condition as data; `root` is the rule's record, where `member_of` lists are read.
fn condition(spec: &Spec, root: Option<&str>, from: Option<&str>, condition: &Condition) -> String {
    let values = |values: &[serde_json::Value]| {
        format!(
            "[{}]",
            values.iter().map(json).collect::<Vec<_>>().join(", ")
        )
    };
    let bound = |bound: &Option<u64>| bound.map_or("null".to_string(), |b| b.to_string());
    let list = |conditions: &[Condition]| {
        format!(
            "[{}]",
            conditions
                .iter()
                .map(|c| self::condition(spec, root, from, c))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match condition {
        Condition::Present(p) => format!("{{ op: \"present\", path: {} }}", path(spec, from, p)),
        Condition::Absent(p) => format!("{{ op: \"absent\", path: {} }}", path(spec, from, p)),
        Condition::Equals { path: p, value } => format!(
            "{{ op: \"equals\", path: {}, value: {} }}",
            path(spec, from, p),
            json(value)
        ),
        Condition::NotEquals { path: p, value } => format!(
            "{{ op: \"not_equals\", path: {}, value: {} }}",
            path(spec, from, p),
            json(value)
        ),
        Condition::OneOf { path: p, values: v } => format!(
            "{{ op: \"in\", path: {}, values: {} }}",
            path(spec, from, p),
            values(v)
        ),
        Condition::NoneOf { path: p, values: v } => format!(
            "{{ op: \"not_in\", path: {}, values: {} }}",
            path(spec, from, p),
            values(v)
        ),
        Condition::Length { path: p, min, max } => format!(
            "{{ op: \"length\", path: {}, min: {}, max: {} }}",
            path(spec, from, p),
            bound(min),
            bound(max)
        ),
        Condition::Contains { path: p, value } => format!(
            "{{ op: \"contains\", path: {}, value: {} }}",
            path(spec, from, p),
            json(value)
        ),
        Condition::Each {
            path: p,
            condition: inner,
        } => {
            let element = rule_plan::element_type(spec, from, p);
            format!(
                "{{ op: \"each\", path: {}, condition: {} }}",
                path(spec, from, p),
                self::condition(spec, root, element.as_deref(), inner)
            )
        }
        Condition::AllEqual { path: p, key } => {
            let element = rule_plan::element_type(spec, from, p);
            format!(
                "{{ op: \"all_equal\", path: {}, key: {} }}",
                path(spec, from, p),
                self::path(spec, element.as_deref(), key)
            )
        }
        Condition::EqualsSum { path: p, terms } => {
            let terms: Vec<String> = terms
                .iter()
                .map(|term| match term {
                    Term::Value(q) => format!("{{ max: false, paths: [{}] }}", path(spec, from, q)),
                    Term::Max(qs) => format!(
                        "{{ max: true, paths: [{}] }}",
                        qs.iter()
                            .map(|q| path(spec, from, q))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
                .collect();
            format!(
                "{{ op: \"equals_sum\", path: {}, terms: [{}] }}",
                path(spec, from, p),
                terms.join(", ")
            )
        }
        Condition::SortedBy { path: p, keys } => {
            let element = rule_plan::element_type(spec, from, p);
            let keys: Vec<String> = keys
                .iter()
                .map(|key| {
                    let key_path = FieldPath::fields(&[key.field.as_str()]);
                    format!(
                        "{{ path: {}, numeric: {}, descending: {} }}",
                        path(spec, element.as_deref(), &key_path),
                        key.numeric,
                        key.descending
                    )
                })
                .collect();
            format!(
                "{{ op: \"sorted_by\", path: {}, keys: [{}] }}",
                path(spec, from, p),
                keys.join(", ")
            )
        }
        Condition::AtMost { measure, bound } => {
            let element = rule_plan::element_type(spec, from, measure.path());
            let (kind, key) = match measure {
                Measure::Value(_) => ("value", "null".to_string()),
                Measure::Count(_) => ("count", "null".to_string()),
                Measure::Sum { key, .. } => ("sum", path(spec, element.as_deref(), key)),
            };
            format!(
                "{{ op: \"at_most\", path: {}, measure: \"{kind}\", key: {key}, bound: {} }}",
                path(spec, from, measure.path()),
                path(spec, root, bound)
            )
        }
        Condition::SameAs { path: p, other } => format!(
            "{{ op: \"same_as\", path: {}, other: {}, uuids: {} }}",
            path(spec, from, p),
            path(spec, root, other),
            rule_plan::same_as_compares_uuids(spec, root, from, p, other)
        ),
        Condition::HashOf {
            path: p,
            form,
            parts,
        } => format!(
            "{{ op: \"hash_of\", path: {}, form: \"{}\", parts: [{}] }}",
            path(spec, from, p),
            form.name(),
            parts
                .iter()
                .map(|part| path(spec, from, part))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Condition::All(conditions) => {
            format!("{{ op: \"all\", conditions: {} }}", list(conditions))
        }
        Condition::Any(conditions) => {
            format!("{{ op: \"any\", conditions: {} }}", list(conditions))
        }
        Condition::Not(inner) => format!(
            "{{ op: \"not\", condition: {} }}",
            self::condition(spec, root, from, inner)
        ),
        Condition::MemberOf {
            list,
            matches,
            filter,
        } => {
            let element = rule_plan::element_type(spec, root, list);
            let pairs: Vec<String> = matches
                .iter()
                .map(|member| {
                    let key = member.key.as_ref().map_or("null".to_string(), |key| {
                        path(spec, element.as_deref(), key)
                    });
                    let uuids = rule_plan::member_compares_uuids(spec, root, from, list, member);
                    format!(
                        "{{ key: {key}, value: {}, uuids: {uuids} }}",
                        path(spec, from, &member.value)
                    )
                })
                .collect();
            let filter = filter.as_ref().map_or("null".to_string(), |f| {
                self::condition(spec, root, element.as_deref(), f)
            });
            format!(
                "{{ op: \"member_of\", list: {}, matches: [{}], filter: {filter} }}",
                path(spec, root, list),
                pairs.join(", ")
            )
        }
    }
}

const TYPES: &str = r#"/**
 * One step of a rule path: a field `key` (`fallback` is the field's declared default, used when it
 * is absent), or a `[variant]` step that keeps a union value whose `tag` property is `variant` and
 * makes any other value absent.
 */
export type PathStep =
  | { readonly key: string; readonly fallback?: unknown }
  | { readonly tag: string; readonly variant: string };

/**
 * A rule condition as data (the spec language's `rules:` conditions). An absent value (a missing
 * optional field or `null` anywhere on the path, with no default) satisfies only `absent`,
 * `not_equals`, `not_in`, and `length`, `each`, `all_equal` and (an absent stored hash) `hash_of`
 * vacuously. `hash_of` holds when the string at `path` is the hash `form` computes over the values
 * at `parts`, in order; an absent part, or one the form cannot hash, fails it. `same_as` holds when
 * the value at `path` equals the value at `other`, read from the rule's record; absent on either
 * side fails it. `at_most` holds when the number, element count or sum (of `key` over the elements)
 * at `path` is at most the number at `bound` of the rule's record; an absent value or bound holds.
 * `sorted_by` holds when every element of the list at `path` may precede the next by `keys`.
 * `equals_sum` holds when the number at `path` is the sum, left to right, of its terms (a path, or
 * the largest of several); a missing number counts as 0.
 */
export type Condition =
  | { readonly op: "present" | "absent"; readonly path: readonly PathStep[] }
  | { readonly op: "equals" | "not_equals" | "contains"; readonly path: readonly PathStep[]; readonly value: unknown }
  | { readonly op: "in" | "not_in"; readonly path: readonly PathStep[]; readonly values: readonly unknown[] }
  | { readonly op: "length"; readonly path: readonly PathStep[]; readonly min: number | null; readonly max: number | null }
  | { readonly op: "each"; readonly path: readonly PathStep[]; readonly condition: Condition }
  | { readonly op: "all_equal"; readonly path: readonly PathStep[]; readonly key: readonly PathStep[] }
  | {
      readonly op: "member_of";
      readonly list: readonly PathStep[];
      readonly matches: readonly MemberMatch[];
      readonly filter: Condition | null;
    }
  | {
      readonly op: "equals_sum";
      readonly path: readonly PathStep[];
      readonly terms: readonly { readonly max: boolean; readonly paths: readonly (readonly PathStep[])[] }[];
    }
  | {
      readonly op: "sorted_by";
      readonly path: readonly PathStep[];
      readonly keys: readonly SortKey[];
    }
  | {
      readonly op: "at_most";
      readonly path: readonly PathStep[];
      readonly measure: "value" | "count" | "sum";
      readonly key: readonly PathStep[] | null;
      readonly bound: readonly PathStep[];
    }
  | {
      readonly op: "same_as";
      readonly path: readonly PathStep[];
      readonly other: readonly PathStep[];
      readonly uuids: boolean;
    }
  | {
      readonly op: "hash_of";
      readonly path: readonly PathStep[];
      readonly form: HashForm;
      readonly parts: readonly (readonly PathStep[])[];
    }
  | { readonly op: "all" | "any"; readonly conditions: readonly Condition[] }
  | { readonly op: "not"; readonly condition: Condition };

/**
 * One key of a `sorted_by` condition: numbers compare as binary64, strings by code point.
 */
export interface SortKey {
  readonly path: readonly PathStep[];
  readonly numeric: boolean;
  readonly descending: boolean;
}

/**
 * A `hash_of` form (§2.6.6.7.5): `prompt_blocks` hashes lists of ContextBlocks as
 * `promptPartsHash` (canonical.ts) does, Rust's `handshake_canonical::prompt_parts_hash`.
 */
export type HashForm = "prompt_blocks";

/**
 * One comparison of a `member_of` condition: the element (`key: null`) or its `key` against the
 * value at `value` (relative to where the condition sits); `uuids` compares both as UUID text,
 * in any letter case.
 */
export interface MemberMatch {
  readonly key: readonly PathStep[] | null;
  readonly value: readonly PathStep[];
  readonly uuids: boolean;
}

/** A cross-field rule: stable code, name, the record type it constrains, clause(s), message, conditions. */
export interface CrossFieldRule {
  readonly code: RuleCode;
  readonly name: RuleName;
  readonly on: string;
  readonly clause: string;
  readonly message: string;
  /** The rule applies only where this holds; `null` means always. */
  readonly when: Condition | null;
  readonly require: Condition;
}

/** A broken rule: the JSON pointer of the record it is on (`""` for the value itself) and its code. */
export interface Violation {
  readonly pointer: string;
  readonly code: RuleCode;
}

type Shape = string | { readonly list: Shape } | { readonly map: Shape };
type Children = readonly (readonly [string, Shape])[];
type WalkNode =
  | { readonly kind: "record"; readonly children: Children }
  | { readonly kind: "union"; readonly tag: string; readonly variants: Readonly<Record<string, Children>> };

"#;

const INTERPRETER: &str = r#"
/** Marks a missing optional field (or `null`) anywhere on a path. */
const ABSENT: unique symbol = Symbol("absent");

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolve(value: unknown, path: readonly PathStep[]): unknown {
  let current: unknown = value;
  for (const step of path) {
    if ("variant" in step) {
      if (!isObject(current) || current[step.tag] !== step.variant) {
        return ABSENT;
      }
      continue;
    }
    let next: unknown = isObject(current) ? current[step.key] : undefined;
    if (next === undefined || next === null) {
      next = "fallback" in step ? step.fallback : ABSENT;
    }
    if (next === ABSENT) {
      return ABSENT;
    }
    current = next;
  }
  return current;
}

/** JSON equality: numbers by value, arrays and objects deeply. */
function equal(left: unknown, right: unknown): boolean {
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => equal(item, right[index]));
  }
  if (isObject(left) && isObject(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && equal(left[key], right[key]))
    );
  }
  return left === right;
}

function lengthOf(value: unknown): number | undefined {
  if (typeof value === "string") {
    return [...value].length;
  }
  if (Array.isArray(value)) {
    return value.length;
  }
  return isObject(value) ? Object.keys(value).length : undefined;
}

const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** `member_of` and `same_as` equality: JSON equality, or for UUIDs the same UUID in any letter case. */
function same(left: unknown, right: unknown, uuids: boolean): boolean {
  if (left === ABSENT || right === ABSENT) {
    return false;
  }
  if (uuids) {
    return (
      typeof left === "string" &&
      typeof right === "string" &&
      UUID_TEXT.test(left) &&
      UUID_TEXT.test(right) &&
      left.toLowerCase() === right.toLowerCase()
    );
  }
  return equal(left, right);
}

/**
 * Whether `condition` holds on `value` (a record, or a list element inside `each`); `root` is the
 * record the rule is on, where `member_of` reads its list.
 */
export function holds(condition: Condition, value: unknown, root: unknown = value): boolean {
  switch (condition.op) {
    case "all":
      return condition.conditions.every((inner) => holds(inner, value, root));
    case "any":
      return condition.conditions.some((inner) => holds(inner, value, root));
    case "not":
      return !holds(condition.condition, value, root);
    case "member_of": {
      const wanted = condition.matches.map((match) => ({ ...match, found: resolve(value, match.value) }));
      if (wanted.some((match) => match.found === ABSENT)) {
        return false;
      }
      const items = resolve(root, condition.list);
      if (!Array.isArray(items)) {
        return false;
      }
      const filter = condition.filter;
      return items.some(
        (item: unknown) =>
          (filter === null || holds(filter, item, root)) &&
          wanted.every((match) =>
            same(match.key === null ? item : resolve(item, match.key), match.found, match.uuids),
          ),
      );
    }
    default:
      break;
  }
  const found = resolve(value, condition.path);
  switch (condition.op) {
    case "present":
      return found !== ABSENT;
    case "absent":
      return found === ABSENT;
    case "equals":
      return found !== ABSENT && equal(found, condition.value);
    case "not_equals":
      return found === ABSENT || !equal(found, condition.value);
    case "in":
      return found !== ABSENT && condition.values.some((allowed) => equal(found, allowed));
    case "not_in":
      return found === ABSENT || !condition.values.some((refused) => equal(found, refused));
    case "length": {
      if (found === ABSENT) {
        return true;
      }
      const length = lengthOf(found);
      return (
        length !== undefined &&
        (condition.min === null || length >= condition.min) &&
        (condition.max === null || length <= condition.max)
      );
    }
    case "contains":
      return Array.isArray(found) && found.some((item) => equal(item, condition.value));
    case "each":
      if (found === ABSENT) {
        return true;
      }
      return Array.isArray(found) && found.every((item) => holds(condition.condition, item, root));
    case "all_equal": {
      if (found === ABSENT) {
        return true;
      }
      if (!Array.isArray(found)) {
        return false;
      }
      const keys = found.map((item) => resolve(item, condition.key));
      return keys.every((key, index) => index === 0 || equal(keys[0], key));
    }
    case "same_as":
      return same(found, resolve(root, condition.other), condition.uuids);
    case "at_most":
      return atMost(condition.measure, condition.key, found, resolve(root, condition.bound));
    case "equals_sum": {
      if (found === ABSENT) {
        return true;
      }
      if (typeof found !== "number") {
        return false;
      }
      let total = 0;
      for (const term of condition.terms) {
        const numbers = term.paths.map((path) => resolve(value, path)).map((n) => (n === ABSENT ? 0 : n));
        if (!numbers.every((n) => typeof n === "number")) {
          return false;
        }
        total += term.max ? Math.max(...(numbers as number[])) : (numbers[0] as number);
      }
      return found === total;
    }
    case "sorted_by":
      if (found === ABSENT) {
        return true;
      }
      return (
        Array.isArray(found) &&
        found.every((item: unknown, index: number) => index === 0 || inOrder(found[index - 1], item, condition.keys))
      );
    case "hash_of": {
      if (found === ABSENT) {
        return true;
      }
      const parts = condition.parts.map((part) => resolve(value, part));
      return typeof found === "string" && !parts.includes(ABSENT) && found === recomputed(condition.form, parts);
    }
  }
}

/** `sorted_by`: whether `first` may precede `second` under `keys`. */
function inOrder(first: unknown, second: unknown, keys: readonly SortKey[]): boolean {
  for (const key of keys) {
    const left = resolve(first, key.path);
    const right = resolve(second, key.path);
    let order: number;
    if (key.numeric) {
      if (typeof left !== "number" || typeof right !== "number") {
        return false;
      }
      order = left < right ? -1 : left > right ? 1 : 0;
    } else {
      if (typeof left !== "string" || typeof right !== "string") {
        return false;
      }
      order = compareCodePoints(left, right);
    }
    if (order !== 0) {
      return key.descending ? order > 0 : order < 0;
    }
  }
  return true;
}

/**
 * `at_most`: the value, count or sum (of `key` over the elements) of `found` is at most `bound`;
 * an absent value or bound holds. Numbers are JavaScript's binary64, as in every target.
 */
function atMost(
  measure: "value" | "count" | "sum",
  key: readonly PathStep[] | null,
  found: unknown,
  bound: unknown,
): boolean {
  if (found === ABSENT || bound === ABSENT) {
    return true;
  }
  if (typeof bound !== "number") {
    return false;
  }
  if (measure === "value") {
    return typeof found === "number" && found <= bound;
  }
  if (!Array.isArray(found)) {
    return false;
  }
  if (measure === "count") {
    return found.length <= bound;
  }
  let total = 0;
  for (const item of found) {
    const number = key === null ? item : resolve(item, key);
    if (number === ABSENT) {
      continue;
    }
    if (typeof number !== "number") {
      return false;
    }
    total += number;
  }
  return total <= bound;
}

/** The hash `form` gives over `parts`, or `undefined` when they cannot be hashed that way. */
function recomputed(form: HashForm, parts: readonly unknown[]): string | undefined {
  try {
    switch (form) {
      case "prompt_blocks":
        return promptPartsHash(parts);
    }
  } catch {
    return undefined;
  }
}

/** The rules of `typeName` that the record `record` breaks (its own rules, not nested records'). */
export function brokenRules(typeName: string, record: unknown): CrossFieldRule[] {
  return RULES.filter(
    (rule) => rule.on === typeName && (rule.when === null || holds(rule.when, record)) && !holds(rule.require, record),
  );
}

function pointer(parent: string, key: string | number): string {
  return `${parent}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

function walkShape(shape: Shape, value: unknown, at: string, out: Violation[]): void {
  if (typeof shape === "string") {
    walk(shape, value, at, out);
  } else if ("list" in shape) {
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => walkShape(shape.list, item, pointer(at, index), out));
    }
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      walkShape(shape.map, item, pointer(at, key), out);
    }
  }
}

function walk(typeName: string, value: unknown, at: string, out: Violation[]): void {
  if (!isObject(value)) {
    return;
  }
  for (const rule of brokenRules(typeName, value)) {
    out.push({ pointer: at, code: rule.code });
  }
  const node = WALK[typeName];
  if (node === undefined) {
    return;
  }
  let children: Children = [];
  if (node.kind === "record") {
    children = node.children;
  } else {
    const tag = value[node.tag];
    children = (typeof tag === "string" ? node.variants[tag] : undefined) ?? [];
  }
  for (const [field, shape] of children) {
    const child = value[field];
    if (child !== undefined && child !== null) {
      walkShape(shape, child, pointer(at, field), out);
    }
  }
}

/**
 * Every cross-field rule broken in `value`, read as the spec type `typeName`, including the
 * records nested in it: the JSON pointer of the record each rule is on, in document order, rules
 * in spec order. Checks rules only, not structure (that is the JSON Schema's job).
 */
export function violations(typeName: string, value: unknown): Violation[] {
  const out: Violation[] = [];
  walk(typeName, value, "", out);
  return out;
}
"#;

#[cfg(test)]
mod tests {
    use crate::rule_plan::test_rules;

    fn rules_ts(spec: &handshake_spec::model::Spec) -> String {
        super::super::generate(spec)
            .into_iter()
            .find(|f| f.path == "out/ts/rules.ts")
            .expect("rules.ts generated")
            .contents
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
        assert!(rules.contains("{ op: \"contains\", path: [{ key: \"layers\", fallback: [\"derived\"] }], value: \"raw\" }"));
        assert!(rules.contains("  \"Bundle\": { kind: \"record\", children: [[\"sources\", { list: \"SourceRef\" }], [\"by_name\", { map: \"SourceRef\" }]] },\n"));
    }

    #[test]
    fn a_spec_without_rules_still_exports_the_empty_table() {
        let rules = rules_ts(&crate::typescript::test_spec::spec());
        assert!(rules.contains("export type RuleCode = never;"));
        assert!(rules.contains("export const RULES: readonly CrossFieldRule[] = [\n];"));
        assert!(!rules.contains("import type"));
        // The interpreter's `hash_of` case always needs the hand-written canonical module.
        assert!(rules.contains(
            "\nimport { compareCodePoints, promptPartsHash } from \"../canonical.js\";\n"
        ));
        assert!(rules.contains("    case \"hash_of\": {\n"));
    }
}
