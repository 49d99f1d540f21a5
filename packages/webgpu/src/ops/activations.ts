import type { ActivationOps } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { ACTIVATION_MATH as M } from '../wgsl/math.js';
import { backwardKernel, elementSpans, kernel, reduceSum, rowsOf, sumKernel, unaryKernel } from './shared.js';

const RELU = unaryKernel('relu', 'select(0.0, v, v > 0.0)');
const RELU_B = backwardKernel('reluBackward', 'select(0.0, g, v > 0.0)');
const SIGMOID = unaryKernel('sigmoid', 'sigm(v)', M);
const SIGMOID_B = backwardKernel('sigmoidBackward', 'g * v * (1.0 - v)');
const TANH = unaryKernel('tanh', 'tanh_(v)', M);
const TANH_B = backwardKernel('tanhBackward', 'g * (1.0 - v * v)');
const MISH = unaryKernel('mish', 'v * tanh_(softplus_(v))', M);
const MISH_B = backwardKernel('mishBackward', 'g * mish_grad(v)', `${M}
fn mish_grad(v: f32) -> f32 { let t = tanh_(softplus_(v)); return t + v * sigm(v) * (1.0 - t * t); }`);
const SOFTPLUS = unaryKernel('softplus', 'softplus_(v)', M);
const SOFTPLUS_B = backwardKernel('softplusBackward', 'g * sigm(v)', M);
const LOG_SIGMOID = unaryKernel('logSigmoid', '-softplus_(-v)', M);
const LOG_SIGMOID_B = backwardKernel('logSigmoidBackward', 'g * sigm(-v)', M);
const BCE_LOSS = sumKernel('bceLoss', { z: 'read', y: 'read' }, 'let v = z_ld(i); return softplus_(v) - y_ld(i) * v;', M);
const BCE_GRAD = kernel('bceGrad', { z: 'read', y: 'read', dz: 'write' }, { invN: 'f32' }, 'dz_st(gi, (sigm(z_ld(gi)) - y_ld(gi)) * P.invN);', M, elementSpans('z', 'y', 'dz'));

/** The shift of softmax/logSumExp: the row max when finite, else 0; -inf entries contribute 0. */
const ROW_MATH = `
fn row_shift(r: u32) -> f32 {
  var k = 0u;
  var any = false;
  for (var c = 0u; c < P.cols; c++) {
    let v = x_ld(r * P.cols + c);
    if (!is_nan(v)) { k = max(k, order_key(v)); any = true; }
  }
  if (!any) { return 0.0; }
  let m = from_order_key(k);
  return select(0.0, m, is_finite(m));
}
fn ex(v: f32, shift: f32) -> f32 { if (bitcast<u32>(v) == NEG_INF_BITS) { return 0.0; } return exp(v - shift); }`;
const SOFTMAX = kernel('softmax', { x: 'read', out: 'write' }, { cols: 'u32' }, `
  let shift = row_shift(gi);
  var s = 0.0;
  for (var c = 0u; c < P.cols; c++) { s += ex(x_ld(gi * P.cols + c), shift); }
  for (var c = 0u; c < P.cols; c++) { let at = gi * P.cols + c; out_st(at, ex(x_ld(at), shift) / s); }`, ROW_MATH, { x: rowsOf('cols'), out: rowsOf('cols') });
const LOG_SUM_EXP = kernel('logSumExp', { x: 'read', out: 'write' }, { cols: 'u32' }, `
  let shift = row_shift(gi);
  var s = 0.0;
  for (var c = 0u; c < P.cols; c++) { s += ex(x_ld(gi * P.cols + c), shift); }
  if (s == 0.0) { out_st(gi, neg_inf()); } else { out_st(gi, shift + log(s)); }`, ROW_MATH, { x: rowsOf('cols'), out: (g0, g1) => [g0, g1] });
const SOFTMAX_B = kernel('softmaxBackward', { y: 'read', dy: 'read', dx: 'write' }, { cols: 'u32' }, `
  var s = 0.0;
  for (var c = 0u; c < P.cols; c++) { let at = gi * P.cols + c; s += dy_ld(at) * y_ld(at); }
  for (var c = 0u; c < P.cols; c++) { let at = gi * P.cols + c; dx_st(at, y_ld(at) * (dy_ld(at) - s)); }`, undefined, { y: rowsOf('cols'), dy: rowsOf('cols'), dx: rowsOf('cols') });

/** Activations and losses on WebGPU: one invocation per element (per row for the row-wise ones). */
export function webgpuActivations(core: WebGpuCore): ActivationOps {
  const map = (k: typeof RELU) => (x: Parameters<ActivationOps['relu']>[0], out: Parameters<ActivationOps['relu']>[1]) => { core.dispatch(k, { x, out }, {}, x.length); };
  const back = (k: typeof RELU_B) => (a: Parameters<ActivationOps['reluBackward']>[0], dy: Parameters<ActivationOps['reluBackward']>[1], dx: Parameters<ActivationOps['reluBackward']>[2]) => { core.dispatch(k, { a, dy, dx }, {}, a.length); };
  return {
    relu: map(RELU),
    reluBackward: back(RELU_B),
    sigmoid: map(SIGMOID),
    sigmoidBackward: back(SIGMOID_B),
    tanh: map(TANH),
    tanhBackward: back(TANH_B),
    mish: map(MISH),
    mishBackward: back(MISH_B),
    softplus: map(SOFTPLUS),
    softplusBackward: back(SOFTPLUS_B),
    logSigmoid: map(LOG_SIGMOID),
    logSigmoidBackward: back(LOG_SIGMOID_B),
    bceWithLogits(z, y, loss, dz) {
      const n = z.length;
      reduceSum(core, BCE_LOSS, { z, y }, n, n > 0 ? 1 / n : 0, loss);
      if (dz !== null) core.dispatch(BCE_GRAD, { z, y, dz }, { invN: n > 0 ? 1 / n : 0 }, n);
    },
    softmax(rows, cols, x, out) {
      core.dispatch(SOFTMAX, { x, out }, { cols }, rows);
    },
    softmaxBackward(rows, cols, y, dy, dx) {
      core.dispatch(SOFTMAX_B, { y, dy, dx }, { cols }, rows);
    },
    logSumExp(rows, cols, x, out) {
      core.dispatch(LOG_SUM_EXP, { x, out }, { cols }, rows);
    },
  };
}
