// Runtime checks of src/json_text.ts (hand-written), run by sdk/check.sh:
//
//   node .build/test/json_text.js --valid FILE...
//
// `parseJson` / `validateJson` refuse a repeated key (at the top level and nested, named by its
// JSON pointer), nesting deeper than MAX_NESTING_DEPTH (127, where serde_json stops: a record at
// exactly 127 levels passes, one level more is refused), comments, trailing commas and empty text,
// each as one HSK-JOB-1001 violation; every --valid FILE (a valid corpus record, its root type
// from its folder) still passes. Exit 1 on any failure.

import { readFileSync } from "node:fs";

import { INVALID_RECORD_CODE, MAX_NESTING_DEPTH, parseJson, validateJson, type RootTypeName } from "../src/index.js";
import { probeFor } from "../src/json_text.js";

const failures: string[] = [];

function refusedAt(what: string, text: string, pointer: string): void {
  const parsed = parseJson(text);
  const got = parsed.ok ? "accepted" : JSON.stringify(parsed.violations);
  const want = JSON.stringify([{ pointer, code: INVALID_RECORD_CODE }]);
  if (got !== want) {
    failures.push(`${what}: got ${got}, want ${want}`);
  }
}

function accepted(what: string, text: string): void {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    failures.push(`${what}: refused ${JSON.stringify(parsed.violations)}`);
  }
}

/** A PlannedOperation whose open-JSON `chart_spec_patch` nests arrays so the text is `depth` levels deep. */
function deepRecord(depth: number): string {
  const arrays = depth - 1; // the record's own object is the first level
  return (
    `{"op":"update_chart_spec","target_chart_id":"0193a2b4-5c6d-7e8f-9a0b-000000000002","chart_spec_patch":` +
    "[".repeat(arrays) +
    "]".repeat(arrays) +
    "}"
  );
}

// Duplicate keys.
refusedAt("top-level duplicate", '{"a": 1, "b": 2, "a": 3}', "/a");
refusedAt("nested duplicate", '{"a": [{"b": 1}, {"c": 1, "c": 2}]}', "/a/1/c");
refusedAt("duplicate spelled with an escape", '{"x": {"k": 1, "\\u006b": 2}}', "/x/k");
refusedAt("duplicate key needing pointer escapes", '{"a/b": {"~": 1, "~": 2}}', "/a~1b/~0");
accepted("equal keys in different objects", '{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}');

// Depth: 127 levels pass, the 128th is refused at the first array beyond the limit.
if (MAX_NESTING_DEPTH !== 127) {
  failures.push(`MAX_NESTING_DEPTH is ${MAX_NESTING_DEPTH}, want 127 (serde_json's limit)`);
}
const atLimit = validateJson("PlannedOperation", deepRecord(MAX_NESTING_DEPTH));
if (!atLimit.ok) {
  failures.push(`a record ${MAX_NESTING_DEPTH} levels deep is refused: ${JSON.stringify(atLimit.violations)}`);
}
const beyond = validateJson("PlannedOperation", deepRecord(MAX_NESTING_DEPTH + 1));
// Level 1 is the record, level 2 chart_spec_patch, level 128 the array at 126 indices below it.
const beyondPointer = `/chart_spec_patch${"/0".repeat(MAX_NESTING_DEPTH - 1)}`;
if (beyond.ok || JSON.stringify(beyond.violations) !== JSON.stringify([{ pointer: beyondPointer, code: INVALID_RECORD_CODE }])) {
  failures.push(`a record ${MAX_NESTING_DEPTH + 1} levels deep: got ${JSON.stringify(beyond)}`);
}
refusedAt("objects too deep", '{"a":'.repeat(MAX_NESTING_DEPTH + 1) + "1" + "}".repeat(MAX_NESTING_DEPTH + 1), "/a".repeat(MAX_NESTING_DEPTH));
accepted("objects at the limit", '{"a":'.repeat(MAX_NESTING_DEPTH) + "1" + "}".repeat(MAX_NESTING_DEPTH));
// Hostile nesting is refused before either parser recurses into it.
refusedAt("a million open brackets", "[".repeat(1_000_000), "/0".repeat(MAX_NESTING_DEPTH));
accepted("brackets inside strings do not nest", JSON.stringify({ s: "[".repeat(500) }));

// Strict JSON, as JSON.parse reads it.
refusedAt("line comment", '{"a": 1 // no\n}', "");
refusedAt("block comment", '{"a": /* no */ 1}', "");
refusedAt("trailing comma in an object", '{"a": 1,}', "");
refusedAt("trailing comma in an array", "[1,]", "");
refusedAt("empty text", "", "");
refusedAt("two values", "{} {}", "");
refusedAt("single quotes", "{'a': 1}", "");
refusedAt("NaN", "[NaN]", "");

// Integers past the 64-bit bounds, judged from their text as the Rust model reads them: an integer
// token exactly (2^63 is past i64, 2^64 - 1 within u64, -2^63 - 1 below i64), any other number as its
// double (below 2^63 for i64, below 2^64 for u64). JSON.parse reads 2^64 - 1 and 2^64 as the same
// double, and -2^63 - 1 as -2^63.
const probes: [string, number | undefined][] = [
  ["42", undefined],
  ["9223372036854775807", undefined], // i64::MAX: reads as 2^63, which the schema's bound also reads as
  ["9223372036854775808", 2 ** 63 + 2 ** 11], // 2^63: past i64::MAX
  ["9.223372036854776e18", 2 ** 63 + 2 ** 11], // the double 2^63: refused as i64, as in Rust
  ["18446744073709551615", undefined], // u64::MAX: reads as 2^64, the bound's own double
  ["18446744073709551616", 2 ** 64 + 2 ** 12], // 2^64: past u64::MAX
  ["1.8446744073709552e19", 2 ** 64 + 2 ** 12], // the double 2^64
  ["36893488147419103232", undefined], // 2^65: its double is past every bound already
  ["-9223372036854775808", undefined], // i64::MIN is a double
  ["-9223372036854775809", -(2 ** 63) - 2 ** 11], // below i64::MIN, though it reads as -2^63
  ["-9223372036854775808.0", undefined], // not an integer token: judged by its double, -2^63
  ["-9223372036854777856", undefined], // -2^63 - 2^11: its double is past the bound already
];
for (const [token, want] of probes) {
  const got = probeFor(token, Number(token));
  if (got !== want) {
    failures.push(`probeFor(${token}): got ${String(got)}, want ${String(want)}`);
  }
}
// Valid corpus records still pass.
const args = process.argv.slice(2);
if (args[0] !== "--valid" || args.length < 2) {
  failures.push("usage: json_text.js --valid FILE...");
}
for (const file of args.slice(1)) {
  const parts = file.split("/");
  const stem = parts[parts.length - 3] ?? "";
  const type = stem
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("") as RootTypeName;
  const verdict = validateJson(type, readFileSync(file, "utf8"));
  if (!verdict.ok) {
    failures.push(`${file}: refused as ${type}: ${JSON.stringify(verdict.violations)}`);
  }
}

// The same through validateJson, on a valid AiJob of the corpus (one of the --valid files) whose
// metrics.duration_ms (a u64) is the token under test; a record that passes is JSON.parse's.
const uintMax = args.find((file) => file.endsWith("/ai_job/valid/uint_max.json"));
if (uintMax === undefined) {
  failures.push("the --valid files do not include tests/corpus/ai_job/valid/uint_max.json");
}
const base = JSON.parse(uintMax === undefined ? "{}" : readFileSync(uintMax, "utf8")) as { metrics?: Record<string, number> };
function jobWithDuration(duration: string): string {
  const job = { ...base, metrics: { ...base.metrics, duration_ms: 0 } };
  return JSON.stringify(job).replace('"duration_ms":0', `"duration_ms":${duration}`);
}
for (const [duration, valid] of [
  ["18446744073709551615", true],
  ["18446744073709551616", false],
  ["18446744073709551617", false],
  ["1.8446744073709552e19", false],
  ["9223372036854775808", true],
  ["1e3", true],
] as const) {
  const verdict = validateJson("AiJob", jobWithDuration(duration));
  const refusedHere = !verdict.ok && JSON.stringify(verdict.violations) === JSON.stringify([{ pointer: "/metrics/duration_ms", code: INVALID_RECORD_CODE }]);
  if (valid ? !verdict.ok : !refusedHere) {
    failures.push(`duration_ms ${duration}: got ${JSON.stringify(verdict)}, want ${valid ? "valid" : "refused at /metrics/duration_ms"}`);
  }
  if (verdict.ok && (verdict.value as { metrics: Record<string, number> }).metrics["duration_ms"] !== Number(duration)) {
    failures.push(`duration_ms ${duration}: the record returned is not JSON.parse's`);
  }
}

for (const failure of failures) {
  process.stderr.write(`${failure}\n`);
}
if (failures.length > 0) {
  process.exitCode = 1;
} else {
  process.stdout.write(`json_text: all checks passed (${args.length - 1} valid records)\n`);
}
