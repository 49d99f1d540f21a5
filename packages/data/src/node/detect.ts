import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { isCriteoHeader } from '../ctr/column-roles.js';
import { DataFormatError, FormatDetectionError, type FormatCandidate } from '../errors.js';
import { looksLikeRecBoleHeader } from '../readers/recbole.js';
import { tripletHeaderOf } from '../readers/triplets.js';

/** The file formats `lers` reads (`lersdata`: an encoded dataset). */
export const DATA_FORMATS = ['lightgcn', 'movielens', 'triplets', 'recbole', 'criteo', 'avazu', 'ctr-csv', 'lersdata'] as const;
/** One of `DATA_FORMATS`. */
export type DataFormat = (typeof DATA_FORMATS)[number];

/** A detected format and what in the files says so (to print: detection never decides silently). */
export interface DetectedFormat {
  format: DataFormat;
  reason: string;
}

/** Options of `detectDataFormat`. */
export interface DetectOptions {
  /** CTR column roles were given (a header CSV then reads as `ctr-csv`). */
  rolesGiven?: boolean;
  /** How the user names a format, for the error message (default `--format `, e.g. `--data-option format=`). */
  flag?: string;
}

const SAMPLE_BYTES = 1 << 16;
const SAMPLE_LINES = 50;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_NEGATIVE_INT = /^\d+$/;
const HEX = /^[0-9a-f]+$/i;
const LABEL_NAMES = ['label', 'click', 'target', 'y'];
const MOVIELENS_HEADER = 'userId,movieId,rating,timestamp';

function isNumber(s: string | undefined): boolean {
  return s !== undefined && NUMBER.test(s);
}

/** The first non-blank lines of a file (gzip-aware), from its first 64 KiB; a cut-off last line is dropped. */
export function sampleLines(file: string): string[] {
  const fd = openSync(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    head = buf.subarray(0, readSync(fd, buf, 0, SAMPLE_BYTES, 0));
  } finally {
    closeSync(fd);
  }
  const full = head.length < SAMPLE_BYTES;
  let text: Buffer = head;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    try {
      // A prefix of a gzip stream: inflate what is there.
      text = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw new DataFormatError(file, 1, (err as Error).message, 'unreadable gzip data');
    }
  }
  const lines = text.toString('utf8').split('\n');
  if (!full || text !== head) lines.pop(); // possibly cut off
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES);
}

function splitBy(line: string, sep: 'tab' | 'comma' | 'space'): string[] {
  if (sep === 'space') return line.trim().split(/[ \t]+/);
  return line.split(sep === 'tab' ? '\t' : ',');
}

/**
 * Whether the first sampled line is a header: some column holds numbers in the data lines but a
 * name (not a number, not hex) in the first line (CTR labels, ids, ratings), or, for user-item files, the first two fields are
 * user/item column names (see `tripletHeaderOf`).
 */
function headerOf(rows: readonly string[][]): boolean {
  const [first, ...rest] = rows;
  // A name, not a value: hex text (Criteo's hashes) can sit above digit-only hashes by chance.
  const numericBelow = first.some((f, k) => f !== '' && !isNumber(f) && !HEX.test(f) && rest.some((r) => isNumber(r[k])) && rest.every((r) => r[k] === undefined || r[k] === '' || isNumber(r[k])));
  return numericBelow || (first.length <= 4 && tripletHeaderOf(first));
}

/**
 * Which format `files` are in, from their names and first lines, with the reason. Several formats
 * fitting the files is an error listing them and the flag that settles it (`FormatDetectionError`),
 * as is none fitting. `.lersdata` files and RecBole's typed headers are decisive; LightGCN needs
 * 2-3 files (train [valid] test) and the user-item formats one.
 */
export function detectDataFormat(files: readonly string[], options: DetectOptions = {}): DetectedFormat {
  const flag = options.flag ?? '--format ';
  const file = files[0];
  const settle = (candidates: readonly FormatCandidate[]): string =>
    candidates.length > 1 ? `pass ${candidates.map((c) => `${flag}${c.format}`).join(' or ')}` : `pass ${flag}<format> (one of ${DATA_FORMATS.join(', ')})`;
  const name = basename(file).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.lersdata')) return { format: 'lersdata', reason: 'a .lersdata file' };
  const lines = sampleLines(file);
  if (lines.length === 0) throw new DataFormatError(file, 0, '', 'empty file');
  const first = lines[0];
  if (first.includes(':') && looksLikeRecBoleHeader(first)) return { format: 'recbole', reason: `RecBole typed header (${first.split('\t').slice(0, 3).join(' ')}${first.split('\t').length > 3 ? ' ...' : ''})` };
  if (name === 'u.data' || name === 'ratings.dat') return { format: 'movielens', reason: `MovieLens file name ${name}` };

  const sep = first.includes('\t') ? 'tab' : first.includes(',') ? 'comma' : 'space';
  const rows = lines.map((l) => splitBy(l, sep));
  const header = headerOf(rows);
  const columns = header ? rows[0] : null;
  const data = header ? rows.slice(1) : rows;
  const counts = new Set(data.map((r) => r.length));
  const width = counts.size === 1 ? [...counts][0] : -1;
  if (header && first === MOVIELENS_HEADER) return { format: 'movielens', reason: `MovieLens header ${MOVIELENS_HEADER}` };

  const candidates: (FormatCandidate & { needsRoles?: boolean })[] = [];
  const shape = `${sep}-separated${width > 0 ? `, ${width} fields per line` : ''}`;
  if (columns !== null) {
    const avazu = sep === 'comma' && ['id', 'click', 'hour'].every((c) => columns.includes(c));
    if (options.rolesGiven === true) candidates.push({ format: 'ctr-csv', reason: `a header (${shape}) and column roles given` });
    else if (isCriteoHeader(columns)) candidates.push({ format: 'ctr-csv', reason: `Criteo's columns label, I1..I13, C1..C26 in the header (${shape})` });
    else if (avazu) candidates.push({ format: 'avazu', reason: 'Avazu header (id, click, hour, ...)' });
    else {
      const label = columns.find((c) => LABEL_NAMES.includes(c));
      if (label !== undefined) candidates.push({ format: 'ctr-csv', reason: `a header with a label column "${label}" (${shape})`, needsRoles: true });
    }
  } else if (width === 40 && sep === 'tab' && /^[01]$/.test(data[0][0])) {
    candidates.push({ format: 'criteo', reason: 'Criteo TSV: 40 tab-separated fields, a 0/1 label first, no header' });
  } else if (width === 24 && sep === 'comma' && /^[01]$/.test(data[0][1])) {
    candidates.push({ format: 'avazu', reason: "Avazu's 24 comma-separated columns without a header (a 0/1 click second)" });
  }

  const userItemLines = width >= 2 && width <= 4 && data.length > 0 && data.every((r) => r[0] !== '' && r[1] !== '' && r.slice(2).every(isNumber));
  const userItemHeader = columns === null || tripletHeaderOf(columns.slice(0, 2));
  if (options.rolesGiven !== true && files.length === 1 && userItemLines && userItemHeader) {
    const roles = ['user', 'item', 'rating', 'timestamp'].slice(0, width).join(' ');
    candidates.push({ format: 'triplets', reason: `${roles}: ${shape}${header ? ', a header' : ''}` });
  }
  const integerLines = columns === null && sep === 'space' && data.every((r) => r.every((t) => NON_NEGATIVE_INT.test(t)));
  if (integerLines && (files.length === 2 || files.length === 3)) {
    candidates.push({ format: 'lightgcn', reason: `LightGCN lines (user item item ...) in ${files.length} files (train${files.length === 3 ? ' valid' : ''} test)` });
  }

  if (candidates.length === 1) {
    const [c] = candidates;
    if (c.needsRoles === true) {
      throw new FormatDetectionError(file, [c], `${c.reason} but no column roles: only Criteo's and Avazu's headers are known`, `declare the roles (label=<column> dense=<columns> sparse=<columns> [ignore=<columns>], or a schema file)`);
    }
    return { format: c.format as DataFormat, reason: c.reason };
  }
  if (candidates.length > 1) throw new FormatDetectionError(file, candidates, '', settle(candidates));
  let detail = `first line ${JSON.stringify(first.length > 80 ? `${first.slice(0, 80)}...` : first)}, ${shape}${header ? ', a header' : ''}`;
  if (integerLines && files.length === 1) detail += '; LightGCN files come as train [valid] test';
  if (userItemLines && files.length > 1) detail += '; user-item files are read one at a time';
  if (columns !== null && options.rolesGiven !== true) detail += '; a CTR file with this header needs column roles (label=, dense=, sparse=)';
  throw new FormatDetectionError(file, [], detail, settle([]));
}
