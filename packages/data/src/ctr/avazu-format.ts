import { DataFormatError } from '../errors.js';
import type { CtrRowSink } from './row-sink.js';
import { countSeparated, decodeText, fieldEnd, parseIntBytes } from '../util/bytes.js';
import { scanCategorical } from './categorical.js';

/** The columns of Avazu's train.csv, in order (used for files without a header line). */
export const AVAZU_COLUMNS: readonly string[] = [
  'id', 'click', 'hour', 'C1', 'banner_pos', 'site_id', 'site_domain', 'site_category', 'app_id', 'app_domain',
  'app_category', 'device_id', 'device_ip', 'device_model', 'device_type', 'device_conn_type',
  'C14', 'C15', 'C16', 'C17', 'C18', 'C19', 'C20', 'C21',
];

/** The three fields `hour` becomes when expanded. */
export const AVAZU_HOUR_FIELDS: readonly string[] = ['hour_of_day', 'weekday', 'is_weekend'];

const DROP = -1;
const LABEL = -2;
const HOUR = -3;
const COMMA = 44;

/** How each column of one file maps to the dataset's fields. */
export interface AvazuColumnMap {
  /** Per column: a field index, or a negative role (dropped `id`, the `click` label, expanded `hour`). */
  roles: Int32Array;
  /** Field index of `hour_of_day` when hour is expanded (weekday and is_weekend follow). */
  hourField: number;
}

/** The feature fields for a header: every column but `id` and `click`; `hour` expanded if asked. */
export function avazuFieldNames(columns: readonly string[], expandHour: boolean): string[] {
  const names: string[] = [];
  for (const c of columns) {
    if (c === 'id' || c === 'click') continue;
    if (c === 'hour' && expandHour) names.push(...AVAZU_HOUR_FIELDS);
    else names.push(c);
  }
  return names;
}

/** Maps a file's columns onto `fieldNames`; throws (naming the header line) when `click` or a field is missing or extra. */
export function avazuColumnMap(
  columns: readonly string[],
  fieldNames: readonly string[],
  expandHour: boolean,
  file: string,
  headerLine: number,
): AvazuColumnMap {
  const roles = new Int32Array(columns.length);
  let hourField = -1;
  const seen = new Set<string>();
  columns.forEach((c, k) => {
    if (c === 'id') roles[k] = DROP;
    else if (c === 'click') roles[k] = LABEL;
    else if (c === 'hour' && expandHour) {
      roles[k] = HOUR;
      hourField = fieldNames.indexOf(AVAZU_HOUR_FIELDS[0]);
      AVAZU_HOUR_FIELDS.forEach((h) => seen.add(h));
    } else {
      const f = fieldNames.indexOf(c);
      if (f < 0) throw new DataFormatError(file, headerLine, c, 'column not in the dataset\'s fields');
      roles[k] = f;
      seen.add(c);
    }
  });
  if (!columns.includes('click')) throw new DataFormatError(file, headerLine, columns.join(','), 'no "click" column');
  const missing = fieldNames.filter((f) => !seen.has(f));
  if (missing.length > 0) throw new DataFormatError(file, headerLine, missing.join(','), 'missing columns');
  return { roles, hourField };
}

// Weekday of the last date seen: rows are grouped by hour, so this saves a Date per row.
let lastDate = -1;
let lastWeekday = 0;

/** Day of week (0 = Sunday) of 20YY-MM-DD. */
function weekdayOf(yy: number, mm: number, dd: number): number {
  const key = yy * 10000 + mm * 100 + dd;
  if (key !== lastDate) {
    lastDate = key;
    lastWeekday = new Date(Date.UTC(2000 + yy, mm - 1, dd)).getUTCDay();
  }
  return lastWeekday;
}

/**
 * Tokenizes an `hour` value (YYMMDDHH) in `bytes[start..end)` as three integer tokens: hour of day
 * into `hourField`, weekday (0 = Sunday) and is-weekend into the two fields after it.
 * Throws `DataFormatError` for anything else.
 */
export function tokenizeAvazuHour(bytes: Uint8Array, start: number, end: number, hourField: number, sink: CtrRowSink, file: string, lineNo: number): void {
  const v = end - start === 8 ? parseIntBytes(bytes, start, end) : Number.NaN;
  const yy = Math.floor(v / 1e6);
  const mm = Math.floor(v / 1e4) % 100;
  const dd = Math.floor(v / 100) % 100;
  const hh = v % 100;
  if (Number.isNaN(v) || mm < 1 || mm > 12 || dd < 1 || dd > 31 || hh > 23) {
    throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), 'hour must be YYMMDDHH');
  }
  const weekday = weekdayOf(yy, mm, dd);
  sink.int(hourField, hh);
  sink.int(hourField + 1, weekday);
  sink.int(hourField + 2, weekday === 0 || weekday === 6 ? 1 : 0);
}

/**
 * Parses one Avazu CSV line `bytes[start..end)` (no quoting, as in the original files) into `sink`.
 * Feature values become typed tokens (see `scanCategorical`); `hour` (YYMMDDHH) becomes hour-of-day,
 * weekday and is-weekend when the map says so.
 */
export function tokenizeAvazuLine(map: AvazuColumnMap, bytes: Uint8Array, start: number, end: number, lineNo: number, file: string, sink: CtrRowSink): void {
  const columns = map.roles.length;
  let p = start;
  for (let col = 0; col < columns; col++) {
    if (col > 0 && p > end) {
      throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${columns} comma-separated fields, found ${col}`);
    }
    const role = map.roles[col];
    let q: number;
    if (role >= 0) {
      q = scanCategorical(bytes, p, end, COMMA, role, sink);
    } else {
      q = fieldEnd(bytes, p, end, COMMA);
      if (role === LABEL) {
        const c = q - p === 1 ? bytes[p] : 0;
        if (c !== 48 && c !== 49) throw new DataFormatError(file, lineNo, decodeText(bytes, p, q), 'label (click) must be 0 or 1');
        sink.label(c === 49 ? 1 : 0);
      } else if (role === HOUR) {
        tokenizeAvazuHour(bytes, p, q, map.hourField, sink, file, lineNo);
      }
    }
    p = q + 1;
  }
  if (p <= end) {
    throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${columns} comma-separated fields, found ${countSeparated(bytes, start, end, COMMA)}`);
  }
  sink.endRow();
}
