import type { Backend, Buf } from '@lers/kernels';

/**
 * The L2 term on the ego (layer-0) embeddings of a batch, as the benchmark's `get_reg_loss`:
 * reg = (|E0[users]|^2 + |E0[pos]|^2 + |E0[neg]|^2) / (2b), every occurrence counted (with n
 * negatives per pair, all b n negative rows, still over the b pairs, as the reference). The caller
 * weights it by lambda; `backward` adds lambda * dreg = (lambda / b) * e0 for each occurrence.
 */
export class EgoL2 {
  constructor(private readonly backend: Backend) {}

  /** Writes sum |E0 rows|^2 of the gathered ego rows ((2 + n) b x dim) into `sum`: reg = sum / (2b). */
  sumSquares(egoRows: Buf<'f32'>, sum: Buf<'f32'>): void {
    this.backend.sumSquares(egoRows, sum);
  }

  /** dE0[ids[k]] += (weight / b) * egoRows[k] for every gathered row k (n x dim node table dE0). */
  backward(b: number, weight: number, egoRows: Buf<'f32'>, ids: Buf<'i32'>, dE0: Buf<'f32'>, nodes: number, dim: number): void {
    this.backend.scatterAdd(egoRows, ids, weight / b, dE0, nodes, dim);
  }
}
