import { CREATED_BY, type JsonObject, type SourceFile } from '../manifest.js';
import { Float64Builder } from '../util/builders.js';
import { csrNnz, type CsrMatrix } from './csr.js';
import type { CfDataset } from './dataset.js';
import { RawIdColumn, type DenseIds } from './raw-ids.js';
import type { CfSplits } from './split.js';

/**
 * (user, item, time) interactions as a rating file is read: raw ids per column and one key per
 * interaction (its timestamp, or 0 without one). Shared by the MovieLens, triplet and RecBole readers.
 */
export class InteractionLog {
  readonly users = new RawIdColumn();
  readonly items = new RawIdColumn();
  readonly times = new Float64Builder(1 << 16);

  /** Interactions pushed so far. */
  get length(): number {
    return this.times.length;
  }
}

/** Interactions grouped per user in file order, repeats dropped, with the dense id maps. */
export interface GroupedInteractions {
  /** Row u: the user's distinct items in file order (unsorted; the split sorts). */
  lists: CsrMatrix;
  /** Parallel to `lists.indices`: each kept interaction's time. */
  keys: Float64Array;
  /** Repeated (user, item) pairs dropped (the first in file order is kept). */
  duplicates: number;
  users: DenseIds;
  items: DenseIds;
}

/**
 * Maps raw ids to dense indices (increasing raw order) and groups the interactions by user
 * (counting sort, file order kept), dropping repeated (user, item) pairs in linear time with a
 * per-item stamp.
 */
export function groupInteractions(log: InteractionLog): GroupedInteractions {
  const userIds = log.users.finish();
  const itemIds = log.items.finish();
  const users = userIds.dense;
  const items = itemIds.dense;
  const times = log.times.toArray();
  const nUsers = userIds.count;
  const indptr = new Int32Array(nUsers + 1);
  for (const u of users) indptr[u + 1]++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
  const cursor = indptr.slice(0, nUsers);
  const order = new Int32Array(users.length);
  for (let k = 0; k < users.length; k++) order[cursor[users[k]]++] = k;

  const stamp = new Int32Array(itemIds.count).fill(-1);
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
    lists: { rows: nUsers, cols: itemIds.count, indptr: outPtr, indices: indices.slice(0, n) },
    keys: keys.slice(0, n),
    duplicates: users.length - n,
    users: userIds,
    items: itemIds,
  };
}

/** What a rating-file reader adds to its grouped interactions to make a dataset. */
export interface CfBuildSpec {
  name: string;
  format: string;
  sources: SourceFile[];
  params: JsonObject;
  /** The reader's own counts (lines read, below the threshold, ...), listed first in the manifest. */
  counts: Record<string, number>;
  /** Cuts each user's list into train/valid/test. */
  split: (lists: CsrMatrix, keys: Float64Array) => CfSplits;
  splitSeed: number | null;
}

/** A `CfDataset` from grouped interactions: split, id maps attached, counts in the manifest. */
export function cfDatasetOf(g: GroupedInteractions, spec: CfBuildSpec): CfDataset {
  const { train, valid, test } = spec.split(g.lists, g.keys);
  const users = g.users.count;
  const items = g.items.count;
  const dataset: CfDataset = {
    kind: 'cf',
    users,
    items,
    train,
    valid,
    test,
    manifest: {
      name: spec.name,
      task: 'cf',
      format: spec.format,
      sources: spec.sources,
      params: spec.params,
      counts: {
        ...spec.counts,
        duplicates: g.duplicates,
        interactions: csrNnz(g.lists),
        users,
        items,
        train: csrNnz(train),
        valid: csrNnz(valid),
        test: csrNnz(test),
      },
      splitSeed: spec.splitSeed,
      createdBy: CREATED_BY,
    },
  };
  if (g.users.ids !== undefined) dataset.userIds = g.users.ids;
  if (g.users.names !== undefined) dataset.userNames = g.users.names;
  if (g.items.ids !== undefined) dataset.itemIds = g.items.ids;
  if (g.items.names !== undefined) dataset.itemNames = g.items.names;
  return dataset;
}
