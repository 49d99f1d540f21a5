/** The Gaussian tail math against published values, Simpson integration and round trips. */
import { describe, expect, it } from 'vitest';
import { Rng } from '@lers/kernels';
import { logGaussMass, logNdtr, ndtr, ndtriExp, truncNormLogPdf, truncNormPpf, uniform53 } from '../src/index.js';
import { normalMass, simpson, phi } from './reference.js';

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

/** log Phi(x) for x <= -30 by its asymptotic series: log phi(x) - log(-x) + log(1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8). */
function seriesLogNdtr(x: number): number {
  const x2 = x * x;
  return -0.5 * x2 - 0.5 * Math.log(2 * Math.PI) - Math.log(-x) + Math.log(1 - 1 / x2 + 3 / x2 ** 2 - 15 / x2 ** 3 + 105 / x2 ** 4);
}

describe('normal CDF', () => {
  it('matches published values of Phi to 1e-13 relative, far into the lower tail', () => {
    // Phi(x) for x = -1, -2, -3, -5, -10, -20 and 0.5, 2.5 (Abramowitz & Stegun / Wolfram, 16+ digits).
    const table: [number, number][] = [
      [-1, 0.15865525393145707],
      [-2, 0.02275013194817921],
      [-3, 0.0013498980316300946],
      [-5, 2.866515718791939e-7],
      [-10, 7.619853024160527e-24],
      [-20, 2.7536241186062337e-89],
      [0.5, 0.6914624612740131],
      [2.5, 0.9937903346742238],
    ];
    for (const [x, want] of table) expect(rel(ndtr(x), want)).toBeLessThan(1e-13);
  });

  it('gives log Phi where Phi underflows, matching the asymptotic series, and -Phi(-x) on the right', () => {
    for (const x of [-30, -40, -100, -1000]) expect(rel(logNdtr(x), seriesLogNdtr(x))).toBeLessThan(1e-14);
    expect(rel(logNdtr(10), -7.619853024160527e-24)).toBeLessThan(1e-13);
    expect(logNdtr(-Infinity)).toBe(-Infinity);
    expect(logNdtr(Infinity)).toBe(0);
  });

  it('computes log masses of intervals like Simpson integration, in the centre and both tails', () => {
    for (const [a, b] of [[-1, 1], [-0.3, 2.2], [1.5, 4], [-6, -5], [5, 6.5], [-2.5, -2.4999]]) {
      expect(rel(Math.exp(logGaussMass(a, b)), simpson(phi, a, b))).toBeLessThan(1e-10);
    }
    // Far tails (mass about e^-454): against the asymptotic series of both ends.
    const far = seriesLogNdtr(-30) + Math.log1p(-Math.exp(seriesLogNdtr(-31) - seriesLogNdtr(-30)));
    expect(rel(logGaussMass(30, 31), far)).toBeLessThan(1e-14);
    expect(rel(logGaussMass(-31, -30), far)).toBeLessThan(1e-14);
    expect(logGaussMass(1, 1)).toBe(-Infinity);
    expect(() => logGaussMass(2, 1)).toThrow(RangeError);
  });

  it('inverts log Phi (ndtriExp) to 1e-13 from y = -1e-20 to -1e5', () => {
    for (const y of [-1e-20, -1e-8, -0.01, -0.5, -Math.LN2, -0.7, -1, -3, -30, -800, -1e5]) {
      const x = ndtriExp(y);
      expect(Math.abs(logNdtr(x) - y)).toBeLessThan(1e-13 * Math.max(1, Math.abs(y)));
    }
    expect(ndtriExp(0)).toBe(Infinity);
    expect(ndtriExp(-Infinity)).toBe(-Infinity);
  });
});

describe('truncated normal', () => {
  it('has quantiles whose CDF (Simpson) is q, including intervals far out in a tail', () => {
    for (const [a, b] of [[-1, 1], [0.5, 3], [-2, 8], [-30, -29], [29, 30], [6, 40]]) {
      for (const q of [0.01, 0.3, 0.5, 0.9, 0.999]) {
        const x = truncNormPpf(q, a, b);
        expect(x).toBeGreaterThanOrEqual(a);
        expect(x).toBeLessThanOrEqual(b);
        // CDF of the truncated normal at x, relative to the interval's mass (both by log masses for the far tails).
        const cdf = Math.exp(logGaussMass(a, x) - logGaussMass(a, b));
        expect(Math.abs(cdf - q)).toBeLessThan(1e-9);
        if (Math.abs(a) < 10) expect(Math.abs(normalMass(0, 1, a, x) / normalMass(0, 1, a, b) - q)).toBeLessThan(1e-9);
      }
    }
    expect(truncNormPpf(0, -1, 2)).toBe(-1);
    expect(truncNormPpf(1, -1, 2)).toBe(2);
  });

  it('has a log density that integrates to 1 and is -Infinity outside', () => {
    const [a, b] = [-0.7, 2.3];
    expect(simpson((x) => Math.exp(truncNormLogPdf(x, a, b)), a, b)).toBeCloseTo(1, 10);
    expect(truncNormLogPdf(-0.71, a, b)).toBe(-Infinity);
  });

  it('samples by inversion with the expected distribution (Kolmogorov-Smirnov, 20000 draws)', () => {
    const rng = new Rng(5);
    const [a, b] = [-0.5, 2];
    const draws = Array.from({ length: 20000 }, () => truncNormPpf(uniform53(rng), a, b)).sort((x, y) => x - y);
    let d = 0;
    draws.forEach((x, i) => {
      const cdf = Math.exp(logGaussMass(a, x) - logGaussMass(a, b));
      d = Math.max(d, Math.abs(cdf - i / draws.length), Math.abs(cdf - (i + 1) / draws.length));
    });
    // The 0.1% critical value of the KS statistic is 1.95 / sqrt(n).
    expect(d).toBeLessThan(1.95 / Math.sqrt(draws.length));
  });
});
