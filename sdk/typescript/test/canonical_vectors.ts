// Runtime checks of src/canonical.ts (hand-written), run by sdk/check.sh:
//
//   node .build/test/canonical_vectors.js --vectors DIR --envelopes DIR...
//
// --vectors: every crates/canonical/vectors/*.json (made by the independent Python canonicaliser,
// the reference for ports) whose input means the same after JSON.parse gives its `canonical` text
// and `sha256`. A vector is skipped, with the reason printed, when one of its number literals does
// not survive JSON.parse (`1.0` and `-0` become integers, integers beyond 2^53 lose digits): the
// TypeScript port renders an integral JS number as an integer (see src/canonical.ts).
// --envelopes: every PromptEnvelope record (`prompt_envelope.*.json`) in each DIR's `valid` folders
// (searched recursively) stores the three hashes promptPartsHash computes from its blocks, and
// every record in a `prompt_envelope_hashes_match_its_blocks/invalid` folder has one that differs.
// Exit 1 on any failure.

import { readFileSync, readdirSync, statSync } from "node:fs";

import { CanonicalError, canonicalJson, compareCodePoints, promptPartsHash, sha256Hex } from "../src/canonical.js";

const failures: string[] = [];

function expect(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) {
    failures.push(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
  }
}

/** The raw text of the vector file's `input` (the generator writes it on one line). */
function rawInput(fileText: string): string {
  const match = /\n {2}"input": (.*),\n {2}"canonical": /.exec(fileText);
  if (match === null || match[1] === undefined) {
    throw new Error("no input line");
  }
  return match[1];
}

/** The number literals of raw JSON text (outside strings). */
function numberLiterals(raw: string): string[] {
  const literals: string[] = [];
  const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  let index = 0;
  while (index < raw.length) {
    const char = raw.charAt(index);
    if (char === '"') {
      index += 1;
      while (index < raw.length && raw.charAt(index) !== '"') {
        index += raw.charAt(index) === "\\" ? 2 : 1;
      }
      index += 1;
    } else if (char === "-" || (char >= "0" && char <= "9")) {
      number.lastIndex = index;
      const match = number.exec(raw);
      const literal = match?.[0] ?? char;
      literals.push(literal);
      index += literal.length;
    } else {
      index += 1;
    }
  }
  return literals;
}

/**
 * Why JSON.parse changes what `literal` means to the Rust and Python canonicalisers (which keep
 * integer and float literals apart), or `undefined` when it does not.
 */
function lostInParse(literal: string): string | undefined {
  const value = Number(literal);
  const integerLiteral = /^-?[0-9]+$/.test(literal);
  if (integerLiteral) {
    if (literal === "-0") {
      return "-0 is a float to serde_json and Python, the integer 0 after JSON.parse";
    }
    return Number.isSafeInteger(value) ? undefined : `integer ${literal} is beyond 2^53, inexact after JSON.parse`;
  }
  return Number.isInteger(value)
    ? `float literal ${literal} has an integral value, which JSON.parse cannot tell from an integer`
    : undefined;
}

function checkVectors(dir: string): void {
  let checked = 0;
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".json")).sort()) {
    const text = readFileSync(`${dir}/${name}`, "utf8");
    const vector = JSON.parse(text) as { input: unknown; canonical: string; sha256: string };
    const lost = [...new Set(numberLiterals(rawInput(text)).map(lostInParse).filter((why) => why !== undefined))];
    if (lost.length > 0) {
      process.stdout.write(`skip ${name}: ${lost.join("; ")}\n`);
      continue;
    }
    let canonical: string;
    try {
      canonical = canonicalJson(vector.input);
    } catch (error) {
      failures.push(`${name}: ${String(error)}`);
      continue;
    }
    expect(`${name} canonical`, canonical, vector.canonical);
    expect(`${name} sha256`, sha256Hex(canonical), vector.sha256);
    checked += 1;
  }
  if (checked === 0) {
    failures.push(`${dir}: no vectors checked`);
  }
  process.stdout.write(`typescript canonical JSON: ${checked} vectors checked\n`);
}

/** Numbers and orderings the vectors cannot reach through JSON.parse (expected values: Python). */
function checkEdgeCases(): void {
  const floats: [number, string][] = [
    [0.1, "0.100000"],
    [1e-7, "0.000000"],
    [5e-7, "0.000000"],
    [1.5e-6, "0.000002"],
    [2.5e-6, "0.000003"],
    [0.0078125, "0.007812"],
    [0.0234375, "0.023438"],
    [-1e-7, "0.000000"],
    [-6e-7, "-0.000001"],
    [-2.5e-6, "-0.000003"],
    [-0.5, "-0.500000"],
    [123.4567895, "123.456789"],
    [3.141592653589793, "3.141593"],
    [4503599627370495.5, "4503599627370495.500000"],
  ];
  for (const [value, text] of floats) {
    expect(`float ${value}`, canonicalJson(value), text);
  }
  expect("integral number", canonicalJson(1.0), "1");
  expect("negative zero", canonicalJson(-0), "0");
  expect("integral number beyond 2^53", canonicalJson(1e21), "1000000000000000000000");
  expect("U+FF61 before U+1F600", compareCodePoints("\uff61", "\ud83d\ude00") < 0, true);
  expect("U+E000 before U+1F600", compareCodePoints("\ue000", "\ud83d\ude00") < 0, true);
  expect("prefix first", compareCodePoints("a", "ab") < 0, true);
  const refused: [string, unknown][] = [
    ["keys equal after NFC", { "e\u0301": 1, "\u00e9": 2 }],
    ["lone surrogate", "\ud83d"],
    ["non-finite number", Number.NaN],
    ["undefined", undefined],
  ];
  for (const [what, value] of refused) {
    try {
      canonicalJson(value);
      failures.push(`${what}: canonicalised`);
    } catch (error) {
      expect(`${what} refused`, error instanceof CanonicalError, true);
    }
  }
  const block = (orderKey: string, content: string) => ({ kind: "task", content, order_key: orderKey });
  const [a, b] = [block("a", "first"), block("b", "second")];
  expect("a part is sorted by order_key", promptPartsHash([[b, a]]), promptPartsHash([[a, b]]));
  expect("parts keep their order", promptPartsHash([[b], [a]]) === promptPartsHash([[a, b]]), false);
  expect("ties by canonical text", promptPartsHash([[block("k", "y"), block("k", "x")]]), promptPartsHash([[block("k", "x"), block("k", "y")]]));
  expect("no blocks", promptPartsHash([[]]), sha256Hex("[]"));
  for (const [what, parts] of [["not a list", [{}]], ["no order_key", [[{ kind: "task" }]]], ["order_key not text", [[{ order_key: 1 }]]]] as const) {
    try {
      promptPartsHash(parts);
      failures.push(`${what}: hashed`);
    } catch (error) {
      expect(`${what} refused`, error instanceof CanonicalError, true);
    }
  }
}

type JsonRecord = { readonly [key: string]: unknown };

function blocksOf(envelope: JsonRecord, part: string): unknown {
  const context = envelope[part];
  return typeof context === "object" && context !== null ? (context as JsonRecord)["blocks"] : undefined;
}

/** Each stored hash against promptPartsHash of the blocks: `[field, matches]`. */
function hashVerdicts(envelope: JsonRecord): [string, boolean][] {
  const prefix = blocksOf(envelope, "stable_prefix");
  const suffix = blocksOf(envelope, "variable_suffix");
  const expected: [string, unknown[]][] = [
    ["stable_prefix_hash", [prefix]],
    ["variable_suffix_hash", [suffix]],
    ["full_prompt_hash", [prefix, suffix]],
  ];
  return expected.map(([field, parts]) => {
    let computed: string | undefined;
    try {
      computed = promptPartsHash(parts);
    } catch {
      computed = undefined;
    }
    return [field, computed !== undefined && envelope[field] === computed];
  });
}

function envelopeFiles(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const path = `${dir}/${name}`;
    if (statSync(path).isDirectory()) {
      envelopeFiles(path, out);
    } else if (name.startsWith("prompt_envelope.") && name.endsWith(".json")) {
      out.push(path);
    } else if (name.endsWith(".json") && dir.endsWith("/prompt_envelope/valid")) {
      // tests/examples/<type>/valid/<name>.json
      out.push(path);
    }
  }
}

function checkEnvelopes(dirs: readonly string[]): void {
  const files: string[] = [];
  for (const dir of dirs) {
    envelopeFiles(dir, files);
  }
  let valid = 0;
  let invalid = 0;
  for (const file of files) {
    const folder = file.split("/").slice(-2, -1)[0];
    const envelope = JSON.parse(readFileSync(file, "utf8")) as JsonRecord;
    const verdicts = hashVerdicts(envelope);
    if (folder === "valid") {
      valid += 1;
      for (const [field, matches] of verdicts) {
        if (!matches) {
          failures.push(`${file}: ${field} is not promptPartsHash of its blocks`);
        }
      }
    } else if (file.includes("/prompt_envelope_hashes_match_its_blocks/invalid/")) {
      invalid += 1;
      if (verdicts.every(([, matches]) => matches)) {
        failures.push(`${file}: every stored hash matches, but the record is in invalid/`);
      }
    }
  }
  if (valid === 0 || invalid === 0) {
    failures.push(`${dirs.join(", ")}: no valid or no invalid PromptEnvelope records`);
  }
  process.stdout.write(`typescript prompt hashes: ${valid} valid and ${invalid} invalid PromptEnvelope records\n`);
}

function values(flag: string): string[] {
  const args = process.argv.slice(2);
  const start = args.indexOf(flag);
  if (start < 0) {
    return [];
  }
  const end = args.findIndex((arg, index) => index > start && arg.startsWith("--"));
  return args.slice(start + 1, end < 0 ? undefined : end);
}

checkEdgeCases();
for (const dir of values("--vectors")) {
  checkVectors(dir);
}
checkEnvelopes(values("--envelopes"));
for (const failure of failures) {
  process.stderr.write(`${failure}\n`);
}
process.stdout.write(`typescript canonical checks: ${failures.length} failure(s)\n`);
process.exitCode = failures.length === 0 ? 0 : 1;
