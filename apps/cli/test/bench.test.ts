/** lers bench: the grid, its reports, resume after an interrupted run, parallel-safe files. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lers, spawnLers, tempDir } from './helpers.js';

const BASE = ['bench', '--datasets', 'synthetic-cf', '--targets', '0.5,0.8', '--data-option', 'users=120', '--data-option', 'items=150', '--epochs', '1', '--dim', '16', '--batch-size', '512'];
const GRID = [...BASE, '--methods', 'qr,magprune,qat'];
const KILL_GRID = [...BASE, '--methods', 'qr,ttrec,magprune'];

interface BenchJson {
  profile: string;
  counts: Record<string, number>;
  files: { json: string; csv: string; markdown: string };
  cells: { id: string; method: string; target: number | null; status: string; metric?: string; test?: Record<string, number>; embeddingBytes?: number; latency?: Record<string, unknown>; message?: string }[];
}

function finishedCells(dir: string): string[] {
  const cells = join(dir, 'cells');
  return existsSync(cells) ? readdirSync(cells).filter((n) => n.endsWith('.json')) : [];
}

describe('lers bench', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });

  it('runs a grid: cells, tables, CSV, JSON; unreachable targets recorded', async () => {
    const r = await lers([...GRID, '--out', 'g', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as BenchJson;
    // full + 3 methods x 2 targets.
    expect(out.cells).toHaveLength(7);
    const status = Object.fromEntries(out.cells.map((c) => [c.id, c.status]));
    expect(status['synthetic-cf__lightgcn__full__full']).toBe('ok');
    expect(status['synthetic-cf__lightgcn__qr__80']).toBe('ok');
    expect(status['synthetic-cf__lightgcn__magprune__50']).toBe('ok');
    expect(status['synthetic-cf__lightgcn__qat__50']).toBe('ok');
    expect(status['synthetic-cf__lightgcn__qat__80']).toBe('unreachable');
    const ok = out.cells.find((c) => c.id === 'synthetic-cf__lightgcn__qr__50')!;
    expect(ok.metric).toBe('ndcg@20');
    expect(ok.test?.['ndcg@20']).toBeGreaterThan(0);
    expect(ok.embeddingBytes).toBeGreaterThan(0);
    expect(Object.keys(ok.latency ?? {})).toContain('topk');
    // QAT is reported with the bytes it serves with (16-bit codes at 50%), not its fp32 training master.
    const full = out.cells.find((c) => c.id === 'synthetic-cf__lightgcn__full__full')!;
    const qat = out.cells.find((c) => c.id === 'synthetic-cf__lightgcn__qat__50')!;
    expect(qat.embeddingBytes!).toBeLessThan(0.6 * full.embeddingBytes!);
    const md = readFileSync(out.files.markdown, 'utf8');
    expect(md).toContain('| full (reference)');
    expect(md).toMatch(/synthetic-cf\/lightgcn 80% ndcg@20/);
    expect(md).toContain('**');
    expect(md).toContain('Pareto');
    expect(md).toMatch(/## Seconds per cell[^]*\| qr +\| \d+\.\d/);
    expect(readFileSync(out.files.csv, 'utf8').split('\n')[0]).toMatch(/^dataset,backbone,method,target,status/);
    expect(finishedCells(join(cwd, 'g'))).toHaveLength(7);
  });

  it('skips finished cells on a re-run', async () => {
    const r = await lers([...GRID, '--out', 'g', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/done earlier/g)?.length).toBe(7);
    expect((JSON.parse(r.stdout) as BenchJson).cells.filter((c) => c.status === 'ok')).toHaveLength(6);
  });

  it('resumes after being killed mid-way: finished cells are kept and skipped', async () => {
    const dir = join(cwd, 'k');
    const child = spawnLers([...KILL_GRID, '--out', 'k'], { cwd });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    // Kill it hard once two cells are written (no chance to clean up).
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (finishedCells(dir).length >= 2) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error(`bench ended before it was killed:\n${stderr}`));
      });
    });
    await new Promise((r) => child.on('close', r));
    const before = finishedCells(dir);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(7);
    // Every result file present is complete JSON.
    for (const f of before) expect(() => JSON.parse(readFileSync(join(dir, 'cells', f), 'utf8')) as unknown).not.toThrow();
    const r = await lers([...KILL_GRID, '--out', 'k', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/done earlier/g)?.length).toBe(before.length);
    const out = JSON.parse(r.stdout) as BenchJson;
    expect(out.cells.filter((c) => c.status !== 'ok').map((c) => `${c.id}: ${c.status} ${c.message ?? ''}`)).toEqual([]);
    expect(finishedCells(dir)).toHaveLength(7);
    // No temp or lock files are left.
    expect(readdirSync(join(dir, 'cells')).filter((n) => !n.endsWith('.json'))).toEqual([]);
  });

  it('stops at a safe point on SIGINT (exit 130) and the re-run completes', async () => {
    const dir = join(cwd, 'i');
    const child = spawnLers([...GRID, '--out', 'i'], { cwd });
    child.stdout!.resume();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (finishedCells(dir).length >= 1) {
          clearInterval(timer);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => { r(c); }));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted (SIGINT)');
    expect(readdirSync(join(dir, 'cells')).filter((n) => !n.endsWith('.json'))).toEqual([]);
    const r = await lers([...GRID, '--out', 'i', '-q'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('| full (reference)');
  });

  it('rejects unknown methods and backbones (exit 1)', async () => {
    const m = await lers(['bench', '--methods', 'qr,zip', '--out', 'x'], { cwd });
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('unknown method "zip"');
    const b = await lers(['bench', '--datasets', 'synthetic-cf', '--backbones', 'deepfm', '--out', 'x'], { cwd });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('no backbone');
  });
});
