import type { Rng } from '@lers/kernels';

/**
 * A uniform double in [0, 1) with 53 random bits from two draws of the shared xoshiro Rng (its
 * nextFloat keeps 24 bits, too coarse to place a sample inside a narrow kernel's far tail).
 */
export function uniform53(rng: Rng): number {
  const hi = rng.nextU32() >>> 5; // 27 bits
  const lo = rng.nextU32() >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

/** Index k with probability weights[k] / sum(weights) (weights >= 0, sum > 0), from one uniform. */
export function pickWeighted(weights: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let k = 0; k < weights.length; k++) total += weights[k];
  let acc = 0;
  const target = u * total;
  let last = -1;
  for (let k = 0; k < weights.length; k++) {
    if (weights[k] <= 0) continue;
    acc += weights[k];
    last = k;
    if (target < acc) return k;
  }
  // Rounding can leave target == acc at the end: the last positive weight takes it.
  return last;
}
