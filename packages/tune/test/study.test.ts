/** Studies in one process: determinism, the study file and its resume, constraints, failures. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '@lers/data';
import { Rng } from '@lers/kernels';
import { compileSpace, sampleUniform, Study, StudyMismatchError, TuneError, type Params, type StudyConfig, type TrialRecord } from '../src/index.js';
import { BRANIN_SPACE, branin, braninLeftHalf, throwsAboveEight } from './fixtures/objectives.js';

const dir = mkdtempSync(join(tmpdir(), 'lers-tune-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG: StudyConfig = { space: BRANIN_SPACE, direction: 'minimize', seed: 4 };

/** What must be identical between two runs of a study (all but the timings). */
const essence = (trials: readonly TrialRecord[]): unknown[] => trials.map(({ seconds: _s, ...rest }) => rest);

describe('Study', () => {
  it('is deterministic: the same seed gives the same trials, another seed other ones', async () => {
    const run = async (seed: number): Promise<TrialRecord[]> => {
      const study = Study.create({ ...CONFIG, seed });
      await study.optimize({ nTrials: 25, objective: branin });
      return study.trials;
    };
    const [a, b, c] = [await run(4), await run(4), await run(5)];
    expect(essence(b)).toEqual(essence(a));
    expect(a.map((t) => t.params)).not.toEqual(c.map((t) => t.params));
    // ask() is a pure function of the seed, the number and the finished trials below the batch.
    const study = Study.create(CONFIG);
    await study.optimize({ nTrials: 12, objective: branin });
    expect(study.ask(12)).toEqual(study.ask(12));
    expect(study.ask(12)).toEqual(a[12].params);
  });

  it('saves every trial to its file and resumes from it to the same result as one run', async () => {
    const straight = Study.create(CONFIG);
    await straight.optimize({ nTrials: 30, objective: branin });
    const file = join(dir, 'resume.json');
    const first = await Study.open(file, CONFIG);
    await first.optimize({ nTrials: 13, objective: branin });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { trials: unknown[] }).trials).toHaveLength(13);
    const resumed = await Study.open(file, CONFIG);
    expect(resumed.trials).toHaveLength(13);
    const calls: number[] = [];
    await resumed.optimize({ nTrials: 30, objective: (p, n) => (calls.push(n), branin(p)) });
    // Only the missing trials ran, and the study equals the uninterrupted one.
    expect(calls).toEqual(Array.from({ length: 17 }, (_, i) => 13 + i));
    expect(essence(resumed.trials)).toEqual(essence(straight.trials));
    expect(resumed.best()).toEqual(straight.best() === null ? null : { ...straight.best()!, seconds: resumed.best()!.seconds });
  });

  it('refuses a study file made with other settings, naming the field', async () => {
    const file = join(dir, 'mismatch.json');
    await (await Study.open(file, CONFIG)).optimize({ nTrials: 2, objective: branin });
    await expect(Study.open(file, { ...CONFIG, seed: 5 })).rejects.toThrow(/mismatch\.json: this study was created with seed = 4, but this run asks for 5/);
    await expect(Study.open(file, { ...CONFIG, space: { ...BRANIN_SPACE, x2: { type: 'float', low: 0, high: 14 } } })).rejects.toThrow(StudyMismatchError);
    await expect(Study.open(file, { ...CONFIG, sampler: { multivariate: true } })).rejects.toThrow(/sampler\.multivariate = false, but this run asks for true/);
    // Explicit defaults are the same study.
    await expect(Study.open(file, { ...CONFIG, sampler: { nStartupTrials: 10 }, batchSize: 1 })).resolves.toBeInstanceOf(Study);
  });

  it('reports a damaged study file with its name, line and value', async () => {
    const file = join(dir, 'damaged.json');
    await (await Study.open(file, CONFIG)).optimize({ nTrials: 3, objective: branin });
    const good = readFileSync(file, 'utf8');
    const lines = good.split('\n');
    // Trial 1 (line 5) with a value out of its space.
    writeFileSync(file, lines.map((l, i) => (i === 4 ? l.replace(/"x1":[-0-9.e]+/, '"x1":11') : l)).join('\n'));
    const err = await Study.open(file, CONFIG).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toMatch(/damaged\.json:5: trial 1: parameter "x1": 11 is not a number in \[-5, 10\]/);
    writeFileSync(file, good.slice(0, good.length - 20));
    await expect(Study.open(file, CONFIG)).rejects.toThrow(/damaged\.json:\d+: not a lers tune study \(invalid JSON/);
    writeFileSync(file, '{"format":"something else"}');
    await expect(Study.open(file, CONFIG)).rejects.toThrow(/damaged\.json:1: not a lers tune study/);
  });

  it('records infeasible trials (constraints > 0) apart: never best, ranked after every feasible trial', async () => {
    const study = Study.create({ ...CONFIG, seed: 2 });
    const best = await study.optimize({ nTrials: 60, objective: braninLeftHalf });
    const infeasible = study.trials.filter((t) => t.constraints[0] > 0);
    expect(infeasible.length).toBeGreaterThan(0);
    expect(infeasible.every((t) => t.state === 'complete' && t.attrs.side === 'right')).toBe(true);
    // Branin's two right-hand minima (0.3979 at x1 = pi and 9.42) are infeasible: the best is on the left.
    expect(best!.params.x1 as number).toBeLessThanOrEqual(0);
    const leftBest = Math.min(...study.trials.filter((t) => (t.params.x1 as number) <= 0).map((t) => t.value!));
    expect(best!.value).toBe(leftBest);
    // TPE learns the constraint: fewer infeasible trials after the 10 random ones than a coin would give.
    const late = study.trials.slice(30);
    expect(late.filter((t) => t.constraints[0] > 0).length).toBeLessThan(0.3 * late.length);
  });

  it('takes rejected trials without a value (infeasible), and fails trials whose outcome is unusable', async () => {
    const study = Study.create(CONFIG);
    await study.optimize({
      nTrials: 14,
      objective: (p, n) => {
        if (n % 4 === 1) return { value: null, constraints: [0.25], attrs: { reason: 'missed the target sparsity' } };
        if (n === 2) return Number.NaN;
        if (n === 6) return { value: null };
        return branin(p);
      },
    });
    const t = study.trials;
    expect([t[1].state, t[1].value, t[1].constraints, t[1].attrs]).toEqual(['complete', null, [0.25], { reason: 'missed the target sparsity' }]);
    expect([t[2].state, t[2].error]).toEqual(['fail', 'the objective returned the value NaN']);
    expect([t[6].state, t[6].error]).toEqual(['fail', 'the objective returned no value for a feasible trial']);
    expect(study.best()!.constraints).toEqual([]);
  });

  it('an abort (isAbort) stops the study without recording the trial, which a resumed run evaluates', async () => {
    class Abort extends Error {}
    const study = Study.create(CONFIG);
    const seen: number[] = [];
    const objective = (p: Params, n: number): number => {
      seen.push(n);
      if (n === 3 && seen.filter((k) => k === 3).length === 1) throw new Abort('stop');
      return branin(p);
    };
    await expect(study.optimize({ nTrials: 6, objective, isAbort: (e) => e instanceof Abort })).rejects.toBeInstanceOf(Abort);
    expect(study.trials.map((t) => t.number)).toEqual([0, 1, 2]);
    await study.optimize({ nTrials: 6, objective, isAbort: (e) => e instanceof Abort });
    expect(study.trials.map((t) => [t.number, t.state])).toEqual([0, 1, 2, 3, 4, 5].map((k) => [k, 'complete']));
    const plain = Study.create(CONFIG);
    await plain.optimize({ nTrials: 6, objective: branin });
    expect(study.trials.map((t) => t.params)).toEqual(plain.trials.map((t) => t.params));
  });

  it('records objectives that throw as failed trials, which the sampler ignores (startup counts complete trials)', async () => {
    // Seed 2: trials 1, 4 and 8 draw x1 > 8.
    const study = Study.create({ ...CONFIG, seed: 2 });
    await study.optimize({ nTrials: 40, objective: throwsAboveEight });
    const failed = study.trials.filter((t) => t.state === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((t) => (t.params.x1 as number) > 8 && /is too large/.test(t.error!))).toBe(true);
    // Random sampling lasts until 10 trials are complete, however many failed before: trial k
    // up to the 10th complete one is the uniform draw of stream k, whatever the history.
    const tenthComplete = study.trials.filter((t) => t.state === 'complete')[9].number;
    expect(failed[0].number).toBeLessThan(tenthComplete);
    expect(tenthComplete).toBeGreaterThan(9);
    const domains = compileSpace(BRANIN_SPACE);
    for (let k = 0; k <= tenthComplete; k++) {
      const rng = new Rng(2, k);
      expect(study.trials[k].params).toEqual({ x1: sampleUniform(domains[0], rng), x2: sampleUniform(domains[1], rng) });
    }
    const k = tenthComplete + 1;
    const rng = new Rng(2, k);
    expect(study.trials[k].params).not.toEqual({ x1: sampleUniform(domains[0], rng), x2: sampleUniform(domains[1], rng) });
  });

  it('validates its inputs', async () => {
    expect(() => Study.create({ ...CONFIG, seed: -1 })).toThrow(/seed must be an integer in \[0, 2\^32\)/);
    expect(() => Study.create({ ...CONFIG, direction: 'up' as 'minimize' })).toThrow(TuneError);
    expect(() => Study.create({ ...CONFIG, batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => Study.create({ ...CONFIG, sampler: { nEiCandidates: 0 } })).toThrow(/nEiCandidates must be an integer >= 1/);
    const study = Study.create({ ...CONFIG, batchSize: 4 });
    expect(() => study.ask(5)).toThrow(/trial 5 learns from trials 0\.\.3, which are not all finished/);
    expect(Object.keys(study.ask(3))).toEqual(['x1', 'x2']);
    await expect(study.optimize({ nTrials: 2, objective: branin, concurrency: 0 })).rejects.toThrow(/concurrency must be an integer >= 1/);
  });
});
