import { describe, expect, it } from 'vitest';
import { Rng, type Backend, type HostCsr } from '@lers/kernels';
import { backendsOrNull, GPU_NAMES, matchesReference, randomFloats, randomInts } from './gpu.js';

const B = await backendsOrNull();

/** A random CSR with about density * cols entries a row (some rows empty), values in [-1, 1). */
function randomCsr(rows: number, cols: number, density: number, seed: number): HostCsr {
  const rng = new Rng(seed);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (rng.nextFloat() < density) {
        indices.push(c);
        values.push(2 * rng.nextFloat() - 1);
      }
    }
    indptr[r + 1] = indices.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

describe.skipIf(!B)('sparse and ranking kernels against the reference', () => {
  it('spmm with and without an addend (f32 sums: 1e-5 of sum |a b|)', async () => {
    for (const [rows, cols, n, density] of [[1, 1, 1, 1], [7, 5, 3, 0.4], [200, 150, 16, 0.05], [50, 60, 0, 0.1], [0, 4, 3, 0.5]]) {
      const csr = randomCsr(rows, cols, density, rows + cols);
      const b = randomFloats(cols * n, 3), add = randomFloats(rows * n, 4);
      await matchesReference(B!, `spmm ${rows}x${cols} n=${n}`, (be: Backend) => {
        const a = be.uploadCsr(csr), bb = be.upload('f32', b);
        const out1 = be.upload('f32', add), out2 = be.alloc('f32', rows * n), out3 = be.alloc('f32', rows * n);
        be.spmm(a, bb, n, 0.7, 0.3, out1);
        be.spmm(a, bb, n, 1, 0.5, out2, be.upload('f32', add));
        be.spmm(a, bb, n, 1, 0, out3);
        return [out1, out2, out3];
      }, { rtol: 1e-5, atol: 1e-5 * Math.max(1, density * cols) });
    }
  });

  it('csrGatherRows (exact: entries of a row added in order) and denseToCsr by threshold and by mask (exact)', async () => {
    const csr = randomCsr(40, 30, 0.2, 5);
    const ids = randomInts(25, 40, 6);
    const x = randomFloats(37 * 29, 7);
    const threshold = 0.8000000119; // between f32 values: the kept set must be the f64 comparison's
    x[5] = Math.fround(0.8000000119);
    const mask = randomInts(37 * 29, 2, 8);
    await matchesReference(B!, 'csr gather/dense', async (be) => {
      const out = be.upload('f32', randomFloats(25 * 30, 1));
      be.csrGatherRows(be.uploadCsr(csr), be.upload('i32', ids), out);
      const X = be.upload('f32', x);
      const t = await be.denseToCsr(37, 29, X, { threshold });
      const m = await be.denseToCsr(37, 29, X, { mask: be.upload('u8', mask) });
      return [out, t.indptr, t.indices, t.values, m.indptr, m.indices, m.values];
    }, 'exact');
  });

  it('scores (f32 sums: 1e-5), maskSeen and two-phase top-k (exact, ties by column, NaN as -inf)', async () => {
    for (const [users, items, dim, k] of [[1, 1, 1, 1], [5, 40, 8, 7], [9, 600, 16, 20], [3, 2100, 4, 100]]) {
      const u = randomFloats(users * dim, users), it = randomFloats(items * dim, items);
      const seen = randomCsr(users + 3, items, 0.1, 9);
      const userIds = randomInts(users, users + 3, 10);
      const run = (be: Backend) => {
        const scores = be.alloc('f32', users * items);
        be.scores(users, items, dim, be.upload('f32', u), be.upload('f32', it), scores);
        return scores;
      };
      await matchesReference(B!, `scores ${users}x${items}x${dim}`, (be) => [run(be)], { rtol: 1e-5, atol: 1e-5 * dim });
      // Top-k on the reference's scores (so that f32 summation order cannot reorder near-ties),
      // with ties, NaNs, infinities and -0 planted.
      const ref = B!.reference;
      const s = ref.view(run(ref)).slice();
      for (let r = 0; r < users; r++) {
        s[r * items] = NaN;
        if (items > 10) { s[r * items + 3] = s[r * items + 7] = 0.5; s[r * items + 9] = Infinity; s[r * items + 8] = -0; s[r * items + 2] = 0; }
      }
      await matchesReference(B!, `maskSeen + topk ${users}x${items} k=${k}`, (be) => {
        const sb = be.upload('f32', s);
        be.maskSeen(sb, items, be.upload('i32', userIds), be.uploadCsr(seen));
        const idx = be.alloc('i32', users * k), val = be.alloc('f32', users * k);
        be.topk(users, items, sb, k, idx, val);
        return [sb, idx, val];
      }, 'exact');
    }
  });

  it('topk over many segments with all equal and all -inf rows (the merge levels)', async () => {
    const [rows, cols, k] = [3, 50_000, 25];
    const x = randomFloats(rows * cols, 11);
    x.fill(0.25, 0, cols);
    x.fill(-Infinity, cols, 2 * cols);
    await matchesReference(B!, 'topk 3x50000', (be) => {
      const idx = be.alloc('i32', rows * k), val = be.alloc('f32', rows * k);
      be.topk(rows, cols, be.upload('f32', x), k, idx, val);
      return [idx, val];
    }, 'exact');
  });

  it('maskSeen and csrGatherRows reject out-of-range ids at once', () => {
    for (const name of GPU_NAMES) {
      const be = B![name];
      const seen = be.uploadCsr(randomCsr(4, 6, 0.5, 1));
      expect(() => { be.maskSeen(be.alloc('f32', 12), 6, be.upload('i32', [1, 4]), seen); }, name).toThrow('maskSeen: id 4 at position 1 is out of range [0, 4)');
      expect(() => { be.csrGatherRows(seen, be.upload('i32', [-2]), be.alloc('f32', 6)); }, name).toThrow(/csrGatherRows: id -2 at position 0/);
    }
  });
});
