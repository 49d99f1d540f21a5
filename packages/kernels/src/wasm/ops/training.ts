import type { AdamParams, TrainingOps } from '../../ops/training.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';

/** adamRows splits each listed row into blocks of this many columns (one cache line); as in assembly. */
const ROW_BLOCK = 16;
/** f32 elements of scratch per column: two (forward) or four (backward) f64 accumulators. */
const FORWARD_SCRATCH = 4;
const BACKWARD_SCRATCH = 8;

/**
 * Adam's per-step constants, as PyTorch computes them: step size lr / (1 - b1^t), the divisor
 * sqrt(1 - b2^t), and the weight decay folded in (coupled L2 into the gradient, or AdamW's factor).
 */
function adamArgs(p: AdamParams): number[] {
  const stepSize = p.lr / (1 - p.beta1 ** p.step);
  const sqrtBc2 = Math.sqrt(1 - p.beta2 ** p.step);
  const coupled = p.decoupled ? 0 : p.weightDecay;
  const decay = p.decoupled ? 1 - p.lr * p.weightDecay : 1;
  return [p.beta1, p.beta2, 1 - p.beta1, 1 - p.beta2, p.eps, stepSize, sqrtBc2, coupled, decay];
}

/**
 * Training kernels on WASM: elementwise SIMD optimizers and dropout threaded over elements,
 * adamRows over column blocks of the listed rows, BatchNorm over columns.
 */
export function wasmTraining(core: WasmCore): TrainingOps {
  const firstBadId = core.fn('adamRowsFirstBadId');
  const p = (b: Buf) => core.ptr(b);
  /** Runs a BatchNorm kernel with `perColumn` f32 elements of scratch per column appended to args. */
  const withScratch = (name: string, args: number[], rows: number, cols: number, perColumn: number) => {
    if (rows === 0 || cols === 0) return; // nothing to normalise, and zero sums to accumulate
    const scratch = core.scope();
    try {
      const acc = scratch.alloc('f32', perColumn * cols);
      core.parallel(name, [...args, p(acc)], cols, 3 * NS.stream * rows);
    } finally {
      scratch.release();
    }
  };
  return {
    adam(param, grad, m, v, hp) {
      core.parallel('adam', [p(param), p(grad), p(m), p(v), ...adamArgs(hp)], param.length, NS.update);
    },
    adamRows(param, grad, m, v, dim, rowIds, hp, zeroGrad) {
      const n = rowIds.length;
      const rows = param.length / dim;
      const bad = firstBadId(p(rowIds), n, rows);
      if (bad >= 0) throw idOutOfRange('adamRows', bad, core.view(rowIds)[bad], rows);
      const args = [p(param), p(grad), p(m), p(v), dim, p(rowIds), n, ...adamArgs(hp), zeroGrad ? 1 : 0];
      core.parallel('adamRows', args, Math.ceil(dim / ROW_BLOCK), NS.update * ROW_BLOCK * n);
    },
    sgd(param, grad, lr, weightDecay, momentum, velocity) {
      const pvel = momentum !== 0 && velocity !== null ? p(velocity) : 0;
      core.parallel('sgd', [p(param), p(grad), pvel, lr, weightDecay, momentum], param.length, NS.update);
    },
    batchNormForward(rows, cols, x, gamma, beta, runMean, runVar, bn, out, saveMean, saveInvStd) {
      if (bn.training) {
        const args = [rows, cols, p(x), p(gamma), p(beta), p(runMean), p(runVar), bn.momentum, bn.eps, p(out), p(saveMean), p(saveInvStd)];
        withScratch('batchNormTrain', args, rows, cols, FORWARD_SCRATCH);
      } else {
        const args = [rows, cols, p(x), p(gamma), p(beta), p(runMean), p(runVar), bn.eps, p(out)];
        withScratch('batchNormInfer', args, rows, cols, FORWARD_SCRATCH);
      }
    },
    batchNormBackward(rows, cols, x, dy, gamma, saveMean, saveInvStd, dx, dGamma, dBeta) {
      const args = [rows, cols, p(x), p(dy), p(gamma), p(saveMean), p(saveInvStd), p(dx), p(dGamma), p(dBeta)];
      withScratch('batchNormBackward', args, rows, cols, BACKWARD_SCRATCH);
    },
    dropout(x, prob, seed, out, mask) {
      // keep_i = u32ToUnit(h) >= p  <=>  (h >>> 8) >= p * 2^24  <=>  (h >>> 8) >= ceil(p * 2^24).
      const threshold = Math.ceil(prob * 16777216);
      core.parallel('dropout', [p(x), threshold, 1 / (1 - prob), seed, p(out), p(mask)], x.length, NS.update);
    },
    dropoutBackward(dy, mask, prob, dx) {
      core.parallel('dropoutBackward', [p(dy), p(mask), 1 / (1 - prob), p(dx)], dy.length, 3 * NS.stream);
    },
  };
}
