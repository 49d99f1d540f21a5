import { describe, expect, it } from 'vitest';
import { createWasmBackend } from '@lers/kernels';
import { buildNormalizedAdjacency, generateSyntheticCf, type WeightedCsrMatrix } from '@lers/data';
import { NodeOrder } from '../src/cf/node-order.js';
import { Propagation } from '../src/cf/propagation.js';

/** Work (non-zeros + 1 per row) of each thread's row range under the kernels' even split, over an even share. */
function efficiency(m: WeightedCsrMatrix, threads: number): number {
  const work = (a: number, b: number) => m.indptr[b] - m.indptr[a] + (b - a);
  const n = m.rows;
  let busiest = 0;
  for (let t = 0; t < threads; t++) busiest = Math.max(busiest, work(Math.floor((n * t) / threads), Math.floor((n * (t + 1)) / threads)));
  return work(0, n) / threads / busiest;
}

/** Users with popular items first (item popularity falls with the id), as in real LightGCN files. */
function skewedAdjacency(): { adj: WeightedCsrMatrix; users: number } {
  const { dataset } = generateSyntheticCf({ users: 300, items: 1200, meanInteractions: 25, seed: 4 });
  const counts = new Int32Array(dataset.items);
  for (const i of dataset.train.indices) counts[i]++;
  const byPopularity = Int32Array.from({ length: dataset.items }, (_, i) => i).sort((a, b) => counts[b] - counts[a]);
  const rank = new Int32Array(dataset.items);
  byPopularity.forEach((i, r) => (rank[i] = r));
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < dataset.users; u++) {
    const items = Array.from(dataset.train.indices.subarray(dataset.train.indptr[u], dataset.train.indptr[u + 1]), (i) => rank[i]).sort((a, b) => a - b);
    for (const i of items) {
      rows.push(u);
      cols.push(i);
    }
  }
  const indptr = new Int32Array(dataset.users + 1);
  for (const u of rows) indptr[u + 1]++;
  for (let u = 0; u < dataset.users; u++) indptr[u + 1] += indptr[u];
  const train = { rows: dataset.users, cols: dataset.items, indptr, indices: Int32Array.from(cols) };
  return { adj: buildNormalizedAdjacency(train, dataset.users, dataset.items), users: dataset.users };
}

describe('balanced node order', () => {
  const { adj, users } = skewedAdjacency();

  it('gives every thread about the same SpMM work, keeping users and items ascending', () => {
    expect(efficiency(adj, 2)).toBeLessThan(0.7);
    expect(NodeOrder.balanced(adj, users, 1).identity).toBe(true);
    for (const threads of [2, 3]) {
      const order = NodeOrder.balanced(adj, users, threads);
      expect(order.identity).toBe(false);
      expect([...order.order].sort((a, b) => a - b)).toEqual(Array.from({ length: adj.rows }, (_, v) => v));
      const usersInOrder = order.order.filter((v) => v < users);
      const itemsInOrder = order.order.filter((v) => v >= users);
      expect([...usersInOrder]).toEqual(Array.from({ length: users }, (_, v) => v));
      expect([...itemsInOrder]).toEqual(Array.from({ length: adj.rows - users }, (_, i) => users + i));
      // Two threads balance exactly; with more, the heavy item prefix (kept ascending) limits it.
      const permuted = order.permute(adj, 'renumber');
      expect(efficiency(permuted, threads)).toBeGreaterThan(threads === 2 ? 0.99 : efficiency(adj, threads) + 0.3);
    }
  });

  it('renumbers rows and columns so that every row keeps its values in the same order', () => {
    const order = NodeOrder.balanced(adj, users, 2);
    const permuted = order.permute(adj, 'renumber');
    let mismatches = 0;
    for (let p = 0; p < adj.rows; p++) {
      const v = order.order[p];
      const s0 = adj.indptr[v];
      const n = adj.indptr[v + 1] - s0;
      if (permuted.indptr[p + 1] - permuted.indptr[p] !== n) mismatches++;
      for (let k = 0; k < n; k++) {
        const q = permuted.indptr[p] + k;
        if (permuted.values[q] !== adj.values[s0 + k]) mismatches++;
        if (order.order[permuted.indices[q]] !== adj.indices[s0 + k]) mismatches++;
        if (k > 0 && permuted.indices[q] <= permuted.indices[q - 1]) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('propagates exactly as the natural order does', async () => {
    const out: Uint32Array[] = [];
    for (const threads of [1, 2]) {
      const be = await createWasmBackend({ threads });
      const prop = new Propagation(be, adj, 3, 8, users);
      expect(prop.order.identity).toBe(threads === 1);
      const x = be.alloc('f32', adj.rows * 8);
      be.fillUniform(x, -1, 1, 12);
      const y = be.alloc('f32', adj.rows * 8);
      prop.apply(x, y);
      out.push(new Uint32Array(be.view(y).slice().buffer));
      prop.dispose();
      be.dispose();
    }
    expect(out[1]).toEqual(out[0]);
  });
});
