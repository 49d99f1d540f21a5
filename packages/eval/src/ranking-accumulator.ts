/**
 * RankingAccumulator: the training-loop side of CF evaluation. Per batch of users the model (a kernel
 * elsewhere) produces each user's top-K_max item ids with the train items already masked; add() folds
 * them in, result() averages over the users that have test items.
 */
import { check } from './errors.js';
import { RankingSums, type RankingMetrics, type TruthCsr } from './ranking.js';

/** Options of RankingAccumulator. */
export interface RankingAccumulatorOptions {
  /** Cut-offs, e.g. [10, 20, 50]; sorted and de-duplicated internally. */
  readonly ks: readonly number[];
}

/** Accumulates Recall (both definitions), NDCG, Precision and HitRate at several K over user batches. */
export class RankingAccumulator {
  private readonly sums: RankingSums;
  /** seen[u] = 1 once user u was added (a user added twice is an error until reset()). */
  private seen = new Uint8Array(0);

  /** Creates an empty accumulator for the given cut-offs. */
  constructor(opts: RankingAccumulatorOptions) {
    this.sums = new RankingSums(opts.ks);
  }

  /** The cut-offs, ascending and unique. */
  get ks(): readonly number[] {
    return this.sums.ks;
  }

  /**
   * Adds a batch: row b of `userTopK` (row-major, users.length x kMax) is the ranked item list of
   * user users[b], best first. kMax must be >= the largest K. `truth` is the test-item CSR over all
   * users. Users without test items are counted as skipped. Throws EvalArgumentError (leaving the
   * accumulator unchanged) on bad shapes, out-of-range users, or a user already added since reset().
   */
  add(userTopK: Int32Array, kMax: number, users: Int32Array, truth: TruthCsr): void {
    const ks = this.sums.ks;
    check(Number.isInteger(kMax) && kMax >= ks[ks.length - 1], () =>
      `kMax (${kMax}) must be an integer >= the largest K (${ks[ks.length - 1]})`);
    check(userTopK.length >= users.length * kMax, () =>
      `userTopK has ${userTopK.length} ids, need users.length x kMax = ${users.length * kMax}`);
    const nUsers = truth.indptr.length - 1;
    check(nUsers >= 0, 'truth.indptr must have users + 1 entries');
    if (this.seen.length < nUsers) {
      const next = new Uint8Array(nUsers);
      next.set(this.seen);
      this.seen = next;
    }
    // Validate the whole batch first so that a rejected add() leaves the accumulator unchanged.
    let b = 0;
    try {
      for (; b < users.length; b++) {
        const u = users[b];
        check(u >= 0 && u < nUsers, () => `user ${u} is outside the truth CSR (${nUsers} users)`);
        check(this.seen[u] === 0, () => `user ${u} was already added`);
        const t0 = truth.indptr[u];
        const t1 = truth.indptr[u + 1];
        check(t0 <= t1 && t0 >= 0 && t1 <= truth.indices.length, () => `truth row of user ${u} is malformed`);
        for (let t = t0; t < t1; t++) {
          check(truth.indices[t] >= 0, () => `test item ids must be >= 0, got ${truth.indices[t]} (user ${u})`);
        }
        this.seen[u] = 1;
      }
    } catch (e) {
      for (let r = 0; r < b; r++) this.seen[users[r]] = 0;
      throw e;
    }
    for (b = 0; b < users.length; b++) {
      const u = users[b];
      this.sums.addUser(userTopK, b * kMax, kMax, truth.indices, truth.indptr[u], truth.indptr[u + 1]);
    }
  }

  /** Averages over evaluated users so far, per K; NaN averages when no user was evaluated. */
  result(): RankingMetrics {
    return this.sums.result();
  }

  /** Forgets everything added so far (e.g. between epochs). */
  reset(): void {
    this.sums.reset();
    this.seen.fill(0);
  }
}
