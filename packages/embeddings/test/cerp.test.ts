import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { CerpTable, cerpBuckets, cerpQuotientRows, keptAtTarget, SoftThresholdPart, type EmbeddingTable } from '../src/index.js';
import { bits, checkGradients, expectRoundTrip, lookupAllHost, lookupHost, zeroGrads } from './compressed-checks.js';
import { createTable } from './definitions.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

const sigmoid = (s: number): number => 1 / (1 + Math.exp(-s));

/** Element thresholds in [-3, -1] and every |w| at least 0.04 from its threshold and from 0 (no kink within 1e-3). */
function setAwayFromKinks(be: HostBackend, part: SoftThresholdPart, rng: Rng): void {
  const s = Float32Array.from({ length: part.threshold.value.length }, () => -3 + 2 * rng.nextFloat());
  const w = Float32Array.from(s, (x) => {
    const tau = sigmoid(x);
    const m = rng.nextFloat() < 0.6 ? tau + 0.04 + 0.3 * rng.nextFloat() : tau * (0.1 + 0.6 * rng.nextFloat());
    return rng.nextFloat() < 0.5 ? -m : m;
  });
  be.write(part.weight.value, w);
  be.write(part.threshold.value, s);
}

/** Dense reconstruction: row x = Q_hat[x div ceil(N/b)] + P_hat[x mod b] from the parts' values. */
function reconstruct(t: CerpTable): Float32Array {
  const [p, q] = t.partValues();
  const d = t.dim;
  const out = new Float32Array(t.rows * d);
  for (let x = 0; x < t.rows; x++) {
    const pr = x % t.buckets;
    const qr = Math.floor(x / Math.ceil(t.rows / t.buckets));
    for (let j = 0; j < d; j++) out[x * d + j] = Math.fround(p[pr * d + j] + q[qr * d + j]);
  }
  return out;
}

describe('CERP bucket sizes', () => {
  it('b holds bucketFactor x the budget before pruning; Q has ceil(N / ceil(N/b)) rows', () => {
    expect(cerpBuckets(70839, 0.8)).toBe(Math.ceil((1.25 * 0.2 * 70839) / 2));
    expect(cerpQuotientRows(100, 30)).toBe(25);
    expect(cerpQuotientRows(100, 10)).toBe(10);
    const t = new CerpTable({ rows: 1000, dim: 4, backend: createReferenceBackend(), seed: 1, sparsity: 0.8 });
    expect(t.buckets).toBe(125);
    expect((t.buckets + t.quotientRows) * 4).toBeLessThanOrEqual(1.25 * 0.2 * 4000);
    expect(t.captures!.targets).toEqual([0.8]);
    t.dispose();
  });
});

describe.each(backends)('CERP on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  it('the composition equals its dense reconstruction Q_hat[x div ceil(N/b)] + P_hat[x mod b]', () => {
    const t = new CerpTable({ rows: 37, dim: 5, backend: be, seed: 4, buckets: 8, name: 'item', targets: [0.99] }); // the weights set below prune a lot at step 0
    const rng = new Rng(2);
    setAwayFromKinks(be, t.softParts![0], rng);
    setAwayFromKinks(be, t.softParts![1], rng);
    expect([t.buckets, t.perQuotient, t.quotientRows]).toEqual([8, 5, 8]);
    const dense = reconstruct(t);
    const all = lookupAllHost(be, t);
    expect(bits(all)).toEqual(bits(dense));
    expect(all.some((x) => x === 0)).toBe(true);
    const ids = [36, 0, 8, 8, 17, 35];
    const rows = lookupHost(be, t, ids, true);
    ids.forEach((id, i) => { expect(bits(rows.subarray(i * 5, i * 5 + 5))).toEqual(bits(dense.subarray(id * 5, id * 5 + 5))); });
    expect(t.parameters().map((p) => p.name)).toEqual(['item.p.weight', 'item.p.threshold', 'item.q.weight', 'item.q.threshold']);
    t.dispose();
  });

  it('gradients of P, Q and their thresholds match finite differences (no regulariser), in both forms', () => {
    const t = new CerpTable({ rows: 29, dim: 4, backend: be, seed: 6, buckets: 7, complementarity: 0, targets: [0.99] });
    const rng = new Rng(8);
    setAwayFromKinks(be, t.softParts![0], rng);
    setAwayFromKinks(be, t.softParts![1], rng);
    expect(checkGradients(be, t, { ids: [3, 28, 3, 14, 0, 21, 7], training: true, samples: 40, h: 1e-3 })).toBeGreaterThan(10);
    expect(checkGradients(be, t, { ids: 'all', training: true, samples: 40, h: 1e-3 })).toBeGreaterThan(10);
    const stored = (t.buckets + t.quotientRows) * 4;
    const masked = new CerpTable({ rows: 29, dim: 4, backend: be, seed: 6, buckets: 7, masks: Uint8Array.from({ length: stored }, (_, e) => (e % 3 !== 1 ? 1 : 0)) });
    expect(masked.searching).toBe(false);
    expect(checkGradients(be, masked, { ids: [3, 28, 3, 14, 0, 21, 7], training: true, samples: 40 })).toBeGreaterThan(10);
    expect(checkGradients(be, masked, { ids: 'all', training: true, samples: 40 })).toBeGreaterThan(10);
    t.dispose();
    masked.dispose();
  });

  it('the complementarity regulariser -gamma ||tanh(K e)||^2 has the gradient of finite differences, gamma halving per epoch', () => {
    const gamma = 0.3;
    const K = 5;
    const t = new CerpTable({ rows: 23, dim: 3, backend: be, seed: 2, buckets: 6, complementarity: gamma, complementaritySharpness: K });
    const rng = new Rng(4);
    setAwayFromKinks(be, t.softParts![0], rng);
    setAwayFromKinks(be, t.softParts![1], rng);
    const regularizer = (): number => {
      let r = 0;
      for (const e of lookupAllHost(be, t)) r -= gamma * Math.tanh(K * e) ** 2;
      return r;
    };
    for (const mode of ['rows', 'all'] as const) {
      zeroGrads(be, t);
      const ids = Array.from({ length: 23 }, (_, i) => i);
      const dOut = be.alloc('f32', 23 * 3);
      be.fill(dOut, 0);
      if (mode === 'all') t.backwardAll(dOut);
      else {
        const idBuf = be.upload('i32', ids);
        t.backward(idBuf, dOut);
        be.free(idBuf);
      }
      be.free(dOut);
      let checked = 0;
      for (const param of t.parameters()) {
        const g = be.view(param.grad).slice();
        for (let k = 0; k < g.length; k += 3) {
          const x0 = be.view(param.value)[k];
          const h = 1e-3;
          be.view(param.value)[k] = Math.fround(x0 + h);
          const up = regularizer();
          be.view(param.value)[k] = Math.fround(x0 - h);
          const down = regularizer();
          be.view(param.value)[k] = x0;
          const fd = (up - down) / (Math.fround(x0 + h) - Math.fround(x0 - h));
          expect(g[k]).toBeCloseTo(fd, 3);
          if (g[k] !== 0) checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(8);
    }
    t.onEpochStart(3);
    expect(t.complementarityWeight).toBeCloseTo(gamma / 4, 15);
    t.dispose();
  });

  it('captures the masks of P and Q when their non-zeros reach the target (counted against N x d), within 1%', async () => {
    for (const capture of ['first-reach', 'exact'] as const) {
      const N = 300;
      const d = 8;
      const t = new CerpTable({ rows: N, dim: d, backend: be, seed: 3, sparsity: 0.8, thresholdInit: -6, thresholdDecay: 0.1, capture });
      expect((t.buckets + t.quotientRows) * d).toBeGreaterThan(keptAtTarget(0.8, N * d));
      const parts = t.softParts!;
      const moments = parts.map((p) => [be.alloc('f32', p.threshold.value.length), be.alloc('f32', p.threshold.value.length)]);
      for (const [m, v] of moments) {
        be.fill(m, 0);
        be.fill(v, 0);
      }
      const out = be.alloc('f32', N * d);
      for (let step = 1; step <= 3000 && !t.captures!.done; step++) {
        t.lookupAll(out, { training: true });
        parts.forEach((p, i) => {
          be.fill(p.threshold.grad, 0);
          be.adam(p.threshold.value, p.threshold.grad, moments[i][0], moments[i][1], { lr: 0.004, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: false, step });
        });
      }
      const c = t.captures!.mask(0.8)!;
      expect(Math.abs(c.sparsity - 0.8)).toBeLessThan(0.01);
      if (capture === 'exact') expect(c.kept).toBe(keptAtTarget(0.8, N * d));
      const retrain = createTable('cerp', { rows: N, dim: d, backend: be, seed: 3, sparsity: 0.8, name: 'item', masks: { item: c.mask } });
      const size = (await retrain.size());
      expect(size.params).toBe(c.kept);
      expect(Math.abs(1 - size.params / (N * d) - 0.8)).toBeLessThan(0.01);
      for (const [m, v] of moments) {
        be.free(m);
        be.free(v);
      }
      be.free(out);
      retrain.dispose();
      t.dispose();
    }
  });

  it('the training state carries the captures, step count and regulariser weight to a fresh table (none in the fixed-mask form)', () => {
    const options = { rows: 200, dim: 8, backend: be, seed: 3, sparsity: 0.8, thresholdInit: -6, thresholdDecay: 0.1, captureEvery: 2 };
    const t = new CerpTable(options);
    const parts = t.softParts!;
    const moments = parts.map((p) => [be.alloc('f32', p.threshold.value.length), be.alloc('f32', p.threshold.value.length)]);
    for (const [m, v] of moments) {
      be.fill(m, 0);
      be.fill(v, 0);
    }
    const out = be.alloc('f32', 200 * 8);
    t.onEpochStart(3);
    for (let step = 1; step <= 3000 && !t.captures!.done; step++) {
      t.lookupAll(out, { training: true });
      parts.forEach((p, i) => {
        be.fill(p.threshold.grad, 0);
        be.adam(p.threshold.value, p.threshold.grad, moments[i][0], moments[i][1], { lr: 0.004, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: false, step });
      });
    }
    const state = t.trainingState();
    expect(state.header).toMatchObject({ gamma: 1e-4 * 0.25, steps: expect.any(Number) as unknown });
    const fresh = new CerpTable(options);
    expect(fresh.captures!.done).toBe(false);
    fresh.restoreTrainingState(state);
    expect(fresh.complementarityWeight).toBe(t.complementarityWeight);
    const [a, b] = [t.captures!.mask(0.8)!, fresh.captures!.mask(0.8)!];
    expect({ ...b, mask: null }).toEqual({ ...a, mask: null });
    expect(b.mask).toEqual(a.mask);
    expect(fresh.trainingState()).toEqual(state);
    const masked = createTable('cerp', { ...options, masks: a.mask });
    expect(masked.trainingState!()).toEqual({ header: {}, sections: {} });
    for (const [m, v] of moments) {
      be.free(m);
      be.free(v);
    }
    be.free(out);
    for (const x of [t, fresh, masked]) x.dispose();
  });

  it('serialises the search and fixed-mask forms and restores them bit-exactly', async () => {
    const search = new CerpTable({ rows: 31, dim: 4, backend: be, seed: 9, buckets: 6, granularity: 'row', thresholdDecay: 0.2, weightDecay: 1e-4 });
    const rng = new Rng(1);
    setAwayFromKinks(be, search.softParts![0], rng);
    setAwayFromKinks(be, search.softParts![1], rng);
    search.onEpochStart(2);
    const stored = (search.buckets + search.quotientRows) * 4;
    const masked = createTable('cerp', { rows: 31, dim: 4, backend: be, seed: 9, buckets: 6, masks: Uint8Array.from({ length: stored }, (_, e) => (e % 4 === 0 ? 0 : 1)) });
    const tables: EmbeddingTable[] = [search, masked];
    for (const table of tables) {
      const back = await expectRoundTrip(be, table, [30, 0, 5, 5, 12]);
      if (back instanceof CerpTable && table instanceof CerpTable) expect(back.complementarityWeight).toBe(table.complementarityWeight);
      back.dispose();
    }
    for (const t of tables) t.dispose();
  });

  it('rejects out-of-range ids (P and Q indices alone would accept some) and impossible options', () => {
    const t = new CerpTable({ rows: 10, dim: 2, backend: be, seed: 1, buckets: 4 });
    expect(() => lookupHost(be, t, [10])).toThrow(/out of range/);
    expect(() => lookupHost(be, t, [11])).toThrow(/out of range/);
    expect(() => lookupHost(be, t, [-1])).toThrow(/out of range/);
    const ids = be.upload('i32', [0, 10]);
    const dOut = be.alloc('f32', 4);
    expect(() => { t.backward(ids, dOut); }).toThrow(/out of range/);
    be.free(ids);
    be.free(dOut);
    expect(() => new CerpTable({ rows: 10, dim: 2, backend: be, seed: 1 })).toThrow(/buckets or sparsity/);
    expect(() => new CerpTable({ rows: 10, dim: 2, backend: be, seed: 1, buckets: 11 })).toThrow(/must not exceed/);
    expect(() => new CerpTable({ rows: 10, dim: 2, backend: be, seed: 1, buckets: 4, masks: new Uint8Array(5) })).toThrow(/entries/);
    t.dispose();
  });
});
