/**
 * Mask captures grouped over a model's tables (scope `model`, the reference's count): a target is
 * met by the tables' non-zeros together against their entries together, decided once every table
 * has checked the same step, and `exact` tops the masks up across tables by margin.
 */
import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '@lers/kernels';
import { CaptureGroup, MaskCapture, type CaptureMode } from '../src/index.js';
import { createTable } from './definitions.js';

/** n values of which the first `nonZeros` are non-zero. */
function values(n: number, nonZeros: number): Float32Array {
  return Float32Array.from({ length: n }, (_, e) => (e < nonZeros ? 1 : 0));
}

/** Margins that rank the zero entries of `offset`-shifted tables: larger for later entries. */
const margins = (n: number, offset: number) => () => Float64Array.from({ length: n }, (_, e) => -1 + (e + offset) / 1000);

function pair(mode: CaptureMode): [MaskCapture, MaskCapture] {
  const a = new MaskCapture('pep', [0.5, 0.8], 100, 100, mode);
  const b = new MaskCapture('pep', [0.5, 0.8], 300, 300, mode);
  CaptureGroup.join('pep', [a, b]);
  return [a, b];
}

const sum = (m: Uint8Array): number => m.reduce((x, y) => x + y, 0);

describe('CaptureGroup', () => {
  it('meets a target by the tables together, not each alone, and decides only when both have checked the step', () => {
    const [a, b] = pair('first-reach');
    // Table b alone is at 2/3 sparsity, past 50%; a is at 30%; together 240 / 400 kept: not yet.
    a.check(4, values(100, 70), margins(100, 0));
    b.check(4, values(300, 170), margins(300, 0));
    expect(a.mask(0.5)).toBeUndefined();
    // Step 5: a at 40 kept; nothing is decided until b has checked step 5 too.
    a.check(5, values(100, 40), margins(100, 0));
    expect(a.mask(0.5)).toBeUndefined();
    b.check(5, values(300, 150), margins(300, 0));
    const [ca, cb] = [a.mask(0.5)!, b.mask(0.5)!];
    expect([ca.step, cb.step]).toEqual([5, 5]);
    expect([ca.kept, cb.kept]).toEqual([40, 150]);
    expect([ca.sparsity, cb.sparsity]).toEqual([0.6, 0.5]);
    expect(sum(ca.mask) + sum(cb.mask)).toBe(190);
    expect(a.mask(0.8)).toBeUndefined();
  });

  it('exact: tops the masks up to the model budget with the pruned entries of both tables nearest their thresholds', () => {
    const [a, b] = pair('exact');
    a.check(1, values(100, 10), margins(100, 500));
    b.check(1, values(300, 50), margins(300, 0));
    // Budget at 80%: 80 of 400; 60 kept, so 20 more: the largest margins are a's (shifted by 500).
    const [ca, cb] = [a.mask(0.8)!, b.mask(0.8)!];
    expect(ca.kept + cb.kept).toBe(80);
    expect([ca.kept, cb.kept]).toEqual([30, 50]);
    expect(sum(ca.mask)).toBe(30);
    // 50%: 200 of 400, topped up from the same state: a fills up (100), then b's best 40.
    expect([a.mask(0.5)!.kept, b.mask(0.5)!.kept]).toEqual([100, 100]);
  });

  it('a table alone (scope table, or a one-table model) decides by itself', () => {
    const a = new MaskCapture('pep', [0.5], 100, 100, 'first-reach', undefined, 'table');
    const b = new MaskCapture('pep', [0.5], 300, 300, 'first-reach', undefined, 'table');
    expect(() => CaptureGroup.join('pep', [a, b])).toThrow(/scope "model"/);
    expect(CaptureGroup.join('pep', [new MaskCapture('pep', [0.5], 10, 10, 'exact')])).toBeNull();
    b.check(2, values(300, 150), margins(300, 0));
    expect(b.mask(0.5)!.kept).toBe(150);
    expect(a.mask(0.5)).toBeUndefined();
  });

  it('refuses tables that capture different targets or modes, and an unknown captureScope option', () => {
    expect(() => CaptureGroup.join('pep', [new MaskCapture('pep', [0.5], 10, 10, 'exact'), new MaskCapture('pep', [0.8], 10, 10, 'exact')])).toThrow(/same targets/);
    const be = createReferenceBackend();
    expect(() => createTable('pep', { rows: 4, dim: 2, backend: be, seed: 1, captureScope: 'rows' })).toThrow(/captureScope/);
    expect(() => createTable('cerp', { rows: 40, dim: 2, backend: be, seed: 1, buckets: 10, captureScope: 'rows' })).toThrow(/captureScope/);
  });
});
