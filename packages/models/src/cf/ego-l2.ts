import type { Buf, HostBackend } from '@lers/kernels';

/**
 * The L2 term on the ego (layer-0) embeddings of a batch, as the benchmark's `get_reg_loss`:
 * reg = (|E0[users]|^2 + |E0[pos]|^2 + |E0[neg]|^2) / (2b), every occurrence counted (with n
 * negatives per pair, all b n negative rows, still over the b pairs, as the reference). The caller
 * weights it by lambda; `backward` adds lambda * dreg = (lambda / b) * e0 for each occurrence.
 */
export class EgoL2 {
  private readonly sum: Buf<'f32'>;

  constructor(private readonly backend: HostBackend) {
    this.sum = backend.alloc('f32', 1);
  }

  /** reg of the gathered ego rows ((2 + n) b x dim) of a batch of b pairs. */
  value(b: number, egoRows: Buf<'f32'>): number {
    this.backend.sumSquares(egoRows, this.sum);
    return this.backend.view(this.sum)[0] / (2 * b);
  }

  /** dE0[ids[k]] += (weight / b) * egoRows[k] for every gathered row k (n x dim node table dE0). */
  backward(b: number, weight: number, egoRows: Buf<'f32'>, ids: Buf<'i32'>, dE0: Buf<'f32'>, nodes: number, dim: number): void {
    this.backend.scatterAdd(egoRows, ids, weight / b, dE0, nodes, dim);
  }

  /** Frees the scratch scalar. */
  dispose(): void {
    this.backend.free(this.sum);
  }
}
