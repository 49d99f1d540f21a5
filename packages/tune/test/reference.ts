/**
 * Independent float64 references for the tests: the normal CDF by composite Simpson integration
 * of the density (no erf, no continued fraction), and a truncated normal density built from it.
 */

/** integral of f over [a, b] by composite Simpson with n (even) panels. */
export function simpson(f: (x: number) => number, a: number, b: number, n = 20000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** The standard normal density. */
export function phi(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Mass of N(mu, sigma) on [a, b], integrated numerically. */
export function normalMass(mu: number, sigma: number, a: number, b: number): number {
  return simpson((x) => phi((x - mu) / sigma) / sigma, a, b);
}

/** Density of N(mu, sigma) truncated to [low, high] at x. */
export function truncatedDensity(x: number, mu: number, sigma: number, low: number, high: number): number {
  return phi((x - mu) / sigma) / sigma / normalMass(mu, sigma, low, high);
}

/** Median of an array. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
