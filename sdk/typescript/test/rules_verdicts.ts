// Runtime checks of the generated cross-field rules alone (hand-written): a self-check of
// `checkRules<Type>` / `violations` that sdk/check.sh runs. The TypeScript column of the
// differential test (tests/tests/differential.rs) is the full `validate<Type>`, corpus_verdicts.ts.
//
//   node .build/test/rules_verdicts.js FILE...        one JSON document: every file's violations
//   node .build/test/rules_verdicts.js --check DIR    the rules corpus DIR/<rule>/{valid,invalid}/*.json:
//                                                     a valid record breaks no rule, an invalid one
//                                                     breaks its folder's rule; exit 1 otherwise
//
// A file's type is the PascalCase of its name's first part (`source_ref.case.json` → SourceRef), the
// rules corpus layout. The checks cover rules only; structure is the JSON Schema's job.

import { readFileSync, readdirSync, statSync } from "node:fs";

import { RULES, checkRulesSourceRef, violations, type Violation } from "../src/index.js";

/** `source_ref` → `SourceRef`. */
function typeName(stem: string): string {
  return stem
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

interface Verdict {
  readonly file: string;
  readonly type: string;
  readonly violations: Violation[];
}

function judge(file: string): Verdict {
  const type = typeName(baseName(file).split(".")[0] ?? "");
  const value: unknown = JSON.parse(readFileSync(file, "utf8"));
  return { file, type, violations: violations(type, value) };
}

function check(dir: string): number {
  const failures: string[] = [];
  let judged = 0;
  for (const rule of readdirSync(dir).sort()) {
    if (!statSync(`${dir}/${rule}`).isDirectory()) {
      continue;
    }
    const declared = RULES.find((candidate) => candidate.name === rule);
    if (declared === undefined) {
      failures.push(`${rule}: folder names no rule of RULES`);
      continue;
    }
    for (const folder of ["valid", "invalid"] as const) {
      let files: string[] = [];
      try {
        files = readdirSync(`${dir}/${rule}/${folder}`).filter((name) => name.endsWith(".json")).sort();
      } catch {
        continue;
      }
      for (const name of files) {
        const verdict = judge(`${dir}/${rule}/${folder}/${name}`);
        judged += 1;
        const codes = verdict.violations.map((violation) => violation.code);
        if (folder === "valid" && codes.length > 0) {
          failures.push(`${verdict.file}: valid, but breaks ${codes.join(", ")}`);
        }
        if (folder === "invalid" && !codes.includes(declared.code)) {
          failures.push(`${verdict.file}: should break ${declared.code}, got [${codes.join(", ")}]`);
        }
      }
    }
  }
  if (judged === 0) {
    failures.push(`${dir}: no records`);
  }
  for (const failure of failures) {
    process.stderr.write(`${failure}\n`);
  }
  process.stdout.write(`typescript rules runtime: ${judged} records, ${failures.length} failure(s)\n`);
  return failures.length === 0 ? 0 : 1;
}

// The typed entry points take the spec type, not any value.
// @ts-expect-error a number is not a SourceRef
export const refused: Violation[] = checkRulesSourceRef(42);

const args = process.argv.slice(2);
if (args[0] === "--check") {
  process.exitCode = check(args[1] ?? "");
} else {
  process.stdout.write(`${JSON.stringify({ verdicts: args.map(judge) }, null, 2)}\n`);
}
