import { carveValidation } from '../cf/split.js';
import { csrFromPairs, csrNnz, csrOverlap, emptyCsr, type CsrMatrix } from '../cf/csr.js';
import type { CfDataset } from '../cf/dataset.js';
import { CREATED_BY, type JsonObject } from '../manifest.js';
import { Int32Builder } from '../util/builders.js';
import { badIdError, MAX_ID, sourceFileOf, throughputOf, type Throughput } from './common.js';
import { forEachLineBytes, type LineReadResult, type ReadProgress } from './lines.js';
import { decodeText } from '../util/bytes.js';

/** The (user, item) pairs of one LightGCN split file. */
export interface LightGcnPairs {
  users: Int32Array;
  items: Int32Array;
  /** Largest user id on any line (also users without items), -1 if none. */
  maxUser: number;
  /** Largest item id, -1 if none. */
  maxItem: number;
  read: LineReadResult;
}

/**
 * Reads one LightGCN adjacency-list file: each line is `user item item ...` (0-based ids separated
 * by spaces or tabs; a user without items is allowed). Ids must be non-negative integers.
 */
export async function readLightGcnPairs(file: string, onProgress?: (p: ReadProgress) => void): Promise<LightGcnPairs> {
  const users = new Int32Builder(1 << 16);
  const items = new Int32Builder(1 << 16);
  let maxUser = -1;
  let maxItem = -1;
  const read = await forEachLineBytes(
    file,
    (bytes, start, end, lineNo) => {
      let k = start;
      let user = -1;
      while (k < end) {
        let c = bytes[k];
        if (c === 32 || c === 9) {
          k++;
          continue;
        }
        const tokenStart = k;
        let v = 0;
        let ok = true;
        for (; k < end; k++) {
          c = bytes[k];
          if (c === 32 || c === 9) break;
          const d = c - 48;
          if (d < 0 || d > 9) ok = false;
          v = v * 10 + d;
        }
        if (!ok || v > MAX_ID) throw badIdError(file, lineNo, decodeText(bytes, tokenStart, k), user < 0 ? 'user id' : 'item id');
        if (user < 0) {
          user = v;
          if (v > maxUser) maxUser = v;
        } else {
          users.push(user);
          items.push(v);
          if (v > maxItem) maxItem = v;
        }
      }
    },
    { onProgress },
  );
  return { users: users.toArray(), items: items.toArray(), maxUser, maxItem, read };
}

/** Files of a LightGCN-format dataset; without `valid`, one can be carved out of train. */
export interface LightGcnOptions {
  /** Dataset name for the manifest (default `lightgcn`). */
  name?: string;
  train: string;
  valid?: string;
  test: string;
  /** Without a valid file: carve about this fraction of each user's train items (protocol: 0.09). */
  carveValidation?: { fraction: number; seed: number };
  onProgress?: (p: ReadProgress) => void;
}

/** A reader's dataset and the speed at which it was read. */
export interface CfReadResult {
  dataset: CfDataset;
  throughput: Throughput;
}

/**
 * Loads a LightGCN-format dataset (Gowalla, Yelp2018, Amazon-book, ...). `users`/`items` are the
 * max id + 1 over all split files. A pair repeated within a split is kept once and counted in
 * `manifest.counts` (`duplicates.train`, ...); pairs shared between splits are counted too.
 */
export async function readLightGcn(options: LightGcnOptions): Promise<CfReadResult> {
  const started = performance.now();
  const files = [options.train, ...(options.valid !== undefined ? [options.valid] : []), options.test];
  const parts: LightGcnPairs[] = [];
  for (const f of files) parts.push(await readLightGcnPairs(f, options.onProgress));
  const users = Math.max(...parts.map((p) => p.maxUser)) + 1;
  const items = Math.max(...parts.map((p) => p.maxItem)) + 1;
  const build = (p: LightGcnPairs): { matrix: CsrMatrix; duplicates: number } => csrFromPairs(users, items, p.users, p.items);

  const trainPart = build(parts[0]);
  const testPart = build(parts[parts.length - 1]);
  let train = trainPart.matrix;
  let valid: CsrMatrix;
  let validDuplicates = 0;
  let splitSeed: number | null = null;
  const params: JsonObject = { format: 'lightgcn' };
  if (options.valid !== undefined) {
    const v = build(parts[1]);
    valid = v.matrix;
    validDuplicates = v.duplicates;
  } else if (options.carveValidation) {
    const { fraction, seed } = options.carveValidation;
    ({ train, valid } = carveValidation(train, fraction, seed));
    splitSeed = seed;
    params.carveValidation = { fraction, seed };
  } else {
    valid = emptyCsr(users, items);
  }
  const test = testPart.matrix;
  const dataset: CfDataset = {
    kind: 'cf',
    users,
    items,
    train,
    valid,
    test,
    manifest: {
      name: options.name ?? 'lightgcn',
      task: 'cf',
      format: 'lightgcn',
      sources: parts.map((p) => sourceFileOf(p.read)),
      params,
      counts: {
        users,
        items,
        train: csrNnz(train),
        valid: csrNnz(valid),
        test: csrNnz(test),
        'duplicates.train': trainPart.duplicates,
        'duplicates.valid': validDuplicates,
        'duplicates.test': testPart.duplicates,
        'overlap.trainTest': csrOverlap(train, test),
        'overlap.trainValid': csrOverlap(train, valid),
      },
      splitSeed,
      createdBy: CREATED_BY,
    },
  };
  return { dataset, throughput: throughputOf(parts.map((p) => p.read), (performance.now() - started) / 1000) };
}
