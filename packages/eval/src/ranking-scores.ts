/**
 * rankingMetricsFromScores: ranking metrics straight from a dense score matrix, doing the masking and
 * a full sort itself. It mirrors the kernel path (maskSeen + topk: masked items become -Infinity, NaN
 * ranks as -Infinity, ties go to the lower item index) with plain code, so it serves as an independent
 * oracle for that path and as the simple API for small cases.
 */
import { check } from './errors.js';
import { RankingSums, normalizeKs, type RankingMetrics, type TruthCsr } from './ranking.js';

/** Inputs of rankingMetricsFromScores. */
export interface ScoresInput {
  /** users.length x numItems scores, row-major; row b belongs to users[b]. Not modified. */
  readonly scores: Float32Array | Float64Array;
  /** The user id of each score row. */
  readonly users: Int32Array;
  /** Number of items (columns of scores). */
  readonly numItems: number;
  /** Test items per user, CSR over all users. */
  readonly truth: TruthCsr;
  /** Items to mask per user (train; add valid when scoring test), CSR over all users; one or several. */
  readonly exclude?: TruthCsr | readonly TruthCsr[];
  /** Cut-offs, e.g. [20]. */
  readonly ks: readonly number[];
}

/**
 * Masks, fully sorts every user's scores (descending, ties by lower index) and returns the ranking
 * metrics. A K larger than numItems ranks all items (the missing positions are misses).
 * Cost O(users x numItems log numItems): meant for small cases and tests, not full-catalogue epochs.
 */
export function rankingMetricsFromScores(input: ScoresInput): RankingMetrics {
  const { scores, users, numItems, truth } = input;
  const ks = normalizeKs(input.ks);
  check(Number.isInteger(numItems) && numItems > 0, () => `numItems must be a positive integer, got ${numItems}`);
  check(scores.length === users.length * numItems, () =>
    `scores has ${scores.length} entries, expected users.length x numItems = ${users.length * numItems}`);
  const ex0 = input.exclude;
  const excludes: readonly TruthCsr[] = ex0 === undefined ? [] : 'indptr' in ex0 ? [ex0] : ex0;
  const nUsers = truth.indptr.length - 1;
  const seen = new Set<number>();
  const sums = new RankingSums(ks);
  const kTake = Math.min(ks[ks.length - 1], numItems);
  const row = new Float64Array(numItems);
  const order = Array.from({ length: numItems }, (_, i) => i);
  const ranked = new Int32Array(kTake);
  for (let b = 0; b < users.length; b++) {
    const u = users[b];
    check(u >= 0 && u < nUsers, () => `user ${u} is outside the truth CSR (${nUsers} users)`);
    check(!seen.has(u), () => `user ${u} appears twice`);
    seen.add(u);
    for (let i = 0; i < numItems; i++) {
      const s = scores[b * numItems + i];
      row[i] = Number.isNaN(s) ? -Infinity : s;
    }
    for (const ex of excludes) {
      check(u < ex.indptr.length - 1, () => `user ${u} is outside an exclude CSR`);
      for (let t = ex.indptr[u]; t < ex.indptr[u + 1]; t++) {
        const item = ex.indices[t];
        check(item >= 0 && item < numItems, () => `excluded item ${item} is outside [0, ${numItems})`);
        row[item] = -Infinity;
      }
    }
    for (let i = 0; i < numItems; i++) order[i] = i;
    order.sort((x, y) => (row[x] === row[y] ? x - y : row[y] > row[x] ? 1 : -1));
    for (let i = 0; i < kTake; i++) ranked[i] = order[i];
    sums.addUser(ranked, 0, kTake, truth.indices, truth.indptr[u], truth.indptr[u + 1]);
  }
  return sums.result();
}
