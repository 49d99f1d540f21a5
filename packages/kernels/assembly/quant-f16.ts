// IEEE half-precision conversion (round to nearest even, subnormals, +-Infinity, NaN) and the fused
// gather + widen of fp16 tables. Bit tricks after F. Giesen's float_to_half_fast3_rtne and
// half_to_float: subnormal halves are produced/consumed by an f32 add/sub of a magic constant, so
// the FPU does the rounding.
import { ldi } from './common';

const F16_MAX_AS_F32: i32 = (127 + 16) << 23; // 2^16: every |x| at or above overflows
const F32_INF: i32 = 0x7f800000;
const SMALLEST_NORMAL: i32 = 113 << 23; // 2^-14, the smallest normal half
const DENORM_MAGIC: i32 = 126 << 23; // 0.5: its ulp is 2^-24, the subnormal half's step
const REBIAS: i32 = ((15 - 127) << 23) + 0xfff;

/** The half bits of an f32. */
// @ts-ignore: decorator
@inline function toHalf(x: f32): u32 {
  let f = reinterpret<i32>(x);
  const sign = f & 0x80000000;
  f ^= sign;
  let h: i32;
  if (f >= F16_MAX_AS_F32) {
    h = f > F32_INF ? 0x7e00 : 0x7c00;
  } else if (f < SMALLEST_NORMAL) {
    h = reinterpret<i32>(reinterpret<f32>(f) + reinterpret<f32>(DENORM_MAGIC)) - DENORM_MAGIC;
  } else {
    h = (f + REBIAS + ((f >> 13) & 1)) >> 13;
  }
  return <u32>(h | (sign >>> 16));
}

/** toHalf on four lanes; returns the halves in the low 16 bits of i32 lanes. */
// @ts-ignore: decorator
@inline function toHalf4(v: v128): v128 {
  const sign = v128.and(v, i32x4.splat(0x80000000));
  const f = v128.xor(v, sign);
  const special = v128.bitselect(i32x4.splat(0x7e00), i32x4.splat(0x7c00), i32x4.gt_s(f, i32x4.splat(F32_INF)));
  const magic = i32x4.splat(DENORM_MAGIC);
  const denorm = i32x4.sub(f32x4.add(f, magic), magic);
  const odd = v128.and(i32x4.shr_u(f, 13), i32x4.splat(1));
  const normal = i32x4.shr_u(i32x4.add(i32x4.add(f, i32x4.splat(REBIAS)), odd), 13);
  const finite = v128.bitselect(denorm, normal, i32x4.lt_s(f, i32x4.splat(SMALLEST_NORMAL)));
  const h = v128.bitselect(special, finite, i32x4.ge_s(f, i32x4.splat(F16_MAX_AS_F32)));
  return v128.or(h, i32x4.shr_u(sign, 16));
}

/** out[i] = half(x[i]) for n values. */
export function f32ToF16(px: usize, n: i32, pout: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 8 <= n; i += 8) {
      const p = px + (<usize>i << 2);
      v128.store(pout + (<usize>i << 1), i16x8.narrow_i32x4_u(toHalf4(v128.load(p)), toHalf4(v128.load(p, 16))));
    }
  }
  for (; i < n; i++) store<u16>(pout + (<usize>i << 1), <u16>toHalf(load<f32>(px + (<usize>i << 2))));
}

/** The f32 of half bits h. */
// @ts-ignore: decorator
@inline function fromHalf(h: u32): f32 {
  let o = (h & 0x7fff) << 13;
  const exp = o & 0x0f800000;
  o += (127 - 15) << 23;
  if (exp == 0x0f800000) o += (128 - 16) << 23; // Inf / NaN: exponent to 255, payload kept
  else if (exp == 0) o = reinterpret<u32>(reinterpret<f32>(o + (1 << 23)) - reinterpret<f32>(SMALLEST_NORMAL)); // zero / subnormal
  return reinterpret<f32>(o | ((h & 0x8000) << 16));
}

/** fromHalf on four lanes of i32 half bits. */
// @ts-ignore: decorator
@inline function fromHalf4(h: v128): v128 {
  const expMask = i32x4.splat(0x0f800000);
  let o = i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13);
  const exp = v128.and(o, expMask);
  o = i32x4.add(o, i32x4.splat((127 - 15) << 23));
  const infNan = i32x4.add(o, i32x4.splat((128 - 16) << 23));
  const sub = f32x4.sub(i32x4.add(o, i32x4.splat(1 << 23)), i32x4.splat(SMALLEST_NORMAL));
  o = v128.bitselect(infNan, o, i32x4.eq(exp, expMask));
  o = v128.bitselect(sub, o, i32x4.eq(exp, i32x4.splat(0)));
  return v128.or(o, i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16));
}

/** Widens n halves at px to f32 at pout. */
// @ts-ignore: decorator
@inline function widenRange(px: usize, n: i32, pout: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 8 <= n; i += 8) {
      const h = v128.load(px + (<usize>i << 1));
      const o = pout + (<usize>i << 2);
      v128.store(o, fromHalf4(i32x4.extend_low_i16x8_u(h)));
      v128.store(o, fromHalf4(i32x4.extend_high_i16x8_u(h)), 16);
    }
  }
  for (; i < n; i++) store<f32>(pout + (<usize>i << 2), fromHalf(<u32>load<u16>(px + (<usize>i << 1))));
}

/** out[i] = f32(x[i]) for n halves. */
export function f16ToF32(px: usize, n: i32, pout: usize): void {
  widenRange(px, n, pout);
}

/** out[i, :] = f32(table[ids[i], :]) for i in [r0, r1); ids were checked by the host. */
export function gatherF16(ptable: usize, dim: i32, pids: usize, pout: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>dim << 1;
  for (let i = r0; i < r1; i++) {
    widenRange(ptable + <usize>ldi(pids, i) * rowBytes, dim, pout + (<usize>i * <usize>dim << 2));
  }
}
