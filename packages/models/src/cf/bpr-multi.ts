import type { Backend, Buf, Csr } from '@lers/kernels';
import { allocBprTerms, bprTerms, freeBprTerms, type BprTermBuffers } from './bpr-terms.js';

/**
 * BPR with n negatives per (user, positive) pair, as the benchmark's `bpr_loss_multi` (CERP on CF):
 * loss = (1/b) sum_k sum_j softplus(s(u_k, n_kj) - s(u_k, p_k)), i.e. the n terms of a pair are
 * summed and the pairs averaged (the reference divides by the batch's pairs, not by b x n). Input
 * `rows` is (2 + n) b x dim: b users, b positives, then the b x n negatives, pair k's j-th at row
 * k n + j. With g_kj = sigmoid(x_kj) / b: dU_k = sum_j g_kj (N_kj - P_k), dP_k = -sum_j g_kj U_k,
 * dN_kj = g_kj U_k. The sums over a pair's negatives and the repetition of a pair's user row are
 * sparse products with one-entry-per-term CSRs whose values are g itself (SIMD passes, no loops).
 */
export class MultiNegativeBprLoss {
  private readonly uRep: Buf<'f32'>;
  private readonly pRep: Buf<'f32'>;
  private readonly diff: Buf<'f32'>;
  private readonly terms: BprTermBuffers;
  /** pair[t] = t div n: the pair of term t (gather index and the expanding CSR's columns). */
  private readonly pair: Buf<'i32'>;
  /** 0..m: the expanding CSR's row pointers and the summing CSR's columns. */
  private readonly iota: Buf<'i32'>;
  /** k n for k = 0..maxBatch: the summing CSR's row pointers. */
  private readonly pairStart: Buf<'i32'>;

  constructor(
    private readonly backend: Backend,
    readonly maxBatch: number,
    readonly dim: number,
    readonly negatives: number,
  ) {
    if (!Number.isInteger(negatives) || negatives < 1) throw new RangeError(`BPR: negatives must be a positive integer, got ${negatives}`);
    const m = maxBatch * negatives;
    const md = m * dim;
    this.uRep = backend.alloc('f32', md);
    this.pRep = backend.alloc('f32', md);
    this.diff = backend.alloc('f32', md);
    this.terms = allocBprTerms(backend, m, dim);
    this.pair = backend.upload('i32', Int32Array.from({ length: m }, (_, t) => Math.floor(t / negatives)));
    this.iota = backend.upload('i32', Int32Array.from({ length: m + 1 }, (_, t) => t));
    this.pairStart = backend.upload('i32', Int32Array.from({ length: maxBatch + 1 }, (_, k) => k * negatives));
  }

  /**
   * Writes the summed terms of b pairs in `rows` into `sum` (one element: the loss is sum / b) and
   * overwrites dRows ((2 + n) b x dim) with the loss's gradient.
   */
  run(b: number, rows: Buf<'f32'>, dRows: Buf<'f32'>, sum: Buf<'f32'>): void {
    if (!Number.isInteger(b) || b < 1 || b > this.maxBatch) throw new RangeError(`BPR: batch ${b} outside [1, ${this.maxBatch}]`);
    const be = this.backend;
    const d = this.dim;
    const m = b * this.negatives;
    const bd = b * d;
    const md = m * d;
    const u = be.slice(rows, 0, bd);
    const p = be.slice(rows, bd, bd);
    const n = be.slice(rows, 2 * bd, md);
    const pair = be.slice(this.pair, 0, m);
    const uRep = be.slice(this.uRep, 0, md);
    const pRep = be.slice(this.pRep, 0, md);
    const diff = be.slice(this.diff, 0, md);
    be.gather(u, b, d, pair, uRep);
    be.gather(p, b, d, pair, pRep);
    be.sub(n, pRep, diff);
    bprTerms(be, m, d, b, uRep, diff, this.terms, sum); // x_kj = s(u_k, n_kj) - s(u_k, p_k)
    const g = be.slice(this.terms.g, 0, m);
    const expand = this.expanding(b, m, g);
    const sumPairs = this.summing(b, m, g);
    be.spmm(expand, u, d, 1, 0, be.slice(dRows, 2 * bd, md)); // dN_kj = g_kj U_k
    be.spmm(sumPairs, diff, d, 1, 0, be.slice(dRows, 0, bd)); // dU_k = sum_j g_kj (N_kj - P_k)
    be.spmm(sumPairs, uRep, d, -1, 0, be.slice(dRows, bd, bd)); // dP_k = -sum_j g_kj U_k
  }

  /** Frees the scratch and index buffers. */
  dispose(): void {
    const be = this.backend;
    for (const buf of [this.uRep, this.pRep, this.diff]) be.free(buf);
    freeBprTerms(be, this.terms);
    for (const buf of [this.pair, this.iota, this.pairStart]) be.free(buf);
  }

  /** The m x b CSR with row t = (k, j) holding g_kj at column k. */
  private expanding(b: number, m: number, g: Buf<'f32'>): Csr {
    const be = this.backend;
    return { rows: m, cols: b, indptr: be.slice(this.iota, 0, m + 1), indices: be.slice(this.pair, 0, m), values: g };
  }

  /** The b x m CSR with row k holding g_k0 .. g_k(n-1) at columns k n .. k n + n - 1. */
  private summing(b: number, m: number, g: Buf<'f32'>): Csr {
    const be = this.backend;
    return { rows: b, cols: m, indptr: be.slice(this.pairStart, 0, b + 1), indices: be.slice(this.iota, 0, m), values: g };
  }
}
