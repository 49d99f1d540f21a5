import { describe, expect, it } from 'vitest';
import { Rng } from '@lers/kernels/random';
import { buildNormalizedAdjacency, buildNormalizedBipartite, csrFromPairs, fillNormalizedBipartite, validateCsr, type CsrMatrix } from '../src/index.js';

describe('buildNormalizedAdjacency', () => {
  it('matches a hand-computed bipartite graph, zero-degree nodes empty', () => {
    // u0 -> {i0, i1}, u1 -> {i1}, u2 -> {}; items i2, i3 never occur.
    const train: CsrMatrix = { rows: 3, cols: 4, indptr: Int32Array.of(0, 2, 3, 3), indices: Int32Array.of(0, 1, 1) };
    const a = buildNormalizedAdjacency(train, 3, 4);
    expect(a.rows).toBe(7);
    expect(Array.from(a.indptr)).toEqual([0, 2, 3, 3, 4, 6, 6, 6]);
    expect(Array.from(a.indices)).toEqual([3, 4, 4, 0, 0, 1]);
    const s2 = Math.SQRT1_2; // 1/sqrt(2*1) and 1/sqrt(1*2)
    const expected = [s2, 0.5, s2, s2, 0.5, s2];
    Array.from(a.values).forEach((v, k) => {
      expect(v).toBeCloseTo(expected[k], 6);
    });
  });

  it('equals the dense D^-1/2 A D^-1/2 on a random graph', () => {
    const users = 13;
    const items = 17;
    const rng = new Rng(7);
    const r: number[] = [];
    const c: number[] = [];
    for (let k = 0; k < 60; k++) {
      r.push(rng.nextInt(users));
      c.push(rng.nextInt(items - 2)); // the last two items stay isolated
    }
    const { matrix } = csrFromPairs(users, items, Int32Array.from(r), Int32Array.from(c));
    const adj = buildNormalizedAdjacency(matrix, users, items);
    validateCsr(adj, 'adjacency');

    const n = users + items;
    const dense = Array.from({ length: n }, () => new Float64Array(n));
    for (let k = 0; k < r.length; k++) {
      dense[r[k]][users + c[k]] = 1;
      dense[users + c[k]][r[k]] = 1;
    }
    const deg = dense.map((row) => row.reduce((s, v) => s + v, 0));
    const got = Array.from({ length: n }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) for (let k = adj.indptr[i]; k < adj.indptr[i + 1]; k++) got[i][adj.indices[k]] = adj.values[k];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const want = dense[i][j] === 0 ? 0 : 1 / Math.sqrt(deg[i] * deg[j]);
        expect(got[i][j]).toBeCloseTo(want, 6);
      }
    }
    expect(adj.indptr[n] - adj.indptr[users + items - 2]).toBe(0);
  });

  it('is the two blocks of buildNormalizedBipartite stacked, bit for bit (user rows share the train graph)', () => {
    const rng = new Rng(3);
    const users = 9;
    const items = 11;
    const r = Int32Array.from({ length: 40 }, () => rng.nextInt(users));
    const c = Int32Array.from({ length: 40 }, () => rng.nextInt(items));
    const { matrix } = csrFromPairs(users, items, r, c);
    const adj = buildNormalizedAdjacency(matrix, users, items);
    const { userRows, itemRows } = buildNormalizedBipartite(matrix, users, items);
    validateCsr(userRows, 'user rows');
    validateCsr(itemRows, 'item rows');
    expect(userRows.indices.buffer).toBe(matrix.indices.buffer);
    const nnz = userRows.indices.length;
    const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.slice().buffer));
    expect(bits(adj.values.subarray(0, nnz))).toEqual(bits(userRows.values));
    expect(bits(adj.values.subarray(nnz))).toEqual(bits(itemRows.values));
    expect(Array.from(adj.indices.subarray(0, nnz), (x) => x - users)).toEqual(Array.from(userRows.indices));
    expect(Array.from(adj.indices.subarray(nnz))).toEqual(Array.from(itemRows.indices));
    expect(Array.from(adj.indptr.subarray(users), (x) => x - nnz)).toEqual(Array.from(itemRows.indptr));
  });

  it('fills caller-allocated arrays (holding stale values) with what buildNormalizedBipartite returns, bit for bit', () => {
    const rng = new Rng(8);
    const users = 13;
    const items = 17;
    const { matrix } = csrFromPairs(users, items, Int32Array.from({ length: 70 }, () => rng.nextInt(users)), Int32Array.from({ length: 70 }, () => rng.nextInt(items)));
    const nnz = matrix.indices.length;
    const out = { userValues: new Float32Array(nnz).fill(7), itemIndptr: new Int32Array(items + 1).fill(7), itemIndices: new Int32Array(nnz).fill(7), itemValues: new Float32Array(nnz).fill(7) };
    fillNormalizedBipartite(matrix, users, items, out);
    const { userRows, itemRows } = buildNormalizedBipartite(matrix, users, items);
    const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.slice().buffer));
    expect(bits(out.userValues)).toEqual(bits(userRows.values));
    expect(bits(out.itemValues)).toEqual(bits(itemRows.values));
    expect(Array.from(out.itemIndptr)).toEqual(Array.from(itemRows.indptr));
    expect(Array.from(out.itemIndices)).toEqual(Array.from(itemRows.indices));
    expect(() => {
      fillNormalizedBipartite(matrix, users, items, { ...out, itemValues: new Float32Array(nnz - 1) });
    }).toThrow(/must hold/);
  });

  it('rejects a train matrix of the wrong shape', () => {
    expect(() => buildNormalizedAdjacency({ rows: 2, cols: 2, indptr: new Int32Array(3), indices: new Int32Array(0) }, 3, 2)).toThrow(RangeError);
  });
});
