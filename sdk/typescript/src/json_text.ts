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
        onError: () => {
          syntaxError = true;
        },
      },
      { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
    );
  } catch (error) {
    if (error instanceof Refused) {
      return refused(error.pointer);
    }
    throw error;
  }
  if (syntaxError) {
    return refused("");
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return refused("");
  }
}

/**
 * Judges JSON text as a `typeName` record: {@link parseJson}, then `validateRecord` (structure,
 * then rules), so a caller gets one result shape for bad text and a bad record alike.
 */
export function validateJson<T>(typeName: RootTypeName, text: string): Validated<T> {
  const parsed = parseJson(text);
  return parsed.ok ? validateRecord<T>(typeName, parsed.value) : parsed;
}
