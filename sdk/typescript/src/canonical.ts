// Canonical JSON and the prompt hashes of §2.6.6.7.5 (hand-written): the TypeScript port of
// crates/canonical (src/json.rs, number.rs, timestamp.rs, hashes.rs), checked against the vectors
// in crates/canonical/vectors by test/canonical_vectors.ts. The rule interpreter
// (runtime/rules.ts) calls `promptPartsHash` for the `hash_of` operator.
/// <reference path="./node_crypto.d.ts" />
/**
 * Canonical JSON (the Handshake form, not RFC 8785): object keys NFC-normalised and sorted by
 * Unicode code point; strings NFC-normalised, and RFC 3339 date-times rewritten to UTC `Z` with six
 * fraction digits; integers in full and other numbers with exactly six decimals (ties to even);
 * RFC 8785 escapes; no whitespace.
 *
 * Numbers: the input is an already-parsed JSON value (`JSON.parse`), where `1` and `1.0` are the
 * same number. A JS number that is an integer (`Number.isInteger`, so `1.0`, `1e21` and `-0` too)
 * renders as an integer, in full (`-0` as `0`); any other finite number renders as a float with six
 * decimals, rounded half to even on its exact binary value (Python's `format(x, ".6f")`, which
 * `toFixed` is not). Rust and Python keep the literal's form and render `1.0` as `1.000000`, and
 * integers beyond 2^53 exactly; a value whose canonical form hinges on that differs here. The
 * hashed records (ContextBlock, SourceRef) hold no numbers, so their hashes are unaffected.
 *
 * @packageDocumentation
 */

import { createHash } from "node:crypto";

/** A value that has no canonical JSON form (a duplicate key after NFC, a lone surrogate, …). */
export class CanonicalError extends Error {
  override readonly name = "CanonicalError";
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `text` in NFC; a string that is not well-formed UTF-16 has no canonical form. */
function nfc(text: string): string {
  if (LONE_SURROGATE.test(text)) {
    throw new CanonicalError("a string holds a lone surrogate, which is no Unicode text");
  }
  return text.normalize("NFC");
}

/**
 * Orders strings by Unicode code point (UTF-8 byte order), not by UTF-16 code unit as `<` does:
 * at the first differing unit, units of a surrogate pair (U+10000 and up) sort after U+E000–U+FFFF.
 */
export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index += 1) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a !== b) {
      return codePointRank(a) - codePointRank(b);
    }
  }
  return left.length - right.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) {
    return unit - 0x800;
  }
  if (unit >= 0xd800) {
    return unit + 0x2000;
  }
  return unit;
}

/** RFC 8785 string escapes (what Python's `json.dumps(ensure_ascii=False)` writes). */
function quote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.charCodeAt(0);
    switch (char) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        out += code < 0x20 ? `\\u${code.toString(16).padStart(4, "0")}` : char;
    }
  }
  return `${out}"`;
}

const TIMESTAMP =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date of a day count since 1970-01-01 (Howard Hinnant's civil_from_days). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/**
 * The UTC `Z` form of an RFC 3339 date-time with six fraction digits (truncated), or `undefined`
 * when `text` is no such date-time: a whole-string match, a real calendar day, seconds 00–59
 * (no leap second), an offset of at most 23:59, and a year 0001–9999 before and after the shift.
 */
function canonicalTimestamp(text: string): string | undefined {
  const match = TIMESTAMP.exec(text);
  if (match === null) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s, fraction, offset] = match as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const micros = Number((fraction ?? "").slice(0, 6).padEnd(6, "0"));
  let shift = 0;
  if (offset !== "Z" && offset !== "z") {
    const offsetHour = Number(offset.slice(1, 3));
    const offsetMinute = Number(offset.slice(4, 6));
    if (offsetHour > 23 || offsetMinute > 59) {
      return undefined;
    }
    shift = (offsetHour * 60 + offsetMinute) * (offset.startsWith("-") ? -1 : 1);
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const minutes = daysFromCivil(year, month, day) * 1440 + hour * 60 + minute - shift;
  const [utcYear, utcMonth, utcDay] = civilFromDays(Math.floor(minutes / 1440));
  if (utcYear < 1 || utcYear > 9999) {
    return undefined;
  }
  const minuteOfDay = minutes - Math.floor(minutes / 1440) * 1440;
  return (
    `${pad(utcYear, 4)}-${pad(utcMonth, 2)}-${pad(utcDay, 2)}T` +
    `${pad(Math.floor(minuteOfDay / 60), 2)}:${pad(minuteOfDay % 60, 2)}:${pad(second, 2)}.${pad(micros, 6)}Z`
  );
}

/** The exact value of a finite double as `mantissa * 2^exponent` (both BigInt, mantissa signed). */
function binaryParts(value: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = (bits >> 52n) & 0x7ffn;
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0n ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0n ? 1n : biased) - 1075n;
  return [negative ? -mantissa : mantissa, exponent];
}

/** A non-integral finite number with exactly six decimals, ties to even on its exact value. */
function fixedSix(value: number): string {
  const [signed, exponent] = binaryParts(value);
  const negative = signed < 0n;
  const mantissa = negative ? -signed : signed;
  let scaled: bigint;
  if (exponent >= 0n) {
    scaled = mantissa * 1_000_000n << exponent;
  } else {
    const numerator = mantissa * 1_000_000n;
    const denominator = 1n << -exponent;
    scaled = numerator / denominator;
    const twice = (numerator % denominator) * 2n;
    if (twice > denominator || (twice === denominator && scaled % 2n === 1n)) {
      scaled += 1n;
    }
  }
  const digits = scaled.toString().padStart(7, "0");
  const text = `${digits.slice(0, -6)}.${digits.slice(-6)}`;
  // No `-0.000000`: a negative number that rounds to zero renders as zero.
  return negative && scaled !== 0n ? `-${text}` : text;
}

function canonicalNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new CanonicalError(`${value} is not a JSON number`);
  }
  if (Number.isInteger(value)) {
    // Exact digits even beyond 2^53 (BigInt of an integral double is exact); -0 is 0.
    return BigInt(value).toString();
  }
  return fixedSix(value);
}

/**
 * The canonical JSON text of `value`, a parsed JSON value (`null`, booleans, finite numbers,
 * strings, arrays and plain objects).
 *
 * @throws CanonicalError when `value` has no canonical form: a non-JSON value, a non-finite
 * number, a string with a lone surrogate, or two keys of one object equal after NFC.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) {
    return "null";
  }
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return canonicalNumber(value);
    case "string": {
      const text = nfc(value);
      const timestamp = canonicalTimestamp(text);
      return timestamp === undefined ? quote(text) : `"${timestamp}"`;
    }
    case "object":
      break;
    default:
      throw new CanonicalError(`a ${typeof value} is not a JSON value`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => canonicalJson(item)).join(",")}]`;
  }
  const pairs = Object.entries(value as { readonly [key: string]: unknown }).map(
    ([key, item]) => [nfc(key), item] as const,
  );
  pairs.sort(([left], [right]) => compareCodePoints(left, right));
  for (let index = 1; index < pairs.length; index += 1) {
    if (pairs[index - 1]?.[0] === pairs[index]?.[0]) {
      throw new CanonicalError(`two keys are ${quote(pairs[index]?.[0] ?? "")} after NFC`);
    }
  }
  return `{${pairs.map(([key, item]) => `${quote(key)}:${canonicalJson(item)}`).join(",")}}`;
}

/** SHA-256 of the UTF-8 bytes of `text`, 64 lower-case hex digits. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** One part's blocks, canonical, sorted by (NFC `order_key` by code point, canonical text). */
function sortedBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) {
    throw new CanonicalError("prompt blocks must be an array of ContextBlock objects");
  }
  const keyed = blocks.map((block: unknown, index) => {
    const orderKey: unknown =
      typeof block === "object" && block !== null && !Array.isArray(block)
        ? (block as { readonly [key: string]: unknown })["order_key"]
        : undefined;
    if (typeof orderKey !== "string") {
      throw new CanonicalError(`block ${index}: a ContextBlock must be an object with a string order_key`);
    }
    return { key: nfc(orderKey), text: canonicalJson(block) };
  });
  keyed.sort((left, right) => compareCodePoints(left.key, right.key) || compareCodePoints(left.text, right.text));
  return keyed.map((entry) => entry.text);
}

/**
 * The `prompt_blocks` hash of several block lists read in order (§2.6.6.7.5), as Rust's
 * `handshake_canonical::prompt_parts_hash`: each list of ContextBlocks sorted by NFC `order_key`
 * (by code point; equal keys by the blocks' canonical text), the lists concatenated in order, and
 * SHA-256 (lower-case hex) of that one canonical JSON array. One part gives `stable_prefix_hash` or
 * `variable_suffix_hash`; the prefix blocks then the suffix blocks give `full_prompt_hash`.
 *
 * @throws CanonicalError when a part is no array of objects with a string `order_key`, or a block
 * has no canonical form.
 */
export function promptPartsHash(parts: readonly unknown[]): string {
  const sorted = parts.flatMap((part) => sortedBlocks(part));
  return sha256Hex(`[${sorted.join(",")}]`);
}
