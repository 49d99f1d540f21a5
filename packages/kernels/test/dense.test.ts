import { beforeAll, describe, expect, it } from 'vitest';
import type { HostBackend } from '../src/index.js';
import { AWKWARD_LENGTHS, expectClose, getBackends, randomFloats, UNDER_TEST, type Backends } from './harness.js';

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

  it('gives identical results with 1 and 2 threads on a large product', () => {
    const one = runGemm(B.wasm, false, false, 257, 300, 64, 1, 0, 5);
    const two = runGemm(B.threaded, false, false, 257, 300, 64, 1, 0, 5);
    expectClose(two, one, 1e-6, 0, 'threads');
  });
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

describe('vector ops on awkward lengths', () => {
  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n}`, () => {
        const results = (be: HostBackend) => {
          const x = be.upload('f32', randomFloats(n, 11));
          const y = be.upload('f32', randomFloats(n, 12));
          const out = be.alloc('f32', n);
          const s = be.alloc('f32', 2);
          const acc: number[] = [];
          be.dot(x, y, s);
          acc.push(be.view(s)[0]);
          be.sumSquares(x, s);
          acc.push(be.view(s)[0]);
          be.axpy(-1.5, x, y);
          acc.push(...be.view(y));
          be.scale(3, x, out);
          acc.push(...be.view(out));
          be.add(x, y, out);
          acc.push(...be.view(out));
          be.sub(x, y, out);
          acc.push(...be.view(out));
          be.mul(x, y, out);
          acc.push(...be.view(out));
          be.copy(x, out);
          acc.push(...be.view(out));
          be.fill(out, 0.25);
          acc.push(...be.view(out));
          return acc;
        };
        expectClose(results(B[name]), results(B.reference), 1e-5, 1e-4 * Math.sqrt(Math.max(1, n)), name);
      });
    }
  }
});

describe('row and column reductions', () => {
  for (const name of UNDER_TEST) {
    for (const [rows, cols] of [[0, 3], [1, 1], [3, 5], [7, 64], [33, 130]]) {
      it(`${name} ${rows}x${cols}`, () => {
        const results = (be: HostBackend) => {
          const x = be.upload('f32', randomFloats(rows * cols, 21));
          const bias = be.upload('f32', randomFloats(cols, 22));
          const out = be.alloc('f32', rows * cols);
          const r = be.alloc('f32', rows);
          const c = be.upload('f32', randomFloats(cols, 23));
          const acc: number[] = [];
          be.addRowVector(rows, cols, x, bias, out);
          acc.push(...be.view(out));
          be.rowSum(rows, cols, x, r);
          acc.push(...be.view(r));
          be.colSum(rows, cols, x, 1, c);
          acc.push(...be.view(c));
          be.colSum(rows, cols, x, 0, c);
          acc.push(...be.view(c));
          be.rowL2Norm(rows, cols, x, r);
          acc.push(...be.view(r));
          return acc;
        };
        expectClose(results(B[name]), results(B.reference), 1e-5, 1e-5 * Math.max(1, rows, cols), name);
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
