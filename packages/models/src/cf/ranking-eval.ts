import type { Backend, Buf, Csr } from '@lers/kernels';
import type { CsrMatrix } from '@lers/data';
import { RankingAccumulator, type RankingMetrics } from '@lers/eval';
import type { Metrics } from '../model.js';
import { EventLoopYielder } from '../train/event-loop.js';

/** Uploads a 0/1 CSR (values all 1) to the backend, e.g. a user's seen items for maskSeen. */
export function uploadBinaryCsr(backend: Backend, m: CsrMatrix): Csr {
  const nnz = m.indptr[m.rows];
  return backend.uploadCsr({ rows: m.rows, cols: m.cols, indptr: m.indptr, indices: m.indices.subarray(0, nnz), values: new Float32Array(nnz).fill(1) });
}

/** Metric names of a ranking result: recall@K (hits/|T|), recallT@K (hits/min(|T|,K)), ndcg@K, precision@K, hitrate@K. */
export function rankingMetricsByName(m: RankingMetrics): Metrics {
  const out: Metrics = {};
  for (const at of m.atK) {
    out[`recall@${at.k}`] = at.recall;
    out[`recallT@${at.k}`] = at.recallTruncated;
    out[`ndcg@${at.k}`] = at.ndcg;
    out[`precision@${at.k}`] = at.precision;
    out[`hitrate@${at.k}`] = at.hitRate;
  }
  out.users = m.usersEvaluated;
  return out;
}

/**
 * Full-ranking evaluation over all items, in user batches on the kernels: scores = U I^T, the
 * masked items set to -inf (maskSeen), top-K (K = max ks), folded into a RankingAccumulator.
 * Only users with at least one truth item are scored.
 */
export class FullRankingEvaluator {
  private readonly uids: Buf<'i32'>;
  private readonly urows: Buf<'f32'>;
  private readonly scores: Buf<'f32'>;
  private readonly topIdx: Buf<'i32'>;
  private readonly topVal: Buf<'f32'>;
  /** The largest K, and the ranked positions actually computed (min(K, items)). */
  readonly kMax: number;
  readonly kTake: number;

  constructor(
    private readonly backend: Backend,
    readonly users: number,
    readonly items: number,
    readonly dim: number,
    readonly ks: readonly number[],
    readonly batchUsers: number,
  ) {
    this.kMax = Math.max(...ks);
    // The top-k kernel keeps at most 100 per row; a K beyond the catalogue ranks every item.
    if (!(this.kMax <= 100)) throw new RangeError(`ranking: K = ${this.kMax} exceeds the top-k kernel's 100`);
    this.kTake = Math.min(this.kMax, items);
    if (!Number.isInteger(batchUsers) || batchUsers < 1) throw new RangeError(`ranking: batchUsers must be a positive integer, got ${batchUsers}`);
    this.uids = backend.alloc('i32', batchUsers);
    this.urows = backend.alloc('f32', batchUsers * dim);
    this.scores = backend.alloc('f32', batchUsers * items);
    this.topIdx = backend.alloc('i32', batchUsers * this.kTake);
    this.topVal = backend.alloc('f32', batchUsers * this.kTake);
  }

  /**
   * Ranks items for every user with truth items. userEmb is users x dim, itemEmb items x dim;
   * `masks` are CSRs on the backend (users x items) whose items are excluded from the ranking.
   * Each user batch's top-k ids are read back once.
   */
  async evaluate(userEmb: Buf<'f32'>, itemEmb: Buf<'f32'>, truth: CsrMatrix, masks: readonly Csr[]): Promise<RankingMetrics> {
    const be = this.backend;
    const acc = new RankingAccumulator({ ks: this.ks });
    const active: number[] = [];
    for (let u = 0; u < truth.rows; u++) if (truth.indptr[u + 1] > truth.indptr[u]) active.push(u);
    const truthCsr = { indptr: truth.indptr, indices: truth.indices };
    const K = this.kTake;
    const padded = K < this.kMax ? new Int32Array(this.batchUsers * this.kMax) : null;
    // A full ranking of ml-1m takes seconds: let signals and page messages in between batches.
    const yielder = new EventLoopYielder();
    for (let start = 0; start < active.length; start += this.batchUsers) {
      await yielder.maybeYield();
      const b = Math.min(this.batchUsers, active.length - start);
      const hostIds = Int32Array.from(active.slice(start, start + b));
      const ids = be.slice(this.uids, 0, b);
      be.write(ids, hostIds);
      const urows = be.slice(this.urows, 0, b * this.dim);
      const scores = be.slice(this.scores, 0, b * this.items);
      const topIdx = be.slice(this.topIdx, 0, b * K);
      be.gather(userEmb, this.users, this.dim, ids, urows);
      be.scores(b, this.items, this.dim, urows, itemEmb, scores);
      for (const m of masks) be.maskSeen(scores, this.items, ids, m);
      be.topk(b, this.items, scores, K, topIdx, be.slice(this.topVal, 0, b * K));
      const top = await be.read(topIdx);
      if (padded === null) acc.add(top, K, hostIds, truthCsr);
      else {
        // Fewer items than K: the missing positions are misses (-1).
        padded.fill(-1);
        for (let r = 0; r < b; r++) padded.set(top.subarray(r * K, (r + 1) * K), r * this.kMax);
        acc.add(padded, this.kMax, hostIds, truthCsr);
      }
    }
    return acc.result();
  }

  /** Frees the scratch buffers. */
  dispose(): void {
    for (const b of [this.uids, this.urows, this.scores, this.topIdx, this.topVal]) this.backend.free(b);
  }
}
