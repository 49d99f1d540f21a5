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
  // Fast path for the common case, a field of exactly 8 hex digits: eight lookups, no loop.
  const at8 = start + 8;
  if (at8 <= end && (at8 === end || bytes[at8] === separator)) {
    const h0 = HEX[bytes[start]];
    const h1 = HEX[bytes[start + 1]];
    const h2 = HEX[bytes[start + 2]];
    const h3 = HEX[bytes[start + 3]];
    const h4 = HEX[bytes[start + 4]];
    const h5 = HEX[bytes[start + 5]];
    const h6 = HEX[bytes[start + 6]];
    const h7 = HEX[bytes[start + 7]];
    if ((h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) >= 0) {
      // The bits as an int32 (a small integer for V8, never a heap number); tables key on the bits.
      sink.hex(field, (h0 << 28) | (h1 << 24) | (h2 << 20) | (h3 << 16) | (h4 << 12) | (h5 << 8) | (h6 << 4) | h7);
      return at8;
    }
  }
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
