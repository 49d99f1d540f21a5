import { cfDatasetOf, groupInteractions, InteractionLog } from '../cf/interactions.js';
import { splitPerUser, type CfSplitSpec } from '../cf/split.js';
import { DataFormatError, DataOptionError } from '../errors.js';
import { toJsonObject } from '../manifest.js';
import { decodeText, parseNumberBytes, splitFields, WHITESPACE } from '../util/bytes.js';
import { sourceFileOf, throughputOf } from './common.js';
import { forEachLineBytes, readFirstLine, type ReadProgress } from './lines.js';
import type { CfReadResult } from './lightgcn.js';

/** Field separators of interaction triplet files. */
export type TripletSeparator = 'tab' | 'comma' | 'space';
/** What a column of a triplet file holds (`skip`: a column that is read past). */
export type TripletColumn = 'user' | 'item' | 'rating' | 'timestamp' | 'skip';

/** Options of `readTriplets`. */
export interface TripletOptions {
  /** Dataset name for the manifest (default `triplets`). */
  name?: string;
  /** Default: from the first line: a tab, else a comma, else runs of spaces. */
  separator?: TripletSeparator;
  /** Whether the first line names the columns (default: see `tripletHeaderOf`). */
  header?: boolean;
  /**
   * The columns in file order (default: `user item rating timestamp` cut to the file's column
   * count; with a header naming a time column third, `user item timestamp`).
   */
  columns?: TripletColumn[];
  /** Implicit feedback: keep ratings >= this (needs a rating column; default: keep all). */
  minRating?: number;
  /** Per-user split (default: ratio 0.8/0.1/0.1, random order). */
  split?: CfSplitSpec;
  /** Split seed (default 2023). */
  seed?: number;
  onProgress?: (p: ReadProgress) => void;
}

const SEPARATOR_BYTES: Record<TripletSeparator, number> = { tab: 9, comma: 44, space: WHITESPACE };
const SEPARATOR_NAMES: Record<TripletSeparator, string> = { tab: 'tab', comma: 'comma', space: 'space' };
const DEFAULT_COLUMNS: readonly TripletColumn[] = ['user', 'item', 'rating', 'timestamp'];

/** Column names a header line may give the user and item columns. */
const ID_COLUMN_NAME = /^(user|item|movie|product|business|book|song|track|artist|video)s?([_ -]?id)?$|^[ui]_?id$/i;
const TIME_COLUMN_NAME = /time|date|^ts$/i;

/** The separator of a triplet line: a tab, else a comma, else spaces. */
export function tripletSeparatorOf(line: string): TripletSeparator {
  if (line.includes('\t')) return 'tab';
  if (line.includes(',')) return 'comma';
  return 'space';
}

/** A line's fields under `separator` (the string twin of the byte splitter, for first lines). */
export function splitTripletLine(line: string, separator: TripletSeparator): string[] {
  if (separator === 'space') return line.trim().split(/[ \t]+/);
  return line.split(separator === 'tab' ? '\t' : ',');
}

/**
 * Whether a first line is a header: some field after the second is not a number (ratings and
 * timestamps are numbers), or the first two fields are user/item column names (`user_id`, `itemId`,
 * `movie`, ...); ids alone cannot tell text ids from names otherwise.
 */
export function tripletHeaderOf(fields: readonly string[]): boolean {
  if (fields.slice(2).some((f) => f === '' || !Number.isFinite(Number(f)))) return true;
  return fields.length >= 2 && ID_COLUMN_NAME.test(fields[0]) && ID_COLUMN_NAME.test(fields[1]);
}

/** The default column roles for a file of `count` columns (`header`: the header's names, if any). */
export function defaultTripletColumns(count: number, header: readonly string[] | null): TripletColumn[] {
  if (count === 3 && header !== null && TIME_COLUMN_NAME.test(header[2])) return ['user', 'item', 'timestamp'];
  return DEFAULT_COLUMNS.slice(0, count);
}

/**
 * Reads interaction triplets `user item [rating] [timestamp]` (space, tab or comma separated,
 * optional header, `.gz` accepted) as implicit feedback and splits them per user (seeded).
 * Raw ids (integers or any text) are remapped to dense indices in increasing raw order; the maps
 * are kept (`userIds`/`itemIds`, or `userNames`/`itemNames` for text ids). A repeated (user, item)
 * pair is kept once (the first in file order) and counted.
 */
export async function readTriplets(file: string, options: TripletOptions = {}): Promise<CfReadResult> {
  const started = performance.now();
  const first = await readFirstLine(file);
  if (first === null) throw new DataFormatError(file, 0, '', 'empty file');
  const separator = options.separator ?? tripletSeparatorOf(first.line);
  const firstFields = splitTripletLine(first.line, separator);
  const header = options.header ?? tripletHeaderOf(firstFields);
  const columns = options.columns ?? defaultTripletColumns(firstFields.length, header ? firstFields : null);
  checkColumns(columns, firstFields.length, file, first.lineNo, first.line, options);
  const userCol = columns.indexOf('user');
  const itemCol = columns.indexOf('item');
  const ratingCol = columns.indexOf('rating');
  const timeCol = columns.indexOf('timestamp');
  const split = options.split ?? { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1 };
  if (split.order === 'time' && timeCol < 0) throw new DataOptionError(`${file}: split order "time" needs a timestamp column (columns: ${columns.join(' ')})`);
  const minRating = options.minRating ?? Number.NEGATIVE_INFINITY;
  const sep = SEPARATOR_BYTES[separator];
  const bounds = new Int32Array(2 * columns.length);
  const log = new InteractionLog();
  let rows = 0;
  let belowThreshold = 0;

  const read = await forEachLineBytes(
    file,
    (bytes, start, end, lineNo) => {
      if (header && lineNo === first.lineNo) return;
      const n = splitFields(bytes, start, end, sep, bounds);
      if (n !== columns.length) {
        throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${columns.length} ${SEPARATOR_NAMES[separator]}-separated fields (${columns.join(' ')}), found ${n}`);
      }
      rows++;
      let time = 0;
      if (timeCol >= 0) {
        time = parseNumberBytes(bytes, bounds[2 * timeCol], bounds[2 * timeCol + 1]);
        if (!Number.isFinite(time)) throw new DataFormatError(file, lineNo, decodeText(bytes, bounds[2 * timeCol], bounds[2 * timeCol + 1]), 'timestamp is not a number');
      }
      if (ratingCol >= 0) {
        const rating = parseNumberBytes(bytes, bounds[2 * ratingCol], bounds[2 * ratingCol + 1]);
        if (!Number.isFinite(rating)) throw new DataFormatError(file, lineNo, decodeText(bytes, bounds[2 * ratingCol], bounds[2 * ratingCol + 1]), 'rating is not a number');
        if (rating < minRating) {
          belowThreshold++;
          return;
        }
      }
      for (const [col, ids, what] of [[userCol, log.users, 'user id'], [itemCol, log.items, 'item id']] as const) {
        const from = bounds[2 * col];
        const to = bounds[2 * col + 1];
        if (from === to) throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `empty ${what}`);
        ids.pushBytes(bytes, from, to);
      }
      log.times.push(time);
    },
    { onProgress: options.onProgress },
  );
  if (rows === 0) throw new DataFormatError(file, first.lineNo, first.line, 'no interactions (only a header line)');

  const seed = options.seed ?? 2023;
  const dataset = cfDatasetOf(groupInteractions(log), {
    name: options.name ?? 'triplets',
    format: 'triplets',
    sources: [sourceFileOf(read)],
    params: { separator, header, columns, minRating: options.minRating ?? null, split: toJsonObject(split), seed },
    counts: { rows, belowThreshold },
    split: (lists, keys) => splitPerUser(lists, keys, split, seed),
    splitSeed: seed,
  });
  return { dataset, throughput: throughputOf([read], (performance.now() - started) / 1000, rows) };
}

/** The column roles must name one user and one item column and match the file's column count. */
function checkColumns(columns: readonly TripletColumn[], count: number, file: string, lineNo: number, line: string, options: TripletOptions): void {
  const once = (role: TripletColumn): boolean => columns.filter((c) => c === role).length <= 1;
  if (columns.filter((c) => c === 'user').length !== 1 || columns.filter((c) => c === 'item').length !== 1 || !once('rating') || !once('timestamp')) {
    throw new DataOptionError(`columns ${JSON.stringify(columns.join(' '))}: need one user and one item column, at most one rating and one timestamp`);
  }
  if (count < 2 || count !== columns.length) {
    throw new DataFormatError(file, lineNo, line, `expected ${columns.length} fields (${columns.join(' ')}), found ${count}`);
  }
  if (options.minRating !== undefined && !columns.includes('rating')) throw new DataOptionError(`${file}: minRating needs a rating column (columns: ${columns.join(' ')})`);
}
