// A TypeScript user of the published package (hand-written): sdk/check.sh type-checks this file in
// the scratch project where the `npm pack` tarball is installed, so the `types` condition of the
// `exports` map and the shipped .d.ts files must resolve under `moduleResolution: NodeNext`.
// (.mts so tsconfig.test.json's `test/**/*.ts` does not pick it up in the source tree.)

import {
  INVALID_RECORD_CODE,
  MAX_NESTING_DEPTH,
  promptPartsHash,
  validateAiJob,
  validateJson,
  type AiJob,
} from "@handshake/job-model";

export function describe(value: unknown): string {
  const result = validateAiJob(value);
  if (result.ok) {
    const job: AiJob = result.value;
    return job.job_id;
  }
  return result.violations.some((v) => v.code === INVALID_RECORD_CODE) ? "invalid record" : "broken rule";
}

// The result is a real union, not `any`: `value` exists only once `ok` is narrowed to true.
// @ts-expect-error
export const unchecked = validateAiJob(null).value;

// The hand-written canonical module ships with its types: a string out, unknown parts in.
export const emptyPromptHash: string = promptPartsHash([[]]);

// The strict JSON reader ships with its types: text in, the same result shape as validate<Type>.
export function describeText(text: string): string {
  const result = validateJson<AiJob>("AiJob", text);
  return result.ok ? result.value.job_id : (result.violations[0]?.pointer ?? "");
}
export const depthLimit: 127 = MAX_NESTING_DEPTH;
