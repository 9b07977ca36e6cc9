// A user of the published package (hand-written): sdk/check.sh packs sdk/typescript with `npm pack`,
// installs the tarball into a scratch project and runs this file there with plain Node (no
// TypeScript, no loader), so it sees only what the tarball's `exports` map offers.
//
//   node consumer.mjs VALID_AI_JOB.json INVALID_AI_JOB.json
//
// Exit 1 unless the valid record is accepted and the invalid one refused with HSK-JOB-1001, and
// validatePromptEnvelope recomputes prompt hashes (the shipped dist/canonical.js), and validateJson
// refuses a repeated key (the shipped dist/json_text.js and its jsonc-parser dependency).

import { readFileSync } from "node:fs";
import {
  INVALID_RECORD_CODE,
  promptPartsHash,
  validateAiJob,
  validateJson,
  validatePromptEnvelope,
} from "@handshake/job-model";

const [validFile, invalidFile] = process.argv.slice(2);
if (!validFile || !invalidFile) {
  console.error("usage: node consumer.mjs VALID_AI_JOB.json INVALID_AI_JOB.json");
  process.exit(2);
}
let failed = false;
const fail = (message) => {
  console.error(`FAIL ${message}`);
  failed = true;
};

const valid = validateAiJob(JSON.parse(readFileSync(validFile, "utf8")));
if (!valid.ok) fail(`${validFile}: refused ${JSON.stringify(valid.violations)}`);

const invalid = validateAiJob(JSON.parse(readFileSync(invalidFile, "utf8")));
if (invalid.ok) fail(`${invalidFile}: accepted`);
else if (!invalid.violations.some((v) => v.code === INVALID_RECORD_CODE)) {
  fail(`${invalidFile}: no ${INVALID_RECORD_CODE} in ${JSON.stringify(invalid.violations)}`);
}

// validateJson reads the text itself: the valid record passes, the same record with its first key
// repeated is refused at that key.
const validText = readFileSync(validFile, "utf8");
if (!validateJson("AiJob", validText).ok) fail(`${validFile}: refused by validateJson`);
const repeated = validText.replace(/^\{\s*("[^"]+"):\s*("[^"]*"),/, "{ $1: $2, $1: $2,");
const duplicate = validateJson("AiJob", repeated);
const firstKey = JSON.parse(/^\{\s*("[^"]+")/.exec(validText)?.[1] ?? '""');
if (repeated === validText || duplicate.ok || duplicate.violations[0]?.pointer !== `/${firstKey}`) {
  fail(`validateJson on a repeated ${firstKey}: ${JSON.stringify(duplicate)}`);
}

// hash_of needs the compiled canonical module (dist/canonical.js) and node:crypto: an envelope of
// empty block lists stores SHA-256 of `[]` three times; a wrong full_prompt_hash breaks HSK-RULE-ACE-006.
const EMPTY_ARRAY_SHA256 = "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";
if (promptPartsHash([[], []]) !== EMPTY_ARRAY_SHA256) fail(`promptPartsHash([[], []]) is not SHA-256 of []`);
const context = (build_id) => ({ blocks: [], token_budget: 10, token_estimate: 0, build_id });
const envelope = {
  stable_prefix: context("prefix"),
  variable_suffix: context("suffix"),
  stable_prefix_hash: EMPTY_ARRAY_SHA256,
  variable_suffix_hash: EMPTY_ARRAY_SHA256,
  full_prompt_hash: EMPTY_ARRAY_SHA256,
};
const hashed = validatePromptEnvelope(envelope);
if (!hashed.ok) fail(`envelope with its own hashes: refused ${JSON.stringify(hashed.violations)}`);
const rehashed = validatePromptEnvelope({ ...envelope, full_prompt_hash: "0".repeat(64) });
if (rehashed.ok || !rehashed.violations.some((v) => v.code === "HSK-RULE-ACE-006")) {
  fail(`envelope with a wrong full_prompt_hash: ${JSON.stringify(rehashed)}`);
}

if (failed) process.exit(1);
console.log(
  `ok: validateAiJob from the installed @handshake/job-model (valid accepted, invalid refused); ` +
    `validatePromptEnvelope recomputes the prompt hashes; validateJson refuses a repeated key`,
);
