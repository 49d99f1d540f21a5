import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, Rng, type HostBackend } from '@lers/kernels';
import { CerpTable, keptAtTarget, PepTable, prunedFraction, SearchStartError, sortedMagnitudes, thresholdForPruned } from '../src/index.js';
import { lookupAllHost } from './compressed-checks.js';

const sigmoid = (s: number): number => 1 / (1 + Math.exp(-s));

/** Brute force: the fraction of `weights` with |w| <= sigmoid(s), in f64. */
function prunedByCount(weights: Float32Array, s: number): number {
  let n = 0;
  for (const w of weights) if (Math.abs(w) <= sigmoid(s)) n++;
  return n / weights.length;
}

/** One training forward pass over every row (the search's step 0 for a fresh table). */
function trainingStep(be: HostBackend, t: PepTable | CerpTable): void {
  const out = be.alloc('f32', t.rows * t.dim);
  try {
    t.lookupAll(out, { training: true });
  } finally {
    be.free(out);
  }
}

describe('search start (PEP, CERP)', () => {
  let be: HostBackend;
  beforeAll(() => {
    be = createReferenceBackend();
  });
  afterAll(() => {
    be.dispose();
  });

  it('thresholdForPruned and prunedFraction agree with a brute-force count', () => {
    const rng = new Rng(5);
    const w = Float32Array.from({ length: 5000 }, () => (rng.nextFloat() - 0.5) * 0.1);
    const sorted = sortedMagnitudes(w);
    for (const f of [0, 0.01, 0.25, 0.5, 0.9, 0.999]) {
      const s = thresholdForPruned(sorted, f);
      expect(prunedByCount(w, s)).toBeCloseTo(f, 3);
      expect(prunedFraction(sorted, s)).toBe(prunedByCount(w, s));
    }
  });

  it('PEP: a start above the initial weights is an error at the first training step, naming a start that works', () => {
    // Xavier bound of 200 x 16: 0.16; sigmoid(-2) = 0.12 prunes about 3/4 of the entries.
    const t = new PepTable({ rows: 200, dim: 16, backend: be, seed: 3, thresholdInit: -2, targets: [0.5, 0.8] });
    const w = be.view(t.part.weight.value).slice();
    let err: unknown;
    try {
      trainingStep(be, t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SearchStartError);
    const d = (err as SearchStartError).details;
    expect(d.target).toBe(0.5);
    expect(d.startSparsity).toBeCloseTo(prunedByCount(w, -2), 6);
    expect((err as Error).message).toMatch(/before the first optimiser step/);
    expect((err as Error).message).toContain(`thresholdInit ${d.suggestion}`);
    // The limit starts at the target; the suggestion at about half of it, and the table accepts it.
    expect(prunedByCount(w, d.limit)).toBeCloseTo(0.5, 2);
    expect(d.suggestion).toBeLessThan(d.limit);
    expect(prunedByCount(w, d.suggestion)).toBeLessThan(0.5);
    const ok = new PepTable({ rows: 200, dim: 16, backend: be, seed: 3, thresholdInit: d.suggestion, targets: [0.5, 0.8] });
    trainingStep(be, ok);
    expect(ok.captures.start!.sparsity).toBeCloseTo(d.suggestionSparsity, 2);
    expect(ok.captures.all().size).toBe(0);
    t.dispose();
    ok.dispose();
  });

  it("PEP: thresholdInit 'auto' starts at autoStart of the smallest target's pruning, and the start is recorded and resumed", () => {
    for (const autoStart of [0.5, 0.2]) {
      const t = new PepTable({ rows: 300, dim: 8, backend: be, seed: 9, thresholdInit: 'auto', autoStart, targets: [0.8, 0.5] });
      const w = be.view(t.part.weight.value).slice();
      const s0 = t.part.thresholdStart;
      expect(be.view(t.part.threshold.value).every((s) => s === Math.fround(s0))).toBe(true);
      expect(prunedByCount(w, s0)).toBeCloseTo(autoStart * 0.5, 2);
      trainingStep(be, t);
      const start = t.captures.start!;
      // The recorded start is the kernel's: the zeros of the forward pass.
      const zeros = lookupAllHost(be, t).filter((x) => x === 0).length;
      expect(start.sparsity).toBeCloseTo(zeros / w.length, 9);
      expect(start.pruned).toBe(start.sparsity);
      expect(start.thresholds).toEqual([Math.fround(s0)]);
      const copy = new PepTable({ rows: 300, dim: 8, backend: be, seed: 9, targets: [0.8, 0.5] });
      copy.restoreTrainingState(t.trainingState());
      expect(copy.captures.start).toEqual(start);
      t.dispose();
      copy.dispose();
    }
  });

  it("CERP: the start counts the stored P and Q against N x d; 'auto' prunes half of what the target needs", () => {
    const N = 400;
    const d = 8;
    const t = new CerpTable({ rows: N, dim: d, backend: be, seed: 2, sparsity: 0.8, thresholdInit: 'auto' });
    const stored = (t.buckets + t.quotientRows) * d;
    const needed = 1 - keptAtTarget(0.8, N * d) / stored;
    const [p, q] = t.softParts!;
    for (const part of [p, q]) expect(prunedByCount(be.view(part.weight.value).slice(), part.thresholdStart)).toBeCloseTo(0.5 * needed, 2);
    trainingStep(be, t);
    const start = t.captures!.start!;
    expect(start.pruned).toBeCloseTo(0.5 * needed, 2);
    expect(start.sparsity).toBeCloseTo(1 - ((1 - start.pruned) * stored) / (N * d), 9);
    expect(start.sparsity).toBeLessThan(0.8);
    expect(start.thresholds).toEqual([Math.fround(p.thresholdStart), Math.fround(q.thresholdStart)]);
    t.dispose();
    const bad = new CerpTable({ rows: N, dim: d, backend: be, seed: 2, sparsity: 0.8, thresholdInit: 0 });
    expect(() => { trainingStep(be, bad); }).toThrow(/cerp table "cerp": thresholdInit 0 \/ 0 already prunes/);
    bad.dispose();
  });

  it('rejects autoStart without auto and a thresholdInit that is neither a number nor auto', () => {
    expect(() => new PepTable({ rows: 10, dim: 4, backend: be, seed: 1, autoStart: 0.5 })).toThrow(/autoStart applies only/);
    expect(() => new PepTable({ rows: 10, dim: 4, backend: be, seed: 1, thresholdInit: 'high' as never })).toThrow(/thresholdInit must be a finite number or 'auto'/);
    expect(() => new PepTable({ rows: 10, dim: 4, backend: be, seed: 1, thresholdInit: 'auto', autoStart: 1 })).toThrow(/autoStart must be a number in \(0, 1\)/);
  });
});
