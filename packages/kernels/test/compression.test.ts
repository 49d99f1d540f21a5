import { beforeAll, describe, expect, it } from 'vitest';
import type { HostBackend, QrOp, ThresholdGranularity, TtShape } from '../src/index.js';
import { AWKWARD_LENGTHS, expectClose, getBackends, randomFloats, randomInts, UNDER_TEST, type Backends } from './harness.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

const ALL = ['reference', ...UNDER_TEST] as const;
const QR_OPS: readonly QrOp[] = ['mult', 'add', 'concat'];
const GRANULARITIES: readonly ThresholdGranularity[] = ['element', 'row', 'dim', 'global'];

/** Element-by-element identity (Object.is: NaN equals NaN, -0 differs from 0); fast on large arrays. */
function expectIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`${label} [${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Central difference of a float64 function of one coordinate. */
function centralDifference(f: (x: number) => number, x: number, h: number): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

// ---------------------------------------------------------------------------------------------
// QR

interface QrCase { op: QrOp; m: number; qRows: number; partDim: number; ids: Int32Array; r: Float32Array; q: Float32Array }

function qrCase(op: QrOp, m: number, qRows: number, partDim: number, n: number, seed: number): QrCase {
  return { op, m, qRows, partDim, ids: randomInts(n, Math.max(1, m * qRows), seed), r: randomFloats(m * partDim, seed + 1), q: randomFloats(qRows * partDim, seed + 2) };
}

function qrWidth(c: QrCase): number {
  return c.op === 'concat' ? 2 * c.partDim : c.partDim;
}

function runQr(be: HostBackend, c: QrCase): Float32Array {
  const out = be.alloc('f32', c.ids.length * qrWidth(c));
  be.qrCombine(c.op, be.upload('f32', c.r), c.m, be.upload('f32', c.q), c.qRows, c.partDim, be.upload('i32', c.ids), out);
  return be.view(out).slice();
}

/** Runs the backward on dR, dQ starting from the given values (random ones by default) and returns them. */
function runQrBackward(be: HostBackend, c: QrCase, dOut: Float32Array, dR0 = randomFloats(c.r.length, 1), dQ0 = randomFloats(c.q.length, 2)): Float32Array[] {
  const dR = be.upload('f32', dR0);
  const dQ = be.upload('f32', dQ0);
  be.qrCombineBackward(c.op, be.upload('f32', c.r), c.m, be.upload('f32', c.q), c.qRows, c.partDim, be.upload('i32', c.ids), be.upload('f32', dOut), dR, dQ);
  return [be.view(dR).slice(), be.view(dQ).slice()];
}

/** sum(out * g) of the QR lookup in float64. */
function qrLoss64(c: QrCase, r: Float64Array, q: Float64Array, g: Float32Array): number {
  let loss = 0;
  const w = qrWidth(c);
  c.ids.forEach((id, i) => {
    const ri = id % c.m, qi = Math.floor(id / c.m);
    for (let j = 0; j < c.partDim; j++) {
      const a = r[ri * c.partDim + j], b = q[qi * c.partDim + j];
      if (c.op === 'mult') loss += a * b * g[i * w + j];
      else if (c.op === 'add') loss += (a + b) * g[i * w + j];
      else loss += a * g[i * w + j] + b * g[i * w + c.partDim + j];
    }
  });
  return loss;
}

describe('qrCombine', () => {
  const shapes: [number, number, number, number][] = [[1, 1, 1, 0], [3, 4, 1, 1], [5, 3, 3, 7], [4, 4, 4, 30], [7, 6, 5, 31], [10, 10, 17, 100], [9, 8, 64, 300]];
  for (const name of UNDER_TEST) {
    for (const op of QR_OPS) {
      it(`${name} ${op}: forward identical to the reference, backward close`, () => {
        for (const [m, qRows, partDim, n] of shapes) {
          const c = qrCase(op, m, qRows, partDim, n, m * 17 + partDim);
          expectIdentical(runQr(B[name], c), runQr(B.reference, c), `${m}x${qRows}x${partDim}`);
          const dOut = randomFloats(n * qrWidth(c), 5);
          const got = runQrBackward(B[name], c, dOut);
          const want = runQrBackward(B.reference, c, dOut);
          expectClose(got[0], want[0], 1e-5, 1e-6, `${name} dR`);
          expectClose(got[1], want[1], 1e-5, 1e-6, `${name} dQ`);
        }
      });
    }
  }

  it('hand-computed rows and accumulated gradients', () => {
    for (const name of ALL) {
      const c: QrCase = { op: 'mult', m: 2, qRows: 2, partDim: 2, ids: Int32Array.of(3, 0, 3), r: Float32Array.of(1, 2, 3, 4), q: Float32Array.of(10, 20, 30, 40) };
      expect([...runQr(B[name], c)], name).toEqual([90, 160, 10, 40, 90, 160]);
      expect([...runQr(B[name], { ...c, op: 'add' })], name).toEqual([33, 44, 11, 22, 33, 44]);
      expect([...runQr(B[name], { ...c, op: 'concat' })], name).toEqual([3, 4, 30, 40, 1, 2, 10, 20, 3, 4, 30, 40]);
      const be = B[name];
      const dR = be.upload('f32', [1, 1, 1, 1]);
      const dQ = be.alloc('f32', 4);
      be.qrCombineBackward('mult', be.upload('f32', c.r), 2, be.upload('f32', c.q), 2, 2, be.upload('i32', c.ids), be.upload('f32', [1, 1, 1, 1, 1, 1]), dR, dQ);
      // id 3 twice: dR[1] += 2 * Q[1]; id 0: dR[0] += Q[0]; dQ[1] += 2 * R[1]; dQ[0] += R[0].
      expect([...be.view(dR)], name).toEqual([11, 21, 61, 81]);
      expect([...be.view(dQ)], name).toEqual([1, 2, 6, 8]);
    }
  });

  it('backward matches central differences of a float64 forward', () => {
    for (const op of QR_OPS) {
      const c = qrCase(op, 4, 3, 5, 20, 3);
      const g = randomFloats(20 * qrWidth(c), 4);
      const [dR, dQ] = runQrBackward(B.wasm, c, g, new Float32Array(c.r.length), new Float32Array(c.q.length));
      const r64 = Float64Array.from(c.r), q64 = Float64Array.from(c.q);
      for (const [param, grad] of [[r64, dR], [q64, dQ]] as const) {
        for (let e = 0; e < param.length; e += 3) {
          const x0 = param[e];
          const fd = centralDifference((x) => { param[e] = x; const l = qrLoss64(c, r64, q64, g); param[e] = x0; return l; }, x0, 1e-3);
          expect(Math.abs(grad[e] - fd), `${op} [${e}]`).toBeLessThan(1e-4 * (1 + Math.abs(fd)));
        }
      }
    }
  });

  it('gives identical results with 1 and 2 threads on a large batch', () => {
    for (const op of QR_OPS) {
      const c = qrCase(op, 100, 100, 64, 20_000, 8);
      expectIdentical(runQr(B.threaded, c), runQr(B.wasm, c), op);
    }
  });

  it('rejects ids at or above m * qRows, and bad shapes', () => {
    for (const name of ALL) {
      const be = B[name];
      const r = be.alloc('f32', 6), q = be.alloc('f32', 4), out = be.upload('f32', [5, 5, 5, 5]);
      expect(() => { be.qrCombine('add', r, 3, q, 2, 2, be.upload('i32', [5, 6]), out); }, name).toThrow(/qrCombine: id 6 at position 1 is out of range \[0, 6\)/);
      expect([...be.view(out)], name).toEqual([5, 5, 5, 5]);
      expect(() => { be.qrCombineBackward('mult', r, 3, q, 2, 2, be.upload('i32', [-1]), be.alloc('f32', 2), be.alloc('f32', 6), be.alloc('f32', 4)); }, name).toThrow(/id -1 at position 0/);
      expect(() => { be.qrCombine('concat', r, 3, q, 2, 2, be.upload('i32', [1, 2]), out); }, name).toThrow(/out must have 8 elements/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Tensor train

const TT_SHAPES: TtShape[] = [
  { p: [3, 4], q: [2, 3], ranks: [1, 5, 1] },
  { p: [5, 2], q: [4, 16], ranks: [1, 7, 1] },
  { p: [2, 3, 4], q: [4, 1, 5], ranks: [1, 3, 2, 1] },
  { p: [3, 3, 3], q: [4, 4, 4], ranks: [1, 16, 16, 1] },
  { p: [2, 4, 3], q: [5, 3, 2], ranks: [1, 6, 9, 1] },
  { p: [2, 2, 3, 2], q: [2, 3, 2, 2], ranks: [1, 3, 4, 2, 1] },
  { p: [3, 2, 2, 2], q: [4, 2, 4, 1], ranks: [1, 8, 5, 17, 1] },
];

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);
const coreLength = (s: TtShape, k: number) => s.ranks[k] * s.p[k] * s.q[k] * s.ranks[k + 1];
const ttCores = (s: TtShape, seed: number) => s.p.map((_, k) => randomFloats(coreLength(s, k), seed + k, -0.7, 0.7));

function runTt(be: HostBackend, s: TtShape, cores: Float32Array[], ids: Int32Array): Float32Array {
  const out = be.alloc('f32', ids.length * prod(s.q));
  be.ttRows(s, cores.map((c) => be.upload('f32', c)), be.upload('i32', ids), out);
  return be.view(out).slice();
}

function runTtBackward(be: HostBackend, s: TtShape, cores: Float32Array[], ids: Int32Array, dOut: Float32Array, initial: Float32Array[]): Float32Array[] {
  const dCores = initial.map((c) => be.upload('f32', c));
  be.ttRowsBackward(s, cores.map((c) => be.upload('f32', c)), be.upload('i32', ids), be.upload('f32', dOut), dCores);
  return dCores.map((d) => be.view(d).slice());
}

/** Element (id, j) of a TT table in float64: a chain of vector-matrix products. */
function ttElement64(s: TtShape, cores: Float64Array[], id: number, j: number): number {
  const K = s.p.length;
  const rd: number[] = [], cd: number[] = [];
  for (let k = K - 1, x = id, y = j; k >= 0; k--) {
    rd[k] = x % s.p[k]; x = Math.floor(x / s.p[k]);
    cd[k] = y % s.q[k]; y = Math.floor(y / s.q[k]);
  }
  let v = [1];
  for (let k = 0; k < K; k++) {
    const next = new Array<number>(s.ranks[k + 1]).fill(0);
    for (let a = 0; a < s.ranks[k]; a++) {
      for (let b = 0; b < s.ranks[k + 1]; b++) next[b] += v[a] * cores[k][((a * s.p[k] + rd[k]) * s.q[k] + cd[k]) * s.ranks[k + 1] + b];
    }
    v = next;
  }
  return v[0];
}

describe('ttRows', () => {
  for (const name of UNDER_TEST) {
    it(`${name} forward and backward match the reference for K = 2, 3, 4`, () => {
      TT_SHAPES.forEach((s, si) => {
        const cores = ttCores(s, si * 10);
        for (const n of [0, 1, 13, 60]) {
          const ids = randomInts(n, prod(s.p), n + si);
          const label = `${name} p=${s.p.join('x')} q=${s.q.join('x')} n=${n}`;
          expectClose(runTt(B[name], s, cores, ids), runTt(B.reference, s, cores, ids), 1e-5, 1e-5, label);
          const dOut = randomFloats(n * prod(s.q), 7);
          const initial = ttCores(s, 99);
          const got = runTtBackward(B[name], s, cores, ids, dOut, initial);
          const want = runTtBackward(B.reference, s, cores, ids, dOut, initial);
          got.forEach((g, k) => { expectClose(g, want[k], 1e-4, 1e-5, `${label} dCore${k}`); });
        }
      });
    });
  }

  it('reconstructs hand-computed rows (K = 2, rank 1 and rank 2)', () => {
    for (const name of ALL) {
      // Rank 1: out[x, (j0, j1)] = A[i0, j0] * C[i1, j1]; A 2x2, C 2x2; row 3 = digits (1, 1).
      const rank1: TtShape = { p: [2, 2], q: [2, 2], ranks: [1, 1, 1] };
      expect([...runTt(B[name], rank1, [Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8)], Int32Array.of(3, 0))], name).toEqual([21, 24, 28, 32, 5, 6, 10, 12]);
      // Rank 2, p = [1, 1], q = [1, 2]: core0 [1, 1, 1, 2] = (1, 2); core1 [2, 1, 2, 1] = [[3, 4], [5, 6]].
      const rank2: TtShape = { p: [1, 1], q: [1, 2], ranks: [1, 2, 1] };
      expect([...runTt(B[name], rank2, [Float32Array.of(1, 2), Float32Array.of(3, 4, 5, 6)], Int32Array.of(0))], name).toEqual([13, 16]);
    }
  });

  it('backward matches central differences of a float64 forward', () => {
    for (const s of [TT_SHAPES[0], TT_SHAPES[2], TT_SHAPES[5]]) {
      const cores = ttCores(s, 5);
      const ids = randomInts(6, prod(s.p), 3);
      ids[5] = ids[0]; // a duplicate id accumulates
      const width = prod(s.q);
      const g = randomFloats(ids.length * width, 6);
      const zeros = cores.map((c) => new Float32Array(c.length));
      const grads = runTtBackward(B.wasm, s, cores, ids, g, zeros);
      const c64 = cores.map((c) => Float64Array.from(c));
      const loss = () => {
        let l = 0;
        ids.forEach((id, i) => { for (let j = 0; j < width; j++) l += g[i * width + j] * ttElement64(s, c64, id, j); });
        return l;
      };
      c64.forEach((core, k) => {
        for (let e = 0; e < core.length; e += 2) {
          const x0 = core[e];
          const fd = centralDifference((x) => { core[e] = x; const l = loss(); core[e] = x0; return l; }, x0, 1e-2);
          expect(Math.abs(grads[k][e] - fd), `p=${s.p.join('x')} core ${k} [${e}]`).toBeLessThan(1e-4 * (1 + Math.abs(fd)));
        }
      });
    }
  });

  it('gives identical results with 1 and 2 threads on a large batch', () => {
    for (const s of [{ p: [50, 40, 50], q: [4, 4, 4], ranks: [1, 32, 32, 1] }, TT_SHAPES[1]]) {
      const cores = ttCores(s, 1);
      const ids = randomInts(1500, prod(s.p), 2);
      expectIdentical(runTt(B.threaded, s, cores, ids), runTt(B.wasm, s, cores, ids), s.p.join('x'));
    }
  });

  it('rejects ids beyond prod(p) and malformed shapes', () => {
    for (const name of ALL) {
      const be = B[name];
      const s = TT_SHAPES[0];
      const cores = ttCores(s, 0).map((c) => be.upload('f32', c));
      expect(() => { be.ttRows(s, cores, be.upload('i32', [0, 12]), be.alloc('f32', 12)); }, name).toThrow(/ttRows: id 12 at position 1 is out of range \[0, 12\)/);
      expect(() => { be.ttRowsBackward(s, cores, be.upload('i32', [-2]), be.alloc('f32', 6), cores.map((c) => be.alloc('f32', c.length))); }, name).toThrow(/ttRowsBackward: id -2 at position 0/);
      expect(() => { be.ttRows({ ...s, ranks: [2, 5, 1] }, cores, be.upload('i32', [0]), be.alloc('f32', 6)); }, name).toThrow(/ranks must start and end with 1/);
      expect(() => { be.ttRows({ p: [12], q: [6], ranks: [1, 1] }, cores.slice(0, 1), be.upload('i32', [0]), be.alloc('f32', 6)); }, name).toThrow(/2 to 4 cores/);
      expect(() => { be.ttRows(s, cores.slice(0, 1), be.upload('i32', [0]), be.alloc('f32', 6)); }, name).toThrow(/cores needs 2 buffers/);
      expect(() => { be.ttRowsBackward(s, cores, be.upload('i32', [0]), be.alloc('f32', 6), cores); }, name).toThrow(/must not alias/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// DHE

function runDhe(be: HostBackend, ids: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, p: ArrayLike<number>, m: number): Float32Array {
  const out = be.alloc('f32', ids.length * a.length);
  be.dheEncode(be.upload('i32', ids), be.upload('u32', a), be.upload('u32', b), be.upload('u32', p), m, out);
  return be.view(out).slice();
}

describe('dheEncode', () => {
  it('hand-computed encodings, including products beyond 2^53', () => {
    for (const name of ALL) {
      expect([...runDhe(B[name], [0, 5], [3], [1], [7], 4)], name).toEqual([Math.fround(-1 / 3), Math.fround(1 / 3)]);
      // a x + b = (2^31 - 2)(2^31 - 1) + 5 = 2^62 - 3 * 2^31 + 7; mod 2^31 - 1 (= 2^31 ≡ 1): 2^62 ≡ 1, so h = 1 - 3 + 7 = 5.
      const big = 2 ** 31 - 1;
      expect([...runDhe(B[name], [big], [big - 1], [5], [big], 1_000_000)], name).toEqual([Math.fround((2 * 5) / 999_999 - 1)]);
    }
  });

  for (const name of UNDER_TEST) {
    it(`${name} bit-identical to the BigInt reference on random parameters`, () => {
      for (const [n, k, m] of [[0, 3, 10], [1, 1, 2], [7, 5, 1000], [64, 17, 1_000_003], [500, 16, 2 ** 32 - 1]] as const) {
        const p = randomInts(k, 2 ** 31 - 2, k).map((v) => v + 2);
        const a = Array.from(p, (pj, j) => randomInts(1, pj, j + 1)[0]);
        const b = Array.from(p, (pj, j) => randomInts(1, pj, j + 100)[0]);
        const ids = randomInts(n, 2 ** 31, n);
        ids[0] = 2 ** 31 - 1;
        expectIdentical(runDhe(B[name], ids, a, b, new Uint32Array(p), m), runDhe(B.reference, ids, a, b, new Uint32Array(p), m), `n=${n} k=${k}`);
      }
    });
  }

  it('rejects negative ids, zero moduli and m < 2', () => {
    for (const name of ALL) {
      expect(() => runDhe(B[name], [1, -3], [1], [0], [5], 10), name).toThrow(/dheEncode: id -3 at position 1/);
      expect(() => runDhe(B[name], [1], [1, 1], [0, 0], [5, 0], 10), name).toThrow(/p\[1\] must be positive/);
      expect(() => runDhe(B[name], [1], [1], [0], [5], 1), name).toThrow(/m must be an integer in \[2, 2\^32\)/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Soft threshold

const sLength = (g: ThresholdGranularity, rows: number, dim: number) => (g === 'element' ? rows * dim : g === 'row' ? rows : g === 'dim' ? dim : 1);
const sIndex = (g: ThresholdGranularity, r: number, c: number, dim: number) => (g === 'element' ? r * dim + c : g === 'row' ? r : g === 'dim' ? c : 0);
const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));

/** Weights kept at least 1e-3 away from their kink |w| = sigmoid(s). */
function thresholdInputs(g: ThresholdGranularity, rows: number, dim: number, seed: number): { w: Float32Array; s: Float32Array } {
  const s = randomFloats(sLength(g, rows, dim), seed, -3, 1);
  const w = randomFloats(rows * dim, seed + 1, -1, 1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dim; c++) {
      const t = sigmoid(s[sIndex(g, r, c, dim)]);
      const e = r * dim + c;
      if (Math.abs(Math.abs(w[e]) - t) < 1e-3) w[e] = Math.sign(w[e] || 1) * (t + 2e-3);
    }
  }
  return { w, s };
}

function runThreshold(be: HostBackend, g: ThresholdGranularity, rows: number, dim: number, w: Float32Array, s: Float32Array, dOut: Float32Array, dS0: Float32Array): Float32Array[] {
  const wb = be.upload('f32', w), sb = be.upload('f32', s);
  const out = be.alloc('f32', rows * dim), dW = be.alloc('f32', rows * dim), dS = be.upload('f32', dS0);
  be.softThreshold(wb, sb, rows, dim, g, out);
  be.softThresholdBackward(wb, sb, rows, dim, g, be.upload('f32', dOut), dW, dS);
  return [be.view(out).slice(), be.view(dW).slice(), be.view(dS).slice()];
}

describe('softThreshold', () => {
  for (const name of UNDER_TEST) {
    for (const g of GRANULARITIES) {
      it(`${name} ${g}: forward and backward match the reference`, () => {
        for (const [rows, dim] of [[0, 3], [3, 0], [1, 1], [2, 3], [3, 4], [5, 5], [4, 17], [7, 64], [300, 257]]) {
          const { w, s } = thresholdInputs(g, rows, dim, rows + dim);
          const dOut = randomFloats(rows * dim, 3);
          const dS0 = randomFloats(s.length, 4);
          const got = runThreshold(B[name], g, rows, dim, w, s, dOut, dS0);
          const want = runThreshold(B.reference, g, rows, dim, w, s, dOut, dS0);
          const label = `${name} ${g} ${rows}x${dim}`;
          expectClose(got[0], want[0], 1e-5, 1e-6, `${label} out`);
          expectIdentical(got[1], want[1], `${label} dW`);
          expectClose(got[2], want[2], 1e-4, 1e-5 * Math.sqrt(1 + (rows * dim) / s.length), `${label} dS`);
        }
      });
    }
  }

  it('hand-computed values: global threshold 0.5', () => {
    for (const name of ALL) {
      const [out, dW, dS] = runThreshold(B[name], 'global', 2, 2, Float32Array.of(0.8, -0.9, 0.2, -0.1), Float32Array.of(0), Float32Array.of(1, 2, 3, 4), Float32Array.of(10));
      expectClose(out, [0.3, -0.4, 0, 0], 1e-6, 1e-7, name);
      expect([...dW], name).toEqual([1, 2, 0, 0]);
      // dS += sigmoid'(0) * (-1 * 1 + 2 * 1) = 0.25.
      expectClose(dS, [10.25], 1e-7, 0, name);
    }
  });

  it('backward matches central differences of a float64 forward', () => {
    for (const g of GRANULARITIES) {
      const rows = 4, dim = 5;
      const { w, s } = thresholdInputs(g, rows, dim, 11);
      const dOut = randomFloats(rows * dim, 12);
      const [, dW, dS] = runThreshold(B.wasm, g, rows, dim, w, s, dOut, new Float32Array(s.length));
      const w64 = Float64Array.from(w), s64 = Float64Array.from(s);
      const loss = () => {
        let l = 0;
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < dim; c++) {
            const v = w64[r * dim + c];
            l += dOut[r * dim + c] * Math.sign(v) * Math.max(Math.abs(v) - sigmoid(s64[sIndex(g, r, c, dim)]), 0);
          }
        }
        return l;
      };
      for (const [param, grad, label] of [[w64, dW, 'dW'], [s64, dS, 'dS']] as const) {
        for (let e = 0; e < param.length; e++) {
          const x0 = param[e];
          const fd = centralDifference((x) => { param[e] = x; const l = loss(); param[e] = x0; return l; }, x0, 1e-4);
          expect(Math.abs(grad[e] - fd), `${g} ${label}[${e}]`).toBeLessThan(1e-4 * (1 + Math.abs(fd)));
        }
      }
    }
  });

  it('rejects s of the wrong length for its granularity', () => {
    for (const name of ALL) {
      const be = B[name];
      expect(() => { be.softThreshold(be.alloc('f32', 6), be.alloc('f32', 3), 2, 3, 'row', be.alloc('f32', 6)); }, name).toThrow(/softThreshold: s must have 2 elements/);
      expect(() => { be.softThreshold(be.alloc('f32', 6), be.alloc('f32', 1), 2, 3, 'rows' as ThresholdGranularity, be.alloc('f32', 6)); }, name).toThrow(/granularity must be one of/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// k-th smallest magnitude

function runKth(be: HostBackend, x: Float32Array, k: number): number {
  const xb = be.upload('f32', x);
  const out = be.alloc('f32', 1);
  be.kthSmallestAbs(xb, k, out);
  expectIdentical(be.view(xb), x, 'x must not change');
  return be.view(out)[0];
}

describe('kthSmallestAbs', () => {
  for (const name of UNDER_TEST) {
    it(`${name} matches the reference (sorting) on awkward lengths and hard inputs`, () => {
      for (const n of AWKWARD_LENGTHS.filter((v) => v > 0)) {
        const random = randomFloats(n, n, -2, 2);
        const fewValues = random.map((v) => Math.round(v * 2) / 2); // many ties, zeros of both signs
        const ascending = Float32Array.from({ length: n }, (_, i) => i - n / 2);
        const organPipe = Float32Array.from({ length: n }, (_, i) => Math.min(i, n - i));
        for (const x of [random, fewValues, ascending, organPipe]) {
          for (const k of new Set([1, n, Math.ceil(n / 2), Math.max(1, Math.floor(n / 7))])) {
            expect(runKth(B[name], x, k), `n=${n} k=${k}`).toBe(runKth(B.reference, x, k));
          }
        }
      }
    });
  }

  it('hand-computed values; NaN ranks above Infinity', () => {
    for (const name of ALL) {
      const x = Float32Array.of(-3, 1, -2, 0.5);
      expect([1, 2, 3, 4].map((k) => runKth(B[name], x, k)), name).toEqual([0.5, 1, 2, 3]);
      const special = Float32Array.of(NaN, -Infinity, -0, 7);
      expect([1, 2, 3, 4].map((k) => runKth(B[name], special, k)), name).toEqual([0, 7, Infinity, NaN]);
    }
  });

  it('rejects k outside [1, n]', () => {
    for (const name of ALL) {
      const be = B[name];
      expect(() => { be.kthSmallestAbs(be.alloc('f32', 3), 0, be.alloc('f32', 1)); }, name).toThrow(/k must be an integer in \[1, 3\]/);
      expect(() => { be.kthSmallestAbs(be.alloc('f32', 3), 4, be.alloc('f32', 1)); }, name).toThrow(/k must be an integer/);
    }
  });
});
