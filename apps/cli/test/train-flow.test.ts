/** End to end on small synthetic data: train, eval, recommend, compress, profile, predict. */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorLine, lers, SMALL_CF, SMALL_CTR, spawnLers, tempDir } from './helpers.js';

interface TrainJson {
  output: string;
  fileBytes: number;
  config: Record<string, unknown>;
  plan: { table: string; rows: number; method: string; options: Record<string, unknown> }[];
  params: number;
  sparsity: number;
  embeddingBytes: number;
  bestEpoch: number | null;
  metrics: { valid: Record<string, number> | null; test: Record<string, number> | null };
}

describe('lers train / eval / recommend / compress / profile (CF)', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });
  let full: TrainJson;

  it('trains a full LightGCN and prints the effective config (--json)', async () => {
    const r = await lers(['train', ...SMALL_CF, '-o', 'full.lers', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    full = JSON.parse(r.stdout) as TrainJson;
    expect(full.output).toBe(join(cwd, 'full.lers'));
    expect(full.config).toMatchObject({ task: 'cf', backbone: 'lightgcn', method: 'full', target: null, epochs: 2, dim: 16, layers: 3, clWeight: 0, seed: 2023 });
    expect(full.config).not.toHaveProperty('hidden');
    expect(full.sparsity).toBe(0);
    expect(full.params).toBe((150 + 200) * 16);
    expect(full.metrics.test?.['ndcg@20']).toBeGreaterThan(0);
    expect(full.plan.map((p) => p.table)).toEqual(['user', 'item']);
  });

  it('trains QR at 80% sparsity with per-table sizes from the budget solver', async () => {
    const r = await lers(['train', ...SMALL_CF, '--method', 'qr', '--target', '80%', '-o', 'qr.lers', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as TrainJson;
    expect(out.config.target).toBe(0.8);
    expect(Math.abs(out.sparsity - 0.8)).toBeLessThan(0.01);
    expect(out.plan.every((p) => p.method === 'qr' && typeof p.options.divider === 'number')).toBe(true);
  });

  it('eval reproduces the metrics stored at training time', async () => {
    const r = await lers(['eval', 'full.lers', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { method: string; dataset: string; metrics: { valid: Record<string, number>; test: Record<string, number> } };
    expect(out.dataset).toBe('synthetic-cf');
    expect(out.metrics.test['ndcg@20']).toBeCloseTo(full.metrics.test!['ndcg@20'], 6);
    expect(out.metrics.valid['recall@20']).toBeCloseTo(full.metrics.valid!['recall@20'], 6);
    const test = await lers(['eval', 'full.lers', '--split', 'test'], { cwd });
    expect(test.stdout).toMatch(/^test +recall@20/m);
  });

  it('recommends k items per user (JSON and text)', async () => {
    const r = await lers(['recommend', 'qr.lers', '--user', '3', '--user', '7', '-k', '5', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { users: { user: number; items: number[]; scores: number[] }[] };
    expect(out.users.map((u) => u.user)).toEqual([3, 7]);
    for (const u of out.users) {
      expect(u.items).toHaveLength(5);
      expect(new Set(u.items).size).toBe(5);
      expect([...u.scores].sort((a, b) => b - a)).toEqual(u.scores);
    }
    const text = await lers(['recommend', 'qr.lers', '-u', '3', '-k', '2'], { cwd });
    expect(text.stdout.split('\n')[0]).toBe('user 3');
    const bad = await lers(['recommend', 'qr.lers', '-u', '100000'], { cwd });
    expect(bad.code).toBe(2);
    expect(errorLine(bad.stderr)).toContain('out of range');
  });

  it('compresses the full model with MagPrune (k_min on validation) and PTQ', async () => {
    const r = await lers(['compress', 'full.lers', '--method', 'magprune', '--target', '0.8', '-o', 'mag.lers', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { sparsity: number; kMin: number; kMinTrials: unknown[]; metrics: { test: Record<string, number> } };
    expect(out.sparsity).toBeGreaterThan(0.79);
    expect(out.kMin).toBeGreaterThanOrEqual(0);
    expect(out.kMinTrials.length).toBeGreaterThan(0);
    expect(out.metrics.test['ndcg@20']).toBeGreaterThan(0);
    const ptq = await lers(['compress', 'full.lers', '--method', 'ptq', '--format', 'int8', '-o', 'int8.lers', '--json'], { cwd });
    expect(ptq.code, ptq.stderr).toBe(0);
    expect((JSON.parse(ptq.stdout) as { sparsity: number }).sparsity).toBeCloseTo(0.75, 6);
    const noEval = await lers(['compress', 'full.lers', '--method', 'randprune', '--target', '0.5', '--no-eval', '--kmin', '0', '-o', 'rp.lers'], { cwd });
    expect(noEval.code, noEval.stderr).toBe(0);
    const again = await lers(['compress', 'qr.lers', '--method', 'magprune', '--target', '0.8', '-o', 'x.lers'], { cwd });
    expect(again.code).toBe(1);
    expect(errorLine(again.stderr)).toContain('--method full');
    const eval2 = await lers(['eval', 'mag.lers', '--json'], { cwd });
    expect((JSON.parse(eval2.stdout) as { metrics: { test: Record<string, number> } }).metrics.test['ndcg@20']).toBeCloseTo(out.metrics.test['ndcg@20'], 6);
  });

  it('profiles load, memory and the four request phases', async () => {
    const r = await lers(['profile', 'mag.lers', '--repeats', '5', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { load: { totalMs: number }; peakRssBytes: number; latency: Record<string, { minMs: number; medianMs: number; maxMs: number }>; repeats: number };
    expect(Object.keys(p.latency)).toEqual(['propagation', 'scoring', 'filtering', 'topk', 'total']);
    for (const t of Object.values(p.latency)) {
      expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
      expect(t.medianMs).toBeLessThanOrEqual(t.maxMs);
    }
    expect(p.load.totalMs).toBeGreaterThan(0);
    expect(p.peakRssBytes).toBeGreaterThan(0);
    expect(p.repeats).toBe(5);
  });

  it('takes settings from YAML and JSON config files; flags win', async () => {
    writeFileSync(join(cwd, 'cfg.yaml'), 'method: qr\ntarget: 0.5\nepochs: 7\nlr: 0.02\nmethodOptions:\n  op: add\ndata: synthetic-cf\ndataOptions: { users: 120, items: 90 }\n');
    writeFileSync(join(cwd, 'cfg.json'), JSON.stringify({ method: 'ttrec', target: 0.8, data: 'synthetic-cf', 'data-options': { users: 120, items: 90 }, w_cl: 0.3 }));
    const y = await lers(['train', '--config', 'cfg.yaml', '--epochs', '3', '--dry-run', '--json'], { cwd });
    expect(y.code, y.stderr).toBe(0);
    const yc = JSON.parse(y.stdout) as { config: Record<string, unknown>; plan: { options: Record<string, unknown> }[] };
    expect(yc.config).toMatchObject({ method: 'qr', target: 0.5, epochs: 3, lr: 0.02, methodOptions: { op: 'add' } });
    expect(yc.plan[0].options.op).toBe('add');
    const j = await lers(['train', '--config', 'cfg.json', '--dry-run', '--json'], { cwd });
    expect(j.code, j.stderr).toBe(0);
    expect((JSON.parse(j.stdout) as { config: Record<string, unknown> }).config).toMatchObject({ method: 'ttrec', clWeight: 0.3, epochs: 40 });
  });

  it('Ctrl-C stops training at a safe point: exit 130, no model file, the checkpoint resumes', async () => {
    const args = ['train', ...SMALL_CF, '--data-option', 'users=400', '--data-option', 'items=500', '--batch-size', '64', '--epochs', '50', '--checkpoint', 'int.ckpt', '-o', 'int.lers'];
    const child = spawnLers(args, { cwd });
    child.stdout!.resume();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(join(cwd, 'int.ckpt'))) {
          clearInterval(timer);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => { r(c); }));
    expect(code, stderr).toBe(130);
    expect(errorLine(stderr)).toBe('lers: error: interrupted (SIGINT)');
    expect(readdirSync(cwd).filter((n) => n.startsWith('int.lers') || n.includes('.tmp'))).toEqual([]);
    const again = await lers([...args.slice(0, -6), '--epochs', '2', '--checkpoint', 'int.ckpt', '-o', 'int.lers', '-q'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(cwd, 'int.lers'))).toBe(true);
  });

  it('resumes training from a checkpoint', async () => {
    const first = await lers(['train', ...SMALL_CF, '--epochs', '1', '--checkpoint', 'run.ckpt', '-o', 'a.lers', '--json'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const second = await lers(['train', ...SMALL_CF, '--epochs', '2', '--checkpoint', 'run.ckpt', '-o', 'b.lers', '--json'], { cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('resuming from the checkpoint at epoch 2');
    // The resumed run ends where an uninterrupted 2-epoch run ends.
    expect((JSON.parse(second.stdout) as TrainJson).metrics.test).toEqual(full.metrics.test);
  });
});

describe('lers train / predict / profile (CTR)', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });

  it('trains DeepFM and DCN-Mix', async () => {
    const r = await lers(['train', ...SMALL_CTR, '-o', 'deepfm.lers', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as TrainJson;
    expect(out.config).toMatchObject({ task: 'ctr', backbone: 'deepfm', dim: 16, hidden: [16, 16] });
    expect(out.metrics.test?.auc).toBeGreaterThan(0);
    const d = await lers(['train', ...SMALL_CTR, '--backbone', 'dcnmix', '--rank', '4', '--experts', '2', '--method', 'ttrec', '--target', '0.5', '-o', 'dcn.lers', '--json'], { cwd });
    expect(d.code, d.stderr).toBe(0);
    expect((JSON.parse(d.stdout) as TrainJson).config).toMatchObject({ backbone: 'dcnmix', rank: 4, experts: 2 });
  });

  it('streams probabilities from stdin, in order, one per row', async () => {
    const rows = '1 1 1 1 1 1 1 1 1 1\n2 2 2 2 2 2 2 2 2 2\n\n3,1,1,1,1,1,1,1,1,1\n';
    const r = await lers(['predict', 'deepfm.lers', '--ids', 'local'], { cwd, input: rows });
    expect(r.code, r.stderr).toBe(0);
    const p = r.stdout.trim().split('\n').map(Number);
    expect(p).toHaveLength(3);
    for (const v of p) expect(v > 0 && v < 1).toBe(true);
    const j = await lers(['predict', 'deepfm.lers', '--ids', 'local', '--json', '--batch', '2'], { cwd, input: rows });
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { row: number; p: number });
    expect(lines.map((l) => l.row)).toEqual([0, 1, 2]);
    expect(lines.map((l) => l.p.toFixed(6))).toEqual(p.map((v) => v.toFixed(6)));
    const labelled = await lers(['predict', 'deepfm.lers', '--ids', 'local', '--label'], { cwd, input: '1 1 1 1 1 1 1 1 1 1 1\n0 2 2 2 2 2 2 2 2 2 2\n' });
    expect(labelled.code).toBe(0);
    expect(labelled.stderr).toMatch(/rows 2: AUC [\d.]+, LogLoss [\d.]+/);
  });

  it('rejects malformed rows with file, line and value (exit 2)', async () => {
    const short = await lers(['predict', 'deepfm.lers'], { cwd, input: '1 2 3\n' });
    expect(short.code).toBe(2);
    expect(errorLine(short.stderr)).toMatch(/<stdin>:1: expected 10 feature ids, got 3 values \(value: "1 2 3"\)/);
    const range = await lers(['predict', 'deepfm.lers', '--ids', 'local'], { cwd, input: '1 1 1 1 1 1 1 1 1 1\n1 1 1 1 1 1 1 1 1 99999\n' });
    expect(range.code).toBe(2);
    expect(errorLine(range.stderr)).toMatch(/<stdin>:2: field 10 .* takes local ids 0\.\.\d+ \(value: "99999"\)/);
    const cf = await lers(['recommend', 'deepfm.lers', '-u', '1'], { cwd });
    expect(cf.code).toBe(1);
  });

  it('profiles batch-64 and single-row latency', async () => {
    const r = await lers(['profile', 'dcn.lers', '--repeats', '3', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { batch: number; latency: Record<string, unknown>; method: string };
    expect(p.batch).toBe(64);
    expect(Object.keys(p.latency)).toEqual(['batch', 'single']);
    expect(p.method).toBe('ttrec');
  });
});
