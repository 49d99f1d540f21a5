/** lers advise: a small bench's models measured here, budgets, model files elsewhere, stand-ins, bad input. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, lers, tempDir } from './helpers.js';

const BENCH = ['bench', '--datasets', 'synthetic-cf', '--targets', '0.5', '--data-option', 'users=120', '--data-option', 'items=150', '--epochs', '1', '--dim', '16', '--batch-size', '512', '--methods', 'qr,magprune', '--out', 'b', '-q'];

interface Row { label: string; metric: number; fits: boolean; overMemory: boolean; profile: { memoryBytes: number; latencyMs: number } | null }
interface AdviseJson { budget: { memoryBytes: number | null; latencyMs: number | null }; groups: { task: string; pick: Row | null; rows: Row[]; explanation: string[] }[] }

describe('lers advise', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  beforeAll(async () => {
    const r = await lers(BENCH, { cwd });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => { tmp.cleanup(); });

  it('measures every candidate here and picks the most accurate within the budget', async () => {
    const r = await lers(['advise', '--results', 'b/results.json', '--budget-bytes', '50MB', '--latency-ms', '10000', '--repeats', '2', '--json', '-q'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as AdviseJson;
    expect(out.budget).toEqual({ memoryBytes: 50 * 1048576, latencyMs: 10000 });
    const g = out.groups[0];
    expect(g.rows.map((x) => x.label).sort()).toEqual(['full', 'magprune@50%', 'qr@50%']);
    expect(g.rows.every((x) => x.profile !== null && x.profile.memoryBytes > 0 && x.profile.latencyMs > 0 && x.fits)).toBe(true);
    const best = Math.max(...g.rows.map((x) => x.metric));
    expect(g.pick?.metric).toBe(best);
    expect(g.explanation[0]).toMatch(/^Ship /);
  });

  it('picks nothing under a budget nobody meets, says how far off, and still exits 0 (text output)', async () => {
    const r = await lers(['advise', '--results', 'b/results.json', '--budget-bytes', '1KB', '--repeats', '2'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/synthetic-cf\/lightgcn \(cf, NDCG@20\):\n {2}No method fits the budget \(1\.0 KB of memory\) on this device\.\n {2}The least memory held is /);
    expect(r.stdout).toMatch(/\| +\| method +\| target \| NDCG@20 \| embedding bytes \| held here \| ms \/ request \| status +\|/);
    expect(r.stdout).toMatch(/over memory/);
  });

  it('finds moved model files with --models, lists missing ones as not measured, and measures stand-ins on request', async () => {
    mkdirSync(join(cwd, 'moved'));
    renameSync(join(cwd, 'b', 'models'), join(cwd, 'moved', 'models'));
    const missing = await lers(['advise', '--results', 'b/results.json', '--repeats', '2', '--json'], { cwd });
    expect(missing.code, missing.stderr).toBe(0);
    expect(missing.stderr).toMatch(/3 candidate model files not found .*listed as not measured \(give --models DIR, or --stand-ins\)/);
    expect((JSON.parse(missing.stdout) as AdviseJson).groups[0].pick).toBeNull();
    const moved = await lers(['advise', '--results', 'b/results.json', '--models', 'moved/models', '--repeats', '2', '--json', '-q'], { cwd });
    expect(moved.code, moved.stderr).toBe(0);
    const measured = (JSON.parse(moved.stdout) as AdviseJson).groups[0].rows;
    expect(measured.every((x) => x.profile !== null)).toBe(true);
    const stand = await lers(['advise', '--results', 'b/results.json', '--stand-ins', '--repeats', '2', '--json', '-q'], { cwd });
    expect(stand.code, stand.stderr).toBe(0);
    const standRows = (JSON.parse(stand.stdout) as AdviseJson).groups[0].rows;
    // A stand-in holds what the trained model holds, but for its file header's text.
    for (const row of standRows) {
      const real = measured.find((x) => x.label === row.label)!;
      expect(Math.abs(row.profile!.memoryBytes - real.profile!.memoryBytes)).toBeLessThan(2048);
    }
  });

  it('maps bad input to exit codes with the value named', async () => {
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ cells: [{ id: 'x', dataset: 'd', backbone: 'lightgcn', method: 'qr', target: 5, status: 'ok' }] }));
    const bad = await lers(['advise', '--results', 'bad.json'], { cwd });
    expect(bad.code).toBe(2);
    expect(errorLine(bad.stderr)).toBe('lers: error: bad.json: cells[0].target must be a sparsity in (0, 1) or null, got 5');
    const none = await lers(['advise', '--results', 'nope.json'], { cwd });
    expect(none.code).toBe(2);
    const size = await lers(['advise', '--results', 'b/results.json', '--budget-bytes', 'lots'], { cwd });
    expect(size.code).toBe(1);
    expect(errorLine(size.stderr)).toBe('lers: error: --budget-bytes must be a size such as 500000, 500KB or 1.5MB; got "lots"');
    const task = await lers(['advise', '--results', 'b/results.json', '--task', 'ctr'], { cwd });
    expect(task.code).toBe(2);
    expect(errorLine(task.stderr)).toBe('lers: error: b/results.json: no cells of task ctr (the file has synthetic-cf/lightgcn (cf))');
  });
});
