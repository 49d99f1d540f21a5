import type { AdamParams, BatchNormParams, TrainingOps } from '../ops/training.js';
import type { Buf } from '../types.js';
import { dims, dtypeOf, ensure, exactly } from './common.js';

/** Wraps a TrainingOps implementation with shape, dtype and hyperparameter checks. */
export function checkedTraining(impl: TrainingOps): TrainingOps {
  return {
    adam(param, grad, m, v, p) {
      sameAsParam('adam', param, { grad, m, v });
      adamParams('adam', p);
      impl.adam(param, grad, m, v, p);
    },
    adamRows(param, grad, m, v, dim, rowIds, p, zeroGrad) {
      sameAsParam('adamRows', param, { grad, m, v });
      dims('adamRows', { dim });
      ensure('adamRows', dim > 0 && param.length % dim === 0, `param (${param.length} elements) must be a rows x dim table with dim > 0, got dim ${dim}`);
      dtypeOf('adamRows', 'rowIds', rowIds, 'i32');
      adamParams('adamRows', p);
      impl.adamRows(param, grad, m, v, dim, rowIds, p, zeroGrad);
    },
    sgd(param, grad, lr, weightDecay, momentum, velocity) {
      sameAsParam('sgd', param, { grad });
      nonNegative('sgd', { lr, weightDecay, momentum });
      if (momentum !== 0) {
        ensure('sgd', velocity !== null, 'momentum needs a velocity buffer');
        exactly('sgd', 'velocity', velocity!, param.length, 'f32');
      }
      impl.sgd(param, grad, lr, weightDecay, momentum, velocity);
    },
    batchNormForward(rows, cols, x, gamma, beta, runMean, runVar, p, out, saveMean, saveInvStd) {
      const op = 'batchNormForward';
      dims(op, { rows, cols });
      exactlyEach(op, rows * cols, { x, out });
      exactlyEach(op, cols, { gamma, beta, runMean, runVar, saveMean, saveInvStd });
      batchNormParams(op, p);
      if (p.training) ensure(op, rows >= 2, `training needs at least 2 rows per batch (the unbiased variance), got ${rows}`);
      impl.batchNormForward(rows, cols, x, gamma, beta, runMean, runVar, p, out, saveMean, saveInvStd);
    },
    batchNormBackward(rows, cols, x, dy, gamma, saveMean, saveInvStd, dx, dGamma, dBeta) {
      const op = 'batchNormBackward';
      dims(op, { rows, cols });
      exactlyEach(op, rows * cols, { x, dy, dx });
      exactlyEach(op, cols, { gamma, saveMean, saveInvStd, dGamma, dBeta });
      impl.batchNormBackward(rows, cols, x, dy, gamma, saveMean, saveInvStd, dx, dGamma, dBeta);
    },
    dropout(x, p, seed, out, mask) {
      dtypeOf('dropout', 'x', x, 'f32');
      exactly('dropout', 'out', out, x.length, 'f32');
      exactly('dropout', 'mask', mask, x.length, 'u8');
      probability('dropout', p);
      ensure('dropout', Number.isInteger(seed), `seed must be an integer, got ${seed}`);
      impl.dropout(x, p, seed, out, mask);
    },
    dropoutBackward(dy, mask, p, dx) {
      dtypeOf('dropoutBackward', 'dy', dy, 'f32');
      exactly('dropoutBackward', 'mask', mask, dy.length, 'u8');
      exactly('dropoutBackward', 'dx', dx, dy.length, 'f32');
      probability('dropoutBackward', p);
      impl.dropoutBackward(dy, mask, p, dx);
    },
  };
}

/** Every buffer is f32 with param's length. */
function sameAsParam(op: string, param: Buf, bufs: Record<string, Buf>): void {
  dtypeOf(op, 'param', param, 'f32');
  exactlyEach(op, param.length, bufs);
}

function exactlyEach(op: string, n: number, bufs: Record<string, Buf>): void {
  for (const [name, b] of Object.entries(bufs)) exactly(op, name, b, n, 'f32');
}

function nonNegative(op: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) ensure(op, Number.isFinite(v) && v >= 0, `${name} must be a finite number >= 0, got ${v}`);
}

/** The ranges PyTorch's Adam accepts, plus a 1-based integer step. */
function adamParams(op: string, p: AdamParams): void {
  nonNegative(op, { lr: p.lr, eps: p.eps, weightDecay: p.weightDecay });
  for (const [name, b] of [['beta1', p.beta1], ['beta2', p.beta2]] as const) ensure(op, b >= 0 && b < 1, `${name} must be in [0, 1), got ${b}`);
  ensure(op, Number.isInteger(p.step) && p.step >= 1, `step must be an integer >= 1, got ${p.step}`);
}

function batchNormParams(op: string, p: BatchNormParams): void {
  ensure(op, p.momentum >= 0 && p.momentum <= 1, `momentum must be in [0, 1], got ${p.momentum}`);
  nonNegative(op, { eps: p.eps });
}

/** Dropout probabilities: p = 0 keeps everything, p = 1 drops everything. */
function probability(op: string, p: number): void {
  ensure(op, p >= 0 && p <= 1, `p must be in [0, 1], got ${p}`);
}
