import { cfDatasetOf, groupInteractions, InteractionLog } from '../cf/interactions.js';
import { splitPerUser, type CfSplitSpec } from '../cf/split.js';
import { DataFormatError } from '../errors.js';
import { toJsonObject } from '../manifest.js';
import { decodeText, indexOfBytes, parseIntBytes } from '../util/bytes.js';
import { badIdError, MAX_ID, sourceFileOf, throughputOf } from './common.js';
import { forEachLineBytes, readFirstLine, type ReadProgress } from './lines.js';
import type { CfReadResult } from './lightgcn.js';

/** MovieLens rating files: `u.data` (tab), `ratings.dat` (`::`), `ratings.csv` (comma, header). */
export type MovieLensFormat = 'udata' | 'dat' | 'csv';

/** Options of `readMovieLens`. */
export interface MovieLensOptions {
  /** Dataset name for the manifest (default: `movielens`). */
  name?: string;
  /** Detected from the file name, then from the first line, when not given. */
  format?: MovieLensFormat;
  /** Implicit feedback: keep ratings >= this (default: keep every rating). */
  minRating?: number;
  /** Per-user split (default: ratio 0.8/0.1/0.1, random order). */
  split?: CfSplitSpec;
  /** Split seed (default 2023). */
  seed?: number;
  onProgress?: (p: ReadProgress) => void;
}

const SEPARATORS: Record<MovieLensFormat, string> = { udata: '\t', dat: '::', csv: ',' };

/** Guesses the format from the file name (`.dat`, `.csv`), else from the first line's separator. */
export async function detectMovieLensFormat(file: string): Promise<MovieLensFormat> {
  const name = file.replace(/\.gz$/, '');
  if (name.endsWith('.dat')) return 'dat';
  if (name.endsWith('.csv')) return 'csv';
  const first = await readFirstLine(file);
  if (first === null) throw new DataFormatError(file, 0, '', 'empty file');
  if (first.line.includes('::')) return 'dat';
  if (first.line.includes('\t')) return 'udata';
  if (first.line.includes(',')) return 'csv';
  throw new DataFormatError(file, first.lineNo, first.line, 'cannot tell the MovieLens format');
}

/**
 * Reads MovieLens ratings as implicit feedback and splits them per user (seeded). Raw ids are
 * remapped to dense 0-based indices in increasing raw-id order (`userIds`/`itemIds` map back).
 * A repeated (user, item) rating is kept once (the first in file order) and counted.
 */
export async function readMovieLens(file: string, options: MovieLensOptions = {}): Promise<CfReadResult> {
  const started = performance.now();
  const format = options.format ?? (await detectMovieLensFormat(file));
  const sep = SEPARATORS[format];
  const minRating = options.minRating ?? Number.NEGATIVE_INFINITY;
  const log = new InteractionLog();
  let ratings = 0;
  let belowThreshold = 0;
  let headerLine = 0;
  let firstLine = true;

  const sepBytes = new TextEncoder().encode(sep);
  const next = (bytes: Uint8Array, from: number, end: number): number => (from < 0 ? -1 : indexOfBytes(bytes, sepBytes, from, end));
  const read = await forEachLineBytes(
    file,
    (bytes, start, end, lineNo) => {
      const f1 = next(bytes, start, end);
      const f2 = next(bytes, f1 < 0 ? -1 : f1 + sepBytes.length, end);
      const f3 = next(bytes, f2 < 0 ? -1 : f2 + sepBytes.length, end);
      const isFirst = firstLine;
      firstLine = false;
      if (format === 'csv' && isFirst && Number.isNaN(parseIntBytes(bytes, start, f1 < 0 ? end : f1))) {
        headerLine = lineNo; // the header line, e.g. userId,movieId,rating,timestamp
        return;
      }
      if (f3 < 0 || next(bytes, f3 + sepBytes.length, end) >= 0) {
        throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected 4 fields separated by ${JSON.stringify(sep)}`);
      }
      const user = parseIntBytes(bytes, start, f1);
      if (!(user >= 0 && user <= MAX_ID)) throw badIdError(file, lineNo, decodeText(bytes, start, f1), 'user id');
      const item = parseIntBytes(bytes, f1 + sepBytes.length, f2);
      if (!(item >= 0 && item <= MAX_ID)) throw badIdError(file, lineNo, decodeText(bytes, f1 + sepBytes.length, f2), 'item id');
      const ratingText = decodeText(bytes, f2 + sepBytes.length, f3);
      const rating = ratingText.length > 0 ? Number(ratingText) : Number.NaN;
      if (!Number.isFinite(rating)) throw new DataFormatError(file, lineNo, ratingText, 'rating is not a number');
      const time = parseIntBytes(bytes, f3 + sepBytes.length, end);
      if (!(time >= 0)) throw new DataFormatError(file, lineNo, decodeText(bytes, f3 + sepBytes.length, end), 'timestamp is not a non-negative integer');
      ratings++;
      if (rating < minRating) {
        belowThreshold++;
        return;
      }
      log.users.pushInt(user);
      log.items.pushInt(item);
      log.times.push(time);
    },
    { onProgress: options.onProgress },
  );
  if (ratings === 0) throw new DataFormatError(file, headerLine, '', 'no ratings');

  const split = options.split ?? { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1 };
  const seed = options.seed ?? 2023;
  const dataset = cfDatasetOf(groupInteractions(log), {
    name: options.name ?? 'movielens',
    format: `movielens-${format}`,
    sources: [sourceFileOf(read)],
    params: { format, minRating: options.minRating ?? null, split: toJsonObject(split), seed },
    counts: { ratings, belowThreshold },
    split: (lists, keys) => splitPerUser(lists, keys, split, seed),
    splitSeed: seed,
  });
  return { dataset, throughput: throughputOf([read], (performance.now() - started) / 1000) };
}
