import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, type HostBackend } from '@lers/kernels';
import { chunkBounds, DheTable, drawDheHashes, isPrime, mlpParamCount } from '../src/index.js';
import { bits, checkGradients, expectRoundTrip, fitWithAdam, lookupAllHost, lookupHost, asTable } from './compressed-checks.js';
import { createTable } from './definitions.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

describe('DHE hashes', () => {
  it('tests primality exactly below 2^32', () => {
    const sieve = new Uint8Array(20000).fill(1);
    sieve[0] = sieve[1] = 0;
    for (let i = 2; i * i < sieve.length; i++) if (sieve[i]) for (let j = i * i; j < sieve.length; j += i) sieve[j] = 0;
    for (let n = 0; n < sieve.length; n++) expect(isPrime(n)).toBe(sieve[n] === 1);
    // Mersenne prime, Carmichael numbers and strong pseudoprimes to small bases.
    expect(isPrime(2147483647)).toBe(true);
    for (const n of [561, 1105, 2047, 3277, 4033, 25326001, 3215031751, 2147483649]) expect(isPrime(n)).toBe(false);
  });

  it('draws k distinct primes in (10^6, 2^31) and a, b below them, from the seed', () => {
    const h = drawDheHashes(1024, 7);
    expect(new Set(h.p).size).toBe(1024);
    for (let j = 0; j < 1024; j++) {
      expect(h.p[j]).toBeGreaterThan(1e6);
      expect(h.p[j]).toBeLessThan(2 ** 31);
      expect(h.a[j]).toBeGreaterThanOrEqual(1);
      expect(h.a[j]).toBeLessThan(h.p[j]);
      expect(h.b[j]).toBeLessThan(h.p[j]);
    }
    // Independent trial division on a sample.
    for (const p of h.p.subarray(0, 16)) for (let d = 2; d * d <= p; d++) if (p % d === 0) throw new Error(`${p} = ${d} x ${p / d}`);
    expect(drawDheHashes(1024, 7)).toEqual(h);
    expect(drawDheHashes(8, 8).p).not.toEqual(h.p.subarray(0, 8));
  });

  it('splits lookupAll into chunks of at least chunkRows rows', () => {
    expect(chunkBounds(30, 8)).toEqual([[0, 10], [10, 10], [20, 10]]);
    expect(chunkBounds(31, 16)).toEqual([[0, 31]]);
    expect(chunkBounds(33, 16)).toEqual([[0, 17], [17, 16]]);
    expect(chunkBounds(3, 2)).toEqual([[0, 3]]);
  });
});

interface HostLayer { w: Float32Array; b: Float32Array; gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; out: number }

/** The DHE function in f64 from the definition: BigInt hashes, then Linear -> BN -> Mish per layer. */
function hostDhe(t: DheTable, layers: HostLayer[], ids: readonly number[], training: boolean): Float64Array {
  const { a, b, p } = t.hashes;
  const m = BigInt(t.hashRange);
  let x = new Float64Array(ids.length * t.k);
  ids.forEach((id, i) => {
    for (let j = 0; j < t.k; j++) {
      const h = Number(((BigInt(a[j]) * BigInt(id) + BigInt(b[j])) % BigInt(p[j])) % m);
      x[i * t.k + j] = (2 * h) / (t.hashRange - 1) - 1;
    }
  });
  let inW = t.k;
  const n = ids.length;
  for (const l of layers) {
    const z = new Float64Array(n * l.out);
    for (let i = 0; i < n; i++) for (let o = 0; o < l.out; o++) {
      let s = l.b[o];
      for (let c = 0; c < inW; c++) s += x[i * inW + c] * l.w[o * inW + c];
      z[i * l.out + o] = s;
    }
    const y = new Float64Array(n * l.out);
    for (let o = 0; o < l.out; o++) {
      let mean = l.mean[o];
      let variance = l.variance[o];
      if (training) {
        mean = 0;
        for (let i = 0; i < n; i++) mean += z[i * l.out + o] / n;
        variance = 0;
        for (let i = 0; i < n; i++) variance += (z[i * l.out + o] - mean) ** 2 / n;
      }
      for (let i = 0; i < n; i++) {
        const v = (l.gamma[o] * (z[i * l.out + o] - mean)) / Math.sqrt(variance + 1e-5) + l.beta[o];
        y[i * l.out + o] = v * Math.tanh(Math.log1p(Math.exp(v)));
      }
    }
    x = y;
    inW = l.out;
  }
  return x;
}

describe.each(backends)('DheTable on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  const dhe = (extra: Record<string, unknown> = {}, seed = 3): DheTable =>
    asTable(DheTable, createTable('dhe', { rows: 30, dim: 4, backend: be, seed, k: 16, hidden: [6, 5], name: 'user', ...extra }));

  const hostLayers = (t: DheTable): HostLayer[] =>
    t.mlp.layers.map((l) => ({
      w: be.view(l.weight.value).slice(),
      b: be.view(l.bias.value).slice(),
      gamma: be.view(l.gamma.value).slice(),
      beta: be.view(l.beta.value).slice(),
      mean: be.view(l.runningMean).slice(),
      variance: be.view(l.runningVar).slice(),
      out: l.outWidth,
    }));

  const expectClose = (got: Float32Array, want: Float64Array): void => {
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(2e-4 * (1 + Math.abs(want[i])));
  };

  it('evaluates hash encoding -> (Linear -> BN -> Mish) x layers, in training and in evaluation', () => {
    const t = dhe();
    expect(t.mlp.layers.map((l) => [l.inWidth, l.outWidth])).toEqual([[16, 6], [6, 5], [5, 4]]);
    const ids = [29, 0, 7, 7, 13, 2];
    expectClose(lookupHost(be, t, ids, true), hostDhe(t, hostLayers(t), ids, true));
    // Give the running statistics non-default values, then evaluate with them.
    lookupAllHost(be, t, true);
    const layers = hostLayers(t);
    expect(Array.from(layers[0].variance).some((v) => v !== 1)).toBe(true);
    const all = lookupAllHost(be, t);
    expectClose(all, hostDhe(t, layers, Array.from({ length: 30 }, (_, i) => i), false));
    const got = lookupHost(be, t, ids);
    ids.forEach((id, i) => {
      for (let c = 0; c < 4; c++) expect(got[i * 4 + c]).toBeCloseTo(all[id * 4 + c], 6);
    });
    t.dispose();
  });

  it('updates the running statistics in training passes only', () => {
    const t = dhe({ bnMomentum: 0.25 });
    const stats = (): Float32Array => Float32Array.from(t.mlp.layers.flatMap((l) => [...be.view(l.runningMean), ...be.view(l.runningVar)]));
    const initial = stats();
    expect(Array.from(initial)).toEqual([...new Array<number>(6).fill(0), ...new Array<number>(6).fill(1), ...new Array<number>(5).fill(0), ...new Array<number>(5).fill(1), ...new Array<number>(4).fill(0), ...new Array<number>(4).fill(1)]);
    lookupHost(be, t, [1, 2, 3]);
    lookupAllHost(be, t);
    expect(bits(stats())).toEqual(bits(initial));
    const layers = hostLayers(t);
    const ids = [4, 9, 9, 21];
    lookupHost(be, t, ids, true);
    // Layer 0's batch mean of z = x W^T + b over the ids, with momentum 0.25.
    const { a, b, p } = t.hashes;
    for (let o = 0; o < 6; o++) {
      let mean = 0;
      for (const id of ids) {
        let z = layers[0].b[o];
        for (let j = 0; j < 16; j++) {
          const h = Number(((BigInt(a[j]) * BigInt(id) + BigInt(b[j])) % BigInt(p[j])) % 1000000n);
          z += ((2 * h) / 999999 - 1) * layers[0].w[o * 16 + j];
        }
        mean += z / ids.length;
      }
      expect(be.view(t.mlp.layers[0].runningMean)[o]).toBeCloseTo(0.25 * mean, 5);
    }
    t.dispose();
  });

  it('backward matches finite differences (lookup, lookupAll in one chunk and in several)', () => {
    const t = dhe({}, 11);
    expect(checkGradients(be, t, { ids: [3, 29, 3, 20, 0, 14], training: true, samples: 10, h: 1e-3 })).toBeGreaterThan(40);
    expect(checkGradients(be, t, { ids: 'all', training: true, samples: 10, h: 1e-3 })).toBeGreaterThan(40);
    const chunked = dhe({ chunkRows: 8 }, 11);
    expect(checkGradients(be, chunked, { ids: 'all', training: true, samples: 10, h: 1e-3 })).toBeGreaterThan(40);
    for (const x of [t, chunked]) x.dispose();
  });

  it('recomputes chunk activations for backwardAll without touching the running statistics', () => {
    const t = dhe({ chunkRows: 8 });
    const single = dhe({ chunkRows: 64 });
    lookupAllHost(be, t, true);
    lookupAllHost(be, single, true);
    const stats = (x: DheTable): Uint32Array => bits(Float32Array.from(x.mlp.layers.flatMap((l) => [...be.view(l.runningMean), ...be.view(l.runningVar)])));
    const before = stats(t);
    const dOut = be.upload('f32', Array.from({ length: 120 }, (_, i) => Math.sin(i)));
    t.backwardAll(dOut);
    single.backwardAll(dOut);
    expect(stats(t)).toEqual(before);
    // Per-chunk batch statistics differ from whole-table ones, so the gradients differ too.
    expect(bits(be.view(t.parameters()[0].grad))).not.toEqual(bits(be.view(single.parameters()[0].grad)));
    for (const x of [t, single]) x.dispose();
  });

  it('refuses training on one row and backward passes without a training pass', () => {
    const t = dhe();
    expect(() => lookupHost(be, t, [5], true)).toThrow(/at least 2 rows/);
    expect(lookupHost(be, t, [5]).length).toBe(4);
    expect(() => { t.backward(be.upload('i32', [5]), be.alloc('f32', 4)); }).toThrow(/backward without a training lookup/);
    lookupAllHost(be, t);
    expect(() => { t.backwardAll(be.alloc('f32', 120)); }).toThrow(/backwardAll without a training lookupAll/);
    lookupHost(be, t, [1, 2], true);
    expect(() => { t.backward(be.upload('i32', [1, 2, 3]), be.alloc('f32', 12)); }).toThrow(/dOut must have 2 x 4 elements/);
    t.dispose();
  });

  it('rejects ids outside [0, N), writing nothing', () => {
    const t = dhe();
    for (const bad of [30, -1, 1 << 30]) {
      const ids = be.upload('i32', [2, bad]);
      expect(() => { t.lookup(ids, be.alloc('f32', 8), { training: true }); }).toThrow(new RegExp(`id ${bad} at position 1 is out of range \\[0, 30\\)`));
      expect(() => { t.backward(ids, be.alloc('f32', 8)); }).toThrow(RangeError);
    }
    for (const p of t.parameters()) expect(be.view(p.grad).every((g) => g === 0)).toBe(true);
    t.dispose();
  });

  it('gives the same outputs with cached encodings, counted as memory only', async () => {
    const t = dhe();
    const cached = dhe({ cacheHashes: true });
    expect(bits(lookupAllHost(be, cached, true))).toEqual(bits(lookupAllHost(be, t, true)));
    expect(bits(lookupHost(be, cached, [3, 8, 3], true))).toEqual(bits(lookupHost(be, t, [3, 8, 3], true)));
    expect(bits(lookupHost(be, cached, [29]))).toEqual(bits(lookupHost(be, t, [29])));
    const a = (await t.size());
    const b = (await cached.size());
    expect(b.params).toBe(a.params);
    expect(b.diskBytes).toBe(a.diskBytes);
    expect(b.memoryBytes - a.memoryBytes).toBe(4 * 30 * 16);
    for (const x of [t, cached]) x.dispose();
  });

  it('serialises and restores bit-exactly, running statistics and hashes included', async () => {
    const t = dhe({ weightDecay: 1e-6, bnMomentum: 0.3 });
    lookupAllHost(be, t, true);
    const back = await expectRoundTrip(be, t, [0, 29, 12]);
    expect(back.parameters()[0].weightDecay).toBe(1e-6);
    expect(asTable(DheTable, back).hashes).toEqual(t.hashes);
    const cached = dhe({ cacheHashes: true });
    const back2 = await expectRoundTrip(be, cached, [4]);
    for (const x of [t, back, cached, back2]) x.dispose();
  });

  it('counts the MLP (weights, biases, BN affine) as parameters', async () => {
    const t = dhe();
    const params = 16 * 6 + 6 + 12 + (6 * 5 + 5 + 10) + (5 * 4 + 4 + 8);
    expect(mlpParamCount([16, 6, 5, 4])).toBe(params);
    // Memory and disk add the running statistics (2 per BN column) and the 3k hash parameters.
    const bytes = 4 * (params + 2 * (6 + 5 + 4) + 3 * 16);
    expect((await t.size())).toEqual({ params, nonZeros: params - 15, memoryBytes: bytes, diskBytes: bytes });
    t.dispose();
  });
});

describe('DheTable sizing and training', () => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads: 1 });
  });
  afterAll(() => {
    be.dispose();
  });

  it('solves equal hidden widths from a target sparsity (k = 1024 by default)', async () => {
    for (const s of [0.5, 0.8, 0.95]) {
      const t = asTable(DheTable, createTable('dhe', { rows: 20000, dim: 64, backend: be, seed: 1, sparsity: s }));
      expect(t.k).toBe(1024);
      expect(t.hidden.length).toBe(3);
      expect(Math.abs((await t.size()).params / (20000 * 64 * (1 - s)) - 1)).toBeLessThanOrEqual(0.01);
      t.dispose();
    }
    const shallow = asTable(DheTable, createTable('dhe', { rows: 20000, dim: 64, backend: be, seed: 1, sparsity: 0.8, depth: 1 }));
    expect(shallow.hidden.length).toBe(1);
    shallow.dispose();
  });

  it('Adam on lookupAll + backwardAll fits a DHE teacher', () => {
    const opts = { rows: 64, dim: 8, backend: be, k: 32, hidden: [24] };
    const teacher = createTable('dhe', { ...opts, seed: 100 });
    const target = lookupAllHost(be, teacher, true);
    const t = createTable('dhe', { ...opts, seed: 7 });
    const [before, after] = fitWithAdam(be, t, target, 150, 0.02);
    expect(after).toBeLessThan(0.1 * before);
    teacher.dispose();
    t.dispose();
  });
});
