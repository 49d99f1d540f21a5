import { beforeAll, describe, expect, it } from 'vitest';
import type { HostBackend } from '../src/index.js';
import { AWKWARD_LENGTHS, expectClose, getBackends, randomFloats, UNDER_TEST, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

/** Runs a C = op(A) op(B) product on `be` and returns C. */
function runGemm(be: HostBackend, ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, beta: number, seed: number): Float32Array {
  const a = be.upload('f32', randomFloats(m * k, seed));
  const b = be.upload('f32', randomFloats(k * n, seed + 1));
  const c = be.upload('f32', randomFloats(m * n, seed + 2));
  be.gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
  const out = be.view(c).slice();
  be.free(a);
  be.free(b);
  be.free(c);
  return out;
}

describe('gemm', () => {
  const shapes: [number, number, number][] = [
    [0, 3, 2], [1, 1, 1], [3, 5, 7], [4, 16, 8], [5, 17, 3], [9, 33, 0], [13, 20, 64], [64, 64, 64], [70, 130, 31],
  ];
  for (const name of UNDER_TEST) {
    for (const [m, n, k] of shapes) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        it(`${name} ${m}x${n}x${k} transA=${ta} transB=${tb}`, () => {
          for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
            const want = runGemm(B.reference, ta, tb, m, n, k, alpha, beta, m * 31 + n);
            const got = runGemm(B[name], ta, tb, m, n, k, alpha, beta, m * 31 + n);
            expectClose(got, want, 1e-5, 1e-5 * Math.max(1, k), `${name} gemm`);
          }
        });
      }
    }
  }

  it('beta = 0 ignores NaN in C', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const a = be.upload('f32', [1, 2]);
      const b = be.upload('f32', [3, 4]);
      const c = be.upload('f32', [NaN]);
      be.gemm(false, false, 1, 1, 2, 1, a, b, 0, c);
      expect(be.view(c)[0], name).toBe(11);
    }
  });

  it('rejects mismatched shapes with a message naming the operand', () => {
    const be = B.wasm;
    const a = be.alloc('f32', 6);
    const b = be.alloc('f32', 6);
    const c = be.alloc('f32', 5);
    expect(() => { be.gemm(false, false, 2, 2, 3, 1, a, b, 0, c); }).toThrow(/gemm: C must have 4 elements/);
  });

  // Shapes large enough for the pool whose thread ranges start at odd rows, so that rows pair up
  // differently in the 2-row micro-kernel than with one thread (511 x 511 x 16 once differed);
  // 64 x 48 x 4099 has transposed operands large enough for the transpose itself to be threaded;
  // the last three take the packed-panel path (B over 1 MB, or A^T with B over 256 KB) with last
  // panels 8, 4 and 3 columns wide.
  const threadShapes: [number, number, number][] = [
    [511, 511, 16], [7, 2000, 9], [103, 67, 31], [257, 300, 64], [35, 1025, 5], [64, 48, 4099], [130, 1000, 300], [257, 100, 2700], [129, 67, 1000],
  ];
  for (const [m, n, k] of threadShapes) {
    it(`computes every element of ${m}x${n}x${k} the same way with 1 and 2 threads, every transpose`, () => {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        for (const [alpha, beta] of [[5, 0], [-0.5, 0.75]]) {
          const one = runGemm(B.wasm, ta, tb, m, n, k, alpha, beta, m + n);
          expectBitExact(runGemm(B.threaded, ta, tb, m, n, k, alpha, beta, m + n), one, `transA=${ta} transB=${tb} alpha=${alpha}`);
          expectClose(one, runGemm(B.reference, ta, tb, m, n, k, alpha, beta, m + n), 1e-5, 1e-5 * k * Math.abs(alpha), 'reference');
        }
      }
    });
  }
});

describe('gemm packed panels', () => {
  // One large product (packed: 1000 x 300 floats of B) against the same rows in blocks of 120 (too
  // few rows to pack): every element is the same sequential sum over k on both paths.
  for (const tb of [false, true]) {
    it(`gives the bits of the unpacked kernel, transB=${tb}`, () => {
      const [m, n, k, block] = [250, 1000, 300, 120];
      const be = B.wasm;
      const aHost = randomFloats(m * k, 11);
      const bHost = randomFloats(k * n, 12);
      const cHost = randomFloats(m * n, 13);
      const a = be.upload('f32', aHost);
      const b = be.upload('f32', bHost);
      const whole = be.upload('f32', cHost);
      be.gemm(false, tb, m, n, k, 0.5, a, b, 0.25, whole);
      const blocks = be.upload('f32', cHost);
      for (let r0 = 0; r0 < m; r0 += block) {
        const rows = Math.min(block, m - r0);
        be.gemm(false, tb, rows, n, k, 0.5, be.slice(a, r0 * k, rows * k), b, 0.25, be.slice(blocks, r0 * n, rows * n));
      }
      expectBitExact(be.view(whole), be.view(blocks), 'packed vs unpacked');
      for (const x of [a, b, whole, blocks]) be.free(x);
    });
  }
});

describe('gemv', () => {
  for (const name of UNDER_TEST) {
    for (const [m, n] of [[0, 4], [1, 1], [5, 3], [17, 64], [300, 257]]) {
      for (const trans of [false, true]) {
        it(`${name} ${m}x${n} trans=${trans}`, () => {
          const run = (be: HostBackend) => {
            const a = be.upload('f32', randomFloats(m * n, 1));
            const x = be.upload('f32', randomFloats(trans ? m : n, 2));
            const y = be.upload('f32', randomFloats(trans ? n : m, 3));
            be.gemv(trans, m, n, 0.7, a, x, 0.3, y);
            return be.view(y).slice();
          };
          expectClose(run(B[name]), run(B.reference), 1e-5, 1e-5 * Math.max(1, m, n), name);
        });
      }
    }
  }
});

/** Concatenates kernel outputs into one array (copies: later calls reuse the buffers). */
function joined(parts: readonly ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The outputs of every vector op on n-element inputs, in order. */
function vectorOpResults(be: HostBackend, n: number): Float32Array {
  const x = be.upload('f32', randomFloats(n, 11));
  const y = be.upload('f32', randomFloats(n, 12));
  const out = be.alloc('f32', n);
  const s = be.alloc('f32', 2);
  const parts: ArrayLike<number>[] = [];
  const keep = (b: typeof out) => parts.push(be.view(b).slice());
  be.dot(x, y, s);
  keep(be.slice(s, 0, 1));
  be.sumSquares(x, s);
  keep(be.slice(s, 0, 1));
  be.axpy(-1.5, x, y);
  keep(y);
  be.scale(3, x, out);
  keep(out);
  be.add(x, y, out);
  keep(out);
  be.sub(x, y, out);
  keep(out);
  be.mul(x, y, out);
  keep(out);
  be.copy(x, out);
  keep(out);
  be.fill(out, 0.25);
  keep(out);
  for (const b of [x, y, out, s]) be.free(b);
  return joined(parts);
}

/** The outputs of every row / column op on a rows x cols matrix, in order. */
function rowOpResults(be: HostBackend, rows: number, cols: number): Float32Array {
  const x = be.upload('f32', randomFloats(rows * cols, 21));
  const bias = be.upload('f32', randomFloats(cols, 22));
  const out = be.alloc('f32', rows * cols);
  const r = be.alloc('f32', rows);
  const c = be.upload('f32', randomFloats(cols, 23));
  const parts: ArrayLike<number>[] = [];
  const keep = (b: typeof out) => parts.push(be.view(b).slice());
  be.addRowVector(rows, cols, x, bias, out);
  keep(out);
  be.rowSum(rows, cols, x, r);
  keep(r);
  be.colSum(rows, cols, x, 1, c);
  keep(c);
  be.colSum(rows, cols, x, 0, c);
  keep(c);
  be.colSum(rows, cols, x, -0.5, c);
  keep(c);
  be.rowL2Norm(rows, cols, x, r);
  keep(r);
  for (const b of [x, bias, out, r, c]) be.free(b);
  return joined(parts);
}

describe('vector ops on awkward lengths', () => {
  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n}`, () => {
        expectClose(vectorOpResults(B[name], n), vectorOpResults(B.reference, n), 1e-5, 1e-4 * Math.sqrt(Math.max(1, n)), name);
      });
    }
  }
});

describe('reciprocal', () => {
  // Correctly rounded on every backend: the same bits as the reference (NaN checked apart).
  const special = [0, -0, 1e-30, -1e-30, 1e-12, 3, -3, 0.1, 7e37, Infinity, -Infinity, NaN];
  for (const name of UNDER_TEST) {
    it(`${name}: the reference's bits, floors 0 and 1e-12, special values, awkward lengths`, () => {
      for (const n of [0, 5, 1001, 100_003]) {
        const x = randomFloats(n, n + 3, -2, 2);
        x.set(special.slice(0, Math.min(n, special.length)));
        for (const floor of [0, 1e-12, 0.5]) {
          const run = (be: HostBackend): Float32Array => {
            const xb = be.upload('f32', x);
            const out = be.alloc('f32', n);
            be.reciprocal(xb, floor, out);
            const r = be.view(out).slice();
            be.free(xb);
            be.free(out);
            return r;
          };
          const got = run(B[name]);
          const want = run(B.reference);
          for (let i = 0; i < n; i++) {
            if (Number.isNaN(want[i])) {
              expect(got[i], `${name} [${i}] of 1/max(NaN, ${floor})`).toBeNaN();
              got[i] = want[i] = 0;
            }
          }
          expectBitExact(got, want, `${name} reciprocal n=${n} floor=${floor}`);
        }
      }
    });
  }

  it('hand-computed values', () => {
    const be = B.wasm;
    const out = be.alloc('f32', 4);
    be.reciprocal(be.upload('f32', [4, -2, 0, 1e-20]), 1e-12, out);
    expect([...be.view(out)]).toEqual([0.25, Math.fround(1 / Math.fround(1e-12)), Math.fround(1 / Math.fround(1e-12)), Math.fround(1 / Math.fround(1e-12))]);
  });
});

describe('row and column reductions', () => {
  for (const name of UNDER_TEST) {
    for (const [rows, cols] of [[0, 3], [1, 1], [3, 5], [7, 64], [33, 130]]) {
      it(`${name} ${rows}x${cols}`, () => {
        expectClose(rowOpResults(B[name], rows, cols), rowOpResults(B.reference, rows, cols), 1e-5, 1e-5 * Math.max(1, rows, cols), name);
      });
    }
  }

  it('hand-computed values', () => {
    const be = B.wasm;
    const x = be.upload('f32', [1, 2, 3, 4, 5, 6]);
    const r = be.alloc('f32', 2);
    const c = be.alloc('f32', 3);
    be.rowSum(2, 3, x, r);
    expect([...be.view(r)]).toEqual([6, 15]);
    be.colSum(2, 3, x, 0, c);
    expect([...be.view(c)]).toEqual([5, 7, 9]);
    be.rowL2Norm(2, 3, x, r);
    expectClose(be.view(r), [Math.sqrt(14), Math.sqrt(77)], 1e-6);
  });
});

describe('elementwise and row ops large enough for the pool', () => {
  it('vector ops: the same bits with 1 and 2 threads, and close to the reference', () => {
    const n = 1_000_003;
    const one = vectorOpResults(B.wasm, n);
    expectBitExact(vectorOpResults(B.threaded, n), one, 'threads');
    // rtol 1e-4 for the two f32 sums over a million elements; the elementwise results are tighter.
    expectClose(one, vectorOpResults(B.reference, n), 1e-4, 1e-4 * Math.sqrt(n), 'reference');
  });

  it('row and column ops: the same bits with 1 and 2 threads, and close to the reference', () => {
    const [rows, cols] = [1501, 517];
    const one = rowOpResults(B.wasm, rows, cols);
    expectBitExact(rowOpResults(B.threaded, rows, cols), one, 'threads');
    expectClose(one, rowOpResults(B.reference, rows, cols), 1e-5, 1e-5 * rows, 'reference');
  });

  it('copy between overlapping parts of one buffer moves the data as the reference does', () => {
    const n = 600_000;
    for (const shift of [1, 4097, -4097]) {
      const run = (be: HostBackend) => {
        const buf = be.upload('f32', randomFloats(n + Math.abs(shift), 31));
        const [from, to] = shift > 0 ? [0, shift] : [-shift, 0];
        be.copy(be.slice(buf, from, n), be.slice(buf, to, n));
        const out = be.view(buf).slice();
        be.free(buf);
        return out;
      };
      const want = run(B.reference);
      for (const name of UNDER_TEST) expectBitExact(run(B[name]), want, `${name} shift ${shift}`);
    }
  });

  it('copy of other dtypes with 2 threads', () => {
    const bytes = Uint8Array.from({ length: 2_000_001 }, (_, i) => (i * 7) & 255);
    const src = B.threaded.upload('u8', bytes);
    const dst = B.threaded.alloc('u8', bytes.length);
    B.threaded.copy(src, dst);
    expect(B.threaded.view(dst)).toEqual(bytes);
    B.threaded.free(src);
    B.threaded.free(dst);
  });
});
