/**
 * The training smoke test of every compression method (issue: "each method at 80% reaches a metric
 * clearly above an untrained model"), on the synthetic CF (LightGCN) and CTR (DeepFM) data of the
 * quick bench profile. The untrained reference is the same grid's full model after 0 epochs (same
 * data, same seed, same initialisation). PTQ and QAT cannot land on 80% (their bit widths give 75%
 * or 87.5%), so they run at 87.5%, the nearest reachable target above 80%.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lers, tempDir } from './helpers.js';

interface Cell {
  id: string;
  dataset: string;
  method: string;
  target: number | null;
  status: string;
  test?: Record<string, number>;
}

const QUICK = ['bench', '--quick', '--json', '--quiet', '--out', 'grid'];
const BIT_WIDTH_METHODS = ['ptq', 'qat'];
/** Metric that a trained model must clearly exceed, per dataset: CF by a factor, CTR (AUC) by a margin. */
const CLEARLY_ABOVE: Record<string, { metric: string; beats: (trained: number, untrained: number) => boolean; what: string }> = {
  'synthetic-cf': { metric: 'ndcg@20', beats: (t, u) => t > 3 * u, what: '3x the untrained NDCG@20' },
  'synthetic-ctr': { metric: 'auc', beats: (t, u) => t > u + 0.03, what: 'the untrained AUC + 0.03' },
};

async function bench(cwd: string, args: readonly string[]): Promise<Cell[]> {
  const r = await lers([...QUICK, ...args], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { cells: Cell[] }).cells;
}

describe('every method at 80% beats an untrained model (quick synthetic CF and CTR)', () => {
  const tmp = tempDir();
  let untrained: Cell[] = [];
  let compressed: Cell[] = [];
  beforeAll(async () => {
    // A separate --out: 0 epochs changes the settings, so the full cell must not be shared.
    untrained = await bench(tmp.dir, ['--methods', 'full', '--epochs', '0', '--out', 'untrained']);
    const others = await bench(tmp.dir, ['--targets', '0.8']);
    const bitWidth = await bench(tmp.dir, ['--methods', BIT_WIDTH_METHODS.join(','), '--targets', '0.875']);
    compressed = [...others, ...bitWidth].filter((c) => c.method !== 'full' && c.status === 'ok');
  });
  afterAll(() => { tmp.cleanup(); });

  it('covers every method of the registry on both tasks', async () => {
    const r = await lers(['methods', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = (JSON.parse(r.stdout) as { name: string }[]).map((m) => m.name).filter((m) => m !== 'full');
    for (const dataset of Object.keys(CLEARLY_ABOVE)) {
      const ran = new Set(compressed.filter((c) => c.dataset === dataset).map((c) => c.method));
      expect([...ran].sort(), dataset).toEqual([...listed].sort());
    }
  });

  it('each trained or compressed model clearly beats the untrained one', () => {
    expect(compressed.length).toBeGreaterThan(0);
    for (const cell of compressed) {
      const rule = CLEARLY_ABOVE[cell.dataset];
      const base = untrained.find((c) => c.dataset === cell.dataset)?.test?.[rule.metric];
      const value = cell.test?.[rule.metric];
      expect(base, `untrained ${cell.dataset}`).toBeTypeOf('number');
      expect(value, cell.id).toBeTypeOf('number');
      expect(rule.beats(value!, base!), `${cell.id}: ${rule.metric} ${value} is not above ${rule.what} (${base})`).toBe(true);
      if (BIT_WIDTH_METHODS.includes(cell.method)) expect(cell.target).toBe(0.875);
      else expect(cell.target).toBe(0.8);
    }
  });
});
