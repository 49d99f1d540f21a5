import type { ActivationOps } from '../../ops/activations.js';
import type { Buf } from '../../types.js';
import type { ReferenceCore } from '../core.js';

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** Plain TypeScript activations and losses, in f64 with the textbook stable formulas. */
export function referenceActivations(core: ReferenceCore): ActivationOps {
  const f = (b: Buf) => core.data(b) as Float32Array;
  const map = (x: Buf, out: Buf, fn: (v: number) => number) => {
    const X = f(x), O = f(out);
    for (let i = 0; i < X.length; i++) O[i] = fn(X[i]);
  };
  const map2 = (a: Buf, dy: Buf, dx: Buf, fn: (v: number, g: number) => number) => {
    const A = f(a), G = f(dy), D = f(dx);
    for (let i = 0; i < A.length; i++) D[i] = fn(A[i], G[i]);
  };
  /** The per-row shift of softmax/logSumExp: the max when finite, else 0. */
  const shiftOf = (X: Float32Array, start: number, cols: number) => {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, X[start + c]);
    return Number.isFinite(m) ? m : 0;
  };
  return {
    relu: (x, out) => { map(x, out, (v) => (v > 0 ? v : 0)); },
    reluBackward: (x, dy, dx) => { map2(x, dy, dx, (v, g) => (v > 0 ? g : 0)); },
    sigmoid: (x, out) => { map(x, out, sigmoid); },
    sigmoidBackward: (y, dy, dx) => { map2(y, dy, dx, (v, g) => g * v * (1 - v)); },
    tanh: (x, out) => { map(x, out, Math.tanh); },
    tanhBackward: (y, dy, dx) => { map2(y, dy, dx, (v, g) => g * (1 - v * v)); },
    mish: (x, out) => { map(x, out, (v) => v * Math.tanh(softplus(v))); },
    mishBackward: (x, dy, dx) => {
      map2(x, dy, dx, (v, g) => {
        const t = Math.tanh(softplus(v));
        return g * (t + v * sigmoid(v) * (1 - t * t));
      });
    },
    softplus: (x, out) => { map(x, out, softplus); },
    softplusBackward: (x, dy, dx) => { map2(x, dy, dx, (v, g) => g * sigmoid(v)); },
    logSigmoid: (x, out) => { map(x, out, (v) => -softplus(-v)); },
    logSigmoidBackward: (x, dy, dx) => { map2(x, dy, dx, (v, g) => g * sigmoid(-v)); },
    bceWithLogits(z, y, loss, dz) {
      const Z = f(z), Y = f(y);
      const n = Z.length;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += softplus(Z[i]) - Y[i] * Z[i];
      f(loss)[0] = n > 0 ? sum / n : 0;
      if (dz !== null) {
        const D = f(dz);
        for (let i = 0; i < n; i++) D[i] = (sigmoid(Z[i]) - Y[i]) / n;
      }
    },
    softmax(rows, cols, x, out) {
      const X = f(x), O = f(out);
      for (let r = 0; r < rows; r++) {
        const shift = shiftOf(X, r * cols, cols);
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += Math.exp(X[r * cols + c] - shift);
        for (let c = 0; c < cols; c++) O[r * cols + c] = Math.exp(X[r * cols + c] - shift) / sum;
      }
    },
    softmaxBackward(rows, cols, y, dy, dx) {
      const Y = f(y), G = f(dy), D = f(dx);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += G[r * cols + c] * Y[r * cols + c];
        for (let c = 0; c < cols; c++) D[r * cols + c] = Y[r * cols + c] * (G[r * cols + c] - s);
      }
    },
    logSumExp(rows, cols, x, out) {
      const X = f(x), O = f(out);
      for (let r = 0; r < rows; r++) {
        const shift = shiftOf(X, r * cols, cols);
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += Math.exp(X[r * cols + c] - shift);
        O[r] = shift + Math.log(sum);
      }
    },
  };
}
