import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { binaryStepGrad, dimProbabilities, DimSampler, expectedDims, MaskedTable, OptEmbedTable, solveDimAlpha } from '../src/index.js';
import { bits, expectRoundTrip, lookupAllHost, lookupHost, zeroGrads } from './compressed-checks.js';
import { createTable } from './definitions.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

/** An antiderivative of binaryStepGrad: the surrogate whose exact derivative the straight-through estimator is. */
function surrogate(x: number): number {
  const a = Math.abs(x);
  const g = a <= 0.4 ? 2 * a - 2 * a * a : a <= 1 ? 0.48 + 0.4 * (a - 0.4) : 0.72;
  return Math.sign(x) * g;
}

/**
 * Sets rows of W so that |W_r|_1 - t lands on chosen values away from the estimator's kinks
 * (|x| = 0, 0.4, 1) and every entry is at least 0.05 from 0.
 */
function setRows(be: HostBackend, t: OptEmbedTable, margins: readonly number[], threshold: number, seed: number): void {
  const rng = new Rng(seed);
  const d = t.dim;
  const w = new Float32Array(t.rows * d);
  for (let r = 0; r < t.rows; r++) {
    const target = threshold + margins[r % margins.length];
    const raw = Array.from({ length: d }, () => 0.2 + rng.nextFloat());
    const sum = raw.reduce((a, b) => a + b, 0);
    for (let j = 0; j < d; j++) w[r * d + j] = (rng.nextFloat() < 0.5 ? -1 : 1) * Math.fround((raw[j] * target) / sum);
  }
  be.write(t.weight.value, w);
  be.fill(t.threshold.value, threshold);
}

describe('OptEmbed dimension sampling', () => {
  it('P(k) is proportional to alpha^(d-k), and alpha is solved for a mean', () => {
    const p = dimProbabilities(4, 2);
    expect(Array.from(p)).toEqual([8 / 15, 4 / 15, 2 / 15, 1 / 15].map((x) => expect.closeTo(x, 12) as unknown as number));
    expect(expectedDims(64, 1)).toBeCloseTo(32.5, 10);
    for (const mean of [3.2, 12.8, 32, 50]) expect(expectedDims(64, solveDimAlpha(64, mean))).toBeCloseTo(mean, 6);
    expect(expectedDims(64, solveDimAlpha(64, 64))).toBeGreaterThan(63.99);
    expect(expectedDims(64, solveDimAlpha(64, 0.5))).toBeLessThan(1.01);
    const s = new DimSampler(dimProbabilities(16, solveDimAlpha(16, 4)));
    const rng = new Rng(3);
    const draws = s.fill(rng, new Int32Array(20000));
    expect(Math.min(...draws)).toBe(1);
    expect(Math.max(...draws)).toBeLessThanOrEqual(16);
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(4, 1);
  });

  it('the straight-through estimator is 2 - 4|x|, 0.4, then 0', () => {
    expect([0, 0.1, -0.3, 0.5, -0.99, 1.01, -3].map(binaryStepGrad)).toEqual([2, 1.6, 0.8, 0.4, 0.4, 0, 0]);
  });
});

describe.each(backends)('OptEmbed on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  it('evaluation lookups equal W_r m_r [j < k] for the set dims, and rows below the threshold are pruned', async () => {
    const t = new OptEmbedTable({ rows: 12, dim: 6, backend: be, seed: 1, name: 'user' });
    setRows(be, t, [0.3, -0.2, 0.7, 1.5, -0.6], 1.0, 2);
    const dims = Int32Array.from({ length: 12 }, (_, r) => 1 + (r % 6));
    t.setDims(dims);
    const w = be.view(t.weight.value).slice();
    const keep = t.keptRows();
    expect(Array.from(keep)).toEqual(Array.from({ length: 12 }, (_, r) => ([0.3, -0.2, 0.7, 1.5, -0.6][r % 5] > 0 ? 1 : 0)));
    const dense = w.map((x, e) => (keep[Math.floor(e / 6)] && e % 6 < dims[Math.floor(e / 6)] ? x : 0));
    const all = lookupAllHost(be, t);
    expect(bits(all)).toEqual(bits(dense));
    const ids = [11, 0, 3, 3];
    const rows = lookupHost(be, t, ids);
    ids.forEach((id, i) => { expect(bits(rows.subarray(i * 6, i * 6 + 6))).toEqual(bits(dense.subarray(id * 6, id * 6 + 6))); });
    const mask = t.elementMask(dims);
    expect(Array.from(mask)).toEqual(Array.from(dense, (_, e) => (keep[Math.floor(e / 6)] && e % 6 < dims[Math.floor(e / 6)] ? 1 : 0)));
    expect((await t.size()).params).toBe(mask.reduce((a, b) => a + b, 0));
    t.setDims(null);
    expect(bits(lookupAllHost(be, t))).toEqual(bits(w.map((x, e) => (keep[Math.floor(e / 6)] ? x : 0))));
    t.dispose();
  });

  it('training lookups draw k per row (CF) or per field (CTR), seeded, and backward uses the same k', () => {
    const cf = new OptEmbedTable({ rows: 30, dim: 8, backend: be, seed: 5, rowPruning: false });
    const again = new OptEmbedTable({ rows: 30, dim: 8, backend: be, seed: 5, rowPruning: false });
    const w = be.view(cf.weight.value).slice();
    const first = lookupAllHost(be, cf, true);
    expect(bits(lookupAllHost(be, again, true))).toEqual(bits(first));
    const ks = Array.from({ length: 30 }, (_, r) => {
      let k = 0;
      while (k < 8 && first[r * 8 + k] === w[r * 8 + k]) k++;
      for (let j = k; j < 8; j++) expect(first[r * 8 + j]).toBe(0);
      return k;
    });
    expect(Math.min(...ks)).toBeGreaterThanOrEqual(1);
    expect(new Set(ks).size).toBeGreaterThan(3);
    // backward after this training lookup: dW = dOut on exactly the kept prefix.
    zeroGrads(be, cf);
    const dOut = be.upload('f32', new Float32Array(240).fill(1));
    cf.backwardAll(dOut);
    be.free(dOut);
    expect(Array.from(be.view(cf.weight.grad))).toEqual(Array.from({ length: 240 }, (_, e) => (e % 8 < ks[Math.floor(e / 8)] ? 1 : 0)));
    expect(bits(lookupAllHost(be, cf, true))).not.toEqual(bits(first));

    const ctr = new OptEmbedTable({ rows: 20, dim: 4, backend: be, seed: 6, fieldOffsets: [0, 5, 12], rowPruning: false });
    expect(ctr.groups).toBe(3);
    for (let trial = 0; trial < 5; trial++) {
      const out = lookupAllHost(be, ctr, true);
      const wv = be.view(ctr.weight.value);
      const k = (r: number): number => {
        let n = 0;
        while (n < 4 && out[r * 4 + n] === wv[r * 4 + n]) n++;
        return n;
      };
      for (const [lo, hi] of [[0, 5], [5, 12], [12, 20]]) for (let r = lo + 1; r < hi; r++) expect(k(r)).toBe(k(lo));
    }
    for (const t of [cf, again, ctr]) t.dispose();
  });

  it('straight-through gradients of W and t match finite differences of the surrogate, away from the kinks', () => {
    for (const thresholdPer of ['field', 'row'] as const) {
      const t = new OptEmbedTable({ rows: 10, dim: 5, backend: be, seed: 3, thresholdReg: 0.05, thresholdPer });
      const margins = [0.2, -0.25, 0.7, -0.6, 0.1, 1.4, -0.15, 0.55, -0.8, 0.3];
      setRows(be, t, margins, 0.9, 4);
      const dims = Int32Array.from([5, 3, 1, 4, 2, 5, 5, 3, 2, 4]);
      t.setDims(dims);
      const rng = new Rng(9);
      const ids = [2, 7, 0, 9, 4, 4, 1, 5, 3, 6, 8];
      const dOut = Float32Array.from({ length: ids.length * 5 }, () => rng.nextFloat() - 0.5);
      const lambda = 0.05;
      // The surrogate loss: <dOut, W m [j<k]> with m frozen, + sum_i a_i Phi(x_r) with a_i frozen, + lambda sum exp(-t).
      const surrogateLoss = (w: Float32Array, tv: Float32Array, frozen: { m: number[]; a: number[] }): number => {
        let l = 0;
        ids.forEach((r, i) => {
          const k = dims[r];
          for (let j = 0; j < k; j++) l += dOut[i * 5 + j] * w[r * 5 + j] * frozen.m[i];
          let norm = 0;
          for (let j = 0; j < 5; j++) norm += Math.abs(w[r * 5 + j]);
          l += frozen.a[i] * surrogate(norm - tv[thresholdPer === 'row' ? r : 0]);
        });
        for (const x of tv) l += lambda * Math.exp(-x);
        return l;
      };
      const w0 = be.view(t.weight.value).slice();
      const t0 = be.view(t.threshold.value).slice();
      const frozen = { m: ids.map((r) => (margins[r] > 0 ? 1 : 0)), a: ids.map((r, i) => { let a = 0; for (let j = 0; j < dims[r]; j++) a += dOut[i * 5 + j] * w0[r * 5 + j]; return a; }) };
      zeroGrads(be, t);
      const idBuf = be.upload('i32', ids);
      const dBuf = be.upload('f32', dOut);
      const out = be.alloc('f32', ids.length * 5);
      t.lookup(idBuf, out, { training: false });
      t.backward(idBuf, dBuf);
      const gw = be.view(t.weight.grad).slice();
      const gt = be.view(t.threshold.grad).slice();
      const h = 1e-3;
      let nonZero = 0;
      for (let e = 0; e < w0.length; e++) {
        const up = w0.slice();
        const down = w0.slice();
        up[e] = Math.fround(up[e] + h);
        down[e] = Math.fround(down[e] - h);
        const fd = (surrogateLoss(up, t0, frozen) - surrogateLoss(down, t0, frozen)) / (up[e] - down[e]);
        expect(gw[e]).toBeCloseTo(fd, 3);
        if (gw[e] !== 0) nonZero++;
      }
      for (let k = 0; k < t0.length; k++) {
        const up = t0.slice();
        const down = t0.slice();
        up[k] = Math.fround(up[k] + h);
        down[k] = Math.fround(down[k] - h);
        const fd = (surrogateLoss(w0, up, frozen) - surrogateLoss(w0, down, frozen)) / (up[k] - down[k]);
        expect(gt[k]).toBeCloseTo(fd, 3);
      }
      expect(nonZero).toBeGreaterThan(30);
      // Pruned rows still pass a gradient to W through the estimator (the row can come back).
      expect(gw.subarray(5, 10).some((x) => x !== 0)).toBe(true);
      for (const b of [idBuf, dBuf, out]) be.free(b);
      t.dispose();
    }
  });

  it('frozen for a search: evaluation lookups equal the live ones bit for bit for every dims set; training lookups throw until thawed', () => {
    const live = new OptEmbedTable({ rows: 40, dim: 6, backend: be, seed: 3, fieldOffsets: [0, 9, 25], dimsPer: 'row' });
    const frozen = new OptEmbedTable({ rows: 40, dim: 6, backend: be, seed: 3, fieldOffsets: [0, 9, 25], dimsPer: 'row' });
    setRows(be, live, [0.3, -0.2, 0.7, 1.5, -0.6, 0.05], 1.0, 4);
    be.write(frozen.weight.value, be.view(live.weight.value));
    be.write(frozen.threshold.value, be.view(live.threshold.value));
    frozen.freeze();
    expect(frozen.frozen).toBe(true);
    const rng = new Rng(8);
    const ids = [39, 0, 12, 12, 7, 25];
    for (let trial = 0; trial < 4; trial++) {
      const dims = trial === 0 ? null : Int32Array.from({ length: 40 }, () => 1 + rng.nextInt(6));
      live.setDims(dims);
      frozen.setDims(dims);
      expect(bits(lookupAllHost(be, frozen))).toEqual(bits(lookupAllHost(be, live)));
      expect(bits(lookupHost(be, frozen, ids))).toEqual(bits(lookupHost(be, live, ids)));
    }
    expect(() => lookupHost(be, frozen, [1], true)).toThrow(/frozen/);
    expect(() => lookupHost(be, frozen, [40])).toThrow(/out of range/);
    frozen.thaw();
    expect(frozen.frozen).toBe(false);
    expect(bits(lookupAllHost(be, frozen, true))).toEqual(bits(lookupAllHost(be, live, true)));
    for (const t of [live, frozen]) t.dispose();
  });

  it('t has its own update: plain SGD at 1e-4 by default (the reference), or the optimizer rule at thresholdLr; serialised', async () => {
    const plain = new OptEmbedTable({ rows: 5, dim: 2, backend: be, seed: 1 });
    expect(plain.threshold.update).toEqual({ lr: 1e-4, rule: 'sgd' });
    expect(plain.weight.update).toBeUndefined();
    const own = new OptEmbedTable({ rows: 5, dim: 2, backend: be, seed: 1, thresholdLr: 0.05, thresholdOptimizer: 'optimizer' });
    expect(own.threshold.update).toEqual({ lr: 0.05, rule: 'optimizer' });
    const back = await expectRoundTrip(be, own, [0, 4]);
    if (!(back instanceof OptEmbedTable)) throw new Error('expected an OptEmbedTable');
    expect(back.threshold.update).toEqual({ lr: 0.05, rule: 'optimizer' });
    expect(() => new OptEmbedTable({ rows: 5, dim: 2, backend: be, seed: 1, thresholdLr: 0 })).toThrow(/thresholdLr must be > 0/);
    expect(() => createTable('optembed', { rows: 5, dim: 2, backend: be, seed: 1, thresholdOptimizer: 'adam' })).toThrow(/thresholdOptimizer/);
    for (const t of [plain, own, back]) t.dispose();
  });

  it('the training state (the dims sampling stream) continues a fresh table where the first left off', () => {
    const a = new OptEmbedTable({ rows: 30, dim: 8, backend: be, seed: 5, rowPruning: false });
    lookupAllHost(be, a, true);
    lookupAllHost(be, a, true);
    const state = a.trainingState();
    const b = new OptEmbedTable({ rows: 30, dim: 8, backend: be, seed: 5, rowPruning: false });
    const fromStart = lookupAllHost(be, b, true);
    b.restoreTrainingState(state);
    const next = lookupAllHost(be, a, true);
    expect(bits(lookupAllHost(be, b, true))).toEqual(bits(next));
    expect(bits(next)).not.toEqual(bits(fromStart));
    expect(() => { b.restoreTrainingState({ header: {}, sections: {} }); }).toThrow(/sampling stream/);
    for (const t of [a, b]) t.dispose();
  });

  it('serialises the supernet (with its evaluation dims and sampling stream) and the masked form bit-exactly', async () => {
    const t = new OptEmbedTable({ rows: 14, dim: 4, backend: be, seed: 2, fieldOffsets: [0, 6], thresholdInit: 0.1, weightDecay: 1e-4, name: 'embedding' });
    t.setDims(Int32Array.from([2, 4]));
    const back = await expectRoundTrip(be, t, [13, 0, 6, 6]);
    if (!(back instanceof OptEmbedTable)) throw new Error('expected an OptEmbedTable');
    expect(Array.from(back.dims!)).toEqual([2, 4]);
    expect(bits(lookupAllHost(be, back, true))).toEqual(bits(lookupAllHost(be, t, true)));
    const masked = createTable('optembed', { rows: 14, dim: 4, backend: be, seed: 2, masks: t.elementMask(Int32Array.from([1, 3])) });
    expect(masked).toBeInstanceOf(MaskedTable);
    const mBack = await expectRoundTrip(be, masked, [1, 12]);
    for (const x of [t, back, masked, mBack]) x.dispose();
  });

  it('rejects out-of-range ids, bad dims and bad field offsets', () => {
    const t = new OptEmbedTable({ rows: 9, dim: 4, backend: be, seed: 1 });
    expect(() => lookupHost(be, t, [9])).toThrow(/out of range/);
    expect(() => lookupHost(be, t, [-1], true)).toThrow(/out of range/);
    const ids = be.upload('i32', [0, 9]);
    const dOut = be.alloc('f32', 8);
    expect(() => { t.backward(ids, dOut); }).toThrow(/out of range/);
    be.free(ids);
    be.free(dOut);
    expect(() => { t.setDims(Int32Array.from({ length: 9 }, () => 5)); }).toThrow(/outside 1..4/);
    expect(() => { t.setDims(new Int32Array(3)); }).toThrow(/9 groups/);
    expect(() => new OptEmbedTable({ rows: 9, dim: 4, backend: be, seed: 1, fieldOffsets: [0, 4, 4] })).toThrow(/strictly increasing/);
    expect(() => new OptEmbedTable({ rows: 9, dim: 4, backend: be, seed: 1, fieldOffsets: [1] })).toThrow(/start at 0/);
    t.dispose();
  });
});
