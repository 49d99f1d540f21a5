import type { ActivationOps } from '../ops/activations.js';
import type { Buf } from '../types.js';
import { atLeast, dims, dtypeOf, exactly } from './common.js';

/** Wraps an ActivationOps implementation with shape and dtype checks. */
export function checkedActivations(impl: ActivationOps): ActivationOps {
  return {
    relu(x, out) {
      unary('relu', x, out);
      impl.relu(x, out);
    },
    reluBackward(x, dy, dx) {
      backward('reluBackward', 'x', x, dy, dx);
      impl.reluBackward(x, dy, dx);
    },
    sigmoid(x, out) {
      unary('sigmoid', x, out);
      impl.sigmoid(x, out);
    },
    sigmoidBackward(y, dy, dx) {
      backward('sigmoidBackward', 'y', y, dy, dx);
      impl.sigmoidBackward(y, dy, dx);
    },
    tanh(x, out) {
      unary('tanh', x, out);
      impl.tanh(x, out);
    },
    tanhBackward(y, dy, dx) {
      backward('tanhBackward', 'y', y, dy, dx);
      impl.tanhBackward(y, dy, dx);
    },
    mish(x, out) {
      unary('mish', x, out);
      impl.mish(x, out);
    },
    mishBackward(x, dy, dx) {
      backward('mishBackward', 'x', x, dy, dx);
      impl.mishBackward(x, dy, dx);
    },
    softplus(x, out) {
      unary('softplus', x, out);
      impl.softplus(x, out);
    },
    softplusBackward(x, dy, dx) {
      backward('softplusBackward', 'x', x, dy, dx);
      impl.softplusBackward(x, dy, dx);
    },
    logSigmoid(x, out) {
      unary('logSigmoid', x, out);
      impl.logSigmoid(x, out);
    },
    logSigmoidBackward(x, dy, dx) {
      backward('logSigmoidBackward', 'x', x, dy, dx);
      impl.logSigmoidBackward(x, dy, dx);
    },
    bceWithLogits(z, y, loss, dz) {
      dtypeOf('bceWithLogits', 'z', z, 'f32');
      exactly('bceWithLogits', 'y', y, z.length, 'f32');
      atLeast('bceWithLogits', 'loss', loss, 1, 'f32');
      if (dz !== null) exactly('bceWithLogits', 'dz', dz, z.length, 'f32');
      impl.bceWithLogits(z, y, loss, dz);
    },
    softmax(rows, cols, x, out) {
      matrix('softmax', rows, cols, { x, out });
      impl.softmax(rows, cols, x, out);
    },
    softmaxBackward(rows, cols, y, dy, dx) {
      matrix('softmaxBackward', rows, cols, { y, dy, dx });
      impl.softmaxBackward(rows, cols, y, dy, dx);
    },
    logSumExp(rows, cols, x, out) {
      matrix('logSumExp', rows, cols, { x });
      exactly('logSumExp', 'out', out, rows, 'f32');
      impl.logSumExp(rows, cols, x, out);
    },
  };
}

/** out has x's length; both f32. */
function unary(op: string, x: Buf, out: Buf): void {
  dtypeOf(op, 'x', x, 'f32');
  exactly(op, 'out', out, x.length, 'f32');
}

/** dy and dx have the length of the forward input/output `name`; all f32. */
function backward(op: string, name: string, a: Buf, dy: Buf, dx: Buf): void {
  dtypeOf(op, name, a, 'f32');
  exactly(op, 'dy', dy, a.length, 'f32');
  exactly(op, 'dx', dx, a.length, 'f32');
}

/** Every buffer is an f32 rows x cols matrix. */
function matrix(op: string, rows: number, cols: number, bufs: Record<string, Buf>): void {
  dims(op, { rows, cols });
  for (const [name, b] of Object.entries(bufs)) exactly(op, name, b, rows * cols, 'f32');
}
