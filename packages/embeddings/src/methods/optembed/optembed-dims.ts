import type { Rng } from '@lers/kernels';

/**
 * OptEmbed's dimension choices: a row (or field) keeps its first k of d dimensions, k in 1..d.
 * The search draws k with P(k) proportional to alpha^(d - k): alpha = 1 is uniform, alpha > 1
 * favours few dimensions, alpha < 1 many.
 */

/** P(k) for k = 1..d (index k - 1), proportional to alpha^(d - k); computed stably in log space. */
export function dimProbabilities(dim: number, alpha: number): Float64Array {
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError(`dimProbabilities: alpha must be a positive finite number, got ${alpha}`);
  const logA = Math.log(alpha);
  const logs = Float64Array.from({ length: dim }, (_, i) => (dim - (i + 1)) * logA);
  const top = Math.max(...logs);
  const p = logs.map((l) => Math.exp(l - top));
  const sum = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / sum);
}

/** E[k] under dimProbabilities(dim, alpha). */
export function expectedDims(dim: number, alpha: number): number {
  const p = dimProbabilities(dim, alpha);
  let e = 0;
  for (let i = 0; i < dim; i++) e += (i + 1) * p[i];
  return e;
}

/**
 * The alpha whose E[k] equals `meanDims` (bisection on log alpha; E[k] decreases in alpha). A mean
 * of d or more gives the smallest alpha searched (almost surely k = d), one of 1 or less the largest
 * (almost surely k = 1).
 */
export function solveDimAlpha(dim: number, meanDims: number): number {
  let lo = -40;
  let hi = 40;
  if (meanDims >= expectedDims(dim, Math.exp(lo))) return Math.exp(lo);
  if (meanDims <= expectedDims(dim, Math.exp(hi))) return Math.exp(hi);
  for (let it = 0; it < 200 && hi - lo > 1e-12; it++) {
    const mid = (lo + hi) / 2;
    if (expectedDims(dim, Math.exp(mid)) > meanDims) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/** A sampler of k in 1..d from a probability vector (inverse CDF on the Rng's 24-bit uniforms). */
export class DimSampler {
  private readonly cdf: Float64Array;

  constructor(readonly probabilities: Float64Array) {
    this.cdf = new Float64Array(probabilities.length);
    let acc = 0;
    probabilities.forEach((p, i) => {
      acc += p;
      this.cdf[i] = acc;
    });
  }

  /** Uniform over 1..d. */
  static uniform(dim: number): DimSampler {
    return new DimSampler(new Float64Array(dim).fill(1 / dim));
  }

  /** One k in 1..d. */
  sample(rng: Rng): number {
    const u = rng.nextFloat() * this.cdf[this.cdf.length - 1];
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  }

  /** Fills `out` with independent draws. */
  fill(rng: Rng, out: Int32Array): Int32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.sample(rng);
    return out;
  }
}

/**
 * OptEmbed's straight-through estimator of d BinaryStep(x) / dx (the original code's): 2 - 4|x|
 * for |x| <= 0.4, 0.4 for 0.4 < |x| <= 1, 0 beyond. The forward pass is the step [x > 0].
 */
export function binaryStepGrad(x: number): number {
  const a = Math.abs(x);
  if (a > 1) return 0;
  if (a > 0.4) return 0.4;
  return 2 - 4 * a;
}
