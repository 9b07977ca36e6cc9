// Type-level checks of the generated SDK (hand-written): `tsc --strict --noEmit` must accept every
// line here, and each `@ts-expect-error` line must really be an error (tsc fails if it is not).
// Everything is exported so `noUnusedLocals` does not flag the probes.

import {
  ACCESS_MODE_VALUES,
  ERROR_CODES,
  ERROR_MESSAGES,
  INITIAL,
  JOB_STATE_TRANSITIONS,
  JOB_STATE_VALUES,
  PLANNED_OPERATION_OP_VALUES,
  REJECTED_TRANSITIONS,
  TERMINAL,
  asBlockId,
  asCapabilityProfileId,
  asJobId,
  asProfileId,
  asProtocolId,
  asReasonCode,
  asRuntimeId,
  asSemVer,
  asSpanId,
  canTransition,
  JOB_KIND_PROFILE,
  mapStatus,
  profileOf,
  isJobId,
  isTerminal,
  type AccessMode,
  type AiJob,
  type JobId,
  type JobKind,
  type JobState,
  type JobStateEdge,
  type JobStateSuccessor,
  type PlannedOperation,
} from "./index.js";

// Ids are branded: only the checked constructor makes one.
export const jobId: JobId = asJobId("0193a2b4-5c6d-7e8f-9a0b-000000000002");
// @ts-expect-error a plain string is not a JobId
export const plainStringIsNotAnId: JobId = "0193a2b4-5c6d-7e8f-9a0b-000000000002";
const candidate: string = "not-a-uuid";
export const guarded: JobId | undefined = isJobId(candidate) ? candidate : undefined;

// Enums are string-literal unions with a matching tuple of values.
export const mode: AccessMode = ACCESS_MODE_VALUES[0];
// @ts-expect-error "write_everything" is not an AccessMode
export const wrongMode: AccessMode = "write_everything";
// @ts-expect-error "done" is not a JobState
export const wrongState: JobState = "done";

// The lifecycle as types: allowed edges compile, refused ones do not.
export const start: JobState = INITIAL;
export const edge: JobStateEdge = { from: "queued", to: "running" };
// @ts-expect-error completed is terminal: no edge leaves it
export const leavesTerminal: JobStateEdge = { from: "completed", to: "running" };
export const next: JobStateSuccessor<"queued"> = "running";
// @ts-expect-error queued never moves straight to completed
export const skipsValidation: JobStateSuccessor<"queued"> = "completed";
export const nothingAfterCompleted: JobStateSuccessor<"completed">[] = [];
export const allowed: boolean = canTransition("queued", "running") && !canTransition("completed", "running");
// @ts-expect-error canTransition takes JobState values only
export const notAState: boolean = canTransition("queued", "done");
export const terminal: boolean = isTerminal(TERMINAL[0]);
export const firstRule: JobState = JOB_STATE_TRANSITIONS[0].from;
export const firstRefused: JobState = REJECTED_TRANSITIONS[0].to;

/** An exhaustive switch: a new state in the spec makes this fail to compile until it is handled. */
export function isActive(state: JobState): boolean {
  switch (state) {
    case "queued":
    case "running":
    case "awaiting_validation":
    case "awaiting_user":
    case "failed":
      return true;
    case "completed":
    case "completed_with_issues":
    case "cancelled":
    case "poisoned":
      return false;
    default: {
      const unhandled: never = state;
      return unhandled;
    }
  }
}
export const everyState: readonly JobState[] = JOB_STATE_VALUES;

// Unions are discriminated by their tag.
export const insert: PlannedOperation = {
  op: "insert_block",
  after: asBlockId("b1"),
  content: { block_type: "paragraph", text: "hello" },
};
export const badOperation: PlannedOperation = {
  op: "move_block",
  block_id: asBlockId("b2"),
  after: asBlockId("b1"),
  // @ts-expect-error move_block carries no content
  content: { block_type: "paragraph", text: "hello" },
};
export const opTags: readonly PlannedOperation["op"][] = PLANNED_OPERATION_OP_VALUES;

// A whole job with its required fields only; optional fields may be left out.
export const job: AiJob = {
  job_id: jobId,
  job_kind: "doc_summarize",
  protocol_id: asProtocolId("docs_sheets_ai_v0.5"),
  task_schema_version: asSemVer("0.1.0"),
  profile_id: asProfileId("docs_sheets_ai_v0.5"),
  capability_profile_id: asCapabilityProfileId("docs_reader"),
  access_mode: "analysis_only",
  safety_mode: "normal",
  workspace_scope: { workspace_id: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f" },
  entity_refs: [{ artefact_type: "doc", artefact_id: "9c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f" }],
  planned_operations: [insert],
  execution_mode: "single_step",
  runtime_id: asRuntimeId("local.ollama"),
  state: start,
  status_reason: { code: asReasonCode("created") },
  created_at: "2026-11-24T02:20:00.000001Z",
  updated_at: "2026-11-24T02:20:00.000001Z",
  metrics: {
    duration_ms: 0,
    tokens_planner: 0,
    tokens_executor: 0,
    entities_read_count: 0,
    entities_written_count: 0,
    validators_run_count: 0,
  },
  flight_recorder_span_id: asSpanId("a3ce929d0e0e4736"),
};
// @ts-expect-error state is required
export const missingState: AiJob = { ...job, state: undefined };

// Error codes are a const map with literal types.
export const invalidRecord: "HSK-JOB-1001" = ERROR_CODES.InvalidRecord;
export const message: string = ERROR_MESSAGES.InvalidRecord;

// Job kinds are the closed registry of §2.6.6.6: each is bound to one profile.
export const docsProfile: string = profileOf("doc_rewrite").profile_id;
// @ts-expect-error a kind outside the registry is not a JobKind
export const unknownKind: JobKind = "magic_job";
export const kindProfiles: Readonly<Record<JobKind, string>> = JOB_KIND_PROFILE;
export const interrupted: JobState | undefined = mapStatus("docling_ingest_v0.1", "interrupted");
