// The TypeScript column of the differential corpus (hand-written): `validateJson` on each file's
// text (strict JSON: duplicate keys and nesting beyond MAX_NESTING_DEPTH refused), then
// `validate<Type>` (Ajv over the generated structure schema, then the generated rule checks) must give every record its folder's
// verdict, as Rust, the JSON Schema and Pydantic do (tests/tests/differential.rs). sdk/check.sh
// runs it; `cargo xtask test` runs sdk/check.sh.
//
//   node .build/test/corpus_verdicts.js --records DIR...  DIR/<root>/{valid,invalid}/*.json: the
//                                                          root is the folder (`ai_job` → AiJob)
//   node .build/test/corpus_verdicts.js --rules DIR       DIR/<rule>/{valid,invalid}/<root>.<case>.json:
//                                                          an invalid record must also report the
//                                                          folder rule's code, a valid one no code
//
// Both modes may be given in one call. Exit 1 on any disagreement, on a gap of KNOWN_GAPS that no
// longer occurs, or when a directory holds no records.
//
//   node .build/test/corpus_verdicts.js --report records|rules FILE...
//       one JSON document, `{"verdicts": [{"file", "type", "valid", "violations": [{"pointer",
//       "code"}]}]}` in argument order: what tests/tests/differential.rs compares with Rust's
//       verdicts and codes. `records`: the type is the folder two levels up (<root>/valid/x.json);
//       `rules`: the first part of the file name (<root>.<case>.json).

import { readFileSync, readdirSync, statSync } from "node:fs";

import {
  INVALID_RECORD_CODE,
  ROOT_TYPE_NAMES,
  RULES,
  validateJson,
  validateRecord,
  type RecordViolation,
  type RootTypeName,
} from "../src/index.js";

/**
 * Every record on which TypeScript may disagree with its folder, with the reason. A listed record
 * that agrees fails the check. The same records are in KNOWN_GAPS of tests/tests/differential.rs.
 * None now: the integers past the 64-bit bounds that `JSON.parse` cannot tell from the bounds are
 * judged from their text (`validateJson`, src/json_text.ts).
 */
const KNOWN_GAPS: readonly { readonly file: string; readonly reason: string }[] = [];

/** `source_ref` → `SourceRef`. */
function typeName(stem: string): string {
  return stem
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .sort();
  } catch {
    return [];
  }
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((name) => statSync(`${dir}/${name}`).isDirectory());
}

const failures: string[] = [];
const gapsSeen = new Set<string>();
let judged = 0;

/** Judges one record; returns its violations, or undefined when the verdict already failed. */
function judge(file: string, stem: string, valid: boolean): readonly RecordViolation[] | undefined {
  judged += 1;
  const verdict = validateJson(typeName(stem) as RootTypeName, readFileSync(file, "utf8"));
  const found = verdict.ok ? [] : verdict.violations;
  if (verdict.ok === valid) {
    return found;
  }
  const gap = KNOWN_GAPS.find((candidate) => file.endsWith(candidate.file));
  if (gap !== undefined) {
    process.stderr.write(`known gap: ${file}: ${gap.reason}\n`);
    gapsSeen.add(gap.file);
    return undefined;
  }
  const codes = found.map((violation) => `${violation.code} at "${violation.pointer}"`);
  failures.push(`${file}: folder says ${valid ? "valid" : "invalid"}, typescript says ${verdict.ok ? "valid" : `invalid [${codes.join(", ")}]`}`);
  return undefined;
}

function checkRecords(dir: string): void {
  const before = judged;
  for (const stem of subdirectories(dir)) {
    for (const folder of ["valid", "invalid"] as const) {
      for (const name of jsonFiles(`${dir}/${stem}/${folder}`)) {
        judge(`${dir}/${stem}/${folder}/${name}`, stem, folder === "valid");
      }
    }
  }
  if (judged === before) {
    failures.push(`${dir}: no records`);
  }
}

function checkRules(dir: string): void {
  const before = judged;
  for (const rule of subdirectories(dir)) {
    const declared = RULES.find((candidate) => candidate.name === rule);
    if (declared === undefined) {
      failures.push(`${dir}/${rule}: folder names no rule of RULES`);
      continue;
    }
    for (const folder of ["valid", "invalid"] as const) {
      for (const name of jsonFiles(`${dir}/${rule}/${folder}`)) {
        const file = `${dir}/${rule}/${folder}/${name}`;
        const found = judge(file, name.split(".")[0] ?? "", folder === "valid");
        if (found !== undefined && folder === "invalid" && !found.some((v) => v.code === declared.code)) {
          const codes = found.map((violation) => violation.code);
          failures.push(`${file}: refused without the rule's code ${declared.code} (reports [${codes.join(", ")}])`);
        }
      }
    }
  }
  if (judged === before) {
    failures.push(`${dir}: no records`);
  }
}

/** The `--report` mode: every file's verdict and violations, as JSON on stdout. */
function report(layout: string, files: readonly string[]): void {
  const verdicts = files.map((file) => {
    const parts = file.split("/");
    const stem = layout === "records" ? parts[parts.length - 3] : parts[parts.length - 1]?.split(".")[0];
    const type = typeName(stem ?? "");
    const verdict = validateJson(type as RootTypeName, readFileSync(file, "utf8"));
    return { file, type, valid: verdict.ok, violations: verdict.ok ? [] : verdict.violations };
  });
  process.stdout.write(`${JSON.stringify({ verdicts }, null, 2)}\n`);
}

const args = process.argv.slice(2);
if (args[0] === "--report") {
  if (args[1] !== "records" && args[1] !== "rules") {
    throw new Error("--report takes `records` or `rules`, then files");
  }
  report(args[1], args.slice(2));
} else {
  checkAll();
}

/**
 * Every root's schema compiles under Ajv's strict mode (an unknown keyword or format throws), and
 * `null`, never a record, is refused as structure at the root, whether or not the corpus has a
 * record of that type.
 */
function checkEveryRootCompiles(): void {
  for (const name of ROOT_TYPE_NAMES) {
    try {
      const verdict = validateRecord(name, null);
      const first = verdict.ok ? undefined : verdict.violations[0];
      if (first?.code !== INVALID_RECORD_CODE || first.pointer !== "") {
        failures.push(`${name}: null is not refused as an invalid record at ""`);
      }
    } catch (error) {
      failures.push(`${name}: its schema does not compile: ${String(error)}`);
    }
  }
}

function checkAll(): void {
  checkEveryRootCompiles();
  for (let index = 0; index < args.length; index += 1) {
    const mode = args[index];
    if (mode === "--rules") {
      checkRules(args[index + 1] ?? "");
      index += 1;
    } else if (mode === "--records") {
      while (index + 1 < args.length && !(args[index + 1] ?? "").startsWith("--")) {
        checkRecords(args[index + 1] ?? "");
        index += 1;
      }
    } else {
      failures.push(`unknown argument ${mode ?? ""}`);
    }
  }
  for (const gap of KNOWN_GAPS) {
    if (!gapsSeen.has(gap.file)) {
      failures.push(`stale known gap: ${gap.file} now agrees (remove it from KNOWN_GAPS)`);
    }
  }
  for (const failure of failures) {
    process.stderr.write(`${failure}\n`);
  }
  process.stdout.write(`typescript validate<Type>: ${judged} records, ${failures.length} failure(s)\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}
