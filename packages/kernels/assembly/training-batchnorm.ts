// BatchNorm1d over an rows x cols batch, statistics per column. Kernels take a column range
// [c0, c1) so that threads own disjoint columns; they sweep the rows in order and keep per-column
// f64 accumulators in a host-provided scratch block (`acc`: f64 arrays of cols entries each),
// two columns per f64x2 step. The per-column sums are the same for any split, so results do not
// depend on the thread count. Statistics and the output pass are computed in f64.
import { ldf, stf } from './common';

// @ts-ignore: decorator
@inline function ldF64(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function stF64(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/** Two f32 at p widened to an f64x2. */
// @ts-ignore: decorator
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** An f64x2 narrowed to two f32 stored at p. */
// @ts-ignore: decorator
@inline function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** sum[c] = sum_r x[r, c] for c in [c0, c1). */
function columnSums(rows: i32, cols: i32, px: usize, psum: usize, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) stF64(psum, c, 0);
  for (let r = 0; r < rows; r++) {
    const xr = px + (<usize>r * <usize>cols << 2);
    let c = c0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 2 <= c1; c += 2) {
        const a = psum + (<usize>c << 3);
        v128.store(a, f64x2.add(v128.load(a), load2(xr + (<usize>c << 2))));
      }
    }
    for (; c < c1; c++) stF64(psum, c, ldF64(psum, c) + <f64>ldf(xr, c));
  }
}

/** sq[c] = sum_r (x[r, c] - mean[c])^2 for c in [c0, c1) (two-pass variance). */
function columnSquaredDeviations(rows: i32, cols: i32, px: usize, pmean: usize, psq: usize, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) stF64(psq, c, 0);
  for (let r = 0; r < rows; r++) {
    const xr = px + (<usize>r * <usize>cols << 2);
    let c = c0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 2 <= c1; c += 2) {
        const a = psq + (<usize>c << 3);
        const d = f64x2.sub(load2(xr + (<usize>c << 2)), v128.load(pmean + (<usize>c << 3)));
        v128.store(a, f64x2.add(v128.load(a), f64x2.mul(d, d)));
      }
    }
    for (; c < c1; c++) {
      const d = <f64>ldf(xr, c) - ldF64(pmean, c);
      stF64(psq, c, ldF64(psq, c) + d * d);
    }
  }
}

/** out[r, c] = (x[r, c] - shift[c]) * mul[c] + beta[c] for c in [c0, c1), in f64; out may alias x. */
function normalizeColumns(rows: i32, cols: i32, px: usize, pshift: usize, pmul: usize, pbeta: usize, pout: usize, c0: i32, c1: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = px + off;
    const or = pout + off;
    let c = c0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 2 <= c1; c += 2) {
        const o4 = <usize>c << 2;
        const o8 = <usize>c << 3;
        const centered = f64x2.sub(load2(xr + o4), v128.load(pshift + o8));
        store2(or + o4, f64x2.add(f64x2.mul(centered, v128.load(pmul + o8)), load2(pbeta + o4)));
      }
    }
    for (; c < c1; c++) stf(or, c, <f32>((<f64>ldf(xr, c) - ldF64(pshift, c)) * ldF64(pmul, c) + <f64>ldf(pbeta, c)));
  }
}

/**
 * Training-mode forward for columns [c0, c1): batch mean and biased variance, saved mean and
 * 1/sqrt(var + eps), running stats updated with the unbiased variance (rows >= 2), then the
 * normalised output. acc holds two f64 arrays of cols entries (mean, then gamma * invStd).
 */
export function batchNormTrain(rows: i32, cols: i32, px: usize, pgamma: usize, pbeta: usize, prunMean: usize, prunVar: usize, momentum: f64, eps: f64, pout: usize, psaveMean: usize, psaveInvStd: usize, pacc: usize, c0: i32, c1: i32): void {
  const pmean = pacc;
  const pmul = pacc + (<usize>cols << 3);
  columnSums(rows, cols, px, pmean, c0, c1);
  for (let c = c0; c < c1; c++) stF64(pmean, c, ldF64(pmean, c) / <f64>rows);
  columnSquaredDeviations(rows, cols, px, pmean, pmul, c0, c1);
  for (let c = c0; c < c1; c++) {
    const mean = ldF64(pmean, c);
    const sq = ldF64(pmul, c);
    const invStd = 1.0 / Math.sqrt(sq / <f64>rows + eps);
    stf(psaveMean, c, <f32>mean);
    stf(psaveInvStd, c, <f32>invStd);
    stf(prunMean, c, <f32>((1.0 - momentum) * <f64>ldf(prunMean, c) + momentum * mean));
    stf(prunVar, c, <f32>((1.0 - momentum) * <f64>ldf(prunVar, c) + momentum * (sq / <f64>(rows - 1))));
    stF64(pmul, c, <f64>ldf(pgamma, c) * invStd);
  }
  normalizeColumns(rows, cols, px, pmean, pmul, pbeta, pout, c0, c1);
}

/** Inference-mode forward for columns [c0, c1): out = gamma (x - runMean) / sqrt(runVar + eps) + beta. */
export function batchNormInfer(rows: i32, cols: i32, px: usize, pgamma: usize, pbeta: usize, prunMean: usize, prunVar: usize, eps: f64, pout: usize, pacc: usize, c0: i32, c1: i32): void {
  const pshift = pacc;
  const pmul = pacc + (<usize>cols << 3);
  for (let c = c0; c < c1; c++) {
    stF64(pshift, c, <f64>ldf(prunMean, c));
    stF64(pmul, c, <f64>ldf(pgamma, c) / Math.sqrt(<f64>ldf(prunVar, c) + eps));
  }
  normalizeColumns(rows, cols, px, pshift, pmul, pbeta, pout, c0, c1);
}

/**
 * Backward (training mode) for columns [c0, c1), with xhat = (x - mean) invStd:
 *   dBeta += sum_r dy;  dGamma += sum_r dy xhat;
 *   dx = gamma invStd (dy - mean_r(dy) - xhat mean_r(dy xhat)).
 * acc holds four f64 arrays of cols entries. dx may alias dy or x.
 */
export function batchNormBackward(rows: i32, cols: i32, px: usize, pdy: usize, pgamma: usize, psaveMean: usize, psaveInvStd: usize, pdx: usize, pdGamma: usize, pdBeta: usize, pacc: usize, c0: i32, c1: i32): void {
  const stride = <usize>cols << 3;
  const pmean = pacc;
  const psumDy = pacc + stride;
  const psumDyXc = pacc + 2 * stride;
  const pgain = pacc + 3 * stride;
  for (let c = c0; c < c1; c++) {
    stF64(pmean, c, <f64>ldf(psaveMean, c));
    stF64(psumDy, c, 0);
    stF64(psumDyXc, c, 0);
  }
  // sum_r dy and sum_r dy (x - mean), per column.
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = px + off;
    const dyr = pdy + off;
    let c = c0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 2 <= c1; c += 2) {
        const o4 = <usize>c << 2;
        const o8 = <usize>c << 3;
        const dy = load2(dyr + o4);
        const xc = f64x2.sub(load2(xr + o4), v128.load(pmean + o8));
        v128.store(psumDy + o8, f64x2.add(v128.load(psumDy + o8), dy));
        v128.store(psumDyXc + o8, f64x2.add(v128.load(psumDyXc + o8), f64x2.mul(dy, xc)));
      }
    }
    for (; c < c1; c++) {
      const dy = <f64>ldf(dyr, c);
      stF64(psumDy, c, ldF64(psumDy, c) + dy);
      stF64(psumDyXc, c, ldF64(psumDyXc, c) + dy * (<f64>ldf(xr, c) - ldF64(pmean, c)));
    }
  }
  // Per column: dx = gain ((dy - meanDy) - (x - mean) q), q = invStd^2 mean_r(dy (x - mean)).
  const invRows = rows > 0 ? 1.0 / <f64>rows : 0;
  for (let c = c0; c < c1; c++) {
    const invStd = <f64>ldf(psaveInvStd, c);
    const sumDy = ldF64(psumDy, c);
    const sumDyXhat = ldF64(psumDyXc, c) * invStd;
    stf(pdBeta, c, <f32>(<f64>ldf(pdBeta, c) + sumDy));
    stf(pdGamma, c, <f32>(<f64>ldf(pdGamma, c) + sumDyXhat));
    stF64(pgain, c, <f64>ldf(pgamma, c) * invStd);
    stF64(psumDy, c, sumDy * invRows); // now mean_r(dy)
    stF64(psumDyXc, c, sumDyXhat * invStd * invRows); // now q
  }
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = px + off;
    const dyr = pdy + off;
    const dxr = pdx + off;
    let c = c0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 2 <= c1; c += 2) {
        const o4 = <usize>c << 2;
        const o8 = <usize>c << 3;
        const centered = f64x2.sub(load2(dyr + o4), v128.load(psumDy + o8));
        const xc = f64x2.sub(load2(xr + o4), v128.load(pmean + o8));
        const g = f64x2.sub(centered, f64x2.mul(xc, v128.load(psumDyXc + o8)));
        store2(dxr + o4, f64x2.mul(v128.load(pgain + o8), g));
      }
    }
    for (; c < c1; c++) {
      const centered = <f64>ldf(dyr, c) - ldF64(psumDy, c);
      const xc = <f64>ldf(xr, c) - ldF64(pmean, c);
      stf(dxr, c, <f32>(ldF64(pgain, c) * (centered - xc * ldF64(psumDyXc, c))));
    }
  }
}
