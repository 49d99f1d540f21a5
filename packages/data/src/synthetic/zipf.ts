import type { Rng } from '@lers/kernels/random';

/** Cumulative Zipf weights 1/v^s for v = 1..n (the table `sampleCdf` draws from). */
export function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let v = 1; v <= n; v++) {
    total += 1 / v ** s;
    cdf[v - 1] = total;
  }
  return cdf;
}

/** A value 1..n drawn from a cumulative weight table (binary search). */
export function sampleCdf(cdf: Float64Array, rng: Rng): number {
  const target = rng.nextFloat() * cdf[cdf.length - 1];
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}
