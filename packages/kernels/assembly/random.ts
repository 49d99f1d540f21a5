// Seeded random fills. Counter-based fills (element i depends only on (seed, i)) for initialisers,
// so any split of the range between threads gives the same values, and the sequential
// xoshiro128** stream of the TypeScript `Rng` for bit-exact parity with it.
//
// The integer parts (splitmix32, hash2, xoshiro128**) use only 32-bit integer operations: add,
// xor, shifts, rotations and wrapping multiplies, so WGSL (u32 arithmetic) can reproduce them
// bit for bit. Only the float mapping (and Box-Muller's log/cos) uses f64.
import { at4, stf } from './common';
import { hashMixed, hashMixedX4, splitmix32 } from './random-hash';

const INV_2_24: f64 = 1.0 / 16777216.0;

/** x[i] = lo + (hi - lo) * u_i for i in [r0, r1), u_i = (hash2(seed, i) >>> 8) / 2^24; f64 math then f32. */
export function fillUniform(px: usize, lo: f64, hi: f64, seed: u32, r0: i32, r1: i32): void {
  const mixed = splitmix32(seed);
  const span = hi - lo;
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f64x2.splat(lo);
    const vspan = f64x2.splat(span);
    const vunit = f64x2.splat(INV_2_24);
    for (; i + 4 <= r1; i += 4) {
      const bits = i32x4.shr_u(hashMixedX4(mixed, i), 8); // < 2^24: exact as signed i32 and as f64
      const high = v128.shuffle<i32>(bits, bits, 2, 3, 2, 3);
      const u0 = f64x2.mul(f64x2.convert_low_i32x4_s(bits), vunit);
      const u1 = f64x2.mul(f64x2.convert_low_i32x4_s(high), vunit);
      const d0 = f32x4.demote_f64x2_zero(f64x2.add(vlo, f64x2.mul(vspan, u0)));
      const d1 = f32x4.demote_f64x2_zero(f64x2.add(vlo, f64x2.mul(vspan, u1)));
      v128.store(at4(px, i), v128.shuffle<i64>(d0, d1, 0, 2));
    }
  }
  for (; i < r1; i++) {
    const u = <f64>(hashMixed(mixed, <u32>i) >>> 8) * INV_2_24;
    stf(px, i, <f32>(lo + span * u));
  }
}

/**
 * x[i] = mean + std * z_i for i in [r0, r1), z_i = Box-Muller on a = hash2(seed, 2i) and
 * b = hash2(seed, 2i + 1), as Rng.nextNormal: sqrt(-2 ln(((a >>> 8) + 1) / 2^24)) * cos(2 pi u(b)).
 */
export function fillNormal(px: usize, mean: f64, std: f64, seed: u32, r0: i32, r1: i32): void {
  const mixed = splitmix32(seed);
  for (let i = r0; i < r1; i++) {
    const a = hashMixed(mixed, <u32>i << 1);
    const b = hashMixed(mixed, (<u32>i << 1) + 1);
    const u1 = <f64>((a >>> 8) + 1); // in [1, 2^24]: the log never sees 0
    const u2 = <f64>(b >>> 8) * INV_2_24;
    const z = Math.sqrt(-2.0 * Math.log(u1 * INV_2_24)) * Math.cos(2.0 * Math.PI * u2);
    stf(px, i, <f32>(mean + std * z));
  }
}

/** out[0..n) = the first n outputs of xoshiro128** seeded as `new Rng(seed, stream)`. */
export function rngFillU32(seed: u32, stream: u32, pout: usize, n: i32): void {
  let x = seed ^ (stream * 0x632be5ab);
  x = splitmix32(x);
  let s0 = x;
  x = splitmix32(x);
  let s1 = x;
  x = splitmix32(x);
  let s2 = x;
  x = splitmix32(x);
  let s3 = x;
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
  for (let i = 0; i < n; i++) {
    store<u32>(pout + (<usize>i << 2), rotl<u32>(s1 * 5, 7) * 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
  }
}
