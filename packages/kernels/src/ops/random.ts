import type { Buf } from '../types.js';

/**
 * Seeded random fills. Element i depends only on (seed, i) through `hash2` (src/random/xoshiro.ts),
 * so every backend and every thread count gives the same values.
 */
export interface RandomOps {
  /** x_i = lo + (hi - lo) * u_i, u_i = u32ToUnit(hash2(seed, i)) in [0, 1). */
  fillUniform(x: Buf<'f32'>, lo: number, hi: number, seed: number): void;
  /** x_i = mean + std * z_i, Box-Muller on hash2(seed, 2i) and hash2(seed, 2i + 1). */
  fillNormal(x: Buf<'f32'>, mean: number, std: number, seed: number): void;
  /** Fills out with the sequential xoshiro128** stream of Rng(seed, stream) (parity with TS Rng). */
  rngFillU32(seed: number, stream: number, out: Buf<'u32'>): void;
}
