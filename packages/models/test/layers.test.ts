/**
 * Dense layers against float64 re-implementations: forward values, and backward (input and
 * parameter gradients) against central finite differences of the float64 function. Runs on the
 * TS reference backend and on WASM with 1 and 2 threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, hash2, Rng, u32ToUnit, type Buf, type HostBackend } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { BatchNorm1d, buildMlp, Dropout, fans, initTensor, Linear, ReLU, RowBuffer, SeedSequence, Sequential, type Layer } from '../src/layers/index.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-1', () => createWasmBackend({ threads: 1 })],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

const train = (seed = 1) => ({ training: true, seed });
const infer = { training: false, seed: 0 };

// ---------- float64 reference pieces ----------

/** y = x W^T + b (x rows x n, W m x n). */
function linear64(x: Float64Array, rows: number, W: Float64Array, b: Float64Array | null, n: number, m: number): Float64Array {
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < m; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < n; i++) s += x[r * n + i] * W[o * n + i];
      y[r * m + o] = s;
    }
  }
  return y;
}

/** Training-mode BatchNorm (biased batch variance). */
function bn64(x: Float64Array, rows: number, cols: number, gamma: Float64Array, beta: Float64Array, eps = 1e-5): Float64Array {
  const y = new Float64Array(x.length);
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * cols + c];
    mean /= rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (x[r * cols + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / rows + eps);
    for (let r = 0; r < rows; r++) y[r * cols + c] = gamma[c] * (x[r * cols + c] - mean) * inv + beta[c];
  }
  return y;
}

const relu64 = (x: Float64Array): Float64Array => x.map((v) => Math.max(v, 0));

/** The kernels' dropout mask for a layer seed, applied in float64. */
function dropout64(x: Float64Array, p: number, seed: number): Float64Array {
  return x.map((v, i) => (u32ToUnit(hash2(seed, i)) >= p ? v / (1 - p) : 0));
}

/** Central finite differences of f with respect to every element of every array in `args`. */
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

/** Weighted sum: the scalar whose gradient with respect to y is w. */
function dotW(y: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * w[i];
  return s;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rtol = 2e-3, atol = 2e-4): void {
  expect(actual.length, label).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (excess > worst) {
      worst = excess;
      at = i;
    }
  }
  expect(at, `${label}: element ${at} is ${at >= 0 ? actual[at] : 0}, expected ${at >= 0 ? expected[at] : 0}`).toBe(-1);
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function randomArray(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => scale * rng.nextNormal());
}

describe.each(backends)('layers on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  const up = (a: ArrayLike<number>): Buf<'f32'> => be.upload('f32', a);
  const f64 = (b: Buf<'f32'>): Float64Array => Float64Array.from(be.view(b));
  const grad = (p: Parameter): Float64Array => Float64Array.from(be.view(p.grad));

  it('Linear: forward and backward match float64 finite differences', () => {
    const rng = new Rng(11);
    const [rows, n, m] = [5, 7, 3];
    const layer = new Linear(be, 'fc', n, m, { seed: 3 });
    const x = randomArray(rng, rows * n);
    const w = randomArray(rng, rows * m);
    const W = f64(layer.weight.value);
    const b = f64(layer.bias!.value);
    const xb = up(x);
    const y = layer.forward(xb, train());
    expectClose(be.view(y), linear64(x, rows, W, b, n, m), 'forward');
    const dx = layer.backward(up(w));
    const [nx, nW, nb] = numericGrads(() => dotW(linear64(x, rows, W, b, n, m), w), [x, W, b]);
    expectClose(be.view(dx), nx, 'dx');
    expectClose(be.view(layer.weight.grad), nW, 'dW');
    expectClose(be.view(layer.bias!.grad), nb, 'db');
    // Gradients accumulate: a second backward doubles them.
    layer.backward(up(w));
    expectClose(be.view(layer.weight.grad), nW.map((v) => 2 * v), 'dW accumulated');
    layer.dispose();
  });

  it('Linear: PyTorch default init bounds, xavier and kaiming by seed; no-bias variant', () => {
    const layer = new Linear(be, 'fc', 200, 100, { seed: 5 });
    const bound = 1 / Math.sqrt(200);
    expect(maxAbs(be.view(layer.weight.value))).toBeLessThanOrEqual(bound);
    expect(maxAbs(be.view(layer.weight.value))).toBeGreaterThan(0.99 * bound);
    expect(maxAbs(be.view(layer.bias!.value))).toBeLessThanOrEqual(bound);
    const again = new Linear(be, 'fc', 200, 100, { seed: 5 });
    expect(sameBits(be.view(again.weight.value), be.view(layer.weight.value))).toBe(true);
    const kn = new Linear(be, 'fc', 200, 100, { seed: 5, init: 'kaiming-normal', bias: false });
    expect(kn.bias).toBeNull();
    expect(kn.parameters()).toHaveLength(1);
    const kv = be.view(kn.weight.value);
    const std = Math.sqrt(kv.reduce((s, v) => s + v * v, 0) / kv.length);
    expect(std).toBeGreaterThan(0.97 * Math.sqrt(2 / 200));
    expect(std).toBeLessThan(1.03 * Math.sqrt(2 / 200));
    const xu = new Linear(be, 'fc', 200, 100, { seed: 5, init: 'xavier-uniform' });
    const xb = Math.sqrt(6 / 300);
    expect(maxAbs(be.view(xu.weight.value))).toBeLessThanOrEqual(xb);
    expect(maxAbs(be.view(xu.weight.value))).toBeGreaterThan(0.99 * xb);
    expect(be.view(xu.bias!.value).every((v) => v === 0)).toBe(true);
    for (const l of [layer, again, kn, xu]) l.dispose();
  });

  it('BatchNorm1d: training forward/backward match float64, running stats as PyTorch, eval uses them', () => {
    const rng = new Rng(12);
    const [rows, cols] = [6, 4];
    const layer = new BatchNorm1d(be, 'bn', cols);
    // Non-trivial gamma/beta so their gradients and the scale path are exercised.
    be.write(layer.gamma.value, [0.5, 1.5, -1, 2]);
    be.write(layer.beta.value, [0.1, -0.2, 0.3, 0]);
    const x = randomArray(rng, rows * cols, 2).map((v, i) => v + (i % cols));
    const w = randomArray(rng, rows * cols);
    const gamma = f64(layer.gamma.value);
    const beta = f64(layer.beta.value);
    const y = layer.forward(up(x), train());
    expectClose(be.view(y), bn64(x, rows, cols, gamma, beta), 'forward');
    const dx = layer.backward(up(w));
    const [nx, ng, nb] = numericGrads(() => dotW(bn64(x, rows, cols, gamma, beta), w), [x, gamma, beta]);
    expectClose(be.view(dx), nx, 'dx');
    expectClose(grad(layer.gamma), ng, 'dgamma');
    expectClose(grad(layer.beta), nb, 'dbeta');
    const bufs = layer.buffers();
    expect(Object.keys(bufs).sort()).toEqual(['bn.running_mean', 'bn.running_var']);
    const mean = new Float64Array(cols);
    const uvar = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < rows; r++) mean[c] += x[r * cols + c] / rows;
      for (let r = 0; r < rows; r++) uvar[c] += (x[r * cols + c] - mean[c]) ** 2 / (rows - 1);
    }
    expectClose(be.view(bufs['bn.running_mean']), mean.map((m) => 0.1 * m), 'running mean', 1e-5, 1e-6);
    expectClose(be.view(bufs['bn.running_var']), uvar.map((v) => 0.9 + 0.1 * v), 'running var', 1e-5, 1e-6);
    const e = be.view(layer.forward(up(x), infer));
    const rm = be.view(bufs['bn.running_mean']);
    const rv = be.view(bufs['bn.running_var']);
    const expected = x.map((v, i) => gamma[i % cols] * (v - rm[i % cols]) / Math.sqrt(rv[i % cols] + 1e-5) + beta[i % cols]);
    expectClose(e, expected, 'eval forward');
    expect(() => layer.forward(up([1, 2, 3, 4]), train())).toThrow(/at least 2 rows/);
    layer.dispose();
  });

  it('ReLU: forward and backward', () => {
    const x = [-2, -0.5, 0.25, 3, -1, 4];
    const layer = new ReLU(be, 'relu', 3);
    expect(Array.from(be.view(layer.forward(up(x), train())))).toEqual([0, 0, 0.25, 3, 0, 4]);
    const dx = layer.backward(up([1, 2, 3, 4, 5, 6]));
    expect(Array.from(be.view(dx))).toEqual([0, 0, 3, 4, 0, 6]);
    // Away from the kink, the finite-difference gradient is the same mask.
    const w = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const xs = Float64Array.from(x);
    const [nx] = numericGrads(() => dotW(relu64(xs), w), [xs]);
    expectClose(be.view(dx), nx, 'dx');
    layer.dispose();
  });

  it('Dropout: seeded inverted mask, backward through the same mask, identity at eval', () => {
    const rng = new Rng(13);
    const [rows, cols, p] = [64, 50, 0.5];
    const layer = new Dropout(be, 'drop', cols, p, 777);
    const x = randomArray(rng, rows * cols).map((v) => v + 0.01 * Math.sign(v));
    const xb = up(x);
    const y = Float64Array.from(be.view(layer.forward(xb, train(42))));
    const layerSeed = hash2(42, 777);
    expectClose(y, dropout64(x, p, layerSeed), 'forward');
    const kept = y.filter((v) => v !== 0).length / y.length;
    expect(kept).toBeGreaterThan(0.45);
    expect(kept).toBeLessThan(0.55);
    // Backward: dx = dy * keep / (1 - p), i.e. the float64 function's finite-difference gradient
    // (checked on the first rows to keep the test fast).
    const w = randomArray(rng, rows * cols);
    const dx = be.view(layer.backward(up(w)));
    const few = 3 * cols;
    const xs = x.slice(0, few);
    const [nx] = numericGrads(() => dotW(dropout64(xs, p, layerSeed), w.subarray(0, few)), [xs]);
    expectClose(dx.subarray(0, few), nx, 'dx');
    expectClose(dx, w.map((v, i) => (y[i] !== 0 ? v / (1 - p) : 0)), 'dx (all rows)');
    // Another step seed gives another mask; the same seed the same one.
    const y2 = be.view(layer.forward(xb, train(43)));
    expect(Array.from(y2).some((v, i) => (v === 0) !== (y[i] === 0))).toBe(true);
    expect(Float64Array.from(be.view(layer.forward(xb, train(42))))).toEqual(y);
    expect(layer.forward(xb, infer)).toBe(xb);
    expect(() => new Dropout(be, 'bad', 3, 1, 0)).toThrow(RangeError);
    layer.dispose();
  });

  it('MLP (Linear -> BN -> ReLU -> Dropout, output Linear): float64 finite differences through the whole stack', () => {
    const rng = new Rng(14);
    const [rows, n] = [8, 5];
    const hidden = [6, 4];
    const p = 0.25;
    const mlp = buildMlp(be, { name: 'dnn', inFeatures: n, hidden, dropout: p, seed: 99 });
    expect(mlp.layers.map((l) => l.constructor.name)).toEqual(['Linear', 'BatchNorm1d', 'ReLU', 'Dropout', 'Linear', 'BatchNorm1d', 'ReLU', 'Dropout', 'Linear']);
    expect(mlp.parameters().map((q) => q.name)).toEqual([
      'dnn.0.weight', 'dnn.0.bias', 'dnn.1.weight', 'dnn.1.bias',
      'dnn.4.weight', 'dnn.4.bias', 'dnn.5.weight', 'dnn.5.bias',
      'dnn.8.weight', 'dnn.8.bias',
    ]);
    expect(Object.keys(mlp.buffers())).toEqual(['dnn.1.running_mean', 'dnn.1.running_var', 'dnn.5.running_mean', 'dnn.5.running_var']);
    // Perturb BN affine parameters away from (1, 0) so their gradients are generic.
    for (const q of mlp.parameters()) {
      if (q.shape.length === 1) be.write(q.value, randomArray(rng, q.value.length, 0.5).map((v) => v + (q.name.endsWith('weight') ? 1 : 0)));
    }
    const x = randomArray(rng, rows * n);
    const w = randomArray(rng, rows);
    const params = mlp.parameters().map((q) => f64(q.value));
    const stepSeed = 2024;
    const salts = mlp.layers.filter((l): l is Dropout => l instanceof Dropout).map((l) => l.salt);
    const f = (): number => {
      let h = x;
      let width = n;
      let k = 0;
      hidden.forEach((size, i) => {
        h = linear64(h, rows, params[k], params[k + 1], width, size);
        h = bn64(h, rows, size, params[k + 2], params[k + 3]);
        h = dropout64(relu64(h), p, hash2(stepSeed, salts[i]));
        k += 4;
        width = size;
      });
      return dotW(linear64(h, rows, params[k], params[k + 1], width, 1), w);
    };
    const y = mlp.forward(up(x), train(stepSeed));
    expect(y.length).toBe(rows);
    expect(dotW(Float64Array.from(be.view(y)), w)).toBeCloseTo(f(), 4);
    const dx = mlp.backward(up(w));
    const numeric = numericGrads(f, [x, ...params]);
    expectClose(be.view(dx), numeric[0], 'dx');
    mlp.parameters().forEach((q, i) => {
      expectClose(grad(q), numeric[i + 1], q.name);
    });
    mlp.dispose();
  });

  it('Sequential rejects mismatched widths; layers reject ragged inputs and backward before forward', () => {
    const a = new Linear(be, 'a', 3, 4, { seed: 1 });
    const b = new Linear(be, 'b', 5, 2, { seed: 2 });
    expect(() => new Sequential('s', [a, b])).toThrow(/gives 4 features but b takes 5/);
    expect(() => new Sequential('s', [])).toThrow(RangeError);
    expect(() => a.forward(up([1, 2, 3, 4]), train())).toThrow(/not a non-empty batch/);
    expect(() => b.backward(up([1, 2]))).toThrow(/without a training forward/);
    a.forward(up([1, 2, 3]), infer);
    expect(() => a.backward(up([1, 2, 3, 4]))).toThrow(/without a training forward/);
    a.dispose();
    b.dispose();
  });

  it('buffers are reused across batches and a smaller last batch works on a slice', () => {
    const rng = new Rng(15);
    const layers: Layer[] = [new Linear(be, 'fc', 3, 2, { seed: 4 })];
    const net = new Sequential('net', layers);
    const big = randomArray(rng, 10 * 3);
    const y1 = net.forward(up(big), train());
    const y1copy = Float64Array.from(be.view(y1));
    const y2 = net.forward(up(big), train());
    expect(y2).toBe(y1); // same storage, no per-step allocation
    const small = big.slice(0, 4 * 3);
    const y3 = net.forward(up(small), train());
    expect(y3.length).toBe(4 * 2);
    expectClose(be.view(y3), y1copy.slice(0, 8), 'prefix rows');
    const rb = new RowBuffer(be, 'f32', 5);
    expect(rb.take(3).length).toBe(15);
    expect(rb.take(7).length).toBe(35);
    expect(rb.take(2).length).toBe(10);
    rb.dispose();
    net.dispose();
  });
});

describe('initialisers', () => {
  it('compute fans as torch.nn.init does, for 2-D and 3-D tensors', () => {
    expect(fans([300, 400])).toEqual({ fanIn: 400, fanOut: 300 });
    expect(fans([4, 64, 624])).toEqual({ fanIn: 64 * 624, fanOut: 4 * 624 });
    expect(fans([4, 624, 1])).toEqual({ fanIn: 624, fanOut: 4 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
  });

  it('are seeded: equal seeds equal values, a SeedSequence gives distinct seeds', () => {
    const be = createReferenceBackend();
    const a = be.alloc('f32', 1000);
    const b = be.alloc('f32', 1000);
    initTensor(be, a, [10, 100], 'kaiming-uniform', 9);
    initTensor(be, b, [10, 100], 'kaiming-uniform', 9);
    expect(sameBits(be.view(a), be.view(b))).toBe(true);
    const bound = Math.sqrt(6 / 100);
    expect(maxAbs(be.view(a))).toBeLessThanOrEqual(bound);
    expect(maxAbs(be.view(a))).toBeGreaterThan(0.99 * bound);
    initTensor(be, b, [10, 100], { normal: 0.01 }, 9);
    expect(maxAbs(be.view(b))).toBeLessThan(0.06);
    const seeds = new SeedSequence(5);
    const taken = [seeds.take(), seeds.take(), seeds.take()];
    expect(new Set(taken).size).toBe(3);
    expect(new SeedSequence(5).take()).toBe(taken[0]);
    be.dispose();
  });
});
