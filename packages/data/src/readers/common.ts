import { DataFormatError } from '../errors.js';
import type { SourceFile } from '../manifest.js';
import type { LineReadResult } from './lines.js';

/** Overall speed of a read: source text bytes and rows over the wall time of all its passes. */
export interface Throughput {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
  mbPerSec: number;
}

/**
 * Throughput of reads that took `seconds` of wall time in all (bytes counted once); `dataRows`
 * replaces the count of non-blank lines when some of them were headers.
 */
export function throughputOf(reads: readonly LineReadResult[], seconds: number, dataRows?: number): Throughput {
  let rows = 0;
  let bytes = 0;
  for (const r of reads) {
    rows += r.rows;
    bytes += r.bytes;
  }
  rows = dataRows ?? rows;
  return { rows, bytes, seconds, rowsPerSec: seconds > 0 ? rows / seconds : 0, mbPerSec: seconds > 0 ? bytes / 1e6 / seconds : 0 };
}

/** The manifest entry of a file that was read with hashing on. */
export function sourceFileOf(read: LineReadResult): SourceFile {
  return { path: read.file, bytes: read.diskBytes, sha256: read.sha256 ?? '' };
}

/** The largest id an Int32 index can hold. */
export const MAX_ID = 0x7fffffff;

/** A `DataFormatError` for an id token that is not a non-negative integer (or too large). */
export function badIdError(file: string, lineNo: number, token: string, what = 'id'): DataFormatError {
  if (/^-\d+$/.test(token)) return new DataFormatError(file, lineNo, token, `negative ${what}`);
  if (/^\d+$/.test(token)) return new DataFormatError(file, lineNo, token, `${what} too large (max ${MAX_ID})`);
  return new DataFormatError(file, lineNo, token, `non-integer ${what}`);
}
