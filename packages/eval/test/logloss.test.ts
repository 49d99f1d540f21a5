import { describe, expect, it } from 'vitest';
import {
  accuracy,
  accuracyFromLogits,
  DEFAULT_LOGLOSS_EPS,
  EvalArgumentError,
  logLoss,
  logLossFromLogits,
  softplus,
} from '../src/index.js';
import { expectNear, rng } from './helpers.js';

describe('logLoss from probabilities', () => {
  it('hand case: p [0.9, 0.2], y [1, 0] -> (-ln 0.9 - ln 0.8)/2 = 0.1642520', () => {
    // -ln 0.9 = 0.1053605, -ln 0.8 = 0.2231436
    expectNear(logLoss([0.9, 0.2], [1, 0]), (-Math.log(0.9) - Math.log(0.8)) / 2, 'exact');
    expectNear(logLoss(Float64Array.of(0.9, 0.2), Uint8Array.of(1, 0)), 0.1642520, 'literal', 1e-7);
  });

  it('p = 0.5 gives ln 2 = 0.693147 whatever the label', () => {
    expectNear(logLoss([0.5, 0.5], [0, 1]), Math.LN2, 'ln2');
  });

  it('clips to [eps, 1 - eps]: a confident mistake costs -ln(1e-7) = 16.118', () => {
    expect(DEFAULT_LOGLOSS_EPS).toBe(1e-7);
    expectNear(logLoss([0], [1]), -Math.log(1e-7), 'p=0, y=1', 1e-9);
    expectNear(logLoss([1], [0]), -Math.log(1e-7), 'p=1, y=0', 1e-7);
    expectNear(logLoss([0], [1]), 16.1180957, 'literal', 1e-6);
    // p=0 -> 1e-3 and p=1 -> 1 - 1e-3: (-ln 1e-3 - ln 0.999)/2 = (6.907755 + 0.0010005)/2 = 3.454378
    expectNear(logLoss([0, 1], [1, 1], { eps: 1e-3 }), (-Math.log(1e-3) - Math.log(1 - 1e-3)) / 2, 'eps=1e-3');
    expectNear(logLoss([0, 1], [1, 1], { eps: 1e-3 }), 3.454378, 'eps=1e-3 literal', 1e-6);
    expect(logLoss([0], [1], { eps: 0 })).toBe(Infinity);
    expect(logLoss([1, 0], [1, 0], { eps: 0 })).toBe(0);
  });

  it('throws EvalArgumentError on bad input', () => {
    expect(() => logLoss([], [])).toThrow(EvalArgumentError);
    expect(() => logLoss([0.5], [1, 0])).toThrow(/labels/);
    expect(() => logLoss([1.5], [1])).toThrow(/outside/);
    expect(() => logLoss([NaN], [1])).toThrow(/outside/);
    expect(() => logLoss([0.5], [0.3])).toThrow(/0 or 1/);
    expect(() => logLoss([0.5], [1], { eps: 0.5 })).toThrow(/eps/);
    expect(() => logLoss([0.5], [1], { eps: -1 })).toThrow(/eps/);
  });
});

describe('logLossFromLogits', () => {
  it('hand case: z = [ln 9, ln 0.25] (p = 0.9, 0.2), y [1, 0] -> 0.1642520', () => {
    expectNear(logLossFromLogits([Math.log(9), Math.log(0.25)], [1, 0]), 0.1642520, 'literal', 1e-7);
    expectNear(logLossFromLogits([0], [1]), Math.LN2, 'z=0');
  });

  it('is stable for large |z| and clips like the probability form', () => {
    // y=1, z=50: -ln s(50) = ln(1 + e^-50) = 1.9287e-22 (a naive 1 - s(z) would give 0)
    const tiny = logLossFromLogits([50], [1], { eps: 0 });
    expect(tiny).toBeGreaterThan(0);
    expectNear(tiny / Math.exp(-50), 1, 'relative', 1e-12);
    expect(logLossFromLogits([1000], [0], { eps: 0 })).toBe(1000); // softplus(1000)
    expect(logLossFromLogits([-1000], [1], { eps: 0 })).toBe(1000);
    // default eps: a confident mistake costs -ln(1e-7), as with probabilities
    expectNear(logLossFromLogits([1000], [0]), -Math.log(1e-7), 'clipped', 1e-7);
    expectNear(logLossFromLogits([-Infinity], [1]), -Math.log(1e-7), 'clipped -inf', 1e-7);
  });

  it('agrees with logLoss(sigmoid(z)) on random logits, with and without clipping', () => {
    const r = rng(7);
    const z = Float64Array.from({ length: 500 }, () => (r() - 0.5) * 40);
    const y = Uint8Array.from({ length: 500 }, () => (r() < 0.3 ? 1 : 0));
    const p = z.map((v) => 1 / (1 + Math.exp(-v)));
    expectNear(logLossFromLogits(z, y), logLoss(p, y), 'eps 1e-7', 1e-9);
    expectNear(logLossFromLogits(z, y, { eps: 1e-3 }), logLoss(p, y, { eps: 1e-3 }), 'eps 1e-3', 1e-9);
  });

  it('throws on NaN logits and empty input', () => {
    expect(() => logLossFromLogits([NaN], [1])).toThrow(/NaN/);
    expect(() => logLossFromLogits([], [])).toThrow(EvalArgumentError);
  });

  it('softplus is ln(1 + e^x) without overflow', () => {
    expectNear(softplus(0), Math.LN2, 'softplus(0)');
    expectNear(softplus(2), Math.log(1 + Math.exp(2)), 'softplus(2)');
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
  });
});

describe('accuracy', () => {
  it('hand case: p [0.5, 0.49, 0.9, 0.1], y [1, 1, 0, 0] -> 2/4 (0.5 counts as positive)', () => {
    // predictions 1, 0, 1, 0 -> correct, wrong, wrong, correct
    expect(accuracy([0.5, 0.49, 0.9, 0.1], [1, 1, 0, 0])).toBe(0.5);
    expect(accuracyFromLogits([0, -0.01, 2, -2], [1, 1, 0, 0])).toBe(0.5);
    expect(accuracy([0.7, 0.2, 0.6], [1, 0, 1])).toBe(1);
    expect(accuracy([0.7, 0.2], [1, 1], 0.1)).toBe(1);
    expect(() => accuracy([], [])).toThrow(EvalArgumentError);
  });
});
