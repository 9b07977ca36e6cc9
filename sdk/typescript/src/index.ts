// Entry point of the TypeScript SDK (hand-written): re-exports the modules codegen writes to ./generated
// and the hand-written canonical JSON module (./canonical.ts).
/**
 * TypeScript types of the Handshake AI Job Model (Master Spec §2.6.6).
 *
 * Everything here is generated from `spec/` by `cargo xtask codegen`, except canonical JSON and the
 * prompt hashes (`canonicalJson`, `promptPartsHash`), the strict JSON reader (`parseJson`,
 * `validateJson`) and the rule interpreter that `generated/rules.ts` calls (`./runtime/rules.ts`,
 * whose `holds` and condition types it re-exports); this file only re-exports them so consumers
 * import from one place.
 *
 * @packageDocumentation
 */

export * from "./generated/types.js";
export * from "./generated/lifecycle.js";
export * from "./generated/profiles.js";
export * from "./generated/errors.js";
export * from "./generated/rules.js";
export * from "./generated/validate.js";
// Hand-written: the canonical JSON and prompt hashes the rules' `hash_of` recomputes (§2.6.6.7.5).
export { CanonicalError, canonicalJson, promptPartsHash } from "./canonical.js";
// Hand-written: JSON text in, with duplicate keys and nesting beyond MAX_NESTING_DEPTH refused.
export { MAX_NESTING_DEPTH, parseJson, validateJson, type ParsedJson } from "./json_text.js";
