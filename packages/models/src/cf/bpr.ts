import type { Backend, Buf } from '@lers/kernels';
import { RowScaler } from '../layers/row-scale.js';
import { MultiNegativeBprLoss } from './bpr-multi.js';
import { allocBprTerms, bprTerms, freeBprTerms, type BprTermBuffers } from './bpr-terms.js';

/**
 * The BPR loss of a batch and its gradient with respect to the gathered final embeddings.
 * Input `rows` is 3b x dim: b user rows, then the b positive-item rows, then the b negative-item
 * rows. loss = mean_k softplus(s(u_k, n_k) - s(u_k, p_k)) with s the dot product;
 * with g_k = sigmoid(x_k) / b: dU = g (N - P), dP = -g U, dN = g U.
 */
export class BprLoss {
  /** Negatives per pair: one (MultiNegativeBprLoss takes several). */
  readonly negatives = 1;
  private readonly diff: Buf<'f32'>;
  private readonly terms: BprTermBuffers;
  private readonly scaler: RowScaler;

  constructor(
    private readonly backend: Backend,
    readonly maxBatch: number,
    readonly dim: number,
  ) {
    const bd = maxBatch * dim;
    this.diff = backend.alloc('f32', bd);
    this.terms = allocBprTerms(backend, maxBatch, dim);
    this.scaler = new RowScaler(backend);
  }

  /**
   * Writes the summed BPR terms of b triples in `rows` into `sum` (one element: the mean loss is
   * sum / b) and overwrites dRows (3b x dim) with the mean loss's gradient.
   */
  run(b: number, rows: Buf<'f32'>, dRows: Buf<'f32'>, sum: Buf<'f32'>): void {
    if (!Number.isInteger(b) || b < 1 || b > this.maxBatch) throw new RangeError(`BprLoss: batch ${b} outside [1, ${this.maxBatch}]`);
    const be = this.backend;
    const d = this.dim;
    const bd = b * d;
    const u = be.slice(rows, 0, bd);
    const p = be.slice(rows, bd, bd);
    const n = be.slice(rows, 2 * bd, bd);
    const diff = be.slice(this.diff, 0, bd);
    be.sub(n, p, diff);
    bprTerms(be, b, d, b, u, diff, this.terms, sum);
    const g = be.slice(this.terms.g, 0, b);
    const dU = be.slice(dRows, 0, bd);
    const dP = be.slice(dRows, bd, bd);
    const dN = be.slice(dRows, 2 * bd, bd);
    this.scaler.scale(b, d, g, diff, 0, dU);
    this.scaler.scale(b, d, g, u, 0, dN);
    be.scale(-1, dN, dP);
  }

  /** Frees the scratch buffers. */
  dispose(): void {
    this.backend.free(this.diff);
    freeBprTerms(this.backend, this.terms);
    this.scaler.dispose();
  }
}

/** BPR over a batch of (2 + n) b gathered rows: users, positives, then n negatives per pair. */
export type BprObjective = BprLoss | MultiNegativeBprLoss;

/** The BPR of `negatives` per pair: the single-negative loss for 1 (as before), the summed form otherwise. */
export function createBprLoss(backend: Backend, maxBatch: number, dim: number, negatives: number): BprObjective {
  return negatives === 1 ? new BprLoss(backend, maxBatch, dim) : new MultiNegativeBprLoss(backend, maxBatch, dim, negatives);
}
