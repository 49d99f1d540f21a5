/**
 * The Parzen estimator, gamma, the weights, the split and the EI choice against small cases
 * worked out by hand (densities through Simpson integration, not the package's normal math).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '@lers/kernels';
import {
  argmaxRatio,
  compileSpace,
  defaultGamma,
  defaultWeights,
  gapBandwidths,
  ParzenEstimator,
  resolveSamplerOptions,
  splitTrials,
  suggest,
  type ParzenOptions,
  type SearchSpace,
  type TrialRecord,
} from '../src/index.js';
import { normalMass, simpson, truncatedDensity } from './reference.js';

const OPTUNA: ParzenOptions = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, multivariate: false };

function estimator(space: SearchSpace, observed: number[][], options: ParzenOptions = OPTUNA, weights?: number[]): ParzenEstimator {
  const n = observed[0]?.length ?? 0;
  return new ParzenEstimator(compileSpace(space), observed.map((o) => Float64Array.from(o)), Float64Array.from(weights ?? new Array<number>(n).fill(1)), options);
}

function expectAll(got: ArrayLike<number>, want: number[]): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => { expect(got[i]).toBeCloseTo(w, 14); });
}

const pdfAt = (pe: ParzenEstimator, ...x: number[]): number => Math.exp(pe.logPdf(x.map((v) => Float64Array.of(v)))[0]);

function trial(number: number, value: number | null, extra: Partial<TrialRecord> = {}): TrialRecord {
  return { number, params: {}, state: 'complete', value, constraints: [], error: null, attrs: {}, seconds: 0, ...extra };
}

describe('bandwidths', () => {
  it('take each centre\'s larger neighbour gap, the range ends as neighbours', () => {
    // Sorted with ends: 0 | 0.2 0.5 0.9 | 1 -> max gaps 0.3, 0.4, 0.4 (the outer ones by their inner gap: 0.3, 0.4).
    expectAll(gapBandwidths(Float64Array.of(0.9, 0.2, 0.5), 0, 1, false), [0.4, 0.3, 0.4]);
    // 0 | 0.05 0.5 | 1: with the ends 0.45 and 0.5; without, both take their gap to each other (0.45).
    expectAll(gapBandwidths(Float64Array.of(0.05, 0.5), 0, 1, true), [0.45, 0.5]);
    expectAll(gapBandwidths(Float64Array.of(0.05, 0.5), 0, 1, false), [0.45, 0.45]);
    // One centre: its larger gap to the ends, even without considerEndpoints.
    expectAll(gapBandwidths(Float64Array.of(0.3), 0, 1, false), [0.7]);
  });
});

describe('Parzen estimator', () => {
  it('on a float: the mixture of truncated normals worked out by hand', () => {
    const pe = estimator({ x: { type: 'float', low: 0, high: 1 } }, [[0.2, 0.5, 0.9]]);
    // Weights 1, 1, 1 and the prior 1 -> 1/4 each. Sigmas 0.3, 0.4, 0.4 (floor 1 / min(100, 1 + 4) = 0.2
    // does not bind); the prior: mu 0.5, sigma 1.
    expect(Array.from(pe.weights)).toEqual([0.25, 0.25, 0.25, 0.25]);
    const kernels: [number, number][] = [[0.2, 0.3], [0.5, 0.4], [0.9, 0.4], [0.5, 1]];
    for (const x of [0, 0.13, 0.4, 0.77, 1]) {
      const want = kernels.reduce((s, [mu, sigma]) => s + 0.25 * truncatedDensity(x, mu, sigma, 0, 1), 0);
      expect(pdfAt(pe, x)).toBeCloseTo(want, 9);
    }
    expect(simpson((x) => pdfAt(pe, x), 0, 1, 2000)).toBeCloseTo(1, 9);
  });

  it('floors bandwidths at range / min(100, 1 + kernels) (magic clip) and caps them at the range', () => {
    const pe = estimator({ x: { type: 'float', low: -2, high: 2 } }, [[0.5, 0.51]]);
    // Gaps 0.01 -> floored to 4 / (1 + 3) = 1.
    const want = (x: number): number => (truncatedDensity(x, 0.5, 1, -2, 2) + truncatedDensity(x, 0.51, 1, -2, 2) + truncatedDensity(x, 0, 4, -2, 2)) / 3;
    for (const x of [-1.5, 0.5, 1.9]) expect(pdfAt(pe, x)).toBeCloseTo(want(x), 9);
    // Without the clip the kernels are as narrow as the gap.
    const narrow = estimator({ x: { type: 'float', low: -2, high: 2 } }, [[0.5, 0.51]], { ...OPTUNA, considerMagicClip: false });
    expect(pdfAt(narrow, 0.5)).toBeCloseTo((truncatedDensity(0.5, 0.5, 0.01, -2, 2) + truncatedDensity(0.5, 0.51, 0.01, -2, 2) + truncatedDensity(0.5, 0, 4, -2, 2)) / 3, 6);
  });

  it('multivariate: one bandwidth 0.2 n^(-1/(D+4)) x range per dimension, shared kernel weights', () => {
    const space: SearchSpace = { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: -5, high: 5 } };
    const obs = [[0.1, 0.4, 0.6, 0.7, 0.05, 0.3, 0.95, 0.5], [-1, 0, 2, 4, -4, 3, 1, -2]];
    const pe = estimator(space, obs, { ...OPTUNA, multivariate: true });
    // n = 8, D = 2: 0.2 x 8^(-1/6) = 0.1414 of each range, above the floor 1 / (1 + 9).
    const sx = 0.2 * Math.pow(8, -1 / 6);
    const sy = 10 * sx;
    const at = (x: number, y: number): number =>
      obs[0].reduce((acc, mx, k) => acc + truncatedDensity(x, mx, sx, 0, 1) * truncatedDensity(y, obs[1][k], sy, -5, 5), 0) / 9 + (truncatedDensity(x, 0.5, 1, 0, 1) * truncatedDensity(y, 0, 10, -5, 5)) / 9;
    for (const [x, y] of [[0.1, -1], [0.5, 3], [0.95, -4.5]]) expect(pdfAt(pe, x, y)).toBeCloseTo(at(x, y), 9);
  });

  it('log floats: kernels in log space, on [log low, log high]', () => {
    const pe = estimator({ lr: { type: 'float', low: 1e-4, high: 1, log: true } }, [[1e-3]]);
    const [lo, hi] = [Math.log(1e-4), 0];
    const mu = Math.log(1e-3);
    // One centre: sigma = max(mu - lo, hi - mu) = log(1000); the prior: middle, the whole width.
    const want = (t: number): number => 0.5 * truncatedDensity(t, mu, hi - mu, lo, hi) + 0.5 * truncatedDensity(t, (lo + hi) / 2, hi - lo, lo, hi);
    for (const v of [1e-4, 3e-3, 0.5]) expect(pdfAt(pe, v)).toBeCloseTo(want(Math.log(v)), 9);
  });

  it('grid parameters: probabilities are the kernels\' masses of each point\'s cell, summing to 1', () => {
    const pe = estimator({ n: { type: 'int', low: 0, high: 2 } }, [[1]]);
    // Range widened by half a step: [-0.5, 2.5]. Kernel: mu 1, sigma max(1.5, 1.5) = 1.5; prior mu 1, sigma 3.
    for (const v of [0, 1, 2]) {
      const cell = (mu: number, sigma: number): number => normalMass(mu, sigma, v - 0.5, v + 0.5) / normalMass(mu, sigma, -0.5, 2.5);
      expect(pdfAt(pe, v)).toBeCloseTo(0.5 * cell(1, 1.5) + 0.5 * cell(1, 3), 9);
    }
    const stepped = estimator({ s: { type: 'float', low: 0.1, high: 0.9, step: 0.2 } }, [[0.3, 0.7, 0.7]]);
    const grid = [0.1, 0.3, 0.5, 0.7, 0.9];
    expect(grid.reduce((acc, v) => acc + pdfAt(stepped, v), 0)).toBeCloseTo(1, 12);
    const logInt = estimator({ k: { type: 'int', low: 1, high: 64, log: true } }, [[2, 8, 8, 40]]);
    expect(Array.from({ length: 64 }, (_, i) => pdfAt(logInt, i + 1)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('categoricals: 1 on the observed choice plus prior_weight / kernels everywhere, rows normalised', () => {
    const pe = estimator({ c: { type: 'categorical', choices: ['a', 'b', 'c'] } }, [[0, 0, 2]]);
    // Rows (kernels = 4): [1.25, .25, .25] / 1.75 twice-ish, [.25, .25, 1.25] / 1.75, prior [1/3] x 3; weights 1/4.
    // P(a) = (5/7 + 5/7 + 1/7 + 1/3) / 4 = 10/21, P(b) = (3/7 + 1/3) / 4 = 4/21, P(c) = (7/7 + 1/3) / 4 = 7/21.
    expect(pdfAt(pe, 0)).toBeCloseTo(10 / 21, 14);
    expect(pdfAt(pe, 1)).toBeCloseTo(4 / 21, 14);
    expect(pdfAt(pe, 2)).toBeCloseTo(7 / 21, 14);
    // No observation: uniform.
    expect(pdfAt(estimator({ c: { type: 'categorical', choices: [1, 2, 3, 4] } }, [[]]), 3)).toBeCloseTo(0.25, 15);
  });

  it('weights its kernels by the given observation weights, then the prior', () => {
    const pe = estimator({ x: { type: 'float', low: 0, high: 1 } }, [[0.2, 0.8]], OPTUNA, [0.5, 1]);
    expect(Array.from(pe.weights)).toEqual([0.2, 0.4, 0.4]);
  });

  it('samples from its own density (Kolmogorov-Smirnov on a float, chi-square on a categorical)', () => {
    const space: SearchSpace = { x: { type: 'float', low: 0, high: 1 }, c: { type: 'categorical', choices: ['a', 'b', 'c'] } };
    const pe = estimator(space, [[0.2, 0.5, 0.9], [0, 0, 2]]);
    const n = 20000;
    const [xs, cs] = pe.sample(new Rng(9), n);
    const sorted = Array.from(xs).sort((a, b) => a - b);
    const marginal = estimator({ x: space.x }, [[0.2, 0.5, 0.9]]);
    let d = 0;
    let cdf = 0;
    let prev = 0;
    sorted.forEach((x, i) => {
      cdf += simpson((t) => pdfAt(marginal, t), prev, x, 20);
      prev = x;
      d = Math.max(d, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
    });
    expect(d).toBeLessThan(1.95 / Math.sqrt(n));
    const counts = [0, 0, 0];
    for (const c of cs) counts[c]++;
    const catMarginal = estimator({ c: space.c }, [[0, 0, 2]]);
    const chi2 = counts.reduce((acc, k, j) => acc + (k - n * pdfAt(catMarginal, j)) ** 2 / (n * pdfAt(catMarginal, j)), 0);
    expect(chi2).toBeLessThan(13.8); // 0.1% critical value, 2 degrees of freedom
    // Draws pair the dimensions through the shared kernel: x near 0.9 comes with c = 'c' more often.
    const nearHigh = Array.from(xs).map((x, i) => [x, cs[i]]).filter(([x]) => x > 0.85);
    const cShareHigh = nearHigh.filter(([, c]) => c === 2).length / nearHigh.length;
    expect(cShareHigh).toBeGreaterThan(counts[2] / n);
  });
});

describe('TPE pieces', () => {
  it('gamma is min(ceil(n / 10), 25)', () => {
    expect([1, 10, 11, 99, 240, 241, 1000].map(defaultGamma)).toEqual([1, 1, 2, 10, 24, 25, 25]);
  });

  it('weights are 1 below 25 trials, then a ramp from 1/n over the oldest n - 25', () => {
    expect(Array.from(defaultWeights(0))).toEqual([]);
    expect(Array.from(defaultWeights(24))).toEqual(new Array<number>(24).fill(1));
    expect(Array.from(defaultWeights(26))).toEqual([1 / 26, ...new Array<number>(25).fill(1)]);
    const w = defaultWeights(30);
    // numpy.linspace(1/30, 1, 5) then 25 ones.
    const ramp = [0, 1, 2, 3, 4].map((i) => 1 / 30 + (i * (1 - 1 / 30)) / 4);
    ramp.forEach((v, i) => { expect(w[i]).toBeCloseTo(v, 15); });
    expect(Array.from(w.subarray(5))).toEqual(new Array<number>(25).fill(1));
  });

  it('splits feasible trials by value, then infeasible ones by violation; failures take no part', () => {
    const trials = [
      trial(0, 5),
      trial(1, 1, { constraints: [0.5, -1] }), // infeasible, violation 0.5
      trial(2, 3),
      trial(3, null, { state: 'fail', error: 'boom' }),
      trial(4, 3, { constraints: [-2] }), // feasible, ties with 2 (trial order kept)
      trial(5, null, { constraints: [0.2, 0.1] }), // infeasible, violation 0.3
      trial(6, 9),
    ];
    const numbers = (ts: TrialRecord[]): number[] => ts.map((t) => t.number);
    const min = splitTrials(trials, 2, 'minimize');
    expect(numbers(min.below)).toEqual([2, 4]);
    expect(numbers(min.above)).toEqual([0, 1, 5, 6]);
    const max = splitTrials(trials, 5, 'maximize');
    // 9, 5, 3, 3, then the least violated infeasible (trial 5).
    expect(numbers(max.below)).toEqual([0, 2, 4, 5, 6]);
    expect(numbers(max.above)).toEqual([1]);
  });

  it('picks the candidate with the largest log l - log g (the first among equals)', () => {
    // l: kernel at 0.2, g: kernel at 0.8 (with their priors): 0.2 favours l, 0.8 favours g.
    const l = estimator({ x: { type: 'float', low: 0, high: 1 } }, [[0.2]]);
    const g = estimator({ x: { type: 'float', low: 0, high: 1 } }, [[0.8]]);
    const cand = [Float64Array.of(0.8, 0.5, 0.2, 0.2)];
    const ratio = (x: number): number => (0.5 * truncatedDensity(x, 0.2, 0.8, 0, 1) + 0.5 * truncatedDensity(x, 0.5, 1, 0, 1)) / (0.5 * truncatedDensity(x, 0.8, 0.8, 0, 1) + 0.5 * truncatedDensity(x, 0.5, 1, 0, 1));
    const scores = Array.from(l.logPdf(cand)).map((v, i) => v - g.logPdf(cand)[i]);
    scores.forEach((s, i) => { expect(s).toBeCloseTo(Math.log(ratio(cand[0][i])), 9); });
    expect(argmaxRatio(l.logPdf(cand), g.logPdf(cand))).toBe(2);
  });

  it('suggest = random before 10 complete trials, then the EI choice among 24 draws from l (rebuilt by hand)', () => {
    const space: SearchSpace = { x: { type: 'float', low: -3, high: 3 } };
    const domains = compileSpace(space);
    const xs = [-2.5, -1, 0.4, 2, 1.1, -0.2, 2.8, 0.9, -1.7, 0.1, 1.5, -2.9];
    const f = (x: number): number => (x - 0.45) ** 2;
    const history = xs.map((x, k) => ({ ...trial(k, f(x)), params: { x } }));
    const options = resolveSamplerOptions();
    // 9 complete trials (the 10th failed): still random, i.e. uniform on [-3, 3] from the stream.
    const nine = [...history.slice(0, 9), { ...history[9], state: 'fail' as const, value: null }];
    const uniform = suggest(domains, nine, 'minimize', options, new Rng(1, 7))[0];
    const u = new Rng(1, 7);
    const u53 = ((u.nextU32() >>> 5) * 67108864 + (u.nextU32() >>> 6)) / 9007199254740992;
    expect(uniform).toBe(-3 + 6 * u53);
    // 12 complete trials: gamma = ceil(1.2) = 2 -> below = the two lowest values (x = 0.4 and 0.1).
    const got = suggest(domains, history, 'minimize', options, new Rng(1, 7))[0];
    const below = [2, 9];
    const above = history.map((t) => t.number).filter((k) => !below.includes(k));
    const l = estimator(space, [below.map((k) => xs[k])]);
    const g = estimator(space, [above.map((k) => xs[k])]);
    const rng = new Rng(1, 7);
    const cand = l.sample(rng, 24);
    const want = cand[0][argmaxRatio(l.logPdf(cand), g.logPdf(cand))];
    expect(got).toBe(want);
    // The choice is where l / g is large: closer to the good trials than the average candidate.
    expect(Math.abs(got - 0.25)).toBeLessThan(Array.from(cand[0]).reduce((a, c) => a + Math.abs(c - 0.25), 0) / 24);
  });
});
