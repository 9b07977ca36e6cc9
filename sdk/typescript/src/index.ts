// Entry point of the TypeScript SDK (hand-written): re-exports the modules codegen writes to ./generated.
/**
 * TypeScript types of the Handshake AI Job Model (Master Spec §2.6.6).
 *
 * Everything here is generated from `spec/` by `cargo xtask codegen`; this file only re-exports it
 * so consumers import from one place.
 *
 * @packageDocumentation
 */

export * from "./generated/types.js";
export * from "./generated/lifecycle.js";
export * from "./generated/profiles.js";
export * from "./generated/errors.js";
export * from "./generated/rules.js";
export * from "./generated/validate.js";
