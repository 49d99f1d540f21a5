/**
 * DCN-Mix's cross network (mixture of low-rank experts) against a float64 re-implementation:
 * forward values, and input and parameter gradients against central finite differences, for
 * identity and softmax gates, on the reference backend and WASM (1 and 2 threads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type Buf, type HostBackend } from '@lers/kernels';
import { CrossNetMix, type GateActivation } from '../src/layers/index.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-1', () => createWasmBackend({ threads: 1 })],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

interface Shape {
  rows: number;
  d: number;
  layers: number;
  experts: number;
  rank: number;
  gate: GateActivation;
}

interface Weights {
  U: Float64Array[];
  C: Float64Array[];
  V: Float64Array[];
  b: Float64Array[];
  G: Float64Array;
}

/** The cross network in float64, written from the formula (one row at a time). */
function crossMix64(x0: Float64Array, s: Shape, w: Weights): Float64Array {
  const { rows, d, experts: E, rank: r } = s;
  let xl = x0;
  for (let l = 0; l < s.layers; l++) {
    const out = Float64Array.from(xl);
    for (let b = 0; b < rows; b++) {
      const x = xl.subarray(b * d, b * d + d);
      const g = new Float64Array(E);
      for (let e = 0; e < E; e++) for (let k = 0; k < d; k++) g[e] += x[k] * w.G[e * d + k];
      if (s.gate === 'softmax') {
        const m = Math.max(...g);
        let z = 0;
        for (let e = 0; e < E; e++) z += Math.exp(g[e] - m);
        for (let e = 0; e < E; e++) g[e] = Math.exp(g[e] - m) / z;
      }
      for (let e = 0; e < E; e++) {
        const V = w.V[l].subarray(e * d * r, (e + 1) * d * r);
        const C = w.C[l].subarray(e * r * r, (e + 1) * r * r);
        const U = w.U[l].subarray(e * r * d, (e + 1) * r * d);
        const h1 = new Float64Array(r);
        for (let j = 0; j < r; j++) {
          for (let k = 0; k < d; k++) h1[j] += x[k] * V[k * r + j];
          h1[j] = Math.tanh(h1[j]);
        }
        const h2 = new Float64Array(r);
        for (let j = 0; j < r; j++) {
          for (let i = 0; i < r; i++) h2[j] += h1[i] * C[i * r + j];
          h2[j] = Math.tanh(h2[j]);
        }
        for (let k = 0; k < d; k++) {
          let ub = w.b[l][k];
          for (let j = 0; j < r; j++) ub += h2[j] * U[j * d + k];
          out[b * d + k] += g[e] * x0[b * d + k] * ub;
        }
      }
    }
    xl = out;
  }
  return xl;
}

function numericGrads(f: () => number, args: readonly Float64Array[], h = 1e-6): Float64Array[] {
  return args.map((a) => {
    const g = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const keep = a[i];
      a[i] = keep + h;
      const up = f();
      a[i] = keep - h;
      const down = f();
      a[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  });
}

function dotW(y: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * w[i];
  return s;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rtol = 3e-3, atol = 3e-4): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > atol + rtol * Math.abs(expected[i])) {
      expect.fail(`${label}[${i}] = ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

describe.each(backends)('CrossNetMix on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });
  const f64 = (b: Buf<'f32'>): Float64Array => Float64Array.from(be.view(b));

  it.each<[GateActivation, number]>([
    ['identity', 2],
    ['softmax', 3],
  ])('%s gates, %i layers: forward and every gradient match float64 finite differences', (gate, layers) => {
    const shape: Shape = { rows: 5, d: 6, layers, experts: 3, rank: 2, gate };
    const net = new CrossNetMix(be, 'cross', shape.d, { layers, experts: shape.experts, rank: shape.rank, gate, seed: 17 });
    const rng = new Rng(21);
    // Non-zero biases so the bias path is generic (they start at zero).
    for (const b of net.bias) be.write(b.value, Array.from({ length: shape.d }, () => 0.3 * rng.nextNormal()));
    const w: Weights = {
      U: net.u.map((p) => f64(p.value)),
      C: net.c.map((p) => f64(p.value)),
      V: net.v.map((p) => f64(p.value)),
      b: net.bias.map((p) => f64(p.value)),
      G: f64(net.gates.value),
    };
    const x0 = Float64Array.from({ length: shape.rows * shape.d }, () => rng.nextNormal());
    const dy = Float64Array.from({ length: shape.rows * shape.d }, () => rng.nextNormal());
    const y = net.forward(be.upload('f32', x0), { training: true, seed: 1 });
    expectClose(be.view(y), crossMix64(x0, shape, w), 'forward');
    const dx = net.backward(be.upload('f32', dy));
    const loss = (): number => dotW(crossMix64(x0, shape, w), dy);
    const flat = [x0, ...w.U, ...w.C, ...w.V, ...w.b, w.G];
    const numeric = numericGrads(loss, flat);
    expectClose(be.view(dx), numeric[0], 'dx0');
    const params = [...net.u, ...net.c, ...net.v, ...net.bias, net.gates];
    params.forEach((p, i) => {
      expectClose(be.view(p.grad), numeric[i + 1], p.name);
    });
    // A smaller batch afterwards runs on slices of the same buffers and still matches.
    const small = x0.slice(0, 2 * shape.d);
    const ys = net.forward(be.upload('f32', small), { training: false, seed: 0 });
    expectClose(be.view(ys), crossMix64(small, { ...shape, rows: 2 }, w), 'forward on 2 rows');
    net.dispose();
  });

  it('has the benchmark defaults: 3 layers, 4 experts, rank 64, shared gates, Kaiming-normal by 3-D fans', () => {
    const d = 48;
    const net = new CrossNetMix(be, 'cross_head', d, { seed: 5 });
    expect([net.layerCount, net.experts, net.rank, net.gate]).toEqual([3, 4, 64, 'identity']);
    expect(net.parameters().map((p) => `${p.name}:${p.shape.join('x')}`)).toEqual([
      'cross_head.U.0:4x64x48', 'cross_head.C.0:4x64x64', 'cross_head.V.0:4x48x64', 'cross_head.biases.0:1x48',
      'cross_head.U.1:4x64x48', 'cross_head.C.1:4x64x64', 'cross_head.V.1:4x48x64', 'cross_head.biases.1:1x48',
      'cross_head.U.2:4x64x48', 'cross_head.C.2:4x64x64', 'cross_head.V.2:4x48x64', 'cross_head.biases.2:1x48',
      'cross_head.gates:4x48x1',
    ]);
    const std = (b: Buf<'f32'>): number => {
      const v = be.view(b);
      let s = 0;
      for (const x of v) s += x * x;
      return Math.sqrt(s / v.length);
    };
    expect(std(net.u[0].value) / Math.sqrt(2 / (64 * 48))).toBeCloseTo(1, 1);
    expect(std(net.c[1].value) / Math.sqrt(2 / (64 * 64))).toBeCloseTo(1, 1);
    expect(std(net.v[2].value) / Math.sqrt(2 / (48 * 64))).toBeCloseTo(1, 1);
    expect(std(net.gates.value) / Math.sqrt(2 / 48)).toBeCloseTo(1, 0);
    expect(be.view(net.bias[0].value).every((v) => v === 0)).toBe(true);
    net.dispose();
  });
});
