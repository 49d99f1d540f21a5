/** Allocation-free helpers for parsing fields straight out of a line's bytes. */
import { decodeUtf8 } from './utf8.js';

/** The text of `bytes[start..end)` (for messages and the rare string token). */
export function decodeText(bytes: Uint8Array, start: number, end: number): string {
  return decodeUtf8(bytes.subarray(start, end));
}

/** Number of `separator`-separated fields in `bytes[start..end)`. */
export function countSeparated(bytes: Uint8Array, start: number, end: number, separator: number): number {
  let n = 1;
  for (let k = start; k < end; k++) if (bytes[k] === separator) n++;
  return n;
}

/** Where the field starting at `start` ends: the next `separator` or `end`. */
export function fieldEnd(bytes: Uint8Array, start: number, end: number, separator: number): number {
  let k = start;
  while (k < end && bytes[k] !== separator) k++;
  return k;
}

/**
 * The integer in `bytes[start..end)` (optional '-', digits only, at most 15 digits), or NaN.
 */
export function parseIntBytes(bytes: Uint8Array, start: number, end: number): number {
  let k = start;
  const negative = k < end && bytes[k] === 45;
  if (negative) k++;
  if (k >= end || end - k > 15) return Number.NaN;
  let v = 0;
  for (; k < end; k++) {
    const d = bytes[k] - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** Index of the first occurrence of `needle` in `bytes[start..end)`, or -1. */
export function indexOfBytes(bytes: Uint8Array, needle: Uint8Array, start: number, end: number): number {
  const last = end - needle.length;
  outer: for (let k = start; k <= last; k++) {
    for (let j = 0; j < needle.length; j++) if (bytes[k + j] !== needle[j]) continue outer;
    return k;
  }
  return -1;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Exact powers of ten up to 10^15 (every one a double without rounding). */
const POW10 = Float64Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The decimal number in `bytes[start..end)` (integer, fraction or exponent form; no hex, no
 * Infinity, no blanks), or NaN: the value `Number()` gives the same text. Plain decimals of up to
 * 15 digits take an allocation-free path: digits m and scale k give m / 10^k, one correctly rounded
 * division of exact doubles, hence the correctly rounded value of the text.
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number): number {
  let k = start;
  const sign = k < end ? bytes[k] : 0;
  if (sign === 45 || sign === 43) k++;
  let m = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; k < end; k++) {
    const c = bytes[k];
    if (c === 46 && !dot) {
      dot = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
    digits++;
    if (dot) scale++;
  }
  if (k === end && digits > 0 && digits <= 15) {
    const v = scale === 0 ? m : m / POW10[scale];
    return sign === 45 ? -v : v;
  }
  const text = decodeText(bytes, start, end);
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}

/** `splitFields`'s separator for runs of spaces and tabs (leading and trailing ones ignored). */
export const WHITESPACE = -1;

/**
 * Splits `bytes[start..end)` at `separator` (a byte, or `WHITESPACE`): field k is
 * `bytes[bounds[2k] .. bounds[2k+1])` for the first `bounds.length / 2` fields. Returns the number
 * of fields on the line, which may exceed what `bounds` holds (for the error message).
 */
export function splitFields(bytes: Uint8Array, start: number, end: number, separator: number, bounds: Int32Array): number {
  const capacity = bounds.length >> 1;
  let n = 0;
  if (separator === WHITESPACE) {
    let k = start;
    while (k < end) {
      while (k < end && (bytes[k] === 32 || bytes[k] === 9)) k++;
      if (k >= end) break;
      const from = k;
      while (k < end && bytes[k] !== 32 && bytes[k] !== 9) k++;
      if (n < capacity) {
        bounds[2 * n] = from;
        bounds[2 * n + 1] = k;
      }
      n++;
    }
    return n;
  }
  let from = start;
  for (let k = start; k <= end; k++) {
    if (k === end || bytes[k] === separator) {
      if (n < capacity) {
        bounds[2 * n] = from;
        bounds[2 * n + 1] = k;
      }
      n++;
      from = k + 1;
    }
  }
  return n;
}
