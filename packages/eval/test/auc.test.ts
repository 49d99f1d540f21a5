import { describe, expect, it } from 'vitest';
import { auc, aucDetailed, EvalArgumentError } from '../src/index.js';
import { expectNear, rng } from './helpers.js';

/** O(n^2) pairwise AUC: the fraction of (positive, negative) pairs ordered correctly, ties 1/2. */
function bruteAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) num += 1;
      else if (scores[i] === scores[j]) num += 0.5;
    }
  }
  return num / pairs;
}

describe('auc: hand-computed cases', () => {
  it('no ties: scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1] -> 3/4', () => {
    // pos 0.35 beats neg 0.1, loses to 0.4; pos 0.8 beats both -> 3 of 4 pairs
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it('ties count 1/2: scores [1, 2, 2, 3], labels [0, 0, 1, 1] -> 3.5/4', () => {
    // average ranks 1, 2.5, 2.5, 4; R_pos = 2.5 + 4 = 6.5; U = 6.5 - 2*3/2 = 3.5; AUC = 3.5/(2*2)
    expect(auc(Float32Array.of(1, 2, 2, 3), Uint8Array.of(0, 0, 1, 1))).toBe(0.875);
  });

  it('all scores equal -> 1/2; perfect -> 1; inverted -> 0', () => {
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(auc([0.1, 0.2, 0.9, 0.95], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.1, 0.2, 0.9, 0.95], [1, 1, 0, 0])).toBe(0);
  });

  it('unbalanced with ties: scores [3, 1, 2, 2, 2, 1], labels [1, 0, 1, 0, 0, 1] -> 5/9', () => {
    // positives 3, 2, 1; negatives 1, 2, 2
    // pos 3: beats all 3 -> 3; pos 2: beats neg 1, ties two 2s -> 1 + 1 = 2; pos 1: ties neg 1 -> 0.5
    // U = 5.5 over 9 pairs
    const r = aucDetailed([3, 1, 2, 2, 2, 1], [1, 0, 1, 0, 0, 1]);
    expect(r).toEqual({ auc: 5.5 / 9, positives: 3, negatives: 3 });
  });

  it('treats -0 and 0 as a tie and handles infinities', () => {
    expect(auc([-0, 0], [1, 0])).toBe(0.5);
    expect(auc([0, -0], [1, 0])).toBe(0.5);
    expect(auc([-Infinity, Infinity, 0], [0, 1, 1])).toBe(1);
    expect(auc([Infinity, Infinity], [0, 1])).toBe(0.5);
  });
});

describe('auc: edge cases (documented behaviour)', () => {
  it('returns NaN when all labels are one class', () => {
    expect(auc([0.2, 0.7], [1, 1])).toBeNaN();
    expect(aucDetailed([0.2, 0.7, 0.1], [0, 0, 0])).toEqual({ auc: NaN, positives: 0, negatives: 3 });
  });

  it('throws EvalArgumentError on empty input, mismatched lengths, non-binary labels and NaN scores', () => {
    expect(() => auc([], [])).toThrow(EvalArgumentError);
    expect(() => auc(new Float32Array(0), new Uint8Array(0))).toThrow(/empty/);
    expect(() => auc([0.1, 0.2], [0])).toThrow(/labels/);
    expect(() => auc([0.1, 0.2], [0, 2])).toThrow(/0 or 1/);
    expect(() => auc([0.1, 0.2], [0, 0.5])).toThrow(/0 or 1/);
    expect(() => auc([0.1, NaN], [0, 1])).toThrow(/NaN/);
  });
});

describe('auc: random cross-checks', () => {
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    it(`seed ${seed}: fast AUC equals the O(n^2) pairwise AUC on data with many ties`, () => {
      const r = rng(seed);
      const n = 50 + Math.floor(r() * 700);
      const levels = 2 + Math.floor(r() * 12); // few distinct values -> many ties
      const pPos = 0.05 + r() * 0.9;
      const scores = Float32Array.from({ length: n }, () => Math.floor(r() * levels) / levels - 0.5);
      const labels = Uint8Array.from({ length: n }, () => (r() < pPos ? 1 : 0));
      const fast = auc(scores, labels);
      expectNear(fast, bruteAuc(scores, labels), 'fast vs brute');
      // reversing the order of the scores mirrors the AUC (ties stay ties)
      expectNear(auc(scores.map((s) => -s), labels), 1 - fast, 'auc(-s) = 1 - auc(s)');
    });
  }

  it('continuous scores: logits and their float64 sigmoid give the same AUC', () => {
    const r = rng(99);
    const n = 2000;
    const logits = Float64Array.from({ length: n }, () => (r() - 0.5) * 12);
    const labels = Uint8Array.from(logits, (z) => (r() < 1 / (1 + Math.exp(-z)) ? 1 : 0));
    const probs = logits.map((z) => 1 / (1 + Math.exp(-z)));
    const a = auc(logits, labels);
    expect(a).toBe(auc(probs, labels));
    expectNear(a, bruteAuc(logits, labels), 'vs brute');
    expect(a).toBeGreaterThan(0.8); // informative scores
  });
});
