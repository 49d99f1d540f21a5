import { describe, it } from 'vitest';
import type { Backend } from '@lers/kernels';
import { backendsOrNull, matchesReference, randomFloats, sumBound } from './gpu.js';

const B = await backendsOrNull();
const abs = (x: Float32Array) => x.map(Math.abs);

/** Magnitudes sum_p |A||B| of a GEMM, from the reference on absolute values. */
function gemmMagnitudes(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, alpha: number, beta: number, c: Float32Array): Float32Array {
  const ref = B!.reference;
  const out = ref.upload('f32', abs(c));
  ref.gemm(ta, tb, m, n, k, Math.abs(alpha), ref.upload('f32', abs(a)), ref.upload('f32', abs(b)), Math.abs(beta), out);
  return ref.view(out).slice();
}

describe.skipIf(!B)('dense kernels against the reference', () => {
  it('gemm: tiles, edges, transposes, alpha/beta (f32 sums: 1e-5 of sum |a b|)', async () => {
    const shapes = [[1, 1, 1], [3, 5, 7], [70, 33, 45], [64, 64, 16], [65, 130, 17], [0, 5, 3], [5, 0, 3], [5, 3, 0]];
    for (const [m, n, k] of shapes) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const beta of [0, 0.5]) {
          const a = randomFloats(m * k, m + k), b = randomFloats(k * n, n + 3), c = randomFloats(m * n, 5);
          if (beta === 0) c.fill(NaN); // beta = 0 ignores C, NaNs included
          const bound = sumBound(gemmMagnitudes(ta, tb, m, n, k, a, b, 1.5, beta, beta === 0 ? new Float32Array(m * n) : c));
          await matchesReference(B!, `gemm ${m}x${n}x${k} ${ta}/${tb} beta ${beta}`, (be) => {
            const out = be.upload('f32', c);
            be.gemm(ta, tb, m, n, k, 1.5, be.upload('f32', a), be.upload('f32', b), beta, out);
            return [out];
          }, bound);
        }
      }
    }
  });

  it('gemv both ways, dot and sumSquares (f32 sums: 1e-5 of sum |terms|)', async () => {
    for (const [m, n] of [[1, 1], [3, 5], [100, 37], [0, 4]]) {
      for (const trans of [false, true]) {
        const a = randomFloats(m * n, m), x = randomFloats(trans ? m : n, n), y = randomFloats(trans ? n : m, 9);
        await matchesReference(B!, `gemv ${m}x${n} ${trans}`, (be) => {
          const out = be.upload('f32', y);
          be.gemv(trans, m, n, 2, be.upload('f32', a), be.upload('f32', x), 0.5, out);
          return [out];
        }, { rtol: 1e-5, atol: 1e-5 * Math.max(m, n) });
      }
    }
    for (const len of [0, 1, 5, 1023, 1024, 1025, 5000]) {
      const x = randomFloats(len, len), y = randomFloats(len, len + 1);
      let magDot = 0, magSq = 0;
      for (let i = 0; i < len; i++) { magDot += Math.abs(x[i] * y[i]); magSq += x[i] * x[i]; }
      await matchesReference(B!, `dot/sumSquares ${len}`, (be) => {
        const xb = be.upload('f32', x), d = be.alloc('f32', 1), s = be.alloc('f32', 1);
        be.dot(xb, be.upload('f32', y), d);
        be.sumSquares(xb, s);
        return [d, s];
      }, [sumBound([magDot]), sumBound([magSq])]);
    }
  });

  it('element-wise ops: exact where one f32 operation, 1e-7 relative where the reference rounds an f64 product once', async () => {
    for (const len of [0, 1, 5, 3001]) {
      const a = randomFloats(len, len + 1), b = randomFloats(len, len + 2);
      await matchesReference(B!, `elementwise ${len}`, (be: Backend) => {
        const A = be.upload('f32', a), Bb = be.upload('f32', b);
        const add = be.alloc('f32', len), sub = be.alloc('f32', len), mul = be.alloc('f32', len), fill = be.alloc('f32', len);
        be.add(A, Bb, add);
        be.sub(A, Bb, sub);
        be.mul(A, Bb, mul);
        be.fill(fill, 0.1);
        const scaled = be.upload('f32', a);
        be.scale(0.3, scaled, scaled); // out aliases x
        const y = be.upload('f32', b);
        be.axpy(-0.7, A, y);
        return [add, sub, mul, fill, scaled, y];
      }, ['exact', 'exact', 'exact', 'exact', { rtol: 2e-7, atol: 1e-12 }, { rtol: 2e-7, atol: 2e-7 }]);
    }
  });

  it('reciprocal: the reference\'s bits (correctly rounded), NaN, zeros, infinities, subnormal results', async () => {
    for (const len of [0, 7, 3001]) {
      const x = randomFloats(len, len + 5);
      x.set([0, -0, 1e-30, -5, 2, Infinity, NaN, 3e38].slice(0, Math.min(len, 8)));
      await matchesReference(B!, `reciprocal ${len}`, (be: Backend) => {
        const X = be.upload('f32', x);
        const a = be.alloc('f32', len), b = be.alloc('f32', len);
        be.reciprocal(X, 1e-12, a);
        be.reciprocal(X, 0, b);
        return [a, b];
      }, 'exact');
    }
  });

  it('row and column reductions, addRowVector (sums: 1e-5 of sum |terms|)', async () => {
    for (const [rows, cols] of [[1, 1], [7, 5], [300, 13], [13, 300], [0, 3], [3, 0]]) {
      const x = randomFloats(rows * cols, rows + cols), bias = randomFloats(cols, 3), prev = randomFloats(cols, 4);
      await matchesReference(B!, `rows ${rows}x${cols}`, (be) => {
        const X = be.upload('f32', x);
        const rs = be.alloc('f32', rows), l2 = be.alloc('f32', rows), cs0 = be.upload('f32', prev), cs1 = be.upload('f32', prev), arv = be.alloc('f32', rows * cols);
        be.rowSum(rows, cols, X, rs);
        be.rowL2Norm(rows, cols, X, l2);
        be.colSum(rows, cols, X, 0, cs0);
        be.colSum(rows, cols, X, 1, cs1);
        be.addRowVector(rows, cols, X, be.upload('f32', bias), arv);
        return [rs, l2, cs0, cs1, arv];
      }, [{ rtol: 1e-5, atol: 1e-5 * cols }, { rtol: 1e-5, atol: 1e-6 }, { rtol: 1e-5, atol: 1e-5 * rows }, { rtol: 1e-5, atol: 1e-5 * (rows + 1) }, 'exact']);
    }
  });

  it('copy: whole words, sub-word slices at odd offsets, overlapping slices of one buffer', async () => {
    await matchesReference(B!, 'copy', (be) => {
      const f = be.upload('f32', randomFloats(3000, 1)), g = be.alloc('f32', 3000);
      be.copy(f, g);
      const bytes = be.upload('i8', Array.from({ length: 50 }, (_, i) => i - 25)), dst = be.upload('i8', new Array<number>(50).fill(7));
      be.copy(be.slice(bytes, 3, 21), be.slice(dst, 5, 21));
      const halves = be.upload('u16', Array.from({ length: 31 }, (_, i) => 1000 * i));
      be.copy(be.slice(halves, 0, 20), be.slice(halves, 7, 20)); // overlapping, forward
      const ints = be.upload('i32', Array.from({ length: 40 }, (_, i) => i * i));
      be.copy(be.slice(ints, 10, 25), be.slice(ints, 0, 25)); // overlapping, backward
      return [g, dst, halves, ints];
    }, 'exact');
  });
});
