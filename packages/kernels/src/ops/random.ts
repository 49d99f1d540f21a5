import type { Buf } from '../types.js';

/**
 * Seeded random fills. Element i depends only on (seed, i) through `hash2` (src/random/xoshiro.ts),
 * so every backend and every thread count gives the same values. Seeds and streams are integers,
 * used modulo 2^32.
 */
export interface RandomOps {
  /** x_i = lo + (hi - lo) * u_i, u_i = u32ToUnit(hash2(seed, i)) in [0, 1); f64 math rounded once to f32. */
  fillUniform(x: Buf<'f32'>, lo: number, hi: number, seed: number): void;
  /**
   * x_i = mean + std * z_i, Box-Muller on a = hash2(seed, 2i) and b = hash2(seed, 2i + 1) as in
   * Rng.nextNormal: z_i = sqrt(-2 ln(((a >>> 8) + 1) / 2^24)) * cos(2 pi u32ToUnit(b)), in f64.
   */
  fillNormal(x: Buf<'f32'>, mean: number, std: number, seed: number): void;
  /** Fills out with the sequential xoshiro128** stream of Rng(seed, stream) (parity with TS Rng). */
  rngFillU32(seed: number, stream: number, out: Buf<'u32'>): void;
}
