import type { AdamParams, TrainingOps } from '../../ops/training.js';
import { hash2, u32ToUnit } from '../../random/xoshiro.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { ReferenceCore } from '../core.js';

/** Plain TypeScript optimizers and training layers, in f64 straight from the formulas. */
export function referenceTraining(core: ReferenceCore): TrainingOps {
  const f = (b: Buf) => core.data(b) as Float32Array;

  /** One Adam step on element i, textbook form with bias-corrected moments. */
  const adamElement = (P: Float32Array, G: Float32Array, M: Float32Array, V: Float32Array, i: number, p: AdamParams) => {
    let param = P[i];
    let g = G[i];
    if (p.decoupled) param *= 1 - p.lr * p.weightDecay;
    else g += p.weightDecay * param;
    const m = p.beta1 * M[i] + (1 - p.beta1) * g;
    const v = p.beta2 * V[i] + (1 - p.beta2) * g * g;
    const mHat = m / (1 - p.beta1 ** p.step);
    const vHat = v / (1 - p.beta2 ** p.step);
    M[i] = m;
    V[i] = v;
    P[i] = param - (p.lr * mHat) / (Math.sqrt(vHat) + p.eps);
  };

  return {
    adam(param, grad, m, v, p) {
      const P = f(param), G = f(grad), M = f(m), V = f(v);
      for (let i = 0; i < P.length; i++) adamElement(P, G, M, V, i, p);
    },
    adamRows(param, grad, m, v, dim, rowIds, p, zeroGrad) {
      const P = f(param), G = f(grad), M = f(m), V = f(v);
      const ids = core.data(rowIds);
      const rows = P.length / dim;
      for (let k = 0; k < ids.length; k++) if (ids[k] < 0 || ids[k] >= rows) throw idOutOfRange('adamRows', k, ids[k], rows);
      for (const id of ids) {
        for (let c = 0; c < dim; c++) {
          adamElement(P, G, M, V, id * dim + c, p);
          if (zeroGrad) G[id * dim + c] = 0;
        }
      }
    },
    sgd(param, grad, lr, weightDecay, momentum, velocity) {
      const P = f(param), G = f(grad);
      const Vel = momentum !== 0 && velocity !== null ? f(velocity) : null;
      for (let i = 0; i < P.length; i++) {
        let g = G[i] + weightDecay * P[i];
        if (Vel) {
          Vel[i] = momentum * Vel[i] + g;
          g = Vel[i];
        }
        P[i] -= lr * g;
      }
    },
    batchNormForward(rows, cols, x, gamma, beta, runMean, runVar, p, out, saveMean, saveInvStd) {
      const X = f(x), Gm = f(gamma), Bt = f(beta), RM = f(runMean), RV = f(runVar), O = f(out);
      for (let c = 0; c < cols; c++) {
        let mean: number, invStd: number;
        if (p.training) {
          let sum = 0;
          for (let r = 0; r < rows; r++) sum += X[r * cols + c];
          mean = sum / rows;
          let sq = 0;
          for (let r = 0; r < rows; r++) sq += (X[r * cols + c] - mean) ** 2;
          invStd = 1 / Math.sqrt(sq / rows + p.eps);
          f(saveMean)[c] = mean;
          f(saveInvStd)[c] = invStd;
          RM[c] = (1 - p.momentum) * RM[c] + p.momentum * mean;
          RV[c] = (1 - p.momentum) * RV[c] + p.momentum * (sq / (rows - 1));
        } else {
          mean = RM[c];
          invStd = 1 / Math.sqrt(RV[c] + p.eps);
        }
        for (let r = 0; r < rows; r++) O[r * cols + c] = Gm[c] * (X[r * cols + c] - mean) * invStd + Bt[c];
      }
    },
    batchNormBackward(rows, cols, x, dy, gamma, saveMean, saveInvStd, dx, dGamma, dBeta) {
      const X = f(x), DY = f(dy), Gm = f(gamma), SM = f(saveMean), SI = f(saveInvStd), DX = f(dx);
      for (let c = 0; c < cols; c++) {
        const xhat = (r: number) => (X[r * cols + c] - SM[c]) * SI[c];
        let sumDy = 0, sumDyXhat = 0;
        for (let r = 0; r < rows; r++) {
          sumDy += DY[r * cols + c];
          sumDyXhat += DY[r * cols + c] * xhat(r);
        }
        f(dBeta)[c] += sumDy;
        f(dGamma)[c] += sumDyXhat;
        for (let r = 0; r < rows; r++) {
          DX[r * cols + c] = Gm[c] * SI[c] * (DY[r * cols + c] - sumDy / rows - (xhat(r) * sumDyXhat) / rows);
        }
      }
    },
    dropout(x, p, seed, out, mask) {
      const X = f(x), O = f(out), K = core.data(mask);
      for (let i = 0; i < X.length; i++) {
        const keep = u32ToUnit(hash2(seed, i)) >= p;
        K[i] = keep ? 1 : 0;
        O[i] = keep ? X[i] / (1 - p) : 0;
      }
    },
    dropoutBackward(dy, mask, p, dx) {
      const DY = f(dy), K = core.data(mask), DX = f(dx);
      for (let i = 0; i < DY.length; i++) DX[i] = K[i] !== 0 ? DY[i] / (1 - p) : 0;
    },
  };
}
