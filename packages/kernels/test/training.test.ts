import { beforeAll, describe, expect, it } from 'vitest';
import { hash2, Rng, u32ToUnit, type AdamParams, type Buf, type HostBackend } from '../src/index.js';
import { AWKWARD_LENGTHS, expectClose, getBackends, randomFloats, UNDER_TEST, type Backends } from './harness.js';
import { expectBitExact, expectSameIntegers } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

type F32Inputs = Record<string, ArrayLike<number>>;

/** Uploads named f32 arrays, runs `fn` on the buffers, and returns copies of all of them after it. */
function withF32<K extends string>(be: HostBackend, inputs: Record<K, ArrayLike<number>>, fn: (bufs: Record<K, Buf<'f32'>>) => void): Record<K, Float32Array> {
  const entries = Object.entries(inputs) as [K, ArrayLike<number>][];
  const bufs = Object.fromEntries(entries.map(([k, v]) => [k, be.upload('f32', v)])) as Record<K, Buf<'f32'>>;
  try {
    fn(bufs);
    return Object.fromEntries(entries.map(([k]) => [k, be.view(bufs[k]).slice()])) as Record<K, Float32Array>;
  } finally {
    for (const b of Object.values<Buf<'f32'>>(bufs)) be.free(b);
  }
}

/** Compares every named output of two runs. */
function expectAllClose(got: Record<string, Float32Array>, want: Record<string, Float32Array>, rtol: number, atol: number, label: string): void {
  for (const k of Object.keys(want)) expectClose(got[k], want[k], rtol, atol, `${label} ${k}`);
}

function expectAllBitExact(got: Record<string, Float32Array>, want: Record<string, Float32Array>, label: string): void {
  for (const k of Object.keys(want)) expectBitExact(got[k], want[k], `${label} ${k}`);
}

const ADAM: AdamParams = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };
const ADAM_VARIANTS: AdamParams[] = [
  { ...ADAM, weightDecay: 0.01, step: 1 },
  { ...ADAM, weightDecay: 0.1, decoupled: true, step: 7 },
  { ...ADAM, lr: 0.003, beta1: 0.5, beta2: 0.99, eps: 1e-6, step: 1000 },
];

/** Random Adam state of n elements (v >= 0). */
function adamState(n: number, seed: number): F32Inputs {
  return {
    param: randomFloats(n, seed),
    grad: randomFloats(n, seed + 1),
    m: randomFloats(n, seed + 2, -0.1, 0.1),
    v: randomFloats(n, seed + 3, 0, 0.05),
  };
}

const runAdam = (be: HostBackend, s: F32Inputs, hp: AdamParams) => withF32(be, s, (b) => { be.adam(b.param, b.grad, b.m, b.v, hp); });

describe('adam', () => {
  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n} matches the reference`, () => {
        ADAM_VARIANTS.forEach((hp, k) => {
          const s = adamState(n, n + k);
          expectAllClose(runAdam(B[name], s, hp), runAdam(B.reference, s, hp), 1e-5, 1e-6, `${name} variant ${k}`);
        });
      });
    }
  }

  it('one step from known state matches the formula (coupled and decoupled decay)', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, t = 3, wd = 0.2;
    const [p0, g0, m0, v0] = [1.5, 0.5, 0.1, 0.01];
    const expected = (decoupled: boolean) => {
      const g = decoupled ? g0 : g0 + wd * p0;
      const p = decoupled ? p0 * (1 - lr * wd) : p0;
      const m = b1 * m0 + (1 - b1) * g;
      const v = b2 * v0 + (1 - b2) * g * g;
      return [p - (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps), m, v];
    };
    for (const name of ['reference', ...UNDER_TEST] as const) {
      for (const decoupled of [false, true]) {
        const hp = { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, decoupled, step: t };
        const out = runAdam(B[name], { param: [p0], grad: [g0], m: [m0], v: [v0] }, hp);
        expectClose([out.param[0], out.m[0], out.v[0]], expected(decoupled), 1e-6, 0, `${name} decoupled=${decoupled}`);
        expect(out.grad[0], 'grad is not modified').toBe(g0);
      }
    }
  });

  it('the first step from zero moments moves each parameter by lr * sign(grad)', () => {
    for (const name of UNDER_TEST) {
      const out = runAdam(B[name], { param: [1, 1, 1, 1, 1], grad: [0.3, -2, 1e-3, -1e-3, 50], m: [0, 0, 0, 0, 0], v: [0, 0, 0, 0, 0] }, ADAM);
      expectClose(out.param, [0.99, 1.01, 0.99, 1.01, 0.99], 1e-6, 1e-6, name);
    }
  });

  it('25 steps track a float64 Adam', () => {
    const n = 37, steps = 25;
    const hp = { lr: 0.05, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05, decoupled: false, step: 1 };
    for (const name of UNDER_TEST) {
      const be = B[name];
      const init = randomFloats(n, 5);
      const [param, grad, m, v] = [be.upload('f32', init), be.alloc('f32', n), be.alloc('f32', n), be.alloc('f32', n)];
      const P = Float64Array.from(init), M = new Float64Array(n), V = new Float64Array(n);
      for (let t = 1; t <= steps; t++) {
        const g = randomFloats(n, 100 + t);
        be.write(grad, g);
        be.adam(param, grad, m, v, { ...hp, step: t });
        for (let i = 0; i < n; i++) {
          const gi = g[i] + hp.weightDecay * P[i];
          M[i] = hp.beta1 * M[i] + (1 - hp.beta1) * gi;
          V[i] = hp.beta2 * V[i] + (1 - hp.beta2) * gi * gi;
          P[i] -= (hp.lr * (M[i] / (1 - hp.beta1 ** t))) / (Math.sqrt(V[i] / (1 - hp.beta2 ** t)) + hp.eps);
        }
      }
      expectClose(be.view(param), P, 1e-5, 1e-5, `${name} param`);
      expectClose(be.view(m), M, 1e-5, 1e-6, `${name} m`);
      for (const b of [param, grad, m, v]) be.free(b);
    }
  });

  it('gives identical results with 1 and 2 threads on a large buffer', () => {
    const s = adamState(300_001, 9);
    for (const hp of ADAM_VARIANTS) expectAllBitExact(runAdam(B.threaded, s, hp), runAdam(B.wasm, s, hp), 'threads');
  });
});

describe('adamRows', () => {
  /** k distinct row ids of a table with `rows` rows, in random order. */
  const uniqueIds = (rows: number, k: number, seed: number) => Int32Array.from(new Rng(seed).shuffle(Array.from({ length: rows }, (_, i) => i)).slice(0, k));

  function runRows(be: HostBackend, s: F32Inputs, dim: number, ids: ArrayLike<number>, hp: AdamParams, zeroGrad: boolean) {
    const bIds = be.upload('i32', ids);
    try {
      return withF32(be, s, (b) => { be.adamRows(b.param, b.grad, b.m, b.v, dim, bIds, hp, zeroGrad); });
    } finally {
      be.free(bIds);
    }
  }

  for (const name of UNDER_TEST) {
    for (const [rows, dim, k] of [[1, 1, 0], [1, 1, 1], [10, 3, 4], [50, 13, 17], [40, 64, 40], [200, 33, 150]]) {
      it(`${name} ${rows}x${dim} with ${k} rows listed`, () => {
        const s = adamState(rows * dim, rows + dim);
        const ids = uniqueIds(rows, k, dim);
        for (const [j, hp] of ADAM_VARIANTS.entries()) {
          const zeroGrad = j % 2 === 0;
          const got = runRows(B[name], s, dim, ids, hp, zeroGrad);
          expectAllClose(got, runRows(B.reference, s, dim, ids, hp, zeroGrad), 1e-5, 1e-6, `${name} variant ${j}`);
          // Rows not listed keep every value; listed grad rows are zeroed iff zeroGrad.
          const listed = new Set(ids);
          for (let r = 0; r < rows; r++) {
            for (let c = 0; c < dim; c++) {
              const i = r * dim + c;
              if (!listed.has(r)) {
                for (const key of ['param', 'grad', 'm', 'v']) if (got[key][i] !== s[key][i]) expect.fail(`${name} untouched row ${r} ${key} changed`);
              } else if (zeroGrad && got.grad[i] !== 0) expect.fail(`${name} grad row ${r} not zeroed`);
              else if (!zeroGrad && got.grad[i] !== s.grad[i]) expect.fail(`${name} grad row ${r} changed`);
            }
          }
        }
      });
    }
  }

  it('listing every row equals dense adam bit for bit', () => {
    const rows = 30, dim = 21;
    const s = adamState(rows * dim, 77);
    for (const name of UNDER_TEST) {
      const dense = runAdam(B[name], s, ADAM_VARIANTS[1]);
      const lazy = runRows(B[name], s, dim, uniqueIds(rows, rows, 3), ADAM_VARIANTS[1], false);
      expectAllBitExact(lazy, dense, name);
    }
  });

  it('a repeated id is updated once per occurrence, in order, on every backend', () => {
    const s = adamState(4 * 5, 12);
    const ids = [2, 0, 2];
    for (const zeroGrad of [false, true]) {
      const want = runRows(B.reference, s, 5, ids, ADAM, zeroGrad);
      for (const name of UNDER_TEST) expectAllClose(runRows(B[name], s, 5, ids, ADAM, zeroGrad), want, 1e-5, 1e-6, `${name} zeroGrad=${zeroGrad}`);
    }
  });

  it('rejects an out-of-range id before writing anything', () => {
    const s = adamState(10 * 4, 1);
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      for (const [ids, pos, value] of [[[0, 3, 10], 2, 10], [[-1, 2], 0, -1]] as const) {
        const bIds = be.upload('i32', ids);
        const bufs = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, be.upload('f32', v)]));
        expect(() => { be.adamRows(bufs.param, bufs.grad, bufs.m, bufs.v, 4, bIds, ADAM, true); }).toThrow(
          new RegExp(`adamRows: id ${value} at position ${pos} is out of range \\[0, 10\\)`),
        );
        for (const [k, b] of Object.entries(bufs)) {
          expectBitExact(be.view(b), Float32Array.from(s[k]), `${name} ${k} untouched`);
          be.free(b);
        }
        be.free(bIds);
      }
    }
  });

  it('gives identical results with 1 and 2 threads on a large table', () => {
    const rows = 3000, dim = 64;
    const s = adamState(rows * dim, 21);
    const ids = uniqueIds(rows, 2000, 22);
    expectAllBitExact(runRows(B.threaded, s, dim, ids, ADAM_VARIANTS[0], true), runRows(B.wasm, s, dim, ids, ADAM_VARIANTS[0], true), 'threads');
    const dup = [...ids, ...ids.slice(0, 500)];
    expectAllBitExact(runRows(B.threaded, s, dim, dup, ADAM, false), runRows(B.wasm, s, dim, dup, ADAM, false), 'threads with repeats');
  });
});

describe('sgd', () => {
  const runSgd = (be: HostBackend, s: F32Inputs, lr: number, wd: number, momentum: number, useVelocity: boolean) =>
    withF32(be, s, (b) => { be.sgd(b.param, b.grad, lr, wd, momentum, useVelocity ? b.vel : null); });
  const settings: [number, number, boolean][] = [[0, 0, false], [0.01, 0, false], [0, 0.9, true], [0.05, 0.5, true]];

  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n} matches the reference`, () => {
        const s = { param: randomFloats(n, 1), grad: randomFloats(n, 2), vel: randomFloats(n, 3, -0.5, 0.5) };
        for (const [wd, momentum, useVelocity] of settings) {
          expectAllClose(runSgd(B[name], s, 0.1, wd, momentum, useVelocity), runSgd(B.reference, s, 0.1, wd, momentum, useVelocity), 1e-6, 1e-7, `${name} wd=${wd} momentum=${momentum}`);
        }
      });
    }
  }

  it('hand-computed steps with weight decay and momentum (PyTorch semantics)', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const [param, grad, vel] = [be.upload('f32', [1]), be.upload('f32', [0.5]), be.upload('f32', [0])];
      be.sgd(param, grad, 0.1, 0.1, 0.9, vel); // g = 0.6, vel = 0.6, p = 0.94
      expectClose([be.view(param)[0], be.view(vel)[0]], [0.94, 0.6], 1e-6, 0, `${name} step 1`);
      be.sgd(param, grad, 0.1, 0.1, 0.9, vel); // g = 0.594, vel = 1.134, p = 0.8266
      expectClose([be.view(param)[0], be.view(vel)[0]], [0.8266, 1.134], 1e-6, 0, `${name} step 2`);
      be.sgd(param, grad, 0.1, 0, 0, null); // plain: p -= 0.05
      expectClose([be.view(param)[0]], [0.7766], 1e-6, 0, `${name} plain`);
      for (const b of [param, grad, vel]) be.free(b);
    }
  });

  it('gives identical results with 1 and 2 threads on a large buffer', () => {
    const n = 300_001;
    const s = { param: randomFloats(n, 4), grad: randomFloats(n, 5), vel: randomFloats(n, 6) };
    expectAllBitExact(runSgd(B.threaded, s, 0.1, 0.01, 0.9, true), runSgd(B.wasm, s, 0.1, 0.01, 0.9, true), 'threads');
  });
});

describe('batchNorm', () => {
  interface BnCase {
    x: Float32Array;
    gamma: Float32Array;
    beta: Float32Array;
    runMean: Float32Array;
    runVar: Float32Array;
  }
  const bnCase = (rows: number, cols: number, seed: number): BnCase => ({
    // Columns with an offset, so the variance is not computed around zero.
    x: randomFloats(rows * cols, seed, 2, 5),
    gamma: randomFloats(cols, seed + 1, 0.5, 2),
    beta: randomFloats(cols, seed + 2),
    runMean: randomFloats(cols, seed + 3),
    runVar: randomFloats(cols, seed + 4, 0.5, 1.5),
  });

  function forward(be: HostBackend, rows: number, cols: number, c: BnCase, training: boolean, inPlace = false) {
    const inputs = { ...c, out: new Float32Array(rows * cols), saveMean: new Float32Array(cols), saveInvStd: new Float32Array(cols) };
    return withF32(be, inputs, (b) => {
      be.batchNormForward(rows, cols, b.x, b.gamma, b.beta, b.runMean, b.runVar, { training, momentum: 0.1, eps: 1e-5 }, inPlace ? b.x : b.out, b.saveMean, b.saveInvStd);
    });
  }

  function backward(be: HostBackend, rows: number, cols: number, c: BnCase, dy: Float32Array) {
    const fw = forward(be, rows, cols, c, true);
    const inputs = { x: c.x, dy, gamma: c.gamma, saveMean: fw.saveMean, saveInvStd: fw.saveInvStd, dx: new Float32Array(rows * cols), dGamma: new Float32Array(cols).fill(0.5), dBeta: new Float32Array(cols).fill(-0.25) };
    const out = withF32(be, inputs, (b) => { be.batchNormBackward(rows, cols, b.x, b.dy, b.gamma, b.saveMean, b.saveInvStd, b.dx, b.dGamma, b.dBeta); });
    return { dx: out.dx, dGamma: out.dGamma, dBeta: out.dBeta };
  }

  const shapes: [number, number][] = [[2, 1], [3, 5], [17, 33], [64, 64], [1000, 7], [5, 130]];
  for (const name of UNDER_TEST) {
    for (const [rows, cols] of shapes) {
      it(`${name} ${rows}x${cols} forward (training, inference) and backward match the reference`, () => {
        const c = bnCase(rows, cols, rows + cols);
        for (const training of [true, false]) {
          expectAllClose(forward(B[name], rows, cols, c, training), forward(B.reference, rows, cols, c, training), 1e-5, 1e-6, `${name} training=${training}`);
        }
        const dy = randomFloats(rows * cols, rows * cols);
        expectAllClose(backward(B[name], rows, cols, c, dy), backward(B.reference, rows, cols, c, dy), 1e-5, 1e-5, `${name} backward`);
      });
    }
  }

  it('hand-computed forward: batch stats, saved stats and running stats (PyTorch momentum)', () => {
    // Columns [1, 3] and [2, 6]: means 2, 4; biased variances 1, 4; unbiased 2, 8.
    const c: BnCase = { x: Float32Array.of(1, 2, 3, 6), gamma: Float32Array.of(2, 1), beta: Float32Array.of(0.5, -1), runMean: Float32Array.of(0, 0), runVar: Float32Array.of(1, 1) };
    const eps = 1e-5;
    const [i0, i1] = [1 / Math.sqrt(1 + eps), 1 / Math.sqrt(4 + eps)];
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const out = forward(B[name], 2, 2, c, true);
      expectClose(out.out, [2 * -1 * i0 + 0.5, -2 * i1 - 1, 2 * i0 + 0.5, 2 * i1 - 1], 1e-6, 1e-7, `${name} out`);
      expectClose(out.saveMean, [2, 4], 1e-7, 0, `${name} saveMean`);
      expectClose(out.saveInvStd, [i0, i1], 1e-6, 0, `${name} saveInvStd`);
      expectClose(out.runMean, [0.2, 0.4], 1e-6, 0, `${name} runMean`);
      expectClose(out.runVar, [0.9 + 0.2, 0.9 + 0.8], 1e-6, 0, `${name} runVar`);
      const inf = forward(B[name], 2, 2, c, false); // running stats (0, 1): out = gamma x / sqrt(1 + eps) + beta
      const s = 1 / Math.sqrt(1 + eps);
      expectClose(inf.out, [2 * s + 0.5, 2 * s - 1, 6 * s + 0.5, 6 * s - 1], 1e-6, 1e-7, `${name} inference`);
      expect([...inf.saveMean, ...inf.runMean, ...inf.runVar], `${name} inference leaves the stats alone`).toEqual([0, 0, 0, 0, 1, 1]);
    }
  });

  it('backward matches float64 finite differences of sum(w * batchNorm(x))', () => {
    const rows = 6, cols = 3, eps = 1e-5;
    const c = bnCase(rows, cols, 40);
    const w = randomFloats(rows * cols, 41, -1, 1);
    /** Float64 training-mode BatchNorm, weighted sum of the output. */
    const loss = (x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>) => {
      let total = 0;
      for (let j = 0; j < cols; j++) {
        let mean = 0;
        for (let r = 0; r < rows; r++) mean += x[r * cols + j] / rows;
        let variance = 0;
        for (let r = 0; r < rows; r++) variance += (x[r * cols + j] - mean) ** 2 / rows;
        for (let r = 0; r < rows; r++) total += w[r * cols + j] * (gamma[j] * (x[r * cols + j] - mean) / Math.sqrt(variance + eps) + beta[j]);
      }
      return total;
    };
    const numeric = (arr: Float32Array, which: 'x' | 'gamma' | 'beta') => [...arr].map((_, i) => {
      const at = (d: number) => {
        const bumped = Float64Array.from(arr);
        bumped[i] += d;
        return loss(which === 'x' ? bumped : c.x, which === 'gamma' ? bumped : c.gamma, which === 'beta' ? bumped : c.beta);
      };
      return (at(1e-5) - at(-1e-5)) / 2e-5;
    });
    const want = { dx: numeric(c.x, 'x'), dGamma: numeric(c.gamma, 'gamma').map((v) => v + 0.5), dBeta: numeric(c.beta, 'beta').map((v) => v - 0.25) };
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const got = backward(B[name], rows, cols, c, w);
      expectClose(got.dx, want.dx, 1e-4, 1e-5, `${name} dx`);
      expectClose(got.dGamma, want.dGamma, 1e-5, 1e-5, `${name} dGamma (accumulated)`);
      expectClose(got.dBeta, want.dBeta, 1e-5, 1e-5, `${name} dBeta (accumulated)`);
    }
  });

  it('works in place (out = x, dx = dy); empty inference and zero dy leave the stats alone', () => {
    const c = bnCase(9, 6, 50);
    for (const name of UNDER_TEST) {
      for (const training of [true, false]) {
        const separate = forward(B[name], 9, 6, c, training);
        const inPlace = forward(B[name], 9, 6, c, training, true);
        expectBitExact(inPlace.x, separate.out, `${name} training=${training}`);
      }
      const empty = bnCase(0, 6, 51);
      const inf = forward(B[name], 0, 6, empty, false);
      expectBitExact(inf.runMean, empty.runMean, `${name} empty inference`);
      // Backward with dx = dy.
      const dy = randomFloats(9 * 6, 53);
      const fw = forward(B[name], 9, 6, c, true);
      const inPlaceDx = withF32(B[name], { x: c.x, dy, gamma: c.gamma, sm: fw.saveMean, si: fw.saveInvStd, dG: new Float32Array(6), dB: new Float32Array(6) }, (b) => {
        B[name].batchNormBackward(9, 6, b.x, b.dy, b.gamma, b.sm, b.si, b.dy, b.dG, b.dB);
      }).dy;
      expectBitExact(inPlaceDx, backward(B[name], 9, 6, c, dy).dx, `${name} backward in place`);
      const bw = backward(B[name], 2, 6, bnCase(2, 6, 52), new Float32Array(12)); // zero dy: accumulators unchanged
      expect([...bw.dGamma, ...bw.dBeta], name).toEqual([...new Array<number>(6).fill(0.5), ...new Array<number>(6).fill(-0.25)]);
    }
  });

  it('gives identical results with 1 and 2 threads on a large batch', () => {
    const rows = 2000, cols = 67;
    const c = bnCase(rows, cols, 60);
    for (const training of [true, false]) expectAllBitExact(forward(B.threaded, rows, cols, c, training), forward(B.wasm, rows, cols, c, training), `training=${training}`);
    const dy = randomFloats(rows * cols, 61);
    expectAllBitExact(backward(B.threaded, rows, cols, c, dy), backward(B.wasm, rows, cols, c, dy), 'backward');
  });
});

describe('dropout', () => {
  function runDropout(be: HostBackend, x: ArrayLike<number>, p: number, seed: number) {
    const [bx, out, mask] = [be.upload('f32', x), be.alloc('f32', x.length), be.alloc('u8', x.length)];
    be.dropout(bx, p, seed, out, mask);
    const result = { out: be.view(out).slice(), mask: be.view(mask).slice() };
    for (const b of [bx, out, mask]) be.free(b);
    return result;
  }
  function runBackward(be: HostBackend, dy: ArrayLike<number>, mask: ArrayLike<number>, p: number) {
    const [bdy, bmask, dx] = [be.upload('f32', dy), be.upload('u8', mask), be.alloc('f32', dy.length)];
    be.dropoutBackward(bdy, bmask, p, dx);
    const result = be.view(dx).slice();
    for (const b of [bdy, bmask, dx]) be.free(b);
    return result;
  }

  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n}: the mask is keep_i = u32ToUnit(hash2(seed, i)) >= p`, () => {
        const x = randomFloats(n, n);
        for (const [p, seed] of [[0.5, 1], [0.1, 0xdeadbeef], [0.9, 7]]) {
          const got = runDropout(B[name], x, p, seed);
          const want = runDropout(B.reference, x, p, seed);
          const formula = Uint8Array.from({ length: n }, (_, i) => (u32ToUnit(hash2(seed, i)) >= p ? 1 : 0));
          expectSameIntegers(got.mask, want.mask, `${name} p=${p} mask vs reference`);
          expectSameIntegers(got.mask, formula, `${name} p=${p} mask vs formula`);
          expectClose(got.out, want.out, 2e-7, 0, `${name} p=${p} out`);
          const dy = randomFloats(n, n + 1);
          expectClose(runBackward(B[name], dy, got.mask, p), runBackward(B.reference, dy, got.mask, p), 2e-7, 0, `${name} p=${p} backward`);
        }
      });
    }
  }

  it('is exact at the boundary: u_i = p keeps, u_i just below p drops', () => {
    const seed = 31, n = 11;
    const x = new Float32Array(n).fill(1);
    // p taken from element 5 (a SIMD lane) and 9 (the scalar tail): u_i = k / 2^24 exactly.
    for (const i of [5, 9]) {
      const k = hash2(seed, i) >>> 8;
      for (const [p, kept] of [[k / 16777216, 1], [(k + 0.5) / 16777216, 0]] as const) {
        const formula = Uint8Array.from({ length: n }, (_, j) => (u32ToUnit(hash2(seed, j)) >= p ? 1 : 0));
        expect(formula[i]).toBe(kept);
        for (const name of ['reference', ...UNDER_TEST] as const) expectSameIntegers(runDropout(B[name], x, p, seed).mask, formula, `${name} p=${p}`);
      }
    }
  });

  it('p = 0 keeps everything unchanged; p = 1 drops everything', () => {
    const x = randomFloats(103, 3);
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const keep = runDropout(B[name], x, 0, 5);
      expectBitExact(keep.out, x, `${name} p=0`);
      expect(keep.mask.every((m) => m === 1), name).toBe(true);
      const drop = runDropout(B[name], x, 1, 5);
      expect(drop.out.every((v) => Object.is(v, 0)) && drop.mask.every((m) => m === 0), name).toBe(true);
      expect(runBackward(B[name], x, drop.mask, 1).every((v) => Object.is(v, 0)), `${name} backward p=1`).toBe(true);
      expectBitExact(runBackward(B[name], x, keep.mask, 0), x, `${name} backward p=0`);
    }
  });

  it('hand-computed: kept elements are scaled by 1 / (1 - p), any nonzero mask byte keeps', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const { out, mask } = runDropout(B[name], [2, 2, 2, 2, 2, 2, 2, 2], 0.75, 3);
      for (let i = 0; i < 8; i++) expect(out[i], `${name} [${i}]`).toBe(mask[i] ? 8 : 0);
      expect([...runBackward(B[name], [1, 1, 1, 1, 1], [0, 1, 255, 0, 7], 0.5)], name).toEqual([0, 2, 2, 0, 2]);
    }
  });

  it('works in place (out = x, dx = dy)', () => {
    const x = randomFloats(45, 6);
    for (const name of UNDER_TEST) {
      const be = B[name];
      const separate = runDropout(be, x, 0.4, 12);
      const [bx, mask] = [be.upload('f32', x), be.alloc('u8', x.length)];
      be.dropout(bx, 0.4, 12, bx, mask);
      expectBitExact(be.view(bx), separate.out, `${name} forward`);
      be.dropoutBackward(bx, mask, 0.4, bx);
      expectBitExact(be.view(bx), runBackward(be, separate.out, separate.mask, 0.4), `${name} backward`);
      be.free(bx);
      be.free(mask);
    }
  });

  it('keeps a fraction 1 - p of 1e5 elements, and the mask depends on the seed', () => {
    const x = new Float32Array(100_000).fill(1);
    const a = runDropout(B.wasm, x, 0.3, 10);
    const kept = a.mask.reduce((s, m) => s + m, 0) / x.length;
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.006); // ~4 standard deviations
    const b = runDropout(B.wasm, x, 0.3, 11);
    expect(a.mask).not.toEqual(b.mask);
  });

  it('never writes outside a slice of the output or mask', () => {
    for (const name of UNDER_TEST) {
      const be = B[name];
      const out = be.upload('f32', new Array<number>(16).fill(-9));
      const mask = be.upload('u8', new Array<number>(16).fill(200));
      const x = be.upload('f32', randomFloats(9, 4));
      be.dropout(x, 0.5, 2, be.slice(out, 3, 9), be.slice(mask, 3, 9));
      const [vo, vm] = [be.view(out), be.view(mask)];
      for (const i of [0, 1, 2, 12, 13, 14, 15]) expect([vo[i], vm[i]], `${name} [${i}]`).toEqual([-9, 200]);
      for (const b of [out, mask, x]) be.free(b);
    }
  });

  it('gives identical results with 1 and 2 threads on a large buffer', () => {
    const x = randomFloats(300_001, 8);
    const one = runDropout(B.wasm, x, 0.2, 99);
    const two = runDropout(B.threaded, x, 0.2, 99);
    expectBitExact(two.out, one.out, 'out');
    expectSameIntegers(two.mask, one.mask, 'mask');
    expectBitExact(runBackward(B.threaded, x, one.mask, 0.2), runBackward(B.wasm, x, one.mask, 0.2), 'backward');
  });
});

describe('argument errors', () => {
  it('rejects bad shapes and hyperparameters with the op name', () => {
    for (const name of ['reference', 'wasm'] as const) {
      const be = B[name];
      const a = be.alloc('f32', 6);
      const b = be.alloc('f32', 5);
      const ids = be.alloc('i32', 2);
      const u = be.alloc('u8', 6);
      expect(() => { be.adam(a, b, a, a, ADAM); }).toThrow(/adam: grad must have 6 elements/);
      expect(() => { be.adam(a, a, a, a, { ...ADAM, step: 0 }); }).toThrow(/adam: step must be an integer >= 1/);
      expect(() => { be.adam(a, a, a, a, { ...ADAM, beta2: 1 }); }).toThrow(/adam: beta2 must be in \[0, 1\)/);
      expect(() => { be.adam(a, a, a, a, { ...ADAM, lr: -1 }); }).toThrow(/adam: lr must be a finite number >= 0/);
      expect(() => { be.adamRows(a, a, a, a, 4, ids, ADAM, false); }).toThrow(/adamRows: param \(6 elements\) must be a rows x dim table/);
      expect(() => { be.adamRows(a, a, a, a, 3, a as never, ADAM, false); }).toThrow(/adamRows: rowIds must be i32/);
      expect(() => { be.sgd(a, a, 0.1, 0, 0.9, null); }).toThrow(/sgd: momentum needs a velocity buffer/);
      expect(() => { be.sgd(a, a, 0.1, 0, 0.9, b); }).toThrow(/sgd: velocity must have 6 elements/);
      const bn = { training: true, momentum: 0.1, eps: 1e-5 };
      expect(() => { be.batchNormForward(1, 6, a, a, a, a, a, bn, a, a, a); }).toThrow(/batchNormForward: training needs at least 2 rows/);
      expect(() => { be.batchNormForward(2, 3, a, b, b, b, b, bn, a, b, b); }).toThrow(/batchNormForward: gamma must have 3 elements/);
      expect(() => { be.batchNormForward(3, 2, a, ids as never, a, a, a, { ...bn, momentum: 2 }, a, a, a); }).toThrow(/batchNormForward: gamma must/);
      expect(() => { be.batchNormBackward(2, 3, a, b, a, a, a, a, a, a); }).toThrow(/batchNormBackward: dy must have 6 elements/);
      expect(() => { be.dropout(a, 1.5, 0, a, u); }).toThrow(/dropout: p must be in \[0, 1\]/);
      expect(() => { be.dropout(a, 0.5, 0.5, a, u); }).toThrow(/dropout: seed must be an integer/);
      expect(() => { be.dropout(a, 0.5, 0, a, ids as never); }).toThrow(/dropout: mask must be u8/);
      expect(() => { be.dropoutBackward(a, u, -0.1, a); }).toThrow(/dropoutBackward: p must be in \[0, 1\]/);
      for (const buf of [a, b, ids, u]) be.free(buf);
    }
  });
});
