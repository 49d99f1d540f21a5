import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend, type ThresholdGranularity } from '@lers/kernels';
import { CsrTable, keptAtTarget, MaskedTable, PepTable, thresholdLength, type EmbeddingTable } from '../src/index.js';
import { bits, checkGradients, expectRoundTrip, lookupAllHost, lookupHost, zeroGrads } from './compressed-checks.js';
import { createTable } from './definitions.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];
const GRANULARITIES: ThresholdGranularity[] = ['element', 'row', 'dim', 'global'];

const sigmoid = (s: number): number => 1 / (1 + Math.exp(-s));

/** The table as a MaskedTable (fails the test otherwise). */
function asMasked(t: EmbeddingTable): MaskedTable {
  if (!(t instanceof MaskedTable)) throw new Error(`expected a MaskedTable, got ${t.constructor.name}`);
  return t;
}

/** Index of the threshold entry that element e of a rows x dim table uses. */
function thresholdIndex(g: ThresholdGranularity, e: number, dim: number): number {
  if (g === 'element') return e;
  if (g === 'row') return Math.floor(e / dim);
  if (g === 'dim') return e % dim;
  return 0;
}

/**
 * Puts s in [-3, -1] and every |w| at least 0.04 away from its threshold and from 0, so that finite
 * differences of step 1e-3 never cross a kink of sign(w) relu(|w| - sigmoid(s)).
 */
function setAwayFromKinks(be: HostBackend, t: PepTable, seed: number): void {
  const rng = new Rng(seed);
  const { rows, dim, part } = t;
  const s = Float32Array.from({ length: thresholdLength(part.granularity, rows, dim) }, () => -3 + 2 * rng.nextFloat());
  const w = new Float32Array(rows * dim);
  for (let e = 0; e < w.length; e++) {
    const tau = sigmoid(s[thresholdIndex(part.granularity, e, dim)]);
    const magnitude = rng.nextFloat() < 0.6 ? tau + 0.04 + 0.4 * rng.nextFloat() : tau * (0.1 + 0.6 * rng.nextFloat());
    w[e] = rng.nextFloat() < 0.5 ? -magnitude : magnitude;
  }
  be.write(part.weight.value, w);
  be.write(part.threshold.value, s);
}

/** One Adam step per call on s alone, with a zero loss gradient: s rises by about lr per step through its decay. */
function decayStep(be: HostBackend, t: PepTable, m: ReturnType<HostBackend['alloc']>, v: ReturnType<HostBackend['alloc']>, step: number, lr: number): void {
  const s = t.part.threshold;
  be.fill(s.grad, 0);
  be.adam(s.value, s.grad, m as never, v as never, { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: s.weightDecay ?? 0, decoupled: false, step });
}

describe.each(backends)('PEP on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  it.each(GRANULARITIES)('%s: lookups equal sign(W) relu(|W| - sigmoid(s)) of the stored W and s', (g) => {
    const t = new PepTable({ rows: 23, dim: 6, backend: be, seed: 4, granularity: g, name: 'item' });
    setAwayFromKinks(be, t, 7);
    const w = be.view(t.part.weight.value).slice();
    const s = be.view(t.part.threshold.value).slice();
    const dense = w.map((x, e) => Math.sign(x) * Math.max(Math.abs(x) - sigmoid(s[thresholdIndex(g, e, 6)]), 0));
    const all = lookupAllHost(be, t);
    for (let e = 0; e < dense.length; e++) expect(all[e]).toBeCloseTo(dense[e], 6);
    let zeros = 0;
    for (const x of all) if (x === 0) zeros++;
    expect(zeros).toBeGreaterThan(20);
    const ids = [22, 0, 5, 5, 13];
    const rows = lookupHost(be, t, ids, true);
    ids.forEach((id, i) => { expect(bits(rows.subarray(i * 6, i * 6 + 6))).toEqual(bits(all.subarray(id * 6, id * 6 + 6))); });
    expect(t.parameters().map((p) => [p.name, p.shape])).toEqual([
      ['item.weight', [23, 6]],
      ['item.threshold', g === 'element' ? [23, 6] : g === 'row' ? [23, 1] : [thresholdLength(g, 23, 6)]],
    ]);
    t.dispose();
  });

  it.each(GRANULARITIES)('%s: W and s gradients match finite differences away from the kinks', (g) => {
    const t = new PepTable({ rows: 19, dim: 5, backend: be, seed: 2, granularity: g });
    setAwayFromKinks(be, t, 11);
    expect(checkGradients(be, t, { ids: [3, 18, 3, 0, 7, 11], training: false, samples: 40, h: 1e-3 })).toBeGreaterThanOrEqual(8);
    expect(checkGradients(be, t, { ids: 'all', training: false, samples: 40, h: 1e-3 })).toBeGreaterThanOrEqual(8);
    t.dispose();
  });

  it('captures each target when the non-zeros first reach it, within 1% (first-reach), from one run', () => {
    const t = new PepTable({ rows: 120, dim: 16, backend: be, seed: 9, thresholdInit: -6, thresholdDecay: 0.1 });
    const n = t.part.threshold.value.length;
    const m = be.alloc('f32', n);
    const v = be.alloc('f32', n);
    be.fill(m, 0);
    be.fill(v, 0);
    const out = be.alloc('f32', 120 * 16);
    const nonZerosAt: number[] = [];
    for (let step = 1; step <= 2000 && !t.captures.done; step++) {
      t.lookupAll(out, { training: true });
      let nz = 0;
      for (const x of be.view(out)) if (x !== 0) nz++;
      nonZerosAt.push(nz);
      decayStep(be, t, m, v, step, 0.005);
    }
    expect(t.captures.done).toBe(true);
    for (const target of [0.5, 0.8, 0.95]) {
      const c = t.captures.mask(target)!;
      expect(Math.abs(c.sparsity - target)).toBeLessThan(0.01);
      expect(c.sparsity).toBeGreaterThanOrEqual(target);
      // The capture step is the first whose non-zeros are within the budget.
      const budget = keptAtTarget(target, 120 * 16);
      expect(nonZerosAt[c.step]).toBe(c.kept);
      expect(nonZerosAt.findIndex((nz) => nz <= budget)).toBe(c.step);
      let kept = 0;
      for (const x of c.mask) kept += x;
      expect(kept).toBe(c.kept);
    }
    for (const b of [m, v, out]) be.free(b);
    t.dispose();
  });

  it('the training state (captures so far, step count) resumes a search to the captures of an uninterrupted one', () => {
    const options = { rows: 60, dim: 8, backend: be, seed: 4, thresholdInit: -6, thresholdDecay: 0.1, captureEvery: 3 };
    const n = 60 * 8;
    /** Runs steps [from, to) of the search on t with Adam moments m, v; stops when every mask is captured. */
    const run = (t: PepTable, m: ReturnType<HostBackend['alloc']>, v: ReturnType<HostBackend['alloc']>, from: number, to: number): void => {
      const out = be.alloc('f32', n);
      for (let step = from; step < to && !t.captures.done; step++) {
        t.lookupAll(out, { training: true });
        decayStep(be, t, m, v, step, 0.005);
      }
      be.free(out);
    };
    const moments = (): [ReturnType<HostBackend['alloc']>, ReturnType<HostBackend['alloc']>] => {
      const m = be.alloc('f32', n);
      const v = be.alloc('f32', n);
      be.fill(m, 0);
      be.fill(v, 0);
      return [m, v];
    };
    const straight = new PepTable(options);
    const [m0, v0] = moments();
    run(straight, m0, v0, 1, 3000);
    expect(straight.captures.done).toBe(true);

    const first = new PepTable(options);
    const [m1, v1] = moments();
    const half = straight.captures.mask(0.8)!.step; // 0.5 is captured by then, 0.8 and 0.95 are not
    run(first, m1, v1, 1, half);
    expect(first.captures.mask(0.5)).toBeDefined();
    expect(first.captures.done).toBe(false);
    const state = first.trainingState();
    expect(state.header.steps).toBe(half - 1);
    expect(Object.keys(state.sections)).toEqual(['mask@0.5']);

    // A fresh table given the parameters, the optimizer moments and the training state continues identically.
    const second = new PepTable(options);
    be.write(second.part.weight.value, be.view(first.part.weight.value));
    be.write(second.part.threshold.value, be.view(first.part.threshold.value));
    second.restoreTrainingState(state);
    run(second, m1, v1, half, 3000);
    for (const target of [0.5, 0.8, 0.95]) {
      const [a, b] = [straight.captures.mask(target)!, second.captures.mask(target)!];
      expect({ ...b, mask: null }).toEqual({ ...a, mask: null });
      expect(b.mask).toEqual(a.mask);
    }
    expect(() => { second.restoreTrainingState({ header: { captured: [{ target: 0.7, kept: 1, sparsity: 0.7, step: 1 }], steps: 1 }, sections: { 'mask@0.7': new Uint8Array(n) } }); }).toThrow(/not one of/);
    expect(() => { second.restoreTrainingState({ header: { captured: [], steps: -1 }, sections: {} }); }).toThrow(/step count/);
    for (const b of [m0, v0, m1, v1]) be.free(b);
    for (const t of [straight, first, second]) t.dispose();
  });

  it('exact capture keeps every non-zero plus the pruned entries closest to the threshold, exactly at the budget', () => {
    const t = new PepTable({ rows: 50, dim: 8, backend: be, seed: 3, thresholdInit: -4, thresholdDecay: 0.1, capture: 'exact', targets: [0.3, 0.6] });
    const n = t.part.threshold.value.length;
    const m = be.alloc('f32', n);
    const v = be.alloc('f32', n);
    be.fill(m, 0);
    be.fill(v, 0);
    const out = be.alloc('f32', 400);
    let state: { values: Float32Array; margins: Float64Array }[] = [];
    // A coarse schedule (big steps) so that one step overshoots a budget by much more than 1%.
    for (let step = 1; step <= 400 && !t.captures.done; step++) {
      state.push({ values: t.part.values(), margins: t.part.margins() });
      t.lookupAll(out, { training: true });
      decayStep(be, t, m, v, step, 0.08);
    }
    expect(t.captures.done).toBe(true);
    for (const target of [0.3, 0.6]) {
      const c = t.captures.mask(target)!;
      expect(c.kept).toBe(keptAtTarget(target, 400));
      const { values, margins } = state[c.step];
      const extra: number[] = [];
      for (let e = 0; e < 400; e++) {
        if (values[e] !== 0) expect(c.mask[e]).toBe(1);
        else if (c.mask[e] === 1) extra.push(margins[e]);
      }
      const minExtra = Math.min(...extra);
      for (let e = 0; e < 400; e++) if (values[e] === 0 && c.mask[e] === 0) expect(margins[e]).toBeLessThanOrEqual(minExtra);
    }
    state = [];
    for (const b of [m, v, out]) be.free(b);
    t.dispose();
  });

  it('retrains with the mask fixed: W (.) M forward, masked gradient, params = kept entries, CSR bytes', async () => {
    const rng = new Rng(5);
    const mask = Uint8Array.from({ length: 40 * 8 }, () => (rng.nextFloat() < 0.2 ? 1 : 0));
    const t = asMasked(createTable('pep', { rows: 40, dim: 8, backend: be, seed: 1, name: 'user', masks: { user: mask, item: new Uint8Array(0) } }));
    expect(t).toBeInstanceOf(MaskedTable);
    const w = be.view(t.weight.value).slice();
    const all = lookupAllHost(be, t);
    expect(bits(all)).toEqual(bits(w.map((x, e) => (mask[e] ? x : 0))));
    expect(checkGradients(be, t, { ids: [39, 2, 2, 17, 5, 8, 11, 30, 31, 0], training: true, samples: 80 })).toBeGreaterThanOrEqual(2);
    expect(checkGradients(be, t, { ids: 'all', training: true, samples: 80 })).toBeGreaterThanOrEqual(8);
    zeroGrads(be, t);
    const dOut = be.upload('f32', new Float32Array(40 * 8).fill(1));
    t.backwardAll(dOut);
    be.free(dOut);
    expect(Array.from(be.view(t.weight.grad))).toEqual(Array.from(mask));
    let kept = 0;
    for (const x of mask) kept += x;
    const size = (await t.size());
    expect(size.params).toBe(kept);
    expect(size.sparsity).toBe(1 - kept / 320);
    expect(size.memoryBytes).toBe(4 * 41 + 8 * kept);
    t.dispose();
  });

  it('a captured mask retrains to exactly its budget, and the CSR inference form equals the masked table', async () => {
    const search = new PepTable({ rows: 60, dim: 8, backend: be, seed: 3, thresholdInit: -4, thresholdDecay: 0.1, capture: 'exact', targets: [0.8] });
    const n = search.part.threshold.value.length;
    const [m, v, out] = [be.alloc('f32', n), be.alloc('f32', n), be.alloc('f32', 480)];
    be.fill(m, 0);
    be.fill(v, 0);
    for (let step = 1; step <= 600 && !search.captures.done; step++) {
      search.lookupAll(out, { training: true });
      decayStep(be, search, m, v, step, 0.02);
    }
    const captured = search.captures.mask(0.8)!;
    const retrain = asMasked(createTable('pep', { rows: 60, dim: 8, backend: be, seed: 3, masks: captured.mask }));
    const size = (await retrain.size());
    expect(size.params).toBe(keptAtTarget(0.8, 480));
    expect(Math.abs(size.sparsity - 0.8)).toBeLessThan(0.01);
    const csr = (await retrain.toCsr());
    expect(csr).toBeInstanceOf(CsrTable);
    expect(bits(lookupAllHost(be, csr))).toEqual(bits(lookupAllHost(be, retrain)));
    expect((await csr.size()).params).toBe(size.params);
    expect(csr.parameters()).toEqual([]);
    for (const b of [m, v, out]) be.free(b);
    for (const x of [search, retrain, csr]) x.dispose();
  });

  it('serialises every form (search, masked, csr) and restores it bit-exactly', async () => {
    const search = new PepTable({ rows: 21, dim: 4, backend: be, seed: 8, granularity: 'row', name: 'user', thresholdDecay: 0.5, weightDecay: 1e-3 });
    setAwayFromKinks(be, search, 3);
    const ids = [0, 20, 7, 7];
    const forms: EmbeddingTable[] = [search];
    forms.push(createTable('pep', { rows: 21, dim: 4, backend: be, seed: 2, masks: Uint8Array.from({ length: 84 }, (_, e) => e % 3 === 0 ? 1 : 0) }));
    forms.push((await asMasked(forms[1]).toCsr()));
    for (const table of forms) {
      const back = await expectRoundTrip(be, table, ids);
      expect((await back.serialize()).header.form).toBe((await table.serialize()).header.form);
      back.dispose();
    }
    for (const t of forms) t.dispose();
  });

  it('thresholdLr gives s its own learning rate (the optimizer\'s rule), kept through serialisation; absent, s follows the model\'s', async () => {
    const own = new PepTable({ rows: 6, dim: 4, backend: be, seed: 1, thresholdLr: 0.05 });
    expect(own.part.threshold.update).toEqual({ lr: 0.05, rule: 'optimizer' });
    expect(own.part.weight.update).toBeUndefined();
    const back = createTable('pep', { rows: 6, dim: 4, backend: be, seed: 1 });
    expect(back.parameters().every((p) => p.update === undefined)).toBe(true);
    const restored = await expectRoundTrip(be, own, [0, 5]);
    expect(restored.parameters().find((p) => p.name.endsWith('.threshold'))!.update).toEqual({ lr: 0.05, rule: 'optimizer' });
    expect(() => createTable('pep', { rows: 6, dim: 4, backend: be, seed: 1, thresholdLr: 0 })).toThrow(/thresholdLr must be > 0/);
    for (const t of [own, back, restored]) t.dispose();
  });

  it('counts the thresholds at their decay\'s ceiling (s >= -0.05, sigmoid(s) within 0.0125 of 0.5), per granularity', () => {
    const element = new PepTable({ rows: 2, dim: 3, backend: be, seed: 1 });
    be.write(element.part.threshold.value, Float32Array.from([-5, -0.051, -0.049, 0, 0.4, -0.01]));
    expect(element.part.thresholdsAtCeiling()).toEqual({ atCeiling: 4, total: 6 });
    expect(element.thresholdsAtCeiling()).toBeCloseTo(4 / 6, 12);
    const global = new PepTable({ rows: 2, dim: 3, backend: be, seed: 1, granularity: 'global' });
    // The default start, s = -15, is far below the ceiling.
    expect(global.thresholdsAtCeiling()).toBe(0);
    be.write(global.part.threshold.value, Float32Array.from([-0.02]));
    expect(global.thresholdsAtCeiling()).toBe(1);
    for (const t of [element, global]) t.dispose();
  });

  it('rejects out-of-range ids with a clear error in every form', async () => {
    const search = new PepTable({ rows: 10, dim: 4, backend: be, seed: 1 });
    const masked = asMasked(createTable('pep', { rows: 10, dim: 4, backend: be, seed: 1, masks: new Uint8Array(40).fill(1) }));
    const csr = (await masked.toCsr());
    for (const t of [search, masked, csr]) {
      expect(() => lookupHost(be, t, [0, 10])).toThrow(/out of range/);
      expect(() => lookupHost(be, t, [-1])).toThrow(/out of range/);
      const ids = be.upload('i32', [3, 11]);
      const dOut = be.alloc('f32', 8);
      if (t.parameters().length > 0 || t === csr) expect(() => { t.backward(ids, dOut); }).toThrow(/out of range/);
      be.free(ids);
      be.free(dOut);
    }
    expect(() => createTable('pep', { rows: 10, dim: 4, backend: be, seed: 1, masks: new Uint8Array(39) })).toThrow(/40 entries/);
    expect(() => createTable('pep', { rows: 10, dim: 4, backend: be, seed: 1, name: 'user', masks: { item: new Uint8Array(40) } })).toThrow(/no mask for table "user"/);
    expect(() => new PepTable({ rows: 10, dim: 4, backend: be, seed: 1, targets: [0.5, 1.2] })).toThrow(/\(0, 1\)/);
    for (const t of [search, masked, csr]) t.dispose();
  });
});
