import { beforeAll, describe, expect, it } from 'vitest';
import type { Buf, HostBackend } from '../src/index.js';
import { AWKWARD_LENGTHS, expectClose, getBackends, randomFloats, UNDER_TEST, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

// Float64 re-implementations of the forward passes, for finite differences (independent of src/).
const sig64 = (x: number) => 1 / (1 + Math.exp(-x));
const sp64 = (x: number) => (x > 30 ? x + Math.exp(-x) : Math.log(1 + Math.exp(x)));
const F64: Record<UnaryName, (x: number) => number> = {
  relu: (x) => Math.max(x, 0),
  sigmoid: sig64,
  tanh: Math.tanh,
  mish: (x) => x * Math.tanh(sp64(x)),
  softplus: sp64,
  logSigmoid: (x) => -sp64(-x),
};

type UnaryName = 'relu' | 'sigmoid' | 'tanh' | 'mish' | 'softplus' | 'logSigmoid';
const UNARY: readonly UnaryName[] = ['relu', 'sigmoid', 'tanh', 'mish', 'softplus', 'logSigmoid'];
/** Backward ops that take the forward input x. */
const FROM_X = { relu: 'reluBackward', mish: 'mishBackward', softplus: 'softplusBackward', logSigmoid: 'logSigmoidBackward' } as const;
/** Backward ops that take the forward output y. */
const FROM_Y = { sigmoid: 'sigmoidBackward', tanh: 'tanhBackward' } as const;

/** Uploads the arrays, runs `fn` on the buffers, returns a copy of the last one and frees all. */
function run(be: HostBackend, inputs: ArrayLike<number>[], fn: (bufs: Buf<'f32'>[]) => void): Float32Array {
  const bufs = inputs.map((a) => be.upload('f32', a));
  fn(bufs);
  const out = be.view(bufs[bufs.length - 1]).slice();
  for (const b of bufs) be.free(b);
  return out;
}

const forward = (be: HostBackend, op: UnaryName, x: ArrayLike<number>) => run(be, [x, new Float32Array(x.length)], ([bx, out]) => { be[op](bx, out); });

/** The backward of `op` at x with upstream dy, fed the forward output when the op takes y. */
function backwardOf(be: HostBackend, op: UnaryName, x: ArrayLike<number>, dy: ArrayLike<number>): Float32Array {
  const dx = new Float32Array(x.length);
  if (op === 'sigmoid' || op === 'tanh') {
    const y = forward(be, op, x);
    return run(be, [y, dy, dx], ([by, bdy, bdx]) => { be[FROM_Y[op]](by, bdy, bdx); });
  }
  return run(be, [x, dy, dx], ([bx, bdy, bdx]) => { be[FROM_X[op]](bx, bdy, bdx); });
}

/** Central difference of a float64 function. */
function numericDerivative(fn: (x: number) => number, x: number, h = 1e-5): number {
  return (fn(x + h) - fn(x - h)) / (2 * h);
}

describe('elementwise activations against the reference', () => {
  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n}`, () => {
        const x = randomFloats(n, n + 1, -8, 8);
        const dy = randomFloats(n, n + 2);
        for (const op of UNARY) {
          expectClose(forward(B[name], op, x), forward(B.reference, op, x), 1e-6, 1e-7, `${name} ${op}`);
          // Both backends get the reference's forward output, so only the backward kernel differs.
          if (op === 'sigmoid' || op === 'tanh') {
            const y = forward(B.reference, op, x);
            const bw = FROM_Y[op];
            const got = run(B[name], [y, dy, new Float32Array(n)], ([a, b, c]) => { B[name][bw](a, b, c); });
            const want = run(B.reference, [y, dy, new Float32Array(n)], ([a, b, c]) => { B.reference[bw](a, b, c); });
            expectClose(got, want, 1e-6, 1e-7, `${name} ${bw}`);
          } else {
            expectClose(backwardOf(B[name], op, x, dy), backwardOf(B.reference, op, x, dy), 1e-6, 1e-7, `${name} ${FROM_X[op]}`);
          }
        }
      });
    }
  }

  it('hand-computed values', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const x = [-2, -0.5, 0, 0.5, 3];
      expect([...forward(be, 'relu', x)], name).toEqual([0, 0, 0, 0.5, 3]);
      expectClose(forward(be, 'sigmoid', x), x.map((v) => 1 / (1 + Math.exp(-v))), 1e-6, 1e-7, `${name} sigmoid`);
      expectClose(forward(be, 'softplus', [0, 1, -1]), [Math.LN2, Math.log(1 + Math.E), Math.log(1 + 1 / Math.E)], 1e-6, 1e-7, `${name} softplus`);
      expectClose(forward(be, 'logSigmoid', [0]), [-Math.LN2], 1e-6, 1e-7, `${name} logSigmoid`);
      // mish(1) = tanh(ln(1 + e)) = ((1 + e)^2 - 1) / ((1 + e)^2 + 1)
      const q = (1 + Math.E) ** 2;
      expectClose(forward(be, 'mish', [1, 0]), [(q - 1) / (q + 1), 0], 1e-6, 1e-7, `${name} mish`);
      expect([...backwardOf(be, 'relu', [-1, 0, 2], [5, 6, 7])], name).toEqual([0, 0, 7]);
      expectClose(backwardOf(be, 'sigmoid', [0], [2]), [0.5], 1e-6, 0, `${name} sigmoidBackward`);
      expectClose(backwardOf(be, 'tanh', [0], [3]), [3], 1e-6, 0, `${name} tanhBackward`);
      expectClose(backwardOf(be, 'softplus', [0], [4]), [2], 1e-6, 0, `${name} softplusBackward`);
      expectClose(backwardOf(be, 'logSigmoid', [0], [4]), [2], 1e-6, 0, `${name} logSigmoidBackward`);
      expectClose(backwardOf(be, 'mish', [0], [1]), [0.6], 1e-6, 0, `${name} mishBackward`); // tanh(ln 2) = 0.6
    }
  });

  it('extreme inputs stay finite where the exact value is finite', () => {
    const x = [100, -100, 1e30, -1e30, 0, -0, 1e-30, -1e-30, 3e38, -3e38, 20, -20, 88, -88, 89, -89, 1e-45, -1e-45];
    const dy = x.map((_, i) => (i % 3) - 1.25);
    const exact: Record<UnaryName, (v: number) => number> = {
      relu: (v) => Math.max(v, 0),
      sigmoid: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
      tanh: Math.tanh,
      mish: (v) => (v < -50 ? v * Math.exp(v) : v * Math.tanh(sp64(v))),
      softplus: (v) => (v > 30 ? v : Math.log1p(Math.exp(v))),
      logSigmoid: (v) => (v < -30 ? v : -Math.log1p(Math.exp(-v))),
    };
    for (const name of ['reference', ...UNDER_TEST] as const) {
      for (const op of UNARY) {
        const y = forward(B[name], op, x);
        const g = backwardOf(B[name], op, x, dy);
        for (let i = 0; i < x.length; i++) {
          expect(Number.isFinite(y[i]), `${name} ${op}(${x[i]}) = ${y[i]}`).toBe(true);
          expect(Number.isFinite(g[i]), `${name} ${op}'(${x[i]}) = ${g[i]}`).toBe(true);
        }
        expectClose(y, x.map(exact[op]), 1e-6, 1e-7, `${name} ${op} extreme`);
        if (name !== 'reference') {
          expectClose(y, forward(B.reference, op, x), 1e-6, 1e-7, `${name} ${op} vs reference`);
          expectClose(g, backwardOf(B.reference, op, x, dy), 1e-6, 1e-7, `${name} ${op} backward vs reference`);
        }
      }
      // Saturated derivatives: sigmoid' and tanh' vanish, mish' -> 1 at +inf-like inputs and 0 at -inf-like ones.
      const big = [1e30, -1e30, 100, -100];
      const ones = [1, 1, 1, 1];
      expectClose(backwardOf(B[name], 'mish', big, ones), [1, 0, 1, 0], 0, 1e-30, `${name} mish' saturated`);
      expectClose(backwardOf(B[name], 'softplus', big, ones), [1, 0, 1, 0], 0, 1e-30, `${name} softplus' saturated`);
      expectClose(backwardOf(B[name], 'logSigmoid', big, ones), [0, 1, 0, 1], 0, 1e-30, `${name} logSigmoid' saturated`);
      expectClose(backwardOf(B[name], 'sigmoid', big, ones), [0, 0, 0, 0], 0, 1e-30, `${name} sigmoid' saturated`);
      expectClose(backwardOf(B[name], 'tanh', big, ones), [0, 0, 0, 0], 0, 1e-30, `${name} tanh' saturated`);
    }
  });

  it('relu maps NaN and -0 to +0', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const y = forward(B[name], 'relu', [NaN, -0, 1, NaN, -0]);
      expect(Object.is(y[1], 0) && Object.is(y[4], 0) && y[0] === 0 && y[3] === 0, `${name} ${[...y].join(',')}`).toBe(true);
    }
  });
});

describe('activation gradients against float64 finite differences', () => {
  for (const name of UNDER_TEST) {
    it(name, () => {
      const x = [...randomFloats(41, 3, -6, 6), -1.19, -0.3, 0.7, 2.5];
      const dy = randomFloats(x.length, 4, -2, 2);
      for (const op of UNARY) {
        const got = backwardOf(B[name], op, x, dy);
        // f64 derivative at the f32 input, scaled by dy.
        const want = x.map((v, i) => dy[i] * numericDerivative(F64[op], Math.fround(v)));
        expectClose(got, want, 1e-5, 1e-6, `${name} ${op}'`);
      }
    });
  }
});

describe('backward passes may write into dy', () => {
  for (const name of UNDER_TEST) {
    it(name, () => {
      const x = randomFloats(37, 8, -3, 3);
      const dy = randomFloats(37, 9);
      for (const op of UNARY) {
        const separate = backwardOf(B[name], op, x, dy);
        const be = B[name];
        const input = op === 'sigmoid' || op === 'tanh' ? forward(be, op, x) : x;
        const inPlace = run(be, [input, dy], ([a, g]) => {
          if (op === 'sigmoid' || op === 'tanh') be[FROM_Y[op]](a, g, g);
          else be[FROM_X[op]](a, g, g);
        });
        expect(inPlace, `${name} ${op}`).toEqual(separate);
      }
    });
  }
});

describe('bceWithLogits', () => {
  /** [loss, ...dz] for logits z and labels y. */
  function bce(be: HostBackend, z: ArrayLike<number>, y: ArrayLike<number>, withGrad = true): Float32Array {
    const bz = be.upload('f32', z);
    const by = be.upload('f32', y);
    const loss = be.alloc('f32', 1);
    const dz = withGrad ? be.alloc('f32', z.length) : null;
    be.bceWithLogits(bz, by, loss, dz);
    const out = Float32Array.of(be.view(loss)[0], ...(dz ? be.view(dz) : []));
    for (const b of [bz, by, loss, dz]) if (b) be.free(b);
    return out;
  }
  const labels = (n: number, seed: number) => randomFloats(n, seed, 0, 1).map((u) => (u < 0.3 ? 1 : u < 0.4 ? 0.25 : 0));

  for (const name of UNDER_TEST) {
    it(`${name} matches the reference on awkward lengths`, () => {
      for (const n of AWKWARD_LENGTHS) {
        const z = randomFloats(n, n + 5, -10, 10);
        const y = labels(n, n + 6);
        expectClose(bce(B[name], z, y), bce(B.reference, z, y), 1e-6, 1e-9, `${name} n=${n}`);
        expectClose(bce(B[name], z, y, false), bce(B.reference, z, y, false), 1e-6, 1e-9, `${name} n=${n} no dz`);
      }
    });
  }

  it('hand-computed values (and loss 0 for no samples)', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      expectClose(bce(B[name], [0], [1]), [Math.LN2, -0.5], 1e-6, 0, name);
      const want = (Math.log(1 + Math.exp(2)) - 2 + Math.log(1 + Math.exp(-1))) / 2;
      expectClose(bce(B[name], [2, -1], [1, 0]), [want, (sig64(2) - 1) / 2, sig64(-1) / 2], 1e-6, 0, name);
      expect([...bce(B[name], [], [])], name).toEqual([0]);
    }
  });

  it('is finite for extreme logits', () => {
    const z = [100, -100, 1e30, -1e30, 100, -100];
    const y = [1, 0, 1, 0, 0, 1];
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const [loss, ...dz] = bce(B[name], z, y);
      // Only the two wrong-sided 100s contribute: 100 each, over 6 samples.
      expectClose([loss], [200 / 6], 1e-6, 0, `${name} loss`);
      expectClose(dz, [0, 0, 0, 0, 1 / 6, -1 / 6], 1e-6, 1e-9, `${name} dz`);
    }
  });

  it('dz matches float64 finite differences of the mean loss', () => {
    const z = randomFloats(23, 31, -5, 5);
    const y = labels(23, 32);
    const lossF64 = (zz: number[]) => zz.reduce((s, v, i) => s + sp64(v) - y[i] * v, 0) / zz.length;
    for (const name of UNDER_TEST) {
      const dz = bce(B[name], z, y).slice(1);
      const want = [...z].map((_, i) => {
        const at = (d: number) => lossF64([...z].map((v, j) => (j === i ? v + d : v)));
        return (at(1e-5) - at(-1e-5)) / 2e-5;
      });
      expectClose(dz, want, 1e-5, 1e-7, name);
    }
  });
});

describe('softmax, softmaxBackward, logSumExp', () => {
  const shapes: [number, number][] = [[0, 3], [3, 0], [1, 1], [1, 5], [7, 17], [33, 130], [5, 1001]];

  /** [softmax, softmaxBackward(y = that softmax, dy), logSumExp] concatenated. */
  function rowOps(be: HostBackend, rows: number, cols: number, x: ArrayLike<number>, dy: ArrayLike<number>): number[] {
    const bx = be.upload('f32', x);
    const by = be.alloc('f32', rows * cols);
    const bdy = be.upload('f32', dy);
    const bdx = be.alloc('f32', rows * cols);
    const lse = be.alloc('f32', rows);
    be.softmax(rows, cols, bx, by);
    be.softmaxBackward(rows, cols, by, bdy, bdx);
    be.logSumExp(rows, cols, bx, lse);
    const out = [...be.view(by), ...be.view(bdx), ...be.view(lse)];
    for (const b of [bx, by, bdy, bdx, lse]) be.free(b);
    return out;
  }

  for (const name of UNDER_TEST) {
    for (const [rows, cols] of shapes) {
      it(`${name} ${rows}x${cols}`, () => {
        const x = randomFloats(rows * cols, rows * 7 + cols, -20, 20);
        const dy = randomFloats(rows * cols, rows + 3);
        expectClose(rowOps(B[name], rows, cols, x, dy), rowOps(B.reference, rows, cols, x, dy), 1e-6, 1e-7, name);
      });
    }
  }

  it('hand-computed values; huge and -inf rows', () => {
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const [y0, y1, y2, , , , lse] = rowOps(be, 1, 3, [1, 2, 3], [0, 0, 0]);
      expectClose([y0, y1, y2, lse], [e[0] / s, e[1] / s, e[2] / s, Math.log(s)], 1e-6, 0, name);
      // Rows: [1000, 1000] and [1e30, -1e30]: no overflow; [-inf, -inf]: logSumExp -inf.
      const out = rowOps(be, 3, 2, [1000, 1000, 1e30, -1e30, -Infinity, -Infinity], [1, 0, 1, 0, 0, 0]);
      expectClose(out.slice(0, 4), [0.5, 0.5, 1, 0], 1e-7, 0, `${name} softmax`);
      expectClose(out.slice(12), [1000 + Math.LN2, 1e30, -Infinity], 1e-6, 0, `${name} logSumExp`);
    }
  });

  it('softmaxBackward matches float64 finite differences of sum(w * softmax(x))', () => {
    const rows = 3, cols = 9;
    const x = randomFloats(rows * cols, 51, -3, 3);
    const w = randomFloats(rows * cols, 52, -2, 2);
    const softmax64 = (row: number[]) => {
      const m = Math.max(...row);
      const ex = row.map((v) => Math.exp(v - m));
      const sum = ex.reduce((a, b) => a + b, 0);
      return ex.map((v) => v / sum);
    };
    for (const name of UNDER_TEST) {
      const dx = rowOps(B[name], rows, cols, x, w).slice(rows * cols, 2 * rows * cols);
      const want: number[] = [];
      for (let r = 0; r < rows; r++) {
        const row = [...x.subarray(r * cols, (r + 1) * cols)];
        const wr = [...w.subarray(r * cols, (r + 1) * cols)];
        for (let c = 0; c < cols; c++) {
          const at = (d: number) => softmax64(row.map((v, j) => (j === c ? v + d : v))).reduce((s, p, j) => s + wr[j] * p, 0);
          want.push((at(1e-5) - at(-1e-5)) / 2e-5);
        }
      }
      expectClose(dx, want, 1e-5, 1e-6, name);
    }
  });

  it('the gradient of logSumExp (float64 finite differences) is the softmax', () => {
    const cols = 12;
    const x = randomFloats(cols, 61, -4, 4);
    const lse64 = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    for (const name of UNDER_TEST) {
      const y = rowOps(B[name], 1, cols, x, new Float32Array(cols)).slice(0, cols);
      const want = [...x].map((_, c) => {
        const at = (d: number) => lse64([...x].map((v, j) => (j === c ? v + d : v)));
        return (at(1e-5) - at(-1e-5)) / 2e-5;
      });
      expectClose(y, want, 1e-5, 1e-7, name);
    }
  });

  it('softmax and softmaxBackward work in place', () => {
    for (const name of UNDER_TEST) {
      const be = B[name];
      const x = randomFloats(4 * 7, 71);
      const dy = randomFloats(4 * 7, 72);
      const separate = rowOps(be, 4, 7, x, dy);
      const buf = be.upload('f32', x);
      be.softmax(4, 7, buf, buf);
      const g = be.upload('f32', dy);
      be.softmaxBackward(4, 7, buf, g, g);
      expect([...be.view(buf), ...be.view(g)], name).toEqual(separate.slice(0, 56));
      be.free(buf);
      be.free(g);
    }
  });
});

describe('thread-count invariance', () => {
  it('elementwise ops give identical results with 1 and 2 threads', () => {
    const n = 200_003;
    const x = randomFloats(n, 81, -10, 10);
    const dy = randomFloats(n, 82);
    for (const op of UNARY) {
      expectBitExact(forward(B.threaded, op, x), forward(B.wasm, op, x), op);
      expectBitExact(backwardOf(B.threaded, op, x, dy), backwardOf(B.wasm, op, x, dy), `${op} backward`);
    }
  });

  it('row ops give identical results with 1 and 2 threads', () => {
    const rows = 3001, cols = 67;
    const x = randomFloats(rows * cols, 83, -5, 5);
    const dy = randomFloats(rows * cols, 84);
    const run1 = (be: HostBackend) => {
      const bx = be.upload('f32', x);
      const by = be.alloc('f32', rows * cols);
      const bdy = be.upload('f32', dy);
      const lse = be.alloc('f32', rows);
      be.softmax(rows, cols, bx, by);
      be.softmaxBackward(rows, cols, by, bdy, bdy);
      be.logSumExp(rows, cols, bx, lse);
      const out = [be.view(by).slice(), be.view(bdy).slice(), be.view(lse).slice()];
      for (const b of [bx, by, bdy, lse]) be.free(b);
      return out;
    };
    const [one, two] = [run1(B.wasm), run1(B.threaded)];
    one.forEach((want, i) => { expectBitExact(two[i], want, `output ${i}`); });
  });
});

describe('argument errors', () => {
  it('rejects mismatched shapes and dtypes with the op name', () => {
    for (const name of ['reference', 'wasm'] as const) {
      const be = B[name];
      const a = be.alloc('f32', 6);
      const b = be.alloc('f32', 5);
      const i = be.alloc('i32', 6);
      expect(() => { be.relu(a, b); }).toThrow(/relu: out must have 6 elements/);
      expect(() => { be.sigmoid(i as never, a); }).toThrow(/sigmoid: x must be f32/);
      expect(() => { be.mishBackward(a, b, a); }).toThrow(/mishBackward: dy must have 6 elements/);
      expect(() => { be.tanhBackward(a, a, b); }).toThrow(/tanhBackward: dx must have 6 elements/);
      expect(() => { be.bceWithLogits(a, b, a, null); }).toThrow(/bceWithLogits: y must have 6 elements/);
      expect(() => { be.bceWithLogits(a, a, a, b); }).toThrow(/bceWithLogits: dz must have 6 elements/);
      expect(() => { be.softmax(2, 3, a, b); }).toThrow(/softmax: out must have 6 elements/);
      expect(() => { be.softmax(-1, 3, a, a); }).toThrow(/softmax: rows must be a non-negative integer/);
      expect(() => { be.logSumExp(2, 3, a, a); }).toThrow(/logSumExp: out must have 2 elements/);
      expect(() => { be.softmaxBackward(3, 2, a, a, b); }).toThrow(/softmaxBackward: dx must have 6 elements/);
    }
  });
});
