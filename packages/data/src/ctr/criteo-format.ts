import { DataFormatError } from '../errors.js';
import type { CtrRowSink } from './row-sink.js';
import { countSeparated, decodeText, fieldEnd, parseIntBytes } from '../util/bytes.js';
import { scanCategorical } from './categorical.js';

/** Criteo Kaggle TSV: label, 13 integer fields I1..I13, 26 categorical fields C1..C26. */
export const CRITEO_INTEGER_FIELDS = 13;
/** Number of categorical (hashed hex) fields. */
export const CRITEO_CATEGORICAL_FIELDS = 26;
/** Feature field names, in file order. */
export const CRITEO_FIELD_NAMES: readonly string[] = [
  ...Array.from({ length: CRITEO_INTEGER_FIELDS }, (_, k) => `I${k + 1}`),
  ...Array.from({ length: CRITEO_CATEGORICAL_FIELDS }, (_, k) => `C${k + 1}`),
];
const COLUMNS = 1 + CRITEO_INTEGER_FIELDS + CRITEO_CATEGORICAL_FIELDS;
const TAB = 9;

/** The protocol's integer transform: v > 2 -> floor(ln(v)^2), otherwise v - 2. */
export function criteoIntegerToken(v: number): number {
  if (v >= 0 && v < SMALL_TOKENS.length) return SMALL_TOKENS[v];
  return logSquareToken(v);
}

function logSquareToken(v: number): number {
  if (v > 2) {
    const l = Math.log(v);
    return Math.floor(l * l);
  }
  return v - 2;
}

// Most counts are small: their tokens are looked up instead of taking a log per field.
const SMALL_TOKENS = Int32Array.from({ length: 4096 }, (_, v) => logSquareToken(v));

/**
 * Tokenizes integer field `field` (I1..I13) from `bytes[start..end)`: empty -> the empty token,
 * otherwise `criteoIntegerToken` of its value. Throws `DataFormatError` for a non-integer.
 */
export function tokenizeCriteoInteger(bytes: Uint8Array, start: number, end: number, field: number, sink: CtrRowSink, file: string, lineNo: number): void {
  if (end === start) {
    sink.empty(field);
    return;
  }
  const v = parseIntBytes(bytes, start, end);
  if (Number.isNaN(v)) throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `integer field ${CRITEO_FIELD_NAMES[field]} is not an integer`);
  sink.int(field, criteoIntegerToken(v));
}

/**
 * Parses one Criteo line `bytes[start..end)` into `sink`: the label (must be 0 or 1), integer
 * fields through `criteoIntegerToken`, categorical fields as typed tokens (see `scanCategorical`),
 * empty fields as the empty token. Throws `DataFormatError` naming file, line and value.
 */
export function tokenizeCriteoLine(bytes: Uint8Array, start: number, end: number, lineNo: number, file: string, sink: CtrRowSink): void {
  let p = start;
  for (let col = 0; col < COLUMNS; col++) {
    if (col > 0 && p > end) {
      throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${COLUMNS} tab-separated fields, found ${col}`);
    }
    let q: number;
    if (col > CRITEO_INTEGER_FIELDS) {
      q = scanCategorical(bytes, p, end, TAB, col - 1, sink);
    } else {
      q = fieldEnd(bytes, p, end, TAB);
      if (col === 0) {
        const c = q - p === 1 ? bytes[p] : 0;
        if (c !== 48 && c !== 49) throw new DataFormatError(file, lineNo, decodeText(bytes, p, q), 'label must be 0 or 1');
        sink.label(c === 49 ? 1 : 0);
      } else {
        tokenizeCriteoInteger(bytes, p, q, col - 1, sink, file, lineNo);
      }
    }
    p = q + 1;
  }
  if (p <= end) {
    throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${COLUMNS} tab-separated fields, found ${countSeparated(bytes, start, end, TAB)}`);
  }
  sink.endRow();
}
