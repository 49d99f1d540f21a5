import { Rng } from '@lers/kernels/random';
import type { CsrMatrix } from './csr.js';

/** How a user's interactions are ordered before the cut: shuffled (seeded) or by timestamp. */
export type CfSplitOrder = 'random' | 'time';

/**
 * How a ratio split turns fractions into counts. `nearest` (default): valid and test rounded to the
 * nearest integer, one train interaction kept. `recbole`: RecBole's rule (valid and test rounded
 * down, train takes the rest; then, test first, a part whose share is in (0, 1) interaction gets
 * one from train while train keeps more than one).
 */
export type CfRatioRounding = 'nearest' | 'recbole';

/**
 * A per-user split. `ratio`: fractions of each user's interactions (normalised to sum 1).
 * `leave-k-out`: k interactions to test and `validK` (default k) to valid. Either way a user keeps
 * at least one train interaction. With `order: 'time'` the newest interactions go to test.
 */
export type CfSplitSpec =
  | { kind: 'ratio'; train: number; valid: number; test: number; order?: CfSplitOrder; rounding?: CfRatioRounding }
  | { kind: 'leave-k-out'; k: number; validK?: number; order?: CfSplitOrder };

/** The three splits of a per-user split. */
export interface CfSplits {
  train: CsrMatrix;
  valid: CsrMatrix;
  test: CsrMatrix;
}

/** Interactions per user that go to (train, valid, test) for a user with `n` interactions. */
export function splitCounts(spec: CfSplitSpec, n: number): [number, number, number] {
  if (n <= 0) return [0, 0, 0];
  let nValid: number;
  let nTest: number;
  if (spec.kind === 'ratio') {
    const sum = spec.train + spec.valid + spec.test;
    if (!(sum > 0) || spec.train < 0 || spec.valid < 0 || spec.test < 0) {
      throw new RangeError('split ratios must be non-negative with a positive sum');
    }
    if (spec.rounding === 'recbole') return recboleCounts([spec.train / sum, spec.valid / sum, spec.test / sum], n);
    nTest = Math.round((n * spec.test) / sum);
    nValid = Math.round((n * spec.valid) / sum);
    // Keep one train interaction: take the excess from valid first, then from test.
    let excess = nTest + nValid - (n - 1);
    if (excess > 0) {
      const fromValid = Math.min(excess, nValid);
      nValid -= fromValid;
      excess -= fromValid;
      nTest -= excess;
    }
  } else {
    if (!Number.isInteger(spec.k) || spec.k < 0) throw new RangeError('leave-k-out: k must be a non-negative integer');
    const validK = spec.validK ?? spec.k;
    nTest = Math.min(spec.k, n - 1);
    nValid = Math.min(validK, n - 1 - nTest);
  }
  return [n - nValid - nTest, nValid, nTest];
}

/** RecBole's `_calcu_split_ids` rule for one group of `n` (see `CfRatioRounding`). */
function recboleCounts(ratios: [number, number, number], n: number): [number, number, number] {
  const cnt = ratios.map((r) => Math.floor(r * n)) as [number, number, number];
  cnt[0] = n - cnt[1] - cnt[2];
  for (const part of [2, 1]) {
    if (cnt[0] <= 1) break;
    const share = ratios[part] * n;
    if (share > 0 && share < 1) {
      cnt[part]++;
      cnt[0]--;
    }
  }
  return cnt;
}

/**
 * Splits each user's list (row u of `lists`; any order, no repeats) into train/valid/test.
 * `keys` (parallel to `lists.indices`, e.g. timestamps) is needed for `order: 'time'`.
 * Seeded per user (`new Rng(seed, user)`), so one user's split does not depend on the others.
 */
export function splitPerUser(lists: CsrMatrix, keys: Float64Array | null, spec: CfSplitSpec, seed: number): CfSplits {
  return partitionRows(lists, keys, spec.order ?? 'random', seed, (n) => splitCounts(spec, n));
}

/**
 * Carves a validation set out of a train set (for datasets shipped as train/test only, like Gowalla):
 * about `fraction` of each user's train items, at least one when the user has two or more, and never
 * the last one. Seeded per user.
 */
export function carveValidation(train: CsrMatrix, fraction: number, seed: number): { train: CsrMatrix; valid: CsrMatrix } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError('carveValidation: fraction must be in [0, 1)');
  const parts = partitionRows(train, null, 'random', seed, (n) => {
    if (n < 2) return [n, 0, 0];
    const nValid = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    return [n - nValid, nValid, 0];
  });
  return { train: parts.train, valid: parts.valid };
}

/** Orders each row (shuffled or by key) and cuts it into three consecutive parts of the given sizes. */
function partitionRows(
  lists: CsrMatrix,
  keys: Float64Array | null,
  order: CfSplitOrder,
  seed: number,
  counts: (n: number) => [number, number, number],
): CfSplits {
  if (order === 'time' && keys === null) throw new RangeError('split order "time" needs timestamps');
  const rows = lists.rows;
  const ptrs = [new Int32Array(rows + 1), new Int32Array(rows + 1), new Int32Array(rows + 1)];
  for (let u = 0; u < rows; u++) {
    const c = counts(lists.indptr[u + 1] - lists.indptr[u]);
    for (let s = 0; s < 3; s++) ptrs[s][u + 1] = ptrs[s][u] + c[s];
  }
  const outs = ptrs.map((p) => new Int32Array(p[rows]));
  const scratch: number[] = [];
  for (let u = 0; u < rows; u++) {
    const start = lists.indptr[u];
    const n = lists.indptr[u + 1] - start;
    if (n === 0) continue;
    scratch.length = n;
    for (let k = 0; k < n; k++) scratch[k] = start + k;
    if (order === 'random') new Rng(seed, u).shuffle(scratch);
    else {
      const key = keys!;
      const idx = lists.indices;
      scratch.sort((a, b) => key[a] - key[b] || idx[a] - idx[b]);
    }
    let k = 0;
    for (let s = 0; s < 3; s++) {
      const out = outs[s];
      const from = ptrs[s][u];
      const to = ptrs[s][u + 1];
      for (let w = from; w < to; w++) out[w] = lists.indices[scratch[k++]];
      out.subarray(from, to).sort();
    }
  }
  const make = (s: number): CsrMatrix => ({ rows, cols: lists.cols, indptr: ptrs[s], indices: outs[s] });
  return { train: make(0), valid: make(1), test: make(2) };
}
