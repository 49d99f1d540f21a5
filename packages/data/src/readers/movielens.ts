import { csrNnz, type CsrMatrix } from '../cf/csr.js';
import type { CfDataset } from '../cf/dataset.js';
import { splitPerUser, type CfSplitSpec } from '../cf/split.js';
import { DataFormatError } from '../errors.js';
import { CREATED_BY, toJsonObject, type JsonObject } from '../manifest.js';
import { decodeText, indexOfBytes, parseIntBytes } from '../util/bytes.js';
import { Float64Builder, Int32Builder } from '../util/builders.js';
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
  const rawUsers = new Int32Builder(1 << 16);
  const rawItems = new Int32Builder(1 << 16);
  const times = new Float64Builder(1 << 16);
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
      rawUsers.push(user);
      rawItems.push(item);
      times.push(time);
    },
    { onProgress: options.onProgress },
  );
  if (ratings === 0) throw new DataFormatError(file, headerLine, '', 'no ratings');

  const userIds = sortedUnique(rawUsers.toArray());
  const itemIds = sortedUnique(rawItems.toArray());
  const users = toDense(rawUsers.toArray(), userIds);
  const items = toDense(rawItems.toArray(), itemIds);
  const { lists, keys, duplicates } = groupByUser(users, items, times.toArray(), userIds.length, itemIds.length);
  const split = options.split ?? { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1 };
  const seed = options.seed ?? 2023;
  const { train, valid, test } = splitPerUser(lists, keys, split, seed);

  const params: JsonObject = { format, minRating: options.minRating ?? null, split: toJsonObject(split), seed };
  const dataset: CfDataset = {
    kind: 'cf',
    users: userIds.length,
    items: itemIds.length,
    train,
    valid,
    test,
    userIds,
    itemIds,
    manifest: {
      name: options.name ?? 'movielens',
      task: 'cf',
      format: `movielens-${format}`,
      sources: [sourceFileOf(read)],
      params,
      counts: {
        ratings,
        belowThreshold,
        duplicates,
        interactions: csrNnz(lists),
        users: userIds.length,
        items: itemIds.length,
        train: csrNnz(train),
        valid: csrNnz(valid),
        test: csrNnz(test),
      },
      splitSeed: seed,
      createdBy: CREATED_BY,
    },
  };
  return { dataset, throughput: throughputOf([read], (performance.now() - started) / 1000) };
}

/** The distinct values, ascending. */
function sortedUnique(values: Int32Array): Int32Array {
  const sorted = values.slice().sort();
  let n = 0;
  for (let k = 0; k < sorted.length; k++) if (n === 0 || sorted[n - 1] !== sorted[k]) sorted[n++] = sorted[k];
  return sorted.slice(0, n);
}

/** Replaces each raw id by its index in the sorted distinct ids (binary search). */
function toDense(raw: Int32Array, ids: Int32Array): Int32Array {
  const out = new Int32Array(raw.length);
  for (let k = 0; k < raw.length; k++) {
    let lo = 0;
    let hi = ids.length - 1;
    const v = raw[k];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    out[k] = lo;
  }
  return out;
}

/**
 * Groups interactions by user in file order (counting sort) and drops repeated (user, item) pairs,
 * keeping the first, in linear time with a per-item stamp. Rows are unsorted (the split sorts).
 */
function groupByUser(
  users: Int32Array,
  items: Int32Array,
  times: Float64Array,
  nUsers: number,
  nItems: number,
): { lists: CsrMatrix; keys: Float64Array; duplicates: number } {
  const indptr = new Int32Array(nUsers + 1);
  for (const u of users) indptr[u + 1]++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
  const cursor = indptr.slice(0, nUsers);
  const order = new Int32Array(users.length);
  for (let k = 0; k < users.length; k++) order[cursor[users[k]]++] = k;

  const stamp = new Int32Array(nItems).fill(-1);
  const outPtr = new Int32Array(nUsers + 1);
  const indices = new Int32Array(users.length);
  const keys = new Float64Array(users.length);
  let n = 0;
  for (let u = 0; u < nUsers; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const k = order[p];
      const item = items[k];
      if (stamp[item] === u) continue;
      stamp[item] = u;
      indices[n] = item;
      keys[n++] = times[k];
    }
    outPtr[u + 1] = n;
  }
  return {
    lists: { rows: nUsers, cols: nItems, indptr: outPtr, indices: indices.slice(0, n) },
    keys: keys.slice(0, n),
    duplicates: users.length - n,
  };
}
