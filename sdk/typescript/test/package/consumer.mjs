// A user of the published package (hand-written): sdk/check.sh packs sdk/typescript with `npm pack`,
// installs the tarball into a scratch project and runs this file there with plain Node (no
// TypeScript, no loader), so it sees only what the tarball's `exports` map offers.
//
//   node consumer.mjs VALID_AI_JOB.json INVALID_AI_JOB.json
//
// Exit 1 unless the valid record is accepted and the invalid one refused with HSK-JOB-1001.

import { readFileSync } from "node:fs";
import { INVALID_RECORD_CODE, validateAiJob } from "@handshake/job-model";

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

if (failed) process.exit(1);
console.log(`ok: validateAiJob from the installed @handshake/job-model (valid accepted, invalid refused)`);
