/**
 * lers tune and lers bench --tune on tiny synthetic CF data: the study file, resume, the tuned
 * settings file, the bench cells' tuning summaries, search reports, recipes and report tables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lers, tempDir } from './helpers.js';

const DATA = ['--data-option', 'users=120', '--data-option', 'items=150', '--epochs', '2', '--dim', '16', '--batch-size', '512', '--w-cl', '0'];

interface TuneJson {
  study: string;
  summary: { trials: number; feasible: number; rejected: number; best: { number: number; value: number; params: Record<string, unknown> } | null };
  settings: Record<string, unknown>;
  trials: { number: number; state: string; value: number | null; feasible: boolean; params: Record<string, unknown> }[];
}

describe('lers tune', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });

  it('runs the trials, writes the tuned settings, and a re-run with more trials resumes the study', async () => {
    const args = ['tune', '--data', 'synthetic-cf', '--method', 'qr', '--target', '0.5', ...DATA, '--study', 'qr.study.json', '--json'];
    const first = await lers([...args, '--trials', '2', '-o', 'qr.json'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as TuneJson;
    expect(a.trials.map((t) => t.state)).toEqual(['complete', 'complete']);
    expect(a.summary.best).not.toBeNull();
    const tuned = JSON.parse(readFileSync(join(cwd, 'qr.json'), 'utf8')) as { lr: number; methodOptions: { op: string } };
    expect(tuned.lr).toBe(a.summary.best!.params.lr);
    expect(tuned.methodOptions.op).toBe(a.summary.best!.params['method.op']);
    const second = await lers([...args, '--trials', '3'], { cwd });
    expect(second.code, second.stderr).toBe(0);
    const b = JSON.parse(second.stdout) as TuneJson;
    expect(b.trials.slice(0, 2).map((t) => t.params)).toEqual(a.trials.map((t) => t.params));
    expect(b.trials).toHaveLength(3);
    // The tuned settings train as a config file.
    const train = await lers(['train', '-c', 'qr.json', '-o', 'qr.lers', '--json'], { cwd });
    expect(train.code, train.stderr).toBe(0);
  });

  it('--startup-trials and --multivariate reach the study\'s sampler, and resuming with other ones is refused', async () => {
    const args = ['tune', '--data', 'synthetic-cf', '--method', 'qr', '--target', '0.5', ...DATA, '--study', 'startup.study.json', '--trials', '2'];
    const r = await lers([...args, '--startup-trials', '1', '--multivariate'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const study = JSON.parse(readFileSync(join(cwd, 'startup.study.json'), 'utf8')) as { config: { sampler: { nStartupTrials: number; multivariate: boolean } }; trials: unknown[] };
    expect(study.config.sampler).toMatchObject({ nStartupTrials: 1, multivariate: true });
    expect(study.trials).toHaveLength(2);
    const other = await lers([...args, '--trials', '3'], { cwd });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/sampler\.nStartupTrials = 1, but this run asks for 10/);
  });

  it('a changed space is refused for an existing study, and a post-training method is refused', async () => {
    const r = await lers(['tune', '--data', 'synthetic-cf', '--method', 'qr', '--target', '0.5', ...DATA, '--study', 'qr.study.json', '--trials', '3', '--backbone-space'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this study was created with space = /);
    const post = await lers(['tune', '--data', 'synthetic-cf', '--method', 'magprune', '--target', '0.5', ...DATA, '--trials', '2'], { cwd });
    expect(post.code).not.toBe(0);
    expect(post.stderr).toMatch(/post-training/);
  });
});

interface BenchCell {
  id: string;
  status: string;
  message?: string;
  tuning: { trials: number; feasible: number; rejected: number; best: unknown; studyFile: string; space: Record<string, unknown> };
  search: { captureEpoch: number; captures: Record<string, { step: number }>; start: Record<string, { sparsity: number }> };
  recipe: { clipGradNorm: number | null; negatives: number | null };
}

describe('lers bench --tune', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });

  it('tunes each trained cell first, records the study, the search and the recipe, and shows them in the report', async () => {
    const args = ['bench', '--datasets', 'synthetic-cf', '--methods', 'pep,cerp,magprune', '--targets', '0.5', ...DATA, '--search-epochs', '20', '--tune', '2', '--out', 'b', '--json'];
    const r = await lers(args, { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { files: { markdown: string }; cells: BenchCell[] };
    const cell = (id: string): BenchCell => out.cells.find((c) => c.id === `synthetic-cf__lightgcn__${id}`)!;
    for (const id of ['full__full', 'pep__50', 'cerp__50']) {
      expect(cell(id).status, String(cell(id).message)).toBe('ok');
      expect(cell(id).tuning.trials).toBe(2);
      expect(existsSync(cell(id).tuning.studyFile)).toBe(true);
    }
    expect(Object.keys(cell('pep__50').tuning.space)).toEqual(['lr', 'method.autoStart', 'method.thresholdDecay', 'l2']);
    // The post-training cell starts from the tuned full model and records that study.
    expect(cell('magprune__50').tuning.studyFile).toBe(cell('full__full').tuning.studyFile);
    for (const id of ['pep__50', 'cerp__50']) {
      const s = cell(id).search;
      expect(s.captureEpoch).toBeGreaterThan(0);
      for (const c of Object.values(s.captures)) expect(c.step).toBeGreaterThan(0);
      for (const st of Object.values(s.start)) expect(st.sparsity).toBeLessThan(0.5);
    }
    expect([cell('cerp__50').recipe.clipGradNorm, cell('cerp__50').recipe.negatives]).toEqual([100, 5]);
    const md = readFileSync(out.files.markdown, 'utf8');
    expect(md).toMatch(/## Mask search: capture epoch[^]*\| pep +\| \d+\.\d \(from 0\.\d\d\)/);
    expect(md).toMatch(/## Tuning: best validation value[^]*\| cerp +\| 0\.\d{4} \(\d\/2\)/);
    expect(md).toContain('- synthetic-cf/lightgcn cerp: clipGradNorm 100 (reference none), negatives 5 (reference 1)');
    // A re-run skips every cell (the studies are complete).
    const again = await lers(args, { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/tune trial/);
  });

  it('an unreachable tuned cell keeps its tuning: reported (no feasible trial), and reused by a re-run', async () => {
    // One search epoch: PEP's search cannot take the model from at most half the target to 95%.
    const args = ['bench', '--datasets', 'synthetic-cf', '--methods', 'pep', '--targets', '0.95', ...DATA, '--search-epochs', '1', '--tune', '2', '--out', 'u', '--json'];
    const r = await lers(args, { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { files: { markdown: string }; cells: BenchCell[] };
    const pep = out.cells.find((c) => c.id === 'synthetic-cf__lightgcn__pep__95')!;
    expect(pep.status, String(pep.message)).toBe('unreachable');
    expect([pep.tuning.trials, pep.tuning.feasible, pep.tuning.rejected, pep.tuning.best]).toEqual([2, 0, 2, null]);
    expect(Object.keys(pep.tuning.space)).toContain('l2');
    expect(readFileSync(out.files.markdown, 'utf8')).toMatch(/## Tuning: best validation value[^]*\| pep +\| - \(0\/2\)/);
    // Its recorded space is today's, so the re-run reuses the cell without another trial.
    const again = await lers(args, { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/pep__95: done earlier \(unreachable\), skipped/);
    expect(again.stderr).not.toMatch(/tune trial/);
  });

  it('rejects tuning flags without --tune and a bad tune object', async () => {
    const r = await lers(['bench', '--datasets', 'synthetic-cf', '--tune-epochs', '2', '--out', 'x'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/need --tune/);
    const bad = await lers(['bench', '--datasets', 'synthetic-cf', '--tune', '0', '--out', 'x'], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--tune must be a positive integer/);
  });
});
