// PEP/CERP soft threshold out = sign(w) * relu(|w| - sigmoid(s)) over a rows x dim w, with s
// broadcast by granularity, and its backward. Per row, the thresholds are laid out in a scratch
// row (the host's `pthr`) so that one SIMD loop serves every granularity.
import { ldf, stf } from './common';

const G_ELEMENT = 0; // s has rows * dim entries
const G_ROW = 1; // s has rows entries
const G_DIM = 2; // s has dim entries
const G_GLOBAL = 3; // s has 1 entry

// @ts-ignore: decorator
@inline function sigmoid(s: f32): f32 {
  return 1 / (1 + Mathf.exp(-s));
}

/** thr[c] = sigmoid(s[c]) and, when pderiv != 0, deriv[c] = sigmoid'(s[c]) for c < n. */
function sigmoidRow(ps: usize, n: i32, pthr: usize, pderiv: usize): void {
  for (let c = 0; c < n; c++) {
    const t = sigmoid(ldf(ps, c));
    stf(pthr, c, t);
    if (pderiv) stf(pderiv, c, t * (1 - t));
  }
}

/** thr[0..n) = t (and deriv[0..n) = t (1 - t) when pderiv != 0). */
function fillRow(t: f32, n: i32, pthr: usize, pderiv: usize): void {
  for (let c = 0; c < n; c++) {
    stf(pthr, c, t);
    if (pderiv) stf(pderiv, c, t * (1 - t));
  }
}

/** Sets up the thresholds of row r (row and element granularities change them per row). */
// @ts-ignore: decorator
@inline function rowThresholds(ps: usize, r: i32, dim: i32, granularity: i32, pthr: usize, pderiv: usize): void {
  if (granularity == G_ELEMENT) sigmoidRow(ps + (<usize>r * <usize>dim << 2), dim, pthr, pderiv);
  else if (granularity == G_ROW) fillRow(sigmoid(ldf(ps, r)), dim, pthr, pderiv);
  else if (r == 0) {
    if (granularity == G_DIM) sigmoidRow(ps, dim, pthr, pderiv);
    else fillRow(sigmoid(ldf(ps, 0)), dim, pthr, pderiv);
  }
}

/** out = sign(w) * relu(|w| - s) broadcast; pthr is scratch for dim floats. */
export function softThreshold(pw: usize, ps: usize, rows: i32, dim: i32, granularity: i32, pthr: usize, pout: usize): void {
  for (let r = 0; r < rows; r++) {
    rowThresholds(ps, r, dim, granularity, pthr, 0);
    const w = pw + (<usize>r * <usize>dim << 2);
    const out = pout + (<usize>r * <usize>dim << 2);
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const sign = i32x4.splat(0x80000000);
      const zero = f32x4.splat(0);
      for (; c + 4 <= dim; c += 4) {
        const o = <usize>c << 2;
        const v = v128.load(w + o);
        const shrunk = f32x4.max(f32x4.sub(f32x4.abs(v), v128.load(pthr + o)), zero);
        v128.store(out + o, v128.or(shrunk, v128.and(v, sign)));
      }
    }
    for (; c < dim; c++) {
      const v = ldf(w, c);
      stf(out, c, copysign<f32>(max<f32>(abs<f32>(v) - ldf(pthr, c), 0), v));
    }
  }
}

/**
 * Backward: dW = dOut * [|w| > t] (overwritten); dS += the broadcast sum of
 * -dOut * sign(w) * [|w| > t] * t (1 - t). pthr is scratch for 2 * dim floats.
 */
export function softThresholdBackward(pw: usize, ps: usize, rows: i32, dim: i32, granularity: i32, pdout: usize, pdw: usize, pds: usize, pthr: usize): void {
  const pderiv = pthr + (<usize>dim << 2);
  const perElement = granularity == G_ELEMENT || granularity == G_DIM;
  let total: f32 = 0; // sum of g over everything (global granularity)
  for (let r = 0; r < rows; r++) {
    rowThresholds(ps, r, dim, granularity, pthr, pderiv);
    const off = <usize>r * <usize>dim << 2;
    const w = pw + off;
    const g = pdout + off;
    const dw = pdw + off;
    // Element and dim granularities accumulate g * deriv elementwise into their row of dS.
    const ds = granularity == G_ELEMENT ? pds + off : pds;
    let rowSum: f32 = 0;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const sign = i32x4.splat(0x80000000);
      let acc = f32x4.splat(0);
      for (; c + 4 <= dim; c += 4) {
        const o = <usize>c << 2;
        const v = v128.load(w + o);
        const up = v128.load(g + o);
        const mask = f32x4.gt(f32x4.abs(v), v128.load(pthr + o));
        v128.store(dw + o, v128.and(up, mask));
        // -dOut * sign(w): flip dOut's sign where w > 0 (w != 0 wherever the mask is set).
        const gs = v128.and(v128.xor(up, v128.and(f32x4.neg(v), sign)), mask);
        if (perElement) v128.store(ds + o, f32x4.add(v128.load(ds + o), f32x4.mul(gs, v128.load(pderiv + o))));
        else acc = f32x4.add(acc, gs);
      }
      rowSum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    }
    for (; c < dim; c++) {
      const v = ldf(w, c);
      const up = ldf(g, c);
      const on = abs<f32>(v) > ldf(pthr, c);
      stf(dw, c, on ? up : 0);
      const gs: f32 = on ? (v > 0 ? -up : up) : 0;
      if (perElement) stf(ds, c, ldf(ds, c) + gs * ldf(pderiv, c));
      else rowSum += gs;
    }
    if (granularity == G_ROW && dim > 0) stf(pds, r, ldf(pds, r) + rowSum * ldf(pderiv, 0));
    else if (granularity == G_GLOBAL) total += rowSum;
  }
  if (granularity == G_GLOBAL && rows > 0 && dim > 0) stf(pds, 0, ldf(pds, 0) + total * ldf(pderiv, 0));
}
