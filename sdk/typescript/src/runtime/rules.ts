// The rule interpreter of the TypeScript SDK (hand-written): the generated `../generated/rules.ts`
// holds the spec's rules and walk plan as data and calls this module; `test/runtime_rules.ts` tests
// each operator on small hand-written rules.
/**
 * Cross-field rules as data, and the one interpreter that judges a JSON value by them.
 *
 * The functions are pure and read plain JSON values, the wire form the generated types describe: a
 * path step through a missing optional field uses the field's `default:` when it declares one (the
 * Rust model applies defaults when it reads a record), so the verdicts match the Rust validators.
 * They check the cross-field rules only, not the structure: that is the types' job at compile time,
 * and the JSON Schema's at run time. The semantics are those of `crates/codegen/src/rule_plan.rs`
 * and `docs/spec-language.md`; the differential test holds every target to the same verdicts.
 *
 * @module
 */

// `hash_of` recomputes hashes with the hand-written canonical JSON module, and `sorted_by` compares
// strings by code point with it.
import { compareCodePoints, promptPartsHash } from "../canonical.js";

/**
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

/**
 * A cross-field rule: stable code, name, the record type it constrains, clause(s), message,
 * conditions. The generated `rules.ts` narrows `Code` and `Name` to its spec's `RuleCode` and
 * `RuleName`.
 */
export interface CrossFieldRule<Code extends string = string, Name extends string = string> {
  readonly code: Code;
  readonly name: Name;
  readonly on: string;
  readonly clause: string;
  readonly message: string;
  /** The rule applies only where this holds; `null` means always. */
  readonly when: Condition | null;
  readonly require: Condition;
}

/** A broken rule: the JSON pointer of the record it is on (`""` for the value itself) and its code. */
export interface Violation<Code extends string = string> {
  readonly pointer: string;
  readonly code: Code;
}

/** How a walked field holds the values it leads to: a type name, or a list or map of a shape. */
export type Shape = string | { readonly list: Shape } | { readonly map: Shape };
/** The fields of a record (or of one union variant) that lead to records with rules. */
export type Children = readonly (readonly [string, Shape])[];
/** How the walk crosses a type from which a record with rules can be reached. */
export type WalkNode =
  | { readonly kind: "record"; readonly children: Children }
  | { readonly kind: "union"; readonly tag: string; readonly variants: Readonly<Record<string, Children>> };

/** Types from which a record with rules can be reached, by name (the generated `WALK`). */
export type WalkPlan = Readonly<Record<string, WalkNode>>;

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

/**
 * The rules of `rules` on `typeName` that the record `record` breaks (its own rules, not nested
 * records').
 */
export function brokenRules<Rule extends CrossFieldRule>(
  rules: readonly Rule[],
  typeName: string,
  record: unknown,
): Rule[] {
  return rules.filter(
    (rule) => rule.on === typeName && (rule.when === null || holds(rule.when, record)) && !holds(rule.require, record),
  );
}

function pointer(parent: string, key: string | number): string {
  return `${parent}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** What a walk reads (the rules and the walk plan) and where it writes the violations it finds. */
interface Walker<Code extends string> {
  readonly rules: readonly CrossFieldRule<Code>[];
  readonly plan: WalkPlan;
  readonly out: Violation<Code>[];
}

function walkShape<Code extends string>(walker: Walker<Code>, shape: Shape, value: unknown, at: string): void {
  if (typeof shape === "string") {
    walk(walker, shape, value, at);
  } else if ("list" in shape) {
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => walkShape(walker, shape.list, item, pointer(at, index)));
    }
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      walkShape(walker, shape.map, item, pointer(at, key));
    }
  }
}

function walk<Code extends string>(walker: Walker<Code>, typeName: string, value: unknown, at: string): void {
  if (!isObject(value)) {
    return;
  }
  for (const rule of brokenRules(walker.rules, typeName, value)) {
    walker.out.push({ pointer: at, code: rule.code });
  }
  const node = walker.plan[typeName];
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
      walkShape(walker, shape, child, pointer(at, field));
    }
  }
}

/**
 * Every rule of `rules` broken in `value`, read as the spec type `typeName`, including the records
 * nested in it (reached through `plan`): the JSON pointer of the record each rule is on, in
 * document order, rules in the order of `rules`. Checks rules only, not structure (that is the JSON
 * Schema's job).
 */
export function violations<Code extends string>(
  rules: readonly CrossFieldRule<Code>[],
  plan: WalkPlan,
  typeName: string,
  value: unknown,
): Violation<Code>[] {
  const walker: Walker<Code> = { rules, plan, out: [] };
  walk(walker, typeName, value, "");
  return walker.out;
}
