import type { Buf, Csr } from '../types.js';

/** How a threaded spmm hands its rows to the threads (no effect without threads, or on the result). */
export interface SpmmOptions {
  /**
   * Each thread first takes the rows of the thread half the pool away (thread t those of thread
   * (t + floor(threads / 2)) mod threads) instead of its own. For a chain of products over a
   * bipartite matrix with its rows sorted by side (LightGCN's adjacency: users, then items), each
   * product maps one side onto the other: alternating this from one product to the next (false,
   * true, false, ...) makes each thread read the rows it wrote itself in the previous product.
   */
  readonly swapHalves?: boolean;
}

/**
 * Sparse (CSR) kernels. Threaded on the WASM backend: spmm and csrGatherRows, by output rows split
 * by non-zeros.
 */
export interface SparseOps {
  /** Uploads a host CSR (copies its three arrays to the backend). */
  uploadCsr(csr: { rows: number; cols: number; indptr: ArrayLike<number>; indices: ArrayLike<number>; values: ArrayLike<number> }): Csr;
  /** Frees the three arrays of a CSR created by this backend. */
  freeCsr(csr: Csr): void;
  /**
   * out (rows x n) = alpha * A (rows x cols) * B (cols x n) + beta * C, where C is `addend` (rows x
   * n; may alias B, not read when beta = 0) or, without one, out itself. out must not alias B.
   * An addend saves copying C into out first (LightGCN's layer sum x + A y). `options` only
   * schedule the threads (SpmmOptions).
   */
  spmm(a: Csr, b: Buf<'f32'>, n: number, alpha: number, beta: number, out: Buf<'f32'>, addend?: Buf<'f32'>, options?: SpmmOptions): void;
  /** Dense rows of a CSR matrix: out[i, :] = A[ids[i], :] (ids.length x cols); ids checked as in gather. */
  csrGatherRows(a: Csr, ids: Buf<'i32'>, out: Buf<'f32'>): void;
  /**
   * Dense (rows x cols) -> CSR, keeping entries with |x| > threshold, or, when `mask` is given,
   * entries whose mask byte is non-zero (threshold ignored). Data-dependent size, hence async.
   */
  denseToCsr(rows: number, cols: number, x: Buf<'f32'>, keep: { threshold: number } | { mask: Buf<'u8'> }): Promise<Csr>;
}
