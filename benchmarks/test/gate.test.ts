import { describe, expect, it } from 'vitest';
import { gateFailures, OUT_DIR, outputArgs, RESULTS_DIR, ratioRows, type RatioCheck } from '../lib/report.js';
import { pairedRatio, type Measurement } from '../lib/measure.js';

describe('the bench gate', () => {
  const checks: RatioCheck[] = [
    { name: 'met', ratio: 2, atLeast: 1 },
    { name: 'missed', ratio: 0.5, atLeast: 1 },
    { name: 'missed, report only', ratio: 0.5, atLeast: 1, reportOnly: 'noisy' },
  ];

  it('fails on the gating checks that miss, not on report-only ones', () => {
    expect(gateFailures(checks).map((c) => c.name)).toEqual(['missed']);
    expect(ratioRows(checks).map((r) => [r.status, r.gate])).toEqual([['met', 'gate'], ['MISSED', 'gate'], ['missed', 'report only: noisy']]);
  });

  it('writes into benchmarks/out unless --record or --out says otherwise', () => {
    expect(outputArgs(['--quick'])).toEqual({ dir: OUT_DIR, record: false, rest: ['--quick'] });
    expect(outputArgs(['--record', '--quick']).dir).toBe(RESULTS_DIR);
    expect(outputArgs(['--out', '/tmp/x']).dir).toBe('/tmp/x');
    expect(() => outputArgs(['--record', '--out', '/tmp/x'])).toThrow(/cannot be combined/);
    expect(() => outputArgs(['--out'])).toThrow(/needs a folder/);
  });

  it('reads a ratio round by round', () => {
    const m = (name: string, rounds: number[]): Measurement => ({ name, ms: 0, samples: rounds.length, rounds });
    // Per-round ratios 2, 2, 10: the median ignores the round a burst of load fell on.
    expect(pairedRatio(m('a', [2, 4, 50]), m('b', [1, 2, 5]))).toBe(2);
    expect(() => pairedRatio(m('a', [1]), m('b', [1, 2]))).toThrow(/same rounds/);
  });
});
