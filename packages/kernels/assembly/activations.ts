// Elementwise activations, their backward passes, and losses.
// relu and the backward passes that are plain products (relu, sigmoid, tanh) run in f32x4 SIMD.
// The transcendental ones use AssemblyScript's scalar f64 Math (exp, log1p, tanh) and round once to
// f32: this keeps them within an ulp of an f64 reference, in stable forms that never overflow
// (softplus(x) = max(x, 0) + log1p(exp(-|x|))). They are threaded over elements ([r0, r1)).
import { at4, ldf, stf } from './common';

// @ts-ignore: decorator
@inline function sigmoid64(x: f64): f64 {
  if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
  const e = Math.exp(x); // x < 0: e in (0, 1), no overflow
  return e / (1.0 + e);
}

// @ts-ignore: decorator
@inline function softplus64(x: f64): f64 {
  return max<f64>(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** The 4 lanes of `v` where x > 0, zero elsewhere (NaN and -0 included): relu's mask. */
// @ts-ignore: decorator
@inline function wherePositive(x: v128, v: v128): v128 {
  return v128.and(v, f32x4.gt(x, f32x4.splat(0)));
}

/** out = x > 0 ? x : 0 (NaN gives 0). */
export function relu(px: usize, pout: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const x = v128.load(at4(px, i));
      v128.store(at4(pout, i), wherePositive(x, x));
    }
  }
  for (; i < n; i++) {
    const x = ldf(px, i);
    stf(pout, i, x > 0 ? x : 0);
  }
}

/** dx = x > 0 ? dy : 0. */
export function reluBackward(px: usize, pdy: usize, pdx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      v128.store(at4(pdx, i), wherePositive(v128.load(at4(px, i)), v128.load(at4(pdy, i))));
    }
  }
  for (; i < n; i++) stf(pdx, i, ldf(px, i) > 0 ? ldf(pdy, i) : 0);
}

/** dx = dy * y * (1 - y); 1 - y is exact for y in [0.5, 1]. */
export function sigmoidBackward(py: usize, pdy: usize, pdx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const y = v128.load(at4(py, i));
      v128.store(at4(pdx, i), f32x4.mul(f32x4.mul(v128.load(at4(pdy, i)), y), f32x4.sub(one, y)));
    }
  }
  for (; i < n; i++) {
    const y = ldf(py, i);
    stf(pdx, i, ldf(pdy, i) * y * (1 - y));
  }
}

/** dx = dy * (1 - y^2), computed as (1 - y)(1 + y) to avoid cancellation when |y| is near 1. */
export function tanhBackward(py: usize, pdy: usize, pdx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const y = v128.load(at4(py, i));
      const d = f32x4.mul(f32x4.sub(one, y), f32x4.add(one, y));
      v128.store(at4(pdx, i), f32x4.mul(v128.load(at4(pdy, i)), d));
    }
  }
  for (; i < n; i++) {
    const y = ldf(py, i);
    stf(pdx, i, ldf(pdy, i) * ((1 - y) * (1 + y)));
  }
}

// --- transcendental activations: elements [r0, r1), f64 inside ----------------------------------

export function sigmoid(px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) stf(pout, i, <f32>sigmoid64(ldf(px, i)));
}

export function tanh(px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) stf(pout, i, <f32>Math.tanh(ldf(px, i)));
}

export function softplus(px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) stf(pout, i, <f32>softplus64(ldf(px, i)));
}

/** dx = dy * sigmoid(x). */
export function softplusBackward(px: usize, pdy: usize, pdx: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) stf(pdx, i, <f32>(<f64>ldf(pdy, i) * sigmoid64(ldf(px, i))));
}

/** logSigmoid(x) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)). */
export function logSigmoid(px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) stf(pout, i, <f32>-softplus64(-<f64>ldf(px, i)));
}

/** dx = dy * sigmoid(-x). */
export function logSigmoidBackward(px: usize, pdy: usize, pdx: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) stf(pdx, i, <f32>(<f64>ldf(pdy, i) * sigmoid64(-<f64>ldf(px, i))));
}

/** mish(x) = x * tanh(softplus(x)). */
export function mish(px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const x = <f64>ldf(px, i);
    stf(pout, i, <f32>(x * Math.tanh(softplus64(x))));
  }
}

/** dx = dy * (t + x * sigmoid(x) * (1 - t^2)), t = tanh(softplus(x)). */
export function mishBackward(px: usize, pdy: usize, pdx: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const x = <f64>ldf(px, i);
    const t = Math.tanh(softplus64(x));
    stf(pdx, i, <f32>(<f64>ldf(pdy, i) * (t + x * sigmoid64(x) * (1.0 - t * t))));
  }
}

// --- losses and row-wise softmax ------------------------------------------------------------------

/**
 * loss[0] = mean_i softplus(z_i) - y_i z_i (0 when n = 0), summed in f64; when pdz != 0 also
 * dz_i = (sigmoid(z_i) - y_i) / n. dz may alias z or y.
 */
export function bceWithLogits(pz: usize, py: usize, n: i32, ploss: usize, pdz: usize): void {
  let sum: f64 = 0;
  const invN = n > 0 ? 1.0 / <f64>n : 0;
  for (let i = 0; i < n; i++) {
    const z = <f64>ldf(pz, i);
    const y = <f64>ldf(py, i);
    sum += softplus64(z) - y * z;
    if (pdz != 0) stf(pdz, i, <f32>((sigmoid64(z) - y) * invN));
  }
  stf(ploss, 0, <f32>(sum * invN));
}

/** Max of a row of n floats (-inf for n = 0; NaN propagates). */
function rowMax(p: usize, n: i32): f32 {
  let m = -Infinity as f32;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let vm = f32x4.splat(-Infinity);
      for (; c + 4 <= n; c += 4) vm = f32x4.max(vm, v128.load(at4(p, c)));
      m = max<f32>(max<f32>(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max<f32>(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    }
  }
  for (; c < n; c++) m = max<f32>(m, ldf(p, c));
  return m;
}

/** The shift subtracted before exp: the row max when finite, else 0 (all -inf rows stay -inf, not NaN). */
// @ts-ignore: decorator
@inline function rowShift(p: usize, n: i32): f64 {
  const m = <f64>rowMax(p, n);
  return m - m == 0 ? m : 0;
}

/** out[r, :] = softmax(x[r, :]) for rows [r0, r1); out may alias x. */
export function softmax(rows: i32, cols: i32, px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = px + off;
    const orow = pout + off;
    const shift = rowShift(xr, cols);
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(<f64>ldf(xr, c) - shift);
      stf(orow, c, <f32>e);
      sum += e;
    }
    const inv = 1.0 / sum;
    for (let c = 0; c < cols; c++) stf(orow, c, <f32>(<f64>ldf(orow, c) * inv));
  }
}

/** dx[r, :] = y * (dy - sum_c dy * y) for rows [r0, r1), in f64; dx may alias dy or y. */
export function softmaxBackward(rows: i32, cols: i32, py: usize, pdy: usize, pdx: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const off = <usize>r * <usize>cols << 2;
    const yr = py + off;
    const dyr = pdy + off;
    const dxr = pdx + off;
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += <f64>ldf(dyr, c) * <f64>ldf(yr, c);
    for (let c = 0; c < cols; c++) stf(dxr, c, <f32>(<f64>ldf(yr, c) * (<f64>ldf(dyr, c) - s)));
  }
}

/** out[r] = log sum_c exp(x[r, c]) for rows [r0, r1) (max-shifted; -inf for an empty row). */
export function logSumExp(rows: i32, cols: i32, px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = px + (<usize>r * <usize>cols << 2);
    const shift = rowShift(xr, cols);
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(<f64>ldf(xr, c) - shift);
    stf(pout, r, <f32>(shift + Math.log(sum)));
  }
}
