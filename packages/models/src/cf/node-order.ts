import type { WeightedCsrMatrix } from '@lers/data';

/** Per-row cost of an SpMM in non-zero equivalents (the row's offsets and output store). */
const ROW_COST = 1;

/**
 * A renumbering of a bipartite graph's nodes (users 0..users-1, then items) for threaded SpMM.
 * The kernels split an SpMM's rows evenly by count between threads; in the natural order all user
 * rows (half the non-zeros in a tenth of the rows) and the popular items come first, so one thread
 * would get nearly all the work. This order is a merge of the user sequence and the item sequence,
 * each kept ascending, with the merge points chosen (merge-path style) so that every thread's row
 * range carries about the same non-zeros. Because both sequences stay ascending, the columns of
 * every renumbered row keep their order: an SpMM in this order sums exactly the same terms in the
 * same order, so results do not depend on the thread count.
 */
export class NodeOrder {
  /** order[p] = the natural node at position p. */
  readonly order: Int32Array;
  /** position[v] = the position of natural node v. */
  readonly position: Int32Array;
  /** True when the order is the natural one (one thread, or already balanced). */
  readonly identity: boolean;

  private constructor(order: Int32Array) {
    this.order = order;
    this.position = new Int32Array(order.length);
    let identity = true;
    order.forEach((v, p) => {
      this.position[v] = p;
      if (v !== p) identity = false;
    });
    this.identity = identity;
  }

  /** The natural order of n nodes. */
  static natural(n: number): NodeOrder {
    return new NodeOrder(Int32Array.from({ length: n }, (_, v) => v));
  }

  /**
   * The balanced order for `threads` threads of a users-first adjacency: at each split point of
   * the even row split, the number of users before it is chosen so that the work before it is as
   * close to an even share as the two ascending sequences allow.
   */
  static balanced(adjacency: WeightedCsrMatrix, users: number, threads: number): NodeOrder {
    const n = adjacency.rows;
    const items = n - users;
    if (threads <= 1 || users <= 0 || items <= 0) return NodeOrder.natural(n);
    const ip = adjacency.indptr;
    const userWork = (a: number): number => ip[a] + ROW_COST * a; // work of users [0, a)
    const itemWork = (b: number): number => ip[users + b] - ip[users] + ROW_COST * b; // items [0, b)
    const total = userWork(users) + itemWork(items);
    const order = new Int32Array(n);
    let p = 0;
    let a0 = 0;
    let b0 = 0;
    for (let t = 1; t <= threads; t++) {
      const split = Math.floor((n * t) / threads); // the pool's boundary after thread t - 1
      let a1 = users;
      if (t < threads) {
        const target = (total * t) / threads;
        let best = Infinity;
        for (let a = Math.max(a0, split - items); a <= Math.min(users, split - b0); a++) {
          const miss = Math.abs(userWork(a) + itemWork(split - a) - target);
          if (miss < best) {
            best = miss;
            a1 = a;
          }
        }
      }
      const b1 = split - a1;
      for (let u = a0; u < a1; u++) order[p++] = u;
      for (let i = b0; i < b1; i++) order[p++] = users + i;
      a0 = a1;
      b0 = b1;
    }
    return new NodeOrder(order);
  }

  /** The CSR with rows and columns renumbered (rows stay sorted: each block keeps its order). */
  permute(m: WeightedCsrMatrix, columns: 'renumber' | 'keep'): WeightedCsrMatrix {
    const n = m.rows;
    const { order, position } = this;
    const indptr = new Int32Array(n + 1);
    for (let p = 0; p < n; p++) indptr[p + 1] = indptr[p] + m.indptr[order[p] + 1] - m.indptr[order[p]];
    const indices = new Int32Array(indptr[n]);
    const values = new Float32Array(indptr[n]);
    for (let p = 0; p < n; p++) {
      let out = indptr[p];
      for (let k = m.indptr[order[p]]; k < m.indptr[order[p] + 1]; k++) {
        indices[out] = columns === 'renumber' ? position[m.indices[k]] : m.indices[k];
        values[out++] = m.values[k];
      }
    }
    return { rows: n, cols: m.cols, indptr, indices, values };
  }
}
