// Unit tests of the rule interpreter src/runtime/rules.ts as itself (hand-written), run by
// sdk/check.sh:
//
//   node .build/test/runtime_rules.js CASES        (CASES: sdk/runtime_cases.json)
//
// The cases are small hand-written rules that the Python interpreter's test
// (sdk/python/tests/test_runtime_rules.py) runs too, so both interpreters give the same answer on
// every operator, apart from the spec's own rules (test/rules_verdicts.ts runs those on
// tests/corpus_rules). Exit 1 on any failure.

import { readFileSync } from "node:fs";

import {
  brokenRules,
  holds,
  violations,
  type Condition,
  type CrossFieldRule,
  type WalkPlan,
} from "../src/runtime/rules.js";

interface ConditionCase {
  readonly name: string;
  readonly condition: Condition;
  readonly value: unknown;
  readonly root?: unknown;
  readonly holds: boolean;
}

interface WalkCase {
  readonly name: string;
  readonly rules: readonly CrossFieldRule[];
  readonly walk: WalkPlan;
  readonly type: string;
  readonly cases: readonly { readonly value: unknown; readonly violations: readonly (readonly [string, string])[] }[];
}

const OPERATORS = [
  "present", "absent", "equals", "not_equals", "in", "not_in", "length", "contains", "each",
  "all_equal", "member_of", "same_as", "at_most", "equals_sum", "sorted_by", "hash_of", "all",
  "any", "not",
] as const;

const casesFile = process.argv[2];
if (casesFile === undefined) {
  throw new Error("usage: node runtime_rules.js CASES (sdk/runtime_cases.json)");
}
const cases = JSON.parse(readFileSync(casesFile, "utf8")) as {
  readonly conditions: readonly ConditionCase[];
  readonly walks: readonly WalkCase[];
};
const failures: string[] = [];

// Every condition case, and each operator both holding and failing somewhere.
const outcomes = new Map<string, Set<boolean>>();
for (const one of cases.conditions) {
  const got = holds(one.condition, one.value, "root" in one ? one.root : one.value);
  if (got !== one.holds) {
    failures.push(`${one.name}: holds gave ${String(got)}, want ${String(one.holds)}`);
  }
  const seen = outcomes.get(one.condition.op) ?? new Set<boolean>();
  seen.add(one.holds);
  outcomes.set(one.condition.op, seen);
}
for (const op of OPERATORS) {
  const seen = outcomes.get(op);
  if (seen === undefined || seen.size !== 2) {
    failures.push(`operator ${op}: needs a case that holds and one that fails`);
  }
}
for (const op of outcomes.keys()) {
  if (!(OPERATORS as readonly string[]).includes(op)) {
    failures.push(`operator ${op}: not in this test's list`);
  }
}

// Walks: the pointer of the record each broken rule is on, in document order.
for (const walk of cases.walks) {
  for (const one of walk.cases) {
    const got = JSON.stringify(violations(walk.rules, walk.walk, walk.type, one.value).map((v) => [v.pointer, v.code]));
    const want = JSON.stringify(one.violations);
    if (got !== want) {
      failures.push(`${walk.name}: ${JSON.stringify(one.value)} gave ${got}, want ${want}`);
    }
  }
}

// `holds` reads the value as the rule's record when no root is given.
const sameAs: Condition = { op: "same_as", path: [{ key: "a" }], other: [{ key: "b" }], uuids: false };
if (!holds(sameAs, { a: 1, b: 1 }) || holds(sameAs, { a: 1, b: 2 })) {
  failures.push("same_as without a root: the value is the root");
}

// `brokenRules`: a record's own rules, in order, `when` first.
const rules: readonly CrossFieldRule<"R-1" | "R-2">[] = [
  { code: "R-1", name: "has_id", on: "Thing", clause: "§1", message: "", when: null, require: { op: "present", path: [{ key: "id" }] } },
  {
    code: "R-2",
    name: "named_when_live",
    on: "Thing",
    clause: "§2",
    message: "",
    when: { op: "equals", path: [{ key: "live" }], value: true },
    require: { op: "present", path: [{ key: "name" }] },
  },
];
const broken = (record: unknown): string => JSON.stringify(brokenRules(rules, "Thing", record).map((rule) => rule.code));
for (const [record, want] of [
  [{ live: true }, '["R-1","R-2"]'],
  [{ id: 1, live: false }, "[]"],
  [{ id: 1, live: true, name: null }, '["R-2"]'],
] as const) {
  if (broken(record) !== want) {
    failures.push(`brokenRules(${JSON.stringify(record)}) gave ${broken(record)}, want ${want}`);
  }
}
if (brokenRules(rules, "Other", {}).length !== 0) {
  failures.push("brokenRules of a type without rules is empty");
}

for (const failure of failures) {
  process.stderr.write(`${failure}\n`);
}
if (failures.length > 0) {
  process.exitCode = 1;
} else {
  process.stdout.write(
    `runtime_rules: all checks passed (${cases.conditions.length} conditions, ${cases.walks.length} walks)\n`,
  );
}
