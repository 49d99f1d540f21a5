import type { AdamParams, TrainingOps } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { checkIds, dispatchGuarded } from '../ids.js';
import { HASH } from '../wgsl/hash.js';
import { elementSpans, kernel } from './shared.js';

const ADAM_PARAMS = { lr: 'f32', beta1: 'f32', beta2: 'f32', eps: 'f32', wd: 'f32', decoupled: 'u32', bc1: 'f32', bc2: 'f32' } as const;
/** One Adam step on element e (bias-corrected, coupled or decoupled weight decay). */
const ADAM_STEP = `
fn adam_step(e: u32) {
  var param = param_ld(e);
  var g = grad_ld(e);
  if (P.decoupled != 0u) { param = param * (1.0 - P.lr * P.wd); } else { g = g + P.wd * param; }
  let m = P.beta1 * m_ld(e) + (1.0 - P.beta1) * g;
  let v = P.beta2 * v_ld(e) + (1.0 - P.beta2) * g * g;
  m_st(e, m);
  v_st(e, v);
  param_st(e, param - P.lr * (m / P.bc1) / (sqrt(v / P.bc2) + P.eps));
}`;
const ADAM = kernel('adam', { param: 'write', grad: 'read', m: 'write', v: 'write' }, ADAM_PARAMS, 'adam_step(gi);', ADAM_STEP, elementSpans('param', 'grad', 'm', 'v'));
/**
 * Lazy Adam, one invocation per (listed row, column) at the first occurrence of each row id; it
 * follows the row's later occurrences in order (chains[3k..3k+2] = first?, next position or -1,
 * id), as the host backends apply repeats one after the other.
 */
const ADAM_ROWS = kernel('adamRows', { param: 'write', grad: 'write', m: 'write', v: 'write', chains: 'read' }, { ...ADAM_PARAMS, dim: 'u32', zeroGrad: 'u32' }, `
  let k = gi / P.dim;
  let c = gi - k * P.dim;
  if (chains_ld(3u * k) == 0) { return; }
  var j = i32(k);
  loop {
    let e = u32(chains_ld(3u * u32(j) + 2u)) * P.dim + c;
    adam_step(e);
    if (P.zeroGrad != 0u) { grad_st(e, 0.0); }
    j = chains_ld(3u * u32(j) + 1u);
    if (j < 0) { break; }
  }`, ADAM_STEP);
/** The chains of ADAM_ROWS on the device: a quadratic scan (the ids were written by a kernel). */
const ROW_CHAINS = kernel('adamRowChains', { ids: 'read', chains: 'write' }, { n: 'u32' }, `
  let id = ids_ld(gi);
  chains_st(3u * gi + 2u, id);
  var first = 1;
  for (var j = 0u; j < gi; j++) { if (ids_ld(j) == id) { first = 0; break; } }
  chains_st(3u * gi, first);
  var nx = -1;
  for (var j = gi + 1u; j < P.n; j++) { if (ids_ld(j) == id) { nx = i32(j); break; } }
  chains_st(3u * gi + 1u, nx);`);
const SGD = kernel('sgd', { param: 'write', grad: 'read' }, { lr: 'f32', wd: 'f32' }, 'let p = param_ld(gi); param_st(gi, p - P.lr * (grad_ld(gi) + P.wd * p));', undefined, elementSpans('param', 'grad'));
const SGD_MOMENTUM = kernel('sgdMomentum', { param: 'write', grad: 'read', vel: 'write' }, { lr: 'f32', wd: 'f32', momentum: 'f32' }, `
  let p = param_ld(gi);
  let v = P.momentum * vel_ld(gi) + grad_ld(gi) + P.wd * p;
  vel_st(gi, v);
  param_st(gi, p - P.lr * v);`, undefined, elementSpans('param', 'grad', 'vel'));
const BN_FORWARD = kernel('batchNormForward', { x: 'read', gamma: 'read', beta: 'read', runMean: 'write', runVar: 'write', out: 'write', saveMean: 'write', saveInvStd: 'write' }, { rows: 'u32', cols: 'u32', training: 'u32', momentum: 'f32', eps: 'f32' }, `
  let c = gi;
  var mean: f32;
  var invStd: f32;
  if (P.training != 0u) {
    var sum = 0.0;
    for (var r = 0u; r < P.rows; r++) { sum += x_ld(r * P.cols + c); }
    mean = sum / f32(P.rows);
    var sq = 0.0;
    for (var r = 0u; r < P.rows; r++) { let d = x_ld(r * P.cols + c) - mean; sq += d * d; }
    invStd = 1.0 / sqrt(sq / f32(P.rows) + P.eps);
    saveMean_st(c, mean);
    saveInvStd_st(c, invStd);
    runMean_st(c, (1.0 - P.momentum) * runMean_ld(c) + P.momentum * mean);
    runVar_st(c, (1.0 - P.momentum) * runVar_ld(c) + P.momentum * (sq / f32(P.rows - 1u)));
  } else {
    mean = runMean_ld(c);
    invStd = 1.0 / sqrt(runVar_ld(c) + P.eps);
  }
  let g = gamma_ld(c);
  let b = beta_ld(c);
  for (var r = 0u; r < P.rows; r++) { let at = r * P.cols + c; out_st(at, g * (x_ld(at) - mean) * invStd + b); }`);
const BN_BACKWARD = kernel('batchNormBackward', { x: 'read', dy: 'read', gamma: 'read', saveMean: 'read', saveInvStd: 'read', dx: 'write', dGamma: 'write', dBeta: 'write' }, { rows: 'u32', cols: 'u32' }, `
  let c = gi;
  let mean = saveMean_ld(c);
  let inv = saveInvStd_ld(c);
  var sumDy = 0.0;
  var sumDyXhat = 0.0;
  for (var r = 0u; r < P.rows; r++) { let at = r * P.cols + c; let g = dy_ld(at); sumDy += g; sumDyXhat += g * (x_ld(at) - mean) * inv; }
  dBeta_st(c, dBeta_ld(c) + sumDy);
  dGamma_st(c, dGamma_ld(c) + sumDyXhat);
  let n = f32(P.rows);
  let k = gamma_ld(c) * inv;
  for (var r = 0u; r < P.rows; r++) {
    let at = r * P.cols + c;
    let xhat = (x_ld(at) - mean) * inv;
    dx_st(at, k * (dy_ld(at) - sumDy / n - xhat * sumDyXhat / n));
  }`);
/** keep_i = u32ToUnit(hash2(seed, i)) >= p, compared exactly as integers: (hash >> 8) >= ceil(p 2^24). */
const DROPOUT = kernel('dropout', { x: 'read', out: 'write', mask: 'write' }, { seed: 'u32', keepFrom: 'u32', scale: 'f32' }, `
  let keep = (hash2(P.seed, gi) >> 8u) >= P.keepFrom;
  mask_st(gi, select(0u, 1u, keep));
  out_st(gi, select(0.0, x_ld(gi) * P.scale, keep));`, HASH, elementSpans('x', 'out', 'mask'));
const DROPOUT_B = kernel('dropoutBackward', { dy: 'read', mask: 'read', dx: 'write' }, { scale: 'f32' }, 'dx_st(gi, select(0.0, dy_ld(gi) * P.scale, mask_ld(gi) != 0u));', undefined, elementSpans('dy', 'mask', 'dx'));

function adamParams(p: AdamParams): Record<string, number> {
  return { lr: p.lr, beta1: p.beta1, beta2: p.beta2, eps: p.eps, wd: p.weightDecay, decoupled: p.decoupled ? 1 : 0, bc1: 1 - p.beta1 ** p.step, bc2: 1 - p.beta2 ** p.step };
}

/**
 * Optimizers and training layers on WebGPU, in f32: one invocation per element (per column for
 * BatchNorm). adamRows chains repeated row ids (host-built when the ids are known on the host, a
 * quadratic scan on the device otherwise) so that each repeat is applied in order.
 */
export function webgpuTraining(core: WebGpuCore): TrainingOps {
  return {
    adam(param, grad, m, v, p) {
      core.dispatch(ADAM, { param, grad, m, v }, adamParams(p), param.length);
    },
    adamRows(param, grad, m, v, dim, rowIds, p, zeroGrad) {
      const rows = param.length / dim;
      const guard = checkIds(core, 'adamRows', rowIds, rows);
      const n = rowIds.length;
      if (n === 0) return;
      const h = core.handle(rowIds);
      let chains;
      if (h.storage.shadow && !guard) {
        chains = core.upload('i32', hostChains(h.storage.shadow.subarray(h.offset, h.offset + n)));
      } else {
        chains = core.alloc('i32', 3 * n);
        dispatchGuarded(core, guard, ROW_CHAINS, { ids: rowIds, chains }, { n }, n);
      }
      dispatchGuarded(core, guard, ADAM_ROWS, { param, grad, m, v, chains }, { ...adamParams(p), dim, zeroGrad: zeroGrad ? 1 : 0 }, n * dim);
      core.free(chains);
    },
    sgd(param, grad, lr, weightDecay, momentum, velocity) {
      if (momentum !== 0 && velocity) core.dispatch(SGD_MOMENTUM, { param, grad, vel: velocity }, { lr, wd: weightDecay, momentum }, param.length);
      else core.dispatch(SGD, { param, grad }, { lr, wd: weightDecay }, param.length);
    },
    batchNormForward(rows, cols, x, gamma, beta, runMean, runVar, p, out, saveMean, saveInvStd) {
      core.dispatch(BN_FORWARD, { x, gamma, beta, runMean, runVar, out, saveMean, saveInvStd }, { rows, cols, training: p.training ? 1 : 0, momentum: p.momentum, eps: p.eps }, cols);
    },
    batchNormBackward(rows, cols, x, dy, gamma, saveMean, saveInvStd, dx, dGamma, dBeta) {
      core.dispatch(BN_BACKWARD, { x, dy, gamma, saveMean, saveInvStd, dx, dGamma, dBeta }, { rows, cols }, cols);
    },
    dropout(x, p, seed, out, mask) {
      core.dispatch(DROPOUT, { x, out, mask }, { seed: seed >>> 0, keepFrom: Math.ceil(p * 16777216), scale: p < 1 ? 1 / (1 - p) : 0 }, x.length);
    },
    dropoutBackward(dy, mask, p, dx) {
      core.dispatch(DROPOUT_B, { dy, mask, dx }, { scale: p < 1 ? 1 / (1 - p) : 0 }, dy.length);
    },
  };
}

/** The chains of ADAM_ROWS built on the host in linear time. */
function hostChains(ids: ArrayLike<number>): Int32Array {
  const chains = new Int32Array(3 * ids.length);
  const last = new Map<number, number>();
  for (let k = 0; k < ids.length; k++) {
    const prev = last.get(ids[k]);
    chains[3 * k] = prev === undefined ? 1 : 0;
    chains[3 * k + 1] = -1;
    chains[3 * k + 2] = ids[k];
    if (prev !== undefined) chains[3 * prev + 1] = k;
    last.set(ids[k], k);
  }
  return chains;
}
