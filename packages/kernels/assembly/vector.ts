// Inlined vector helpers shared by the dense and tensor-train kernels.
import { hsum, ldf, stf } from './common';

/** y[0..n) += a * x[0..n) */
// @ts-ignore: decorator
@inline export function axpyRange(a: f32, px: usize, py: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(py + o, f32x4.add(v128.load(py + o), f32x4.mul(va, v128.load(px + o))));
    }
  }
  for (; j < n; j++) stf(py, j, ldf(py, j) + a * ldf(px, j));
}

/** Dot product of n-vectors. */
// @ts-ignore: decorator
@inline export function dotRange(px: usize, py: usize, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(px + o), v128.load(py + o)));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load(px + o, 16), v128.load(py + o, 16)));
    }
    s = hsum(f32x4.add(acc0, acc1));
  }
  for (; i < n; i++) s += ldf(px, i) * ldf(py, i);
  return s;
}
