import type { DenseOps } from '../../ops/dense.js';
import type { ReferenceCore } from '../core.js';

/** Plain TypeScript dense kernels: the straightforward loops, accumulated in f64. */
export function referenceDense(core: ReferenceCore): DenseOps {
  const f = (b: Parameters<ReferenceCore['data']>[0]) => core.data(b) as Float32Array;
  return {
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      const A = f(a), B = f(b), C = f(c);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) {
            const av = transA ? A[p * m + i] : A[i * k + p];
            const bv = transB ? B[j * k + p] : B[p * n + j];
            s += av * bv;
          }
          C[i * n + j] = beta === 0 ? alpha * s : alpha * s + beta * C[i * n + j];
        }
      }
    },
    gemv(trans, m, n, alpha, a, x, beta, y) {
      const A = f(a), X = f(x), Y = f(y);
      const outLen = trans ? n : m;
      const inLen = trans ? m : n;
      for (let o = 0; o < outLen; o++) {
        let s = 0;
        for (let p = 0; p < inLen; p++) s += (trans ? A[p * n + o] : A[o * n + p]) * X[p];
        Y[o] = beta === 0 ? alpha * s : alpha * s + beta * Y[o];
      }
    },
    dot(x, y, out) {
      const X = f(x), Y = f(y);
      let s = 0;
      for (let i = 0; i < X.length; i++) s += X[i] * Y[i];
      f(out)[0] = s;
    },
    axpy(alpha, x, y) {
      const X = f(x), Y = f(y);
      for (let i = 0; i < X.length; i++) Y[i] += alpha * X[i];
    },
    scale(alpha, x, out) {
      const X = f(x), O = f(out);
      for (let i = 0; i < X.length; i++) O[i] = alpha * X[i];
    },
    add(a, b, out) {
      const A = f(a), B = f(b), O = f(out);
      for (let i = 0; i < A.length; i++) O[i] = A[i] + B[i];
    },
    sub(a, b, out) {
      const A = f(a), B = f(b), O = f(out);
      for (let i = 0; i < A.length; i++) O[i] = A[i] - B[i];
    },
    mul(a, b, out) {
      const A = f(a), B = f(b), O = f(out);
      for (let i = 0; i < A.length; i++) O[i] = A[i] * B[i];
    },
    reciprocal(x, floor, out) {
      const X = f(x), O = f(out);
      const lo = Math.fround(floor);
      // The f64 quotient rounded to f32 is the correctly rounded f32 quotient.
      for (let i = 0; i < X.length; i++) O[i] = 1 / Math.max(X[i], lo);
    },
    fill(x, value) {
      f(x).fill(value);
    },
    copy(src, dst) {
      core.data(dst).set(core.data(src));
    },
    addRowVector(rows, cols, x, bias, out) {
      const X = f(x), Bv = f(bias), O = f(out);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) O[r * cols + c] = X[r * cols + c] + Bv[c];
    },
    rowSum(rows, cols, x, out) {
      const X = f(x), O = f(out);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += X[r * cols + c];
        O[r] = s;
      }
    },
    colSum(rows, cols, x, beta, out) {
      const X = f(x), O = f(out);
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += X[r * cols + c];
        O[c] = beta === 0 ? s : beta * O[c] + s;
      }
    },
    rowL2Norm(rows, cols, x, out) {
      const X = f(x), O = f(out);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += X[r * cols + c] ** 2;
        O[r] = Math.sqrt(s);
      }
    },
    sumSquares(x, out) {
      const X = f(x);
      let s = 0;
      for (let i = 0; i < X.length; i++) s += X[i] * X[i];
      f(out)[0] = s;
    },
  };
}
