import type { ActivationOps } from '../../ops/activations.js';
import type { Buf } from '../../types.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';


/**
 * Activations on WASM: relu and the product-only backward passes in one SIMD pass; the
 * transcendental ones threaded over elements, the row-wise softmax family threaded over rows.
 */
export function wasmActivations(core: WasmCore): ActivationOps {
  const k = {
    relu: core.fn('relu'),
    reluBackward: core.fn('reluBackward'),
    sigmoidBackward: core.fn('sigmoidBackward'),
    tanhBackward: core.fn('tanhBackward'),
    bceWithLogits: core.fn('bceWithLogits'),
  };
  const p = (b: Buf) => core.ptr(b);
  const elementwise = (name: string, x: Buf, out: Buf) => {
    core.parallel(name, [p(x), p(out)], x.length, NS.transcendental);
  };
  const elementwiseBackward = (name: string, x: Buf, dy: Buf, dx: Buf) => {
    core.parallel(name, [p(x), p(dy), p(dx)], x.length, NS.transcendental);
  };
  return {
    relu(x, out) {
      k.relu(p(x), p(out), x.length);
    },
    reluBackward(x, dy, dx) {
      k.reluBackward(p(x), p(dy), p(dx), x.length);
    },
    sigmoid(x, out) {
      elementwise('sigmoid', x, out);
    },
    sigmoidBackward(y, dy, dx) {
      k.sigmoidBackward(p(y), p(dy), p(dx), y.length);
    },
    tanh(x, out) {
      elementwise('tanh', x, out);
    },
    tanhBackward(y, dy, dx) {
      k.tanhBackward(p(y), p(dy), p(dx), y.length);
    },
    mish(x, out) {
      elementwise('mish', x, out);
    },
    mishBackward(x, dy, dx) {
      elementwiseBackward('mishBackward', x, dy, dx);
    },
    softplus(x, out) {
      elementwise('softplus', x, out);
    },
    softplusBackward(x, dy, dx) {
      elementwiseBackward('softplusBackward', x, dy, dx);
    },
    logSigmoid(x, out) {
      elementwise('logSigmoid', x, out);
    },
    logSigmoidBackward(x, dy, dx) {
      elementwiseBackward('logSigmoidBackward', x, dy, dx);
    },
    bceWithLogits(z, y, loss, dz) {
      k.bceWithLogits(p(z), p(y), z.length, p(loss), dz === null ? 0 : p(dz));
    },
    softmax(rows, cols, x, out) {
      core.parallel('softmax', [rows, cols, p(x), p(out)], rows, NS.transcendental * cols);
    },
    softmaxBackward(rows, cols, y, dy, dx) {
      core.parallel('softmaxBackward', [rows, cols, p(y), p(dy), p(dx)], rows, 3 * NS.stream * cols);
    },
    logSumExp(rows, cols, x, out) {
      core.parallel('logSumExp', [rows, cols, p(x), p(out)], rows, NS.transcendental * cols);
    },
  };
}
