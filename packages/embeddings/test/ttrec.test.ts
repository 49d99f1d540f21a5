import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, type HostBackend, type TtShape } from '@lers/kernels';
import { factorDim, factorRows, TtRecTable } from '../src/index.js';
import { bits, checkGradients, expectRoundTrip, fitWithAdam, lookupAllHost, lookupHost, zeroGrads, asTable } from './compressed-checks.js';
import { createTable } from './definitions.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

/** Row x of a TT table in f64, straight from the definition (mixed-radix digits, first core most significant). */
function denseRow(shape: TtShape, cores: Float32Array[], x: number): Float64Array {
  const K = shape.p.length;
  const digits = (v: number, radix: readonly number[]): number[] => {
    const out = new Array<number>(K);
    for (let k = K - 1; k >= 0; k--) {
      out[k] = v % radix[k];
      v = Math.floor(v / radix[k]);
    }
    return out;
  };
  const d = shape.q.reduce((a, b) => a * b, 1);
  const row = new Float64Array(d);
  const rd = digits(x, shape.p);
  for (let j = 0; j < d; j++) {
    const cd = digits(j, shape.q);
    let vec = [1];
    for (let k = 0; k < K; k++) {
      const [r0, p, q, r1] = [shape.ranks[k], shape.p[k], shape.q[k], shape.ranks[k + 1]];
      const next = new Array<number>(r1).fill(0);
      for (let a = 0; a < r0; a++) for (let b = 0; b < r1; b++) next[b] += vec[a] * cores[k][((a * p + rd[k]) * q + cd[k]) * r1 + b];
      vec = next;
    }
    row[j] = vec[0];
  }
  return row;
}

function expectClose(got: Float32Array, want: Float64Array): void {
  const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5 * scale);
}

describe('TT shapes', () => {
  it('factors dims exactly and as balanced as possible', () => {
    expect(factorDim(64, 3)).toEqual([4, 4, 4]);
    expect(factorDim(16, 3)).toEqual([2, 2, 4]);
    expect(factorDim(32, 3)).toEqual([2, 4, 4]);
    expect(factorDim(7, 3)).toEqual([1, 1, 7]);
    expect(factorDim(64, 2)).toEqual([8, 8]);
  });

  it('factors rows near N^(1/K) with little padding', () => {
    expect(factorRows(20000, 3)).toEqual([25, 25, 32]);
    for (const n of [1, 2, 5, 97, 1000, 29858, 40981, 100000, 1_000_003]) {
      for (const k of [2, 3, 4]) {
        const p = factorRows(n, k);
        const prod = p.reduce((a, b) => a * b, 1);
        expect(p.length).toBe(k);
        expect(prod).toBeGreaterThanOrEqual(n);
        if (n >= 1000) expect(prod).toBeLessThan(1.02 * n);
        const c = Math.pow(n, 1 / k);
        for (const f of p) expect(f).toBeLessThanOrEqual(Math.ceil(1.25 * c));
        expect([...p].sort((a, b) => a - b)).toEqual(p);
      }
    }
  });
});

describe.each(backends)('TtRecTable on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  /** 50 rows in a 2 x 5 x 6 = 60-row train, d = 8 = 2 x 2 x 2, ranks [3, 4]. */
  const tt = (extra: Record<string, unknown> = {}, seed = 3): TtRecTable =>
    asTable(TtRecTable, createTable('ttrec', { rows: 50, dim: 8, backend: be, seed, pShape: [2, 5, 6], ranks: [3, 4], name: 'item', ...extra }));

  const coresOf = (t: TtRecTable): Float32Array[] => t.cores.map((c) => be.view(c.value).slice());

  it('every row equals the chained product of its core slices', () => {
    const t = tt();
    expect(t.shape).toEqual({ p: [2, 5, 6], q: [2, 2, 2], ranks: [1, 3, 4, 1] });
    expect(t.cores.map((c) => c.shape)).toEqual([[1, 2, 2, 3], [3, 5, 2, 4], [4, 6, 2, 1]]);
    const cores = coresOf(t);
    const all = lookupAllHost(be, t);
    for (let x = 0; x < 50; x++) expectClose(all.subarray(x * 8, (x + 1) * 8), denseRow(t.shape, cores, x));
    const ids = [49, 0, 31, 31, 7];
    const got = lookupHost(be, t, ids);
    ids.forEach((id, i) => { expect(bits(got.subarray(i * 8, (i + 1) * 8))).toEqual(bits(all.subarray(id * 8, (id + 1) * 8))); });
    t.dispose();
  });

  it('backward matches finite differences (lookup and lookupAll)', () => {
    const t = tt({}, 11);
    expect(checkGradients(be, t, { ids: [3, 49, 3, 20, 0], training: true, samples: 30 })).toBeGreaterThan(20);
    expect(checkGradients(be, t, { ids: 'all', training: true, samples: 20 })).toBeGreaterThan(20);
    t.dispose();
  });

  it('rejects ids outside [0, N), the padded rows included, writing nothing', () => {
    const t = tt();
    const out = be.alloc('f32', 16);
    for (const bad of [50, 59, 60, -3]) {
      const ids = be.upload('i32', [2, bad]);
      expect(() => { t.lookup(ids, out, { training: true }); }).toThrow(new RegExp(`id ${bad} at position 1 is out of range \\[0, 50\\)`));
      expect(() => { t.backward(ids, be.alloc('f32', 16)); }).toThrow(RangeError);
    }
    for (const p of t.parameters()) expect(be.view(p.grad).every((g) => g === 0)).toBe(true);
    t.dispose();
  });

  it('fills its LFU cache with the most looked-up rows after the first epoch', () => {
    const t = tt({ cacheRows: 3 });
    expect(t.cacheRows).toBe(3);
    expect(t.cache!.shape).toEqual([3, 8]);
    const before = lookupAllHost(be, t);
    // Training lookups count; evaluation lookups do not.
    lookupHost(be, t, [7, 7, 7, 40, 40, 12, 12, 3], true);
    lookupHost(be, t, [40, 12, 1], true);
    lookupHost(be, t, [1, 1, 1, 1, 1, 1], false);
    expect(t.cacheFilled).toBe(false);
    t.onEpochEnd(0);
    expect(t.cacheFilled).toBe(true);
    // Counts: 7 -> 3, 40 -> 3, 12 -> 3, 1 -> 1, 3 -> 1.
    expect(Array.from(t.cachedIds())).toEqual([7, 12, 40]);
    // The cached rows start at their TT values, so the table is unchanged by filling.
    expect(bits(lookupAllHost(be, t))).toEqual(bits(before));
    expect(bits(lookupHost(be, t, [40, 2, 7]))).toEqual(bits(Float32Array.from([...before.subarray(320, 328), ...before.subarray(16, 24), ...before.subarray(56, 64)])));
    // Cached rows are served by the cache: changing it changes exactly those rows.
    be.view(t.cache!.value)[1 * 8 + 2] += 1; // slot 1 = row 12
    const after = lookupAllHost(be, t);
    for (let i = 0; i < after.length; i++) expect(after[i] === before[i]).toBe(i !== 12 * 8 + 2);
    t.onEpochEnd(1);
    expect(Array.from(t.cachedIds())).toEqual([7, 12, 40]);
    t.dispose();
    // Ties at the threshold count go to the smaller id; hotter rows win whatever their id.
    const ties = tt({ cacheRows: 2 });
    lookupHost(be, ties, [5, 9, 9, 2, 9, 9], true);
    ties.fillCache();
    expect(Array.from(ties.cachedIds())).toEqual([2, 9]);
    ties.dispose();
  });

  it('counts the reads a whole-table model reports (countReads) like training lookups', () => {
    const t = tt({ cacheRows: 2 });
    t.lookupAll(be.alloc('f32', 50 * 8), { training: true }); // every row once: not counted
    t.countReads(Int32Array.from([44, 44, 31, 44]));
    lookupHost(be, t, [31, 6], true);
    expect(() => { t.countReads(Int32Array.from([3, 50])); }).toThrow(/ttrec\.countReads: id 50 at position 1 is out of range \[0, 50\)/);
    t.onEpochEnd(1);
    // Counts: 44 -> 3, 31 -> 2, 6 -> 1 (the rejected call counted nothing).
    expect(Array.from(t.cachedIds())).toEqual([31, 44]);
    t.countReads(Int32Array.from([0, 0, 0])); // a no-op once filled
    expect(Array.from(t.cachedIds())).toEqual([31, 44]);
    t.dispose();
  });

  it('sends the gradient of cached rows to the cache and the rest to the cores', () => {
    const t = tt({ cacheRows: 3 });
    lookupHost(be, t, [5, 5, 9, 9, 30, 30], true);
    t.fillCache();
    expect(Array.from(t.cachedIds())).toEqual([5, 9, 30]);
    const ids = be.upload('i32', [9, 30, 9]);
    t.backward(ids, be.upload('f32', Array.from({ length: 24 }, (_, k) => k + 1)));
    for (const c of t.cores) expect(be.view(c.grad).every((g) => g === 0)).toBe(true);
    const g = be.view(t.cache!.grad);
    for (let j = 0; j < 8; j++) {
      expect(g[1 * 8 + j]).toBe(1 + j + (17 + j)); // row 9 = slot 1, positions 0 and 2
      expect(g[2 * 8 + j]).toBe(9 + j); // row 30 = slot 2
      expect(g[j]).toBe(0);
    }
    expect(Array.from(be.view(t.cache!.rowSparse!.rows()))).toEqual([1, 2]);
    zeroGrads(be, t);
    expect(checkGradients(be, t, { ids: [9, 2, 30, 44, 9, 5], training: true, samples: 30 })).toBeGreaterThan(20);
    expect(checkGradients(be, t, { ids: 'all', training: true, samples: 20 })).toBeGreaterThan(20);
    t.dispose();
  });

  it('serialises and restores bit-exactly, while warming up and once the cache is filled', async () => {
    const t = tt({ cacheRows: 4, weightDecay: 1e-5 });
    lookupHost(be, t, [1, 2, 2, 3, 3, 3, 49, 49, 49, 49], true);
    const warm = await expectRoundTrip(be, t, [0, 49, 3]);
    expect(asTable(TtRecTable, warm).cacheFilled).toBe(false);
    // The restored warm-up counts choose the same rows.
    asTable(TtRecTable, warm).fillCache();
    t.fillCache();
    expect(Array.from(asTable(TtRecTable, warm).cachedIds())).toEqual([1, 2, 3, 49]);
    expect(Array.from(t.cachedIds())).toEqual([1, 2, 3, 49]);
    be.view(t.cache!.value)[5] = 0.75;
    const filled = await expectRoundTrip(be, t, [3, 49, 20]);
    expect(Array.from(asTable(TtRecTable, filled).cachedIds())).toEqual([1, 2, 3, 49]);
    expect(filled.parameters()[0].weightDecay).toBe(1e-5);
    for (const x of [t, warm, filled]) x.dispose();
  });

  it('counts cores plus cache rows as parameters, and the cache bookkeeping as memory', async () => {
    const plain = tt();
    const cores = 1 * 2 * 2 * 3 + 3 * 5 * 2 * 4 + 4 * 6 * 2 * 1;
    expect((await plain.size())).toEqual({ params: cores, nonZeros: cores, memoryBytes: 4 * cores, diskBytes: 4 * cores });
    const cached = tt({ cacheFraction: 0.1 });
    expect(cached.cacheRows).toBe(5);
    const params = cores + 5 * 8;
    // Before filling: zero cache rows, counts (N u32) in memory and on disk.
    expect((await cached.size())).toEqual({ params, nonZeros: cores, memoryBytes: 4 * params + 4 * 50, diskBytes: 4 * params + 4 * 50 });
    cached.fillCache();
    // After: the row -> slot map (N) and the cached ids (C) in memory, the ids on disk.
    expect((await cached.size())).toEqual({ params, nonZeros: params, memoryBytes: 4 * params + 4 * (50 + 5), diskBytes: 4 * params + 4 * 5 });
    for (const t of [plain, cached]) t.dispose();
  });
});

describe('TtRecTable init, sizing and training', () => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads: 1 });
  });
  afterAll(() => {
    be.dispose();
  });

  it('initialises Gaussian cores whose rows have about Xavier variance 2 / (N + d), seeded', () => {
    const t = asTable(TtRecTable, createTable('ttrec', { rows: 3000, dim: 16, backend: be, seed: 5, ranks: [12, 10] }));
    expect(t.shape.p).toEqual(factorRows(3000, 3));
    expect(t.shape.q).toEqual([2, 2, 4]);
    const all = lookupAllHost(be, t);
    let s2 = 0;
    for (const x of all) s2 += x * x;
    const ratio = s2 / all.length / (2 / 3016);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
    const again = createTable('ttrec', { rows: 3000, dim: 16, backend: be, seed: 5, ranks: [12, 10] });
    expect(bits(lookupAllHost(be, again))).toEqual(bits(all));
    const other = createTable('ttrec', { rows: 3000, dim: 16, backend: be, seed: 6, ranks: [12, 10] });
    expect(bits(lookupAllHost(be, other))).not.toEqual(bits(all));
    for (const x of [t, again, other]) x.dispose();
  });

  it('accepts one rank for all cores, and solves ranks from a target sparsity', async () => {
    const one = asTable(TtRecTable, createTable('ttrec', { rows: 1000, dim: 16, backend: be, seed: 1, ranks: 5, cores: 4 }));
    expect(one.shape.ranks).toEqual([1, 5, 5, 5, 1]);
    expect(one.shape.q).toEqual([2, 2, 2, 2]);
    for (const s of [0.5, 0.8, 0.95]) {
      const t = asTable(TtRecTable, createTable('ttrec', { rows: 20000, dim: 64, backend: be, seed: 1, sparsity: s }));
      expect(Math.abs((await t.size()).params / (20000 * 64 * (1 - s)) - 1)).toBeLessThanOrEqual(0.01);
      t.dispose();
    }
    const cached = asTable(TtRecTable, createTable('ttrec', { rows: 20000, dim: 64, backend: be, seed: 1, sparsity: 0.8, cache: true }));
    expect(cached.cacheRows).toBe(2000);
    expect(Math.abs((await cached.size()).params / (20000 * 64 * 0.2) - 1)).toBeLessThanOrEqual(0.01);
    expect(() => createTable('ttrec', { rows: 20000, dim: 64, backend: be, seed: 1, sparsity: 0.95, cache: true })).toThrow(/closest achievable sparsity is 0\.89/);
    expect(() => createTable('ttrec', { rows: 100, dim: 16, backend: be, seed: 1, ranks: [3] })).toThrow(/ranks needs 2 entries/);
    expect(() => createTable('ttrec', { rows: 100, dim: 16, backend: be, seed: 1, qShape: [2, 2, 2] })).toThrow(/does not multiply to dim 16/);
    for (const t of [one, cached]) t.dispose();
  });

  it('Adam on lookupAll + backwardAll fits a TT teacher, and keeps training through the cache', () => {
    const opts = { rows: 200, dim: 8, backend: be, pShape: [5, 5, 8], ranks: [4, 4] };
    const teacher = createTable('ttrec', { ...opts, seed: 100 });
    const target = lookupAllHost(be, teacher);
    const t = asTable(TtRecTable, createTable('ttrec', { ...opts, seed: 7, cacheRows: 20 }));
    const [before, mid] = fitWithAdam(be, t, target, 150, 0.03);
    expect(mid).toBeLessThan(0.1 * before);
    lookupHost(be, t, Array.from({ length: 40 }, (_, i) => i % 20), true); // only lookups count (lookupAll does not)
    t.onEpochEnd(0);
    expect(Array.from(t.cachedIds())).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const [, after] = fitWithAdam(be, t, target, 60, 0.01);
    expect(after).toBeLessThan(mid);
    teacher.dispose();
    t.dispose();
  });
});
