// Per-tensor affine int8/int16 quantization: q = clamp(nearest(w / scale + zeroPoint)),
// w' = (q - zeroPoint) * scale, in f32 arithmetic with round half to even on every path (the
// TypeScript reference mirrors it, so the codes are identical). `wide` selects int16 (1) or int8 (0).
import { ldf, ldi, stf } from './common';

/** out[0] = min(x), out[1] = max(x); 0, 0 when n = 0 (f32.min/max: NaN propagates). */
export function minMax(px: usize, n: i32, pout: usize): void {
  let mn: f32 = 0;
  let mx: f32 = 0;
  if (n > 0) {
    mn = ldf(px, 0);
    mx = mn;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      let vmn = f32x4.splat(mn);
      let vmx = vmn;
      for (; i + 8 <= n; i += 8) {
        const a = v128.load(px + (<usize>i << 2));
        const b = v128.load(px + (<usize>i << 2), 16);
        vmn = f32x4.min(vmn, f32x4.min(a, b));
        vmx = f32x4.max(vmx, f32x4.max(a, b));
      }
      mn = min(min(f32x4.extract_lane(vmn, 0), f32x4.extract_lane(vmn, 1)), min(f32x4.extract_lane(vmn, 2), f32x4.extract_lane(vmn, 3)));
      mx = max(max(f32x4.extract_lane(vmx, 0), f32x4.extract_lane(vmx, 1)), max(f32x4.extract_lane(vmx, 2), f32x4.extract_lane(vmx, 3)));
    }
    for (; i < n; i++) {
      const v = ldf(px, i);
      mn = min(mn, v);
      mx = max(mx, v);
    }
  }
  stf(pout, 0, mn);
  stf(pout, 1, mx);
}

/** Four codes as i32x4, clamped to [qmin, qmax] (NaN gives 0 through trunc_sat). */
// @ts-ignore: decorator
@inline function affine4(p: usize, vscale: v128, vzp: v128, vqmin: v128, vqmax: v128): v128 {
  const q = f32x4.nearest(f32x4.add(f32x4.div(v128.load(p), vscale), vzp));
  return i32x4.trunc_sat_f32x4_s(f32x4.min(vqmax, f32x4.max(vqmin, q)));
}

/** q[i] = clamp(nearest(x[i] / scale + zeroPoint), qmin, qmax) for n values. */
export function quantizeAffine(px: usize, n: i32, scale: f32, zeroPoint: f32, wide: i32, pq: usize): void {
  const qmin: f32 = wide ? -32768 : -128;
  const qmax: f32 = wide ? 32767 : 127;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(scale);
    const vz = f32x4.splat(zeroPoint);
    const vlo = f32x4.splat(qmin);
    const vhi = f32x4.splat(qmax);
    if (wide) {
      for (; i + 8 <= n; i += 8) {
        const p = px + (<usize>i << 2);
        v128.store(pq + (<usize>i << 1), i16x8.narrow_i32x4_s(affine4(p, vs, vz, vlo, vhi), affine4(p + 16, vs, vz, vlo, vhi)));
      }
    } else {
      for (; i + 16 <= n; i += 16) {
        const p = px + (<usize>i << 2);
        const a = i16x8.narrow_i32x4_s(affine4(p, vs, vz, vlo, vhi), affine4(p + 16, vs, vz, vlo, vhi));
        const b = i16x8.narrow_i32x4_s(affine4(p + 32, vs, vz, vlo, vhi), affine4(p + 48, vs, vz, vlo, vhi));
        v128.store(pq + <usize>i, i8x16.narrow_i16x8_s(a, b));
      }
    }
  }
  for (; i < n; i++) {
    let q = nearest<f32>(ldf(px, i) / scale + zeroPoint);
    q = min(qmax, max(qmin, q));
    if (wide) store<i16>(pq + (<usize>i << 1), <i16><i32>q);
    else store<i8>(pq + <usize>i, <i8><i32>q);
  }
}

/** out[0..n) = (q - zeroPoint) * scale for int8 (wide = 0) or int16 codes at pq. */
// @ts-ignore: decorator
@inline function dequantRange(pq: usize, n: i32, wide: i32, scale: f32, zeroPoint: f32, pout: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(scale);
    const vz = f32x4.splat(zeroPoint);
    if (wide) {
      for (; i + 4 <= n; i += 4) {
        const q = f32x4.convert_i32x4_s(v128.load16x4_s(pq + (<usize>i << 1)));
        v128.store(pout + (<usize>i << 2), f32x4.mul(f32x4.sub(q, vz), vs));
      }
    } else {
      for (; i + 8 <= n; i += 8) {
        const q16 = v128.load8x8_s(pq + <usize>i);
        const a = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(q16));
        const b = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(q16));
        const o = pout + (<usize>i << 2);
        v128.store(o, f32x4.mul(f32x4.sub(a, vz), vs));
        v128.store(o, f32x4.mul(f32x4.sub(b, vz), vs), 16);
      }
    }
  }
  for (; i < n; i++) {
    const q: f32 = wide ? <f32>load<i16>(pq + (<usize>i << 1)) : <f32>load<i8>(pq + <usize>i);
    stf(pout, i, (q - zeroPoint) * scale);
  }
}

/** out = (q - zeroPoint) * scale over n codes. */
export function dequantizeAffine(pq: usize, n: i32, wide: i32, scale: f32, zeroPoint: f32, pout: usize): void {
  dequantRange(pq, n, wide, scale, zeroPoint, pout);
}

/** out[i, :] = dequantized row ids[i] for i in [r0, r1); ids were checked by the host. */
export function gatherDequantAffine(pq: usize, dim: i32, wide: i32, scale: f32, zeroPoint: f32, pids: usize, pout: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>dim << <usize>wide;
  for (let i = r0; i < r1; i++) {
    const row = pq + <usize>ldi(pids, i) * rowBytes;
    dequantRange(row, dim, wide, scale, zeroPoint, pout + (<usize>i * <usize>dim << 2));
  }
}
