// Reading JSON text as every target reads it (hand-written): `parseJson` and `validateJson`.
/**
 * JSON text in, a record's verdict out, with the two rules `JSON.parse` does not keep
 * (docs/spec-language.md, "How every target reads these on the wire"):
 *
 * - **Duplicate keys** are refused: `JSON.parse` keeps the last of two equal keys, and a record
 *   whose meaning depends on which one a reader keeps has no single verdict (Rust refuses it).
 * - **Nesting** is at most {@link MAX_NESTING_DEPTH} (127) arrays and objects, the record itself
 *   included: serde_json, which reads the text for the Rust model, stops at its recursion limit of
 *   128 (the 128th level is refused).
 *
 * The text is first walked by Microsoft's `jsonc-parser` (`visit`, strict: no comments, no
 * trailing commas, no empty text), which reports every object and array as it opens and every
 * property in order, so a repeated key or a level too deep is found, and named by its JSON pointer,
 * before anything is built; a deep text is refused at the first level beyond the limit, so hostile
 * nesting never reaches the recursion of either parser. The value is then `JSON.parse`'s, so numbers
 * and strings read exactly as before. A refusal has the shape `validate<Type>` uses: one violation
 * {@link INVALID_RECORD_CODE} (`HSK-JOB-1001`), at the repeated member, the first too-deep array or
 * object, or `""` for text that is not JSON.
 *
 * `validateJson` also keeps a third thing `JSON.parse` loses: **integers past the 64-bit bounds**.
 * Every number becomes a double, and the bounds of the model's integers, 2^63 − 1 (`i64`) and
 * 2^64 − 1 (`u64`), are not doubles: they read as 2^63 and 2^64, so 2^64 itself reads as `u64`'s
 * maximum. The Rust model reads an integer token exactly and any other number as a double below
 * 2^63 or 2^64 (`crates/job-model/src/serde_support.rs`). From text the token is known, so the
 * structure is judged on a copy in which each number near those bounds is a double on the same side
 * of every bound as the token ({@link probeFor}); the record returned is `JSON.parse`'s, unchanged.
 * (`validate<Type>` on a value already parsed cannot tell them apart: use the text.)
 *
 * @packageDocumentation
 */

import jsonc from "jsonc-parser";

import { INVALID_RECORD_CODE, validateRecord, type RecordViolation, type RootTypeName, type Validated } from "./generated/validate.js";

/** The deepest nesting of arrays and objects any target accepts (serde_json refuses the 128th level). */
export const MAX_NESTING_DEPTH = 127 as const;

/** The outcome of {@link parseJson}: the parsed value, or why the text is refused. */
export type ParsedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly violations: readonly RecordViolation[] };

const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
/** The doubles next above 2^63 and 2^64, and next below −2^63. */
const ABOVE_TWO_63 = TWO_63 + 2 ** 11;
const ABOVE_TWO_64 = TWO_64 + 2 ** 12;
const BELOW_MINUS_TWO_63 = -TWO_63 - 2 ** 11;
const INTEGER_TOKEN = /^-?(0|[1-9][0-9]*)$/;

/**
 * The double to judge a number token by, so that the generated schemas' bounds (`maximum` 2^63 − 1
 * and 2^64 − 1, which read in JavaScript as 2^63 and 2^64, inclusive) give the Rust model's verdict:
 * the model judges an integer token by its exact value, and any other number by its double, which
 * must lie below 2^63 (`i64`) or 2^64 (`u64`). The two disagree only where the double is 2^63 or
 * 2^64 itself (then the double just above is judged instead), or where an integer token below
 * −2^63 rounds to −2^63 (then the double just below). `undefined` when `value` already judges the
 * same.
 */
export function probeFor(token: string, value: number): number | undefined {
  if (INTEGER_TOKEN.test(token)) {
    const exact = BigInt(token);
    if (exact < -(2n ** 63n)) {
      return value === -TWO_63 ? BELOW_MINUS_TWO_63 : undefined; // exact: below i64
    }
    if (exact >= 2n ** 64n) {
      return value === TWO_64 ? ABOVE_TWO_64 : undefined; // read as a double, refused from 2^64
    }
    if (exact >= 2n ** 63n) {
      return value === TWO_63 ? ABOVE_TWO_63 : undefined; // exact: past i64, within u64
    }
    return undefined;
  }
  if (value === TWO_64) {
    return ABOVE_TWO_64;
  }
  return value === TWO_63 ? ABOVE_TWO_63 : undefined;
}

/** A number token to judge by another double: where it is, and the double ({@link probeFor}). */
interface Probe {
  readonly path: readonly (string | number)[];
  readonly value: number;
}

/** Thrown inside the visitor to stop the walk at the first refusal. */
class Refused {
  constructor(readonly pointer: string) {}
}

function pointerOf(path: readonly (string | number)[]): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

function refused(pointer: string): ParsedJson {
  return { ok: false, violations: [{ pointer, code: INVALID_RECORD_CODE }] };
}

/**
 * Parses strict JSON text, refusing an object with a repeated key and nesting deeper than
 * {@link MAX_NESTING_DEPTH}; anything `JSON.parse` refuses is refused too (at pointer `""`).
 */
export function parseJson(text: string): ParsedJson {
  return read(text).parsed;
}

/** {@link parseJson}, with the number tokens the structure is to be judged by ({@link probeFor}). */
function read(text: string): { parsed: ParsedJson; probes: Probe[] } {
  const probes: Probe[] = [];
  // One entry per open container: an object's keys so far, or null for an array.
  const open: (Set<string> | null)[] = [];
  let syntaxError = false;
  const enter = (keys: Set<string> | null, path: () => (string | number)[]): void => {
    if (open.length >= MAX_NESTING_DEPTH) {
      throw new Refused(pointerOf(path()));
    }
    open.push(keys);
  };
  try {
    jsonc.visit(
      text,
      {
        onObjectBegin: (_offset, _length, _line, _column, path) => enter(new Set(), path),
        onArrayBegin: (_offset, _length, _line, _column, path) => enter(null, path),
        onObjectEnd: () => {
          open.pop();
        },
        onArrayEnd: () => {
          open.pop();
        },
        onObjectProperty: (property, _offset, _length, _line, _column, path) => {
          const keys = open[open.length - 1];
          if (keys === undefined || keys === null) {
            return; // unreachable for well-formed input; a syntax error is reported below
          }
          if (keys.has(property)) {
            throw new Refused(pointerOf([...path(), property]));
          }
          keys.add(property);
        },
        onLiteralValue: (value: unknown, offset, length, _line, _column, path) => {
          if (typeof value === "number") {
            const probe = probeFor(text.slice(offset, offset + length), value);
            if (probe !== undefined) {
              probes.push({ path: path(), value: probe });
            }
          }
        },
        onError: () => {
          syntaxError = true;
        },
      },
      { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
    );
  } catch (error) {
    if (error instanceof Refused) {
      return { parsed: refused(error.pointer), probes };
    }
    throw error;
  }
  if (syntaxError) {
    return { parsed: refused(""), probes };
  }
  try {
    return { parsed: { ok: true, value: JSON.parse(text) as unknown }, probes };
  } catch {
    return { parsed: refused(""), probes };
  }
}

/** `JSON.parse(text)` with the number at each probe's path replaced by the probe's double. */
function probed(text: string, probes: readonly Probe[]): unknown {
  const root: unknown = JSON.parse(text);
  for (const probe of probes) {
    const last = probe.path[probe.path.length - 1];
    let container: unknown = root;
    for (const segment of probe.path.slice(0, -1)) {
      container = (container as Record<string | number, unknown>)[segment];
    }
    if (last !== undefined) {
      (container as Record<string | number, unknown>)[last] = probe.value;
    }
  }
  return root;
}

/**
 * Judges JSON text as a `typeName` record: {@link parseJson}, then `validateRecord` (structure,
 * then rules), so a caller gets one result shape for bad text and a bad record alike.
 */
export function validateJson<T>(typeName: RootTypeName, text: string): Validated<T> {
  const { parsed, probes } = read(text);
  if (!parsed.ok) {
    return parsed;
  }
  if (probes.length > 0) {
    // The structure as the Rust model judges these numbers; the rules on the record as parsed.
    const structure = validateRecord<T>(typeName, probed(text, probes));
    const [first, ...rest] = structure.ok ? [] : structure.violations;
    if (first !== undefined && rest.length === 0 && first.code === INVALID_RECORD_CODE) {
      return structure;
    }
  }
  return validateRecord<T>(typeName, parsed.value);
}
