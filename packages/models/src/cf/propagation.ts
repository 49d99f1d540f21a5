import type { Backend, Buf, Csr } from '@lers/kernels';
import type { WeightedCsrMatrix } from '@lers/data';
import { NodeOrder } from './node-order.js';

/**
 * LightGCN's layer combination `out = mean_{l=0..L} A^l x` over an n x n adjacency, evaluated
 * Horner-style: y <- x + A y, L times, the last step scaled by 1/(L+1) inside the SpMM
 * (alpha = beta = 1/(L+1)). For a symmetric A (the normalized bipartite adjacency) the operator is
 * symmetric too, so the same `apply` is also its backward: dx = mean_l A^l dOut.
 *
 * Threads: with more than one, the propagation runs in a balanced node order (NodeOrder) so that
 * the kernels' even row split gives every thread the same work: the first step reads the natural
 * x through P A, later steps use P A P^T, x enters each step by a gather into that order (instead of
 * a copy), and a final gather restores the natural order. Every sum keeps its terms and their
 * order, so results do not depend on the thread count.
 */
export class Propagation {
  readonly nodes: number;
  /** The node order of the SpMMs (natural with one thread). */
  readonly order: NodeOrder;
  /** Every step's adjacency: A, or P A P^T in the balanced order. */
  private readonly inner: Csr;
  /** Balanced order only: P A (rows in that order, columns natural), for the first step. */
  private readonly first: Csr | null;
  private readonly toOrder: Buf<'i32'> | null;
  private readonly toNatural: Buf<'i32'> | null;
  private readonly scratch: Buf<'f32'>[];

  /**
   * `adjacency` is the host CSR of a bipartite graph with `users` first (symmetric, for `apply` to
   * be its own backward).
   */
  constructor(
    private readonly backend: Backend,
    adjacency: WeightedCsrMatrix,
    readonly layers: number,
    readonly dim: number,
    users: number,
  ) {
    if (!Number.isInteger(layers) || layers < 0) throw new RangeError(`Propagation: layers must be a non-negative integer, got ${layers}`);
    if (adjacency.rows !== adjacency.cols) throw new RangeError('Propagation: the adjacency must be square');
    const n = adjacency.rows;
    this.nodes = n;
    this.order = layers > 0 ? NodeOrder.balanced(adjacency, users, backend.threads) : NodeOrder.natural(n);
    if (this.order.identity) {
      this.inner = backend.uploadCsr(adjacency);
      this.first = null;
      this.toOrder = null;
      this.toNatural = null;
    } else {
      this.inner = backend.uploadCsr(this.order.permute(adjacency, 'renumber'));
      this.first = backend.uploadCsr(this.order.permute(adjacency, 'keep'));
      this.toOrder = backend.upload('i32', this.order.order);
      this.toNatural = backend.upload('i32', this.order.position);
    }
    const count = this.order.identity ? Math.max(0, layers - 1) : layers;
    this.scratch = Array.from({ length: Math.min(2, count) }, () => backend.alloc('f32', n * dim));
  }

  /** out = (1 / (L + 1)) * sum_{l=0..L} A^l x, both n x dim; out must not alias x. */
  apply(x: Buf<'f32'>, out: Buf<'f32'>): void {
    const be = this.backend;
    const L = this.layers;
    if (x === out) throw new RangeError('Propagation.apply: out must not alias x');
    if (L === 0) {
      be.copy(x, out);
      return;
    }
    const last = 1 / (L + 1);
    const d = this.dim;
    if (this.first === null || this.toOrder === null || this.toNatural === null) {
      let cur = x;
      for (let s = 1; s <= L; s++) {
        const dst = s === L ? out : this.scratch[(s - 1) % 2];
        const w = s === L ? last : 1;
        be.copy(x, dst);
        be.spmm(this.inner, cur, d, w, w, dst);
        cur = dst;
      }
      return;
    }
    const n = this.nodes;
    let cur = x;
    for (let s = 1; s <= L; s++) {
      const dst = this.scratch[(s - 1) % 2];
      const w = s === L ? last : 1;
      be.gather(x, n, d, this.toOrder, dst);
      be.spmm(s === 1 ? this.first : this.inner, cur, d, w, w, dst);
      cur = dst;
    }
    be.gather(cur, n, d, this.toNatural, out);
  }

  /** Frees the scratch buffers and the uploaded adjacency. */
  dispose(): void {
    const be = this.backend;
    for (const b of this.scratch) be.free(b);
    this.scratch.length = 0;
    be.freeCsr(this.inner);
    if (this.first !== null) be.freeCsr(this.first);
    if (this.toOrder !== null) be.free(this.toOrder);
    if (this.toNatural !== null) be.free(this.toNatural);
  }
}
