/**
 * `--backend webgpu` through the CLI (Dawn; Mesa's llvmpipe without a GPU): train, eval, recommend,
 * predict, profile and bench run on WebGPU, say so on stderr (and in --json: `backend`, with the
 * adapter), and agree with the same commands on WASM. Without an adapter the tests skip with the reason printed; with LERS_REQUIRE_WEBGPU=1 (CI)
 * that is a failure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dawnAdapter } from '@lers/runtime/node';
import { lers, SMALL_CF, SMALL_CTR, tempDir, type RunResult } from './helpers.js';
import { webGpuOrSkip } from '@lers/test-support';

const skip = (await webGpuOrSkip('CLI WebGPU tests', dawnAdapter)) === null;
const WEBGPU = ['--backend', 'webgpu'];
/** The stderr line of Context.reportBackend for an explicit `--backend webgpu`. */
const SAYS_WEBGPU = /^backend: webgpu \(webgpu as asked \(.+\)\)$/m;

/** The command's JSON stdout, after checking that it exited 0. */
function json(r: RunResult): unknown {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** What a command's --json says ran it. */
interface Used {
  backend: { kind: string; threads: number; reason: string; adapter: string | null } | null;
}

interface Metrics extends Used {
  metrics: { valid: Record<string, number>; test: Record<string, number> };
}

/** The --json `backend` of a command run with --backend webgpu. */
function expectWebGpu(out: Used): void {
  expect(out.backend).toMatchObject({ kind: 'webgpu', reason: expect.stringMatching(/^webgpu as asked/) as unknown });
  expect(out.backend?.adapter).toEqual(expect.any(String));
}

describe.skipIf(skip)('lers --backend webgpu', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });

  it('train: the WASM run\'s metrics (the same seeded steps)', async () => {
    const wasm = json(await lers(['train', ...SMALL_CF, '-o', 'wasm.lers', '--json'], { cwd })) as Metrics;
    const r = await lers(['train', ...SMALL_CF, '-o', 'gpu.lers', '--json', ...WEBGPU], { cwd });
    const gpu = json(r) as Metrics;
    expect(r.stderr).toMatch(SAYS_WEBGPU);
    expectWebGpu(gpu);
    expect(wasm.backend).toMatchObject({ kind: 'wasm', adapter: null });
    for (const split of ['valid', 'test'] as const) expect(gpu.metrics[split]['ndcg@20']).toBeCloseTo(wasm.metrics[split]['ndcg@20'], 3);
  });

  it('eval: the metrics stored at training time', async () => {
    const stored = json(await lers(['eval', 'wasm.lers', '--json'], { cwd })) as Metrics;
    const r = await lers(['eval', 'wasm.lers', '--json', ...WEBGPU], { cwd });
    expect(r.stderr).toMatch(SAYS_WEBGPU);
    const got = json(r) as Metrics;
    expectWebGpu(got);
    for (const name of ['recall@20', 'ndcg@20']) expect(got.metrics.test[name]).toBeCloseTo(stored.metrics.test[name], 4);
  });

  it('recommend: the WASM top-k, scores within 1e-5', async () => {
    type Recs = Used & { users: { user: number; items: number[]; scores: number[] }[] };
    const args = ['recommend', 'wasm.lers', '-u', '3', '-u', '7', '-u', '42', '-k', '10', '--json'];
    const want = json(await lers(args, { cwd })) as Recs;
    const r = await lers([...args, ...WEBGPU], { cwd });
    expect(r.stderr).toMatch(SAYS_WEBGPU);
    const got = json(r) as Recs;
    expectWebGpu(got);
    got.users.forEach((u, i) => {
      expect(u.items).toEqual(want.users[i].items);
      u.scores.forEach((s, j) => { expect(Math.abs(s - want.users[i].scores[j])).toBeLessThanOrEqual(1e-5); });
    });
  });

  it('predict: the WASM probabilities within 1e-5', async () => {
    json(await lers(['train', ...SMALL_CTR, '-o', 'deepfm.lers', '--json'], { cwd }));
    const rows = '1 1 1 1 1 1 1 1 1 1\n2 2 2 2 2 2 2 2 2 2\n3 1 2 1 0 2 1 2 3 0\n';
    const want = await lers(['predict', 'deepfm.lers', '--ids', 'local'], { cwd, input: rows });
    const r = await lers(['predict', 'deepfm.lers', '--ids', 'local', ...WEBGPU], { cwd, input: rows });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(SAYS_WEBGPU);
    const p = r.stdout.trim().split('\n').map(Number);
    const q = want.stdout.trim().split('\n').map(Number);
    expect(p).toHaveLength(3);
    p.forEach((v, i) => { expect(Math.abs(v - q[i])).toBeLessThanOrEqual(1e-5); });
  });

  it('profile: the header and --json name WebGPU and its adapter', async () => {
    const r = await lers(['profile', 'gpu.lers', '--repeats', '2', '--json', ...WEBGPU], { cwd });
    const p = json(r) as { backend: string; backendReason: string; info: { backend: { kind: string; adapter: string | null } } };
    expect(p.backend).toBe('webgpu');
    expect(p.backendReason).toMatch(/^webgpu as asked/);
    expect(p.info.backend.adapter).toEqual(expect.any(String));
    const text = await lers(['profile', 'gpu.lers', '--repeats', '2', ...WEBGPU], { cwd });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/ on webgpu \(webgpu as asked/);
  });

  it('bench: cells train on WebGPU; a method that needs a host backend is marked unavailable', async () => {
    const grid = ['bench', '--datasets', 'synthetic-cf', '--targets', '0.5', '--data-option', 'users=120', '--data-option', 'items=150', '--epochs', '1', '--dim', '16', '--batch-size', '512', '--methods', 'qr,qat', '--out', 'g', '--json'];
    const r = await lers([...grid, ...WEBGPU], { cwd });
    expect(r.stderr).toMatch(SAYS_WEBGPU);
    const out = json(r) as Used & { cells: { id: string; status: string; message?: string; test?: Record<string, number> }[] };
    expectWebGpu(out);
    const cell = Object.fromEntries(out.cells.map((c) => [c.id.replace('synthetic-cf__lightgcn__', ''), c]));
    expect(cell.full__full.status).toBe('ok');
    expect(cell.qr__50.status).toBe('ok');
    expect(cell.qr__50.test?.['ndcg@20']).toBeGreaterThan(0);
    expect(cell.qat__50.status).toBe('unavailable');
    expect(cell.qat__50.message).toMatch(/needs a host backend .* got webgpu/);
  });
});
