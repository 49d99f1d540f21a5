import type { Buf, Csr } from '../types.js';

/** Full-ranking kernels for recommendation. Threaded on the WASM backend over users. */
export interface RankingOps {
  /** out (users x items) = U (users x dim) * I (items x dim)^T: batched user x item scores. */
  scores(users: number, items: number, dim: number, u: Buf<'f32'>, it: Buf<'f32'>, out: Buf<'f32'>): void;
  /**
   * Sets scores[b, j] = -Infinity for every item j in row userIds[b] of `seen` (a users x items CSR,
   * e.g. each user's train items). scores is userIds.length x items.
   */
  maskSeen(scores: Buf<'f32'>, items: number, userIds: Buf<'i32'>, seen: Csr): void;
  /**
   * Top-k per row of an rows x cols matrix, sorted by descending score, ties broken by the lower
   * column index; k <= min(cols, 100) (k > cols is an error). outIdx/outVal are rows x k.
   * -Infinity entries rank last; NaN is treated as -Infinity.
   */
  topk(rows: number, cols: number, x: Buf<'f32'>, k: number, outIdx: Buf<'i32'>, outVal: Buf<'f32'>): void;
}
