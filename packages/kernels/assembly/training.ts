// Optimizers (Adam, lazy row-wise Adam, SGD) and dropout. Every kernel is elementwise, in f32x4 SIMD
// with a scalar tail that performs the same f32 operations in the same order, so an element gets
// the same bits whichever thread, path or build computes it. BatchNorm is in training-batchnorm.ts.
import { at4, firstBadId, ldf, stf } from './common';
import { hashMixed, hashMixedX4, splitmix32 } from './random-hash';

export * from './training-batchnorm';

/**
 * One Adam step over elements [i0, i1) (PyTorch semantics, all in f32):
 *   g = grad + wd * param;  param *= decay;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *   param -= stepSize * m / (sqrt(v) / sqrtBc2 + eps)
 * with stepSize = lr / (1 - b1^t), sqrtBc2 = sqrt(1 - b2^t); wd = 0 and decay = 1 - lr wd for AdamW.
 */
// @ts-ignore: decorator
@inline function adamRange(pp: usize, pg: usize, pm: usize, pv: usize, i0: i32, i1: i32, b1: f32, b2: f32, c1: f32, c2: f32, eps: f32, stepSize: f32, sqrtBc2: f32, wd: f32, decay: f32): void {
  let i = i0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
    const veps = f32x4.splat(eps), vstep = f32x4.splat(stepSize), vbc2 = f32x4.splat(sqrtBc2);
    const vwd = f32x4.splat(wd), vdecay = f32x4.splat(decay);
    for (; i + 4 <= i1; i += 4) {
      let p = v128.load(at4(pp, i));
      const g = f32x4.add(v128.load(at4(pg, i)), f32x4.mul(vwd, p));
      p = f32x4.mul(p, vdecay);
      const m = f32x4.add(f32x4.mul(vb1, v128.load(at4(pm, i))), f32x4.mul(vc1, g));
      const v = f32x4.add(f32x4.mul(vb2, v128.load(at4(pv, i))), f32x4.mul(vc2, f32x4.mul(g, g)));
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), vbc2), veps);
      v128.store(at4(pm, i), m);
      v128.store(at4(pv, i), v);
      v128.store(at4(pp, i), f32x4.sub(p, f32x4.mul(vstep, f32x4.div(m, denom))));
    }
  }
  for (; i < i1; i++) {
    let p = ldf(pp, i);
    const g = ldf(pg, i) + wd * p;
    p = p * decay;
    const m = b1 * ldf(pm, i) + c1 * g;
    const v = b2 * ldf(pv, i) + c2 * (g * g);
    const denom = Mathf.sqrt(v) / sqrtBc2 + eps;
    stf(pm, i, m);
    stf(pv, i, v);
    stf(pp, i, p - stepSize * (m / denom));
  }
}

/** Dense Adam over elements [r0, r1); see adamRange for the arguments. */
export function adam(pp: usize, pg: usize, pm: usize, pv: usize, b1: f32, b2: f32, c1: f32, c2: f32, eps: f32, stepSize: f32, sqrtBc2: f32, wd: f32, decay: f32, r0: i32, r1: i32): void {
  adamRange(pp, pg, pm, pv, r0, r1, b1, b2, c1, c2, eps, stepSize, sqrtBc2, wd, decay);
}

/** Index of the first row id outside [0, rows), or -1: checked before adamRows writes anything. */
export function adamRowsFirstBadId(pids: usize, n: i32, rows: i32): i32 {
  return firstBadId(pids, n, rows);
}

/** Columns per block of adamRows' partition: 16 floats = one 64-byte cache line. */
const ROW_BLOCK: i32 = 16;

/**
 * Lazy Adam on the listed rows of a (rows x dim) table, column blocks [r0, r1) of ROW_BLOCK
 * columns: each thread owns whole cache lines of every listed row, ids are visited in order (a
 * repeated id is updated once per occurrence, identically for any split). Grad rows are zeroed
 * after their update when zeroGrad != 0.
 */
export function adamRows(pp: usize, pg: usize, pm: usize, pv: usize, dim: i32, pids: usize, nIds: i32, b1: f32, b2: f32, c1: f32, c2: f32, eps: f32, stepSize: f32, sqrtBc2: f32, wd: f32, decay: f32, zeroGrad: i32, r0: i32, r1: i32): void {
  const c0 = r0 * ROW_BLOCK;
  const cEnd = min(r1 * ROW_BLOCK, dim);
  if (c0 >= cEnd) return;
  for (let k = 0; k < nIds; k++) {
    const base = <usize>load<i32>(at4(pids, k)) * <usize>dim << 2;
    adamRange(pp + base, pg + base, pm + base, pv + base, c0, cEnd, b1, b2, c1, c2, eps, stepSize, sqrtBc2, wd, decay);
    if (zeroGrad != 0) memory.fill(at4(pg + base, c0), 0, <usize>(cEnd - c0) << 2);
  }
}

/**
 * SGD over elements [r0, r1): g = grad + wd * param; with a velocity buffer (pvel != 0)
 * vel = momentum * vel + g and param -= lr * vel, else param -= lr * g.
 */
export function sgd(pp: usize, pg: usize, pvel: usize, lr: f32, wd: f32, momentum: f32, r0: i32, r1: i32): void {
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr), vwd = f32x4.splat(wd), vmom = f32x4.splat(momentum);
    for (; i + 4 <= r1; i += 4) {
      const p = v128.load(at4(pp, i));
      let g = f32x4.add(v128.load(at4(pg, i)), f32x4.mul(vwd, p));
      if (pvel != 0) {
        g = f32x4.add(f32x4.mul(vmom, v128.load(at4(pvel, i))), g);
        v128.store(at4(pvel, i), g);
      }
      v128.store(at4(pp, i), f32x4.sub(p, f32x4.mul(vlr, g)));
    }
  }
  for (; i < r1; i++) {
    const p = ldf(pp, i);
    let g = ldf(pg, i) + wd * p;
    if (pvel != 0) {
      g = momentum * ldf(pvel, i) + g;
      stf(pvel, i, g);
    }
    stf(pp, i, p - lr * g);
  }
}

/**
 * Inverted dropout over elements [r0, r1): keep_i = (hash2(seed, i) >>> 8) >= threshold, where
 * threshold = ceil(p * 2^24) makes this exactly u32ToUnit(hash2(seed, i)) >= p. out = keep ? x *
 * scale : 0 (scale = 1 / (1 - p)), mask[i] = keep (u8). out may alias x.
 */
export function dropout(px: usize, threshold: i32, scale: f32, seed: u32, pout: usize, pmask: usize, r0: i32, r1: i32): void {
  const mixed = splitmix32(seed);
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    const vscale = f32x4.splat(scale);
    const vthreshold = i32x4.splat(threshold);
    for (; i + 4 <= r1; i += 4) {
      // Lanes are < 2^24, so the signed comparison is exact.
      const keep = i32x4.ge_s(i32x4.shr_u(hashMixedX4(mixed, i), 8), vthreshold);
      v128.store(at4(pout, i), v128.and(f32x4.mul(v128.load(at4(px, i)), vscale), keep));
      const bits = v128.and(keep, i32x4.splat(1));
      const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(bits, bits), bits);
      v128.store32_lane(pmask + <usize>i, bytes, 0);
    }
  }
  for (; i < r1; i++) {
    const keep = <i32>(hashMixed(mixed, <u32>i) >>> 8) >= threshold;
    stf(pout, i, keep ? ldf(px, i) * scale : 0);
    store<u8>(pmask + <usize>i, keep ? 1 : 0);
  }
}

/** dx = mask != 0 ? dy * scale : 0 over elements [r0, r1); dx may alias dy. */
export function dropoutBackward(pdy: usize, pmask: usize, scale: f32, pdx: usize, r0: i32, r1: i32): void {
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    const vscale = f32x4.splat(scale);
    const zero = i32x4.splat(0);
    for (; i + 4 <= r1; i += 4) {
      const m = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(pmask + <usize>i)));
      const keep = i32x4.ne(m, zero);
      v128.store(at4(pdx, i), v128.and(f32x4.mul(v128.load(at4(pdy, i)), vscale), keep));
    }
  }
  for (; i < r1; i++) stf(pdx, i, load<u8>(pmask + <usize>i) != 0 ? ldf(pdy, i) * scale : 0);
}
