/**
 * Worker processes and kill -9: a study run in a pool gives the trials of the same study run
 * in one process (whatever the number of workers), a crashing worker fails only its trial, and a
 * study killed with SIGKILL mid-run resumes to exactly the trials of an uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessPool, Study, type StudyConfig, type TrialRecord } from '../src/index.js';
import { BRANIN_SPACE, branin } from './fixtures/objectives.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OBJECTIVES = fileURLToPath(new URL('./fixtures/objectives.ts', import.meta.url));
const RUN_STUDY = fileURLToPath(new URL('./fixtures/run-study.ts', import.meta.url));
/** Workers need the TypeScript loader to import the fixtures. */
const EXEC_ARGV = ['--import', 'tsx'];

const dir = mkdtempSync(join(tmpdir(), 'lers-tune-parallel-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The study run-study.ts runs (its seed), with a batch size. */
const config = (batchSize: number): StudyConfig => ({ space: BRANIN_SPACE, direction: 'minimize', seed: 11, batchSize });

/** All but the timings (and the attributes, which may hold a pid). */
const essence = (trials: readonly TrialRecord[]): unknown[] => trials.map(({ seconds: _s, attrs: _a, ...rest }) => rest);

async function inProcess(nTrials: number, batchSize: number): Promise<TrialRecord[]> {
  const study = Study.create(config(batchSize));
  await study.optimize({ nTrials, objective: branin });
  return study.trials;
}

function trialsIn(file: string): TrialRecord[] {
  if (!existsSync(file)) return [];
  // Never a partial file: each write is atomic.
  return (JSON.parse(readFileSync(file, 'utf8')) as { trials: TrialRecord[] }).trials;
}

/** Runs run-study.ts; with `killAfter`, SIGKILLs it once the file holds that many trials. */
async function runChild(args: { file: string; nTrials: number; workers: number; batchSize: number; pidFile?: string; killAfter?: number }): Promise<{ code: number | null; signal: string | null }> {
  const argv = [...EXEC_ARGV, RUN_STUDY, args.file, String(args.nTrials), String(args.workers), String(args.batchSize), ...(args.pidFile !== undefined ? [args.pidFile] : [])];
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, TUNE_TEST_DELAY_MS: '40' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => { resolve({ code, signal }); }));
  if (args.killAfter !== undefined) {
    const killAfter = args.killAfter;
    void (async () => {
      while (child.exitCode === null && trialsIn(args.file).length < killAfter) await sleep(5);
      child.kill('SIGKILL');
    })();
  }
  return exited;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessPool', () => {
  it('runs trials in worker processes with the same trials as one process, for 2 or 3 workers', async () => {
    const want = await inProcess(18, 3);
    for (const workers of [2, 3]) {
      const pool = new ProcessPool({ module: OBJECTIVES, exportName: 'branin', workers, execArgv: EXEC_ARGV });
      try {
        expect(pool.pids).toHaveLength(workers);
        const study = Study.create(config(3));
        await study.optimize({ nTrials: 18, objective: pool.evaluate, concurrency: workers });
        expect(essence(study.trials)).toEqual(essence(want));
      } finally {
        await pool.close();
      }
      expect(pool.pids).toEqual([]);
    }
  });

  it('fails only the trial whose worker dies or throws, and replaces the worker', async () => {
    const pool = new ProcessPool({ module: OBJECTIVES, exportName: 'crashOnTrial3', workers: 2, execArgv: EXEC_ARGV });
    try {
      const study = Study.create(config(2));
      await study.optimize({ nTrials: 8, objective: pool.evaluate, concurrency: 2 });
      const t = study.trials;
      expect(t).toHaveLength(8);
      expect([t[3].state, t[3].error]).toEqual(['fail', 'worker process exited (code 7) during trial 3']);
      expect(t.filter((x) => x.state === 'complete')).toHaveLength(7);
      expect(pool.pids).toHaveLength(2);
    } finally {
      await pool.close();
    }
    const throwing = new ProcessPool({ module: OBJECTIVES, exportName: 'throwsAboveEight', workers: 1, execArgv: EXEC_ARGV });
    try {
      await expect(throwing.evaluate({ x1: 9, x2: 1 }, 0)).rejects.toThrow('x1 = 9 is too large');
      await expect(throwing.evaluate({ x1: 1, x2: 1 }, 1)).resolves.toBeCloseTo(branin({ x1: 1, x2: 1 }), 12);
    } finally {
      await throwing.close();
    }
    const missing = new ProcessPool({ module: OBJECTIVES, exportName: 'nope', workers: 1, execArgv: EXEC_ARGV });
    await expect(missing.evaluate({ x1: 1, x2: 1 }, 0)).rejects.toThrow(/objectives\.ts exports no function "nope"/);
    await missing.close();
  });
});

describe('kill -9 and resume', () => {
  it('one process: a study killed mid-run resumes to the trials of an uninterrupted run', async () => {
    const file = join(dir, 'sequential.json');
    const killed = await runChild({ file, nTrials: 30, workers: 0, batchSize: 1, killAfter: 8 });
    expect(killed.signal).toBe('SIGKILL');
    const kept = trialsIn(file).length;
    expect(kept).toBeGreaterThanOrEqual(8);
    expect(kept).toBeLessThan(30);
    expect(await runChild({ file, nTrials: 30, workers: 0, batchSize: 1 })).toEqual({ code: 0, signal: null });
    expect(essence(trialsIn(file))).toEqual(essence(await inProcess(30, 1)));
  });

  it('worker processes: killed with 3 workers, resumed with 2, same trials; no worker outlives the kill', async () => {
    const file = join(dir, 'parallel.json');
    const pidFile = join(dir, 'pids.json');
    const killed = await runChild({ file, nTrials: 30, workers: 3, batchSize: 3, pidFile, killAfter: 7 });
    expect(killed.signal).toBe('SIGKILL');
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as number[];
    expect(pids).toHaveLength(3);
    // Workers exit when their parent's IPC channel closes.
    for (let i = 0; i < 400 && pids.some(alive); i++) await sleep(10);
    expect(pids.filter(alive)).toEqual([]);
    const kept = trialsIn(file).length;
    expect(kept).toBeGreaterThanOrEqual(7);
    expect(kept).toBeLessThan(30);
    expect(await runChild({ file, nTrials: 30, workers: 2, batchSize: 3 })).toEqual({ code: 0, signal: null });
    expect(essence(trialsIn(file))).toEqual(essence(await inProcess(30, 3)));
  });
});
