import { DataFormatError } from '../errors.js';
import { countSeparated, decodeText, fieldEnd, parseNumberBytes } from '../util/bytes.js';
import { scanCategorical } from './categorical.js';
import type { CtrColumnRoles } from './column-roles.js';
import { criteoIntegerToken } from './criteo-format.js';
import type { CtrRowSink } from './row-sink.js';

/**
 * CTR files with a header and declared column roles (`CtrColumnRoles`): the label column, dense
 * columns (the protocol's Criteo transform) and sparse columns (typed categorical tokens), in any
 * order; other columns are read past.
 */

/** Per-column role codes of `CtrColumnMap.kinds`. */
export const ColumnKind = { Ignore: 0, Label: 1, Dense: 2, Sparse: 3 } as const;

/** How the columns of a file map to the dataset's fields. */
export interface CtrColumnMap {
  /** Per column, a `ColumnKind`. */
  kinds: Uint8Array;
  /** Per column, its field index (dense and sparse columns; -1 otherwise). */
  fields: Int32Array;
  names: readonly string[];
  separator: number;
}

/** The feature fields of a header under `roles`: the dense and sparse columns, in file order. */
export function columnFieldNames(header: readonly string[], roles: CtrColumnRoles): string[] {
  return header.filter((c) => roles.dense.includes(c) || roles.sparse.includes(c));
}

/** The column map of a header (roles already checked against it by `resolveRoles`). */
export function ctrColumnMap(header: readonly string[], roles: CtrColumnRoles, separator: string): CtrColumnMap {
  const fieldNames = columnFieldNames(header, roles);
  const dense = new Set(roles.dense);
  const sparse = new Set(roles.sparse);
  const kinds = Uint8Array.from(header, (c) => (c === roles.label ? ColumnKind.Label : dense.has(c) ? ColumnKind.Dense : sparse.has(c) ? ColumnKind.Sparse : ColumnKind.Ignore));
  const fields = Int32Array.from(header, (c) => fieldNames.indexOf(c));
  return { kinds, fields, names: header, separator: separator.charCodeAt(0) };
}

/**
 * The token of a dense value: the protocol's Criteo transform (v > 2 -> floor(ln(v)^2), else
 * v - 2) on integers; a fractional v is bucketed the same way (floor(ln(v)^2) above 2, floor(v) - 2
 * otherwise), so integer-valued columns give exactly the Criteo reader's tokens.
 */
export function denseToken(v: number): number {
  if (Number.isInteger(v)) return criteoIntegerToken(v);
  if (v > 2) {
    const l = Math.log(v);
    return Math.floor(l * l);
  }
  return Math.floor(v) - 2;
}

/**
 * Tokenizes dense value `bytes[start..end)` of field `field` (column `name`): empty -> the empty
 * token, a number -> `denseToken`; anything else throws `DataFormatError` naming file, line and value.
 */
export function tokenizeDenseValue(bytes: Uint8Array, start: number, end: number, field: number, sink: CtrRowSink, file: string, lineNo: number, name: string): void {
  if (end === start) {
    sink.empty(field);
    return;
  }
  const v = parseNumberBytes(bytes, start, end);
  if (!Number.isFinite(v)) throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `dense column ${name} is not a number`);
  sink.int(field, denseToken(v));
}

/**
 * Parses one data line `bytes[start..end)` into `sink` under `map` (no quoting, as in the public
 * CTR files): the label must be 0 or 1, dense values numbers or empty, sparse values any text.
 */
export function tokenizeColumnsLine(map: CtrColumnMap, bytes: Uint8Array, start: number, end: number, lineNo: number, file: string, sink: CtrRowSink): void {
  const columns = map.kinds.length;
  const sep = map.separator;
  const what = sep === 9 ? 'tab' : 'comma';
  let p = start;
  for (let col = 0; col < columns; col++) {
    if (col > 0 && p > end) throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${columns} ${what}-separated fields (as the header), found ${col}`);
    const kind = map.kinds[col];
    let q: number;
    if (kind === ColumnKind.Sparse) {
      q = scanCategorical(bytes, p, end, sep, map.fields[col], sink);
    } else {
      q = fieldEnd(bytes, p, end, sep);
      if (kind === ColumnKind.Label) {
        const c = q - p === 1 ? bytes[p] : 0;
        if (c !== 48 && c !== 49) throw new DataFormatError(file, lineNo, decodeText(bytes, p, q), `label (${map.names[col]}) must be 0 or 1`);
        sink.label(c === 49 ? 1 : 0);
      } else if (kind === ColumnKind.Dense) {
        tokenizeDenseValue(bytes, p, q, map.fields[col], sink, file, lineNo, map.names[col]);
      }
    }
    p = q + 1;
  }
  if (p <= end) throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${columns} ${what}-separated fields (as the header), found ${countSeparated(bytes, start, end, sep)}`);
  sink.endRow();
}
