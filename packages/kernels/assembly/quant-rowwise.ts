// Row-wise (FBGEMM-style) 8/4/2-bit quantization of embedding tables. A row holds its codes, then
// at the next 4-byte boundary an f32 scale and an f32 bias (the row minimum), padded to 16 bytes
// (the layout of rowwiseStride in src/ops/quant.ts). A code c decodes to c * scale + bias.
// Encoding is code = clamp(nearest((w - min) / scale), 0, 2^bits - 1) in f32 arithmetic with
// round half to even (f32.nearest) on every path, so the bytes match the TypeScript reference's.
import { ldf, ldi, stf } from './common';

// @ts-ignore: decorator
@inline function codeBytes(dim: i32, bits: i32): i32 {
  return (dim * bits + 7) >> 3;
}

/** Byte offset of the f32 scale within a row (bias at +4). */
// @ts-ignore: decorator
@inline function scaleOffset(dim: i32, bits: i32): i32 {
  return (codeBytes(dim, bits) + 3) & ~3;
}

/** Bytes of one row: codes, scale, bias, padded to a multiple of 16. */
// @ts-ignore: decorator
@inline function rowStride(dim: i32, bits: i32): i32 {
  return (scaleOffset(dim, bits) + 8 + 15) & ~15;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** The code of one value (scale > 0); NaN quotients give 0 like the SIMD path's pmax. */
// @ts-ignore: decorator
@inline function encodeOne(w: f32, mn: f32, scale: f32, levels: f32): i32 {
  let q = nearest<f32>((w - mn) / scale);
  if (!(q > 0)) q = 0;
  if (q > levels) q = levels;
  return <i32>q;
}

/** Codes of 4 consecutive values as i32x4 (same arithmetic as encodeOne). */
// @ts-ignore: decorator
@inline function encode4(p: usize, vmin: v128, vscale: v128, vlevels: v128): v128 {
  const q = f32x4.nearest(f32x4.div(f32x4.sub(v128.load(p), vmin), vscale));
  // pmax(0, q) maps NaN to 0; pmin(levels, q) = q < levels ? q : levels.
  return i32x4.trunc_sat_f32x4_s(f32x4.pmin(vlevels, f32x4.pmax(f32x4.splat(0), q)));
}

/** Codes of 16 consecutive values as 16 u8 lanes. */
// @ts-ignore: decorator
@inline function encode16(p: usize, vmin: v128, vscale: v128, vlevels: v128): v128 {
  const a = i16x8.narrow_i32x4_u(encode4(p, vmin, vscale, vlevels), encode4(p + 16, vmin, vscale, vlevels));
  const b = i16x8.narrow_i32x4_u(encode4(p + 32, vmin, vscale, vlevels), encode4(p + 48, vmin, vscale, vlevels));
  return i8x16.narrow_i16x8_u(a, b);
}

/** Encodes one row of dim values at px into the row at pq (the row was zero-filled). */
function encodeRow(px: usize, dim: i32, bits: i32, mn: f32, scale: f32, pq: usize): void {
  const levels = <f32>((1 << bits) - 1);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vmin = f32x4.splat(mn);
    const vscale = f32x4.splat(scale);
    const vlevels = f32x4.splat(levels);
    for (; j + 16 <= dim; j += 16) {
      const c = encode16(px + (<usize>j << 2), vmin, vscale, vlevels);
      const dst = pq + (<usize>(j * bits) >> 3);
      if (bits == 8) {
        v128.store(dst, c);
      } else if (bits == 4) {
        // i16 lane k holds c[2k] | c[2k+1] << 8 (both < 16): the packed byte is c[2k] | c[2k+1] << 4.
        const packed = v128.or(v128.and(c, i16x8.splat(0x000f)), i16x8.shr_u(c, 4));
        v128.store64_lane(dst, i8x16.narrow_i16x8_u(packed, packed), 0);
      } else {
        // i32 lane k holds c[4k..4k+3] in its bytes (each < 4): gather them into the low 8 bits.
        const packed = v128.or(
          v128.or(v128.and(c, i32x4.splat(0x03)), v128.and(i32x4.shr_u(c, 6), i32x4.splat(0x0c))),
          v128.or(v128.and(i32x4.shr_u(c, 12), i32x4.splat(0x30)), v128.and(i32x4.shr_u(c, 18), i32x4.splat(0xc0))),
        );
        const halves = i16x8.narrow_i32x4_u(packed, packed);
        v128.store32_lane(dst, i8x16.narrow_i16x8_u(halves, halves), 0);
      }
    }
  }
  for (; j < dim; j++) {
    const c = encodeOne(ldf(px, j), mn, scale, levels);
    const bit = j * bits;
    const dst = pq + (<usize>bit >> 3);
    store<u8>(dst, load<u8>(dst) | <u8>(c << (bit & 7)));
  }
}

/** Minimum and maximum of n > 0 values (f32.min/max semantics: -0 < +0, NaN propagates). */
// @ts-ignore: decorator
@inline function rowMinMax(px: usize, n: i32, out: usize): void {
  let mn = ldf(px, 0);
  let mx = mn;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    let vmn = f32x4.splat(mn);
    let vmx = vmn;
    for (; j + 4 <= n; j += 4) {
      const v = v128.load(px + (<usize>j << 2));
      vmn = f32x4.min(vmn, v);
      vmx = f32x4.max(vmx, v);
    }
    mn = min(min(f32x4.extract_lane(vmn, 0), f32x4.extract_lane(vmn, 1)), min(f32x4.extract_lane(vmn, 2), f32x4.extract_lane(vmn, 3)));
    mx = max(max(f32x4.extract_lane(vmx, 0), f32x4.extract_lane(vmx, 1)), max(f32x4.extract_lane(vmx, 2), f32x4.extract_lane(vmx, 3)));
  }
  for (; j < n; j++) {
    const v = ldf(px, j);
    mn = min(mn, v);
    mx = max(mx, v);
  }
  store<f32>(out, mn);
  store<f32>(out, mx, 4);
}

/** Quantizes rows [r0, r1) of a rows x dim f32 table into the row-wise format at pq. */
export function quantizeRowwise(px: usize, dim: i32, bits: i32, pq: usize, r0: i32, r1: i32): void {
  const stride = rowStride(dim, bits);
  const sOff = scaleOffset(dim, bits);
  const levels = <f32>((1 << bits) - 1);
  for (let r = r0; r < r1; r++) {
    const row = pq + <usize>r * <usize>stride;
    const src = px + (<usize>r * <usize>dim << 2);
    memory.fill(row, 0, <usize>stride);
    let mn: f32 = 0;
    let scale: f32 = 0;
    if (dim > 0) {
      // The scale and bias slots double as scratch for the row's min and max.
      rowMinMax(src, dim, row + sOff);
      mn = load<f32>(row + sOff);
      scale = (load<f32>(row + sOff, 4) - mn) / levels;
      // A constant row keeps scale 0 and all-zero codes: it decodes exactly to the bias.
      if (scale != 0) encodeRow(src, dim, bits, mn, scale, row);
    }
    store<f32>(row + sOff, scale);
    store<f32>(row + sOff, mn, 4);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** dst[0..16) = codes (16 u8 lanes) * scale + bias (signed convert: one instruction, exact for codes < 256). */
// @ts-ignore: decorator
@inline function expand16(codes: v128, vscale: v128, vbias: v128, dst: usize): void {
  const lo = i16x8.extend_low_i8x16_u(codes);
  const hi = i16x8.extend_high_i8x16_u(codes);
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)), vscale), vbias));
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), vscale), vbias), 16);
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), vscale), vbias), 32);
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), vscale), vbias), 48);
}

/** Decodes one row-wise row at pq into dim f32 values at pout. */
// @ts-ignore: decorator
@inline function decodeRow(pq: usize, dim: i32, bits: i32, sOff: i32, pout: usize): void {
  const scale = load<f32>(pq + sOff);
  const bias = load<f32>(pq + sOff, 4);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vscale = f32x4.splat(scale);
    const vbias = f32x4.splat(bias);
    if (bits == 8) {
      for (; j + 16 <= dim; j += 16) expand16(v128.load(pq + j), vscale, vbias, pout + (<usize>j << 2));
    } else if (bits == 4) {
      const nibble = i8x16.splat(0x0f);
      for (; j + 16 <= dim; j += 16) {
        const v = v128.load64_zero(pq + (j >> 1));
        const even = v128.and(v, nibble);
        const odd = i8x16.shr_u(v, 4);
        const codes = i8x16.shuffle(even, odd, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        expand16(codes, vscale, vbias, pout + (<usize>j << 2));
      }
    } else {
      const two = i8x16.splat(0x03);
      for (; j + 16 <= dim; j += 16) {
        const v = v128.load32_zero(pq + (j >> 2));
        const c0 = v128.and(v, two);
        const c1 = v128.and(i8x16.shr_u(v, 2), two);
        const c2 = v128.and(i8x16.shr_u(v, 4), two);
        const c3 = i8x16.shr_u(v, 6);
        // Byte k of v holds elements 4k..4k+3: interleave the four planes back into order.
        const c01 = i8x16.shuffle(c0, c1, 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0);
        const c23 = i8x16.shuffle(c2, c3, 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0);
        const codes = i8x16.shuffle(c01, c23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
        expand16(codes, vscale, vbias, pout + (<usize>j << 2));
      }
    }
  }
  const mask = (1 << bits) - 1;
  for (; j < dim; j++) {
    const bit = j * bits;
    const c = (<i32>load<u8>(pq + (<usize>bit >> 3)) >> (bit & 7)) & mask;
    stf(pout, j, <f32>c * scale + bias);
  }
}

/** Dequantizes rows [r0, r1) of a row-wise table into rows x dim f32 values. */
export function dequantizeRowwise(pq: usize, dim: i32, bits: i32, pout: usize, r0: i32, r1: i32): void {
  const stride = rowStride(dim, bits);
  const sOff = scaleOffset(dim, bits);
  for (let r = r0; r < r1; r++) {
    decodeRow(pq + <usize>r * <usize>stride, dim, bits, sOff, pout + (<usize>r * <usize>dim << 2));
  }
}

/** Rows per block of a gather: it touches the next block's rows while it decodes this one. */
const TOUCH_BLOCK = 16;
/** Sink for the early touches, so the loads are not optimised away. */
let touched: u32 = 0;

/** Loads one word of every cache line of rows ids[i0..i1) (their misses start together); returns them xor-ed. */
// @ts-ignore: decorator
@inline function touchRows(pq: usize, stride: i32, pids: usize, i0: i32, i1: i32): u32 {
  let sink: u32 = 0;
  for (let i = i0; i < i1; i++) {
    const row = pq + <usize>ldi(pids, i) * <usize>stride;
    for (let b = 0; b < stride; b += 64) sink ^= load<u32>(row + <usize>b);
    sink ^= load<u32>(row + <usize>stride - 4);
  }
  return sink;
}

/**
 * out[i, :] = decode(row ids[i]) for i in [r0, r1); ids were checked by the host. Rows are random
 * in a large table, so each one is a cache miss; decoding a row is a long run of instructions
 * that keeps the CPU from reaching the next rows' loads, so the misses were taken one after the
 * other. In blocks of TOUCH_BLOCK rows, a short loop first loads one word of every line of the next
 * block's rows (WASM has no prefetch instruction), so that those misses overlap with each other
 * and with this block's decoding. 100k x 64 int8 table, 2048 random rows: 0.35x -> 1.4-2.5x the
 * fp32 gather's rows per second (one process, interleaved, 2-core VM).
 */
export function gatherDequantRowwise(pq: usize, dim: i32, bits: i32, pids: usize, pout: usize, r0: i32, r1: i32): void {
  const stride = rowStride(dim, bits);
  const sOff = scaleOffset(dim, bits);
  let sink = touchRows(pq, stride, pids, r0, min(r0 + TOUCH_BLOCK, r1));
  for (let b0 = r0; b0 < r1; b0 += TOUCH_BLOCK) {
    const b1 = min(b0 + TOUCH_BLOCK, r1);
    sink ^= touchRows(pq, stride, pids, b1, min(b1 + TOUCH_BLOCK, r1));
    for (let i = b0; i < b1; i++) {
      const row = pq + <usize>ldi(pids, i) * <usize>stride;
      decodeRow(row, dim, bits, sOff, pout + (<usize>i * <usize>dim << 2));
    }
  }
  touched ^= sink;
}
