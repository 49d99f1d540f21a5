import { decodeText, parseIntBytes } from '../util/bytes.js';
import type { CtrRowSink } from './row-sink.js';

/**
 * Categorical values of delimited CTR lines, parsed straight from the file's bytes (no string per
 * field), which is what makes the two-pass encoders fast.
 */

/** Hex digit value of each byte, -1 for non-hex bytes. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}

/** Whether `bytes[start..end)` is a canonical non-negative decimal of at most 9 digits (no leading 0). */
function isCanonicalDecimal(bytes: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n < 1 || n > 9 || (n > 1 && bytes[start] === 48)) return false;
  for (let k = start; k < end; k++) if (bytes[k] < 48 || bytes[k] > 57) return false;
  return true;
}

/**
 * Scans one categorical field from `start` up to the next `separator` (or `end`), emits its token
 * into `sink` and returns where the field ended. Typed tokens keep memory per distinct value small:
 * exactly 8 hex digits -> a u32 hash (case-insensitive); other canonical decimals -> an integer;
 * anything else -> its text. The mapping from text to token is one-to-one (up to hex case).
 */
export function scanCategorical(bytes: Uint8Array, start: number, end: number, separator: number, field: number, sink: CtrRowSink): number {
  let k = start;
  let value = 0;
  let hex = true;
  for (; k < end; k++) {
    const c = bytes[k];
    if (c === separator) break;
    const d = HEX[c];
    if (d < 0) hex = false;
    else value = value * 16 + d;
  }
  const n = k - start;
  if (n === 0) sink.empty(field);
  else if (hex && n === 8) sink.hex(field, value);
  else if (isCanonicalDecimal(bytes, start, k)) sink.int(field, parseIntBytes(bytes, start, k));
  else sink.str(field, decodeText(bytes, start, k));
  return k;
}
