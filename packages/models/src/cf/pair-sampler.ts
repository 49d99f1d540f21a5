import type { Rng } from '@lers/kernels';
import type { CsrMatrix } from '@lers/data';

/**
 * The (user, positive item) pairs of a train matrix in a seeded order, and uniform negatives:
 * an item drawn uniformly from all items, redrawn while it is one of the user's train items
 * (binary search in the user's sorted row), as the benchmark's sampler. Several negatives per pair
 * (CERP's CF setting) are independent draws of that kind, so one pair may repeat a negative.
 */
export class PairSampler {
  /** User of pair k (pairs in CSR order). */
  readonly pairUser: Int32Array;
  /** Positive item of pair k. */
  readonly pairItem: Int32Array;
  /** The current epoch's order of pair indices. */
  readonly order: Int32Array;

  constructor(
    readonly train: CsrMatrix,
    readonly items: number,
  ) {
    const nnz = train.indptr[train.rows];
    this.pairUser = new Int32Array(nnz);
    this.pairItem = train.indices.slice(0, nnz);
    for (let u = 0; u < train.rows; u++) {
      const e = train.indptr[u + 1];
      if (e - train.indptr[u] >= items) throw new RangeError(`user ${u} has every item in train: no negative can be sampled`);
      this.pairUser.fill(u, train.indptr[u], e);
    }
    this.order = new Int32Array(nnz);
    for (let k = 0; k < nnz; k++) this.order[k] = k;
  }

  /** Number of pairs (samples per epoch). */
  get size(): number {
    return this.order.length;
  }

  /** Reshuffles the pair order from the identity, so an epoch's order depends only on `rng`. */
  shuffle(rng: Rng): void {
    const order = this.order;
    for (let k = 0; k < order.length; k++) order[k] = k;
    rng.shuffle(order);
  }

  /**
   * Writes `count` independent negatives of `user` to out[at .. at + count), each plus `shift`
   * (e.g. the user count, for node ids). The draws come from `rng` in order, so one negative per
   * pair consumes the stream exactly as `negative` does.
   */
  negatives(user: number, rng: Rng, count: number, out: Int32Array, at: number, shift = 0): void {
    for (let j = 0; j < count; j++) out[at + j] = shift + this.negative(user, rng);
  }

  /** A uniform item that is not among `user`'s train items. */
  negative(user: number, rng: Rng): number {
    const { indptr, indices } = this.train;
    const s = indptr[user];
    const e = indptr[user + 1];
    for (;;) {
      const j = rng.nextInt(this.items);
      let lo = s;
      let hi = e;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (indices[mid] < j) lo = mid + 1;
        else hi = mid;
      }
      if (lo === e || indices[lo] !== j) return j;
    }
  }
}
