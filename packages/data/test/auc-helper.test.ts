import { describe, expect, it } from 'vitest';
import { auc } from './helpers.js';

describe('auc test helper', () => {
  it('matches hand-computed values, including ties', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(auc([1, 2, 3], [0, 1, 1])).toBe(1);
    expect(auc([3, 2, 1], [0, 1, 1])).toBe(0);
    // One positive tied with one negative: that pair counts 1/2 -> (1 + 0.5) / 2.
    expect(auc([0.5, 0.5, 0.1], [1, 0, 0])).toBeCloseTo(0.75, 12);
  });
});
