/**
 * Tuning run settings (@lers/models/tuning) on tiny synthetic CF data: the protocol's spaces, trial
 * settings, trials scored on validation with the target sparsity as a constraint (misses rejected,
 * not failed), and a study that resumes to the trials of an uninterrupted one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf } from '@lers/data';
import type { TrialRecord } from '@lers/tune';
import { resolveSettings, type PartialSettings } from '../src/index.js';
import { applyParams, evaluateTrial, trialSettingsOf, tuneSettings, tuningSpace } from '../src/tuning/index.js';

let be: HostBackend;
let dir: string;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 1 });
  dir = await mkdtemp(join(tmpdir(), 'lers-tuning-'));
});
afterAll(async () => {
  be.dispose();
  await rm(dir, { recursive: true, force: true });
});

const cf = generateSyntheticCf({ users: 150, items: 120, meanInteractions: 12, seed: 3 }).dataset;
const settings = (given: PartialSettings) => resolveSettings({ data: 'synthetic-cf', epochs: 2, batchSize: 256, dim: 8, layers: 1, clWeight: 0, ...given });

describe('tuning spaces', () => {
  it("are the protocol's per backbone (the learning rate alone unless asked), plus each method's", () => {
    expect(tuningSpace('full', 'lightgcn').space).toEqual({ lr: { type: 'float', low: 5e-4, high: 1e-2 } });
    expect(tuningSpace('full', 'lightgcn', { backbone: true }).space).toEqual({
      lr: { type: 'float', low: 5e-4, high: 1e-2 },
      l2: { type: 'float', low: 1e-5, high: 1e-2 },
      layers: { type: 'int', low: 1, high: 4 },
      clWeight: { type: 'float', low: 0, high: 1, step: 0.05 },
    });
    expect(tuningSpace('full', 'deepfm', { backbone: true }).space).toEqual({
      lr: { type: 'float', low: 1e-5, high: 1e-2, log: true },
      weightDecay: { type: 'float', low: 1e-5, high: 1e-2, log: true },
      dropout: { type: 'float', low: 0, high: 1 },
    });
    const protocol = tuningSpace('pep', 'lightgcn', { thresholds: 'protocol' });
    expect(protocol.space['method.thresholdInit']).toEqual({ type: 'float', low: -50, high: -5 });
    expect(protocol.space['method.thresholdDecay']).toEqual({ type: 'float', low: 1e-5, high: 1, log: true });
    expect(protocol.fixed).toEqual({});
    // PEP and CERP tune the weights' decay: on LightGCN lambda over the reference's range for them
    // (up to 0.1) drawn log-uniformly, on DeepFM / DCN-Mix the protocol's weight decay.
    for (const method of ['pep', 'cerp']) {
      expect(tuningSpace(method, 'lightgcn').space.l2).toEqual({ type: 'float', low: 1e-5, high: 1e-1, log: true });
      expect(tuningSpace(method, 'lightgcn', { backbone: true }).space.l2).toEqual({ type: 'float', low: 1e-5, high: 1e-1, log: true });
      for (const backbone of ['deepfm', 'dcnmix'] as const) expect(tuningSpace(method, backbone).space.weightDecay).toEqual({ type: 'float', low: 1e-5, high: 1e-2, log: true });
    }
    expect(tuningSpace('qr', 'lightgcn').space.l2).toBeUndefined();
    expect(tuningSpace('qr', 'deepfm').space.weightDecay).toBeUndefined();
    // On DeepFM / DCN-Mix s has its own learning rate (criteo-sample's searches are 400 steps); not on LightGCN.
    for (const backbone of ['deepfm', 'dcnmix'] as const) for (const method of ['pep', 'cerp']) expect(tuningSpace(method, backbone).space['method.thresholdLr']).toEqual({ type: 'float', low: 1e-3, high: 1e-1, log: true });
    expect(tuningSpace('pep', 'lightgcn').space['method.thresholdLr']).toBeUndefined();
    expect(tuningSpace('qr', 'deepfm').space['method.thresholdLr']).toBeUndefined();
    const start = tuningSpace('cerp', 'dcnmix');
    expect(Object.keys(start.space)).toEqual(['lr', 'method.autoStart', 'method.thresholdDecay', 'weightDecay', 'method.thresholdLr']);
    expect(start.fixed).toEqual({ 'method.thresholdInit': 'auto' });
    expect(tuningSpace('qr', 'deepfm').space['method.op']).toEqual({ type: 'categorical', choices: ['mult', 'add', 'concat'] });
    const changed = tuningSpace('qr', 'deepfm', { overrides: { lr: null, 'method.op': { type: 'categorical', choices: ['add', 'mult'] } } });
    expect(changed.space).toEqual({ 'method.op': { type: 'categorical', choices: ['add', 'mult'] } });
  });

  it('trial settings: method.<option> into the method options, settings checked as flags are', () => {
    const s = settings({ method: 'pep', target: 0.5 });
    const t = applyParams(s, { lr: 0.004, layers: 2, 'method.thresholdDecay': 0.1 });
    expect([t.lr, t.layers, t.methodOptions.thresholdDecay]).toEqual([0.004, 2, 0.1]);
    expect(s.methodOptions).toEqual({});
    expect(() => applyParams(s, { lr: -1 })).toThrow(/lr must be > 0/);
    expect(() => applyParams(s, { learningRate: 0.1 })).toThrow(/neither a run setting nor method/);
    expect(() => applyParams(s, { target: 0.9 })).toThrow(/cannot be tuned/);
    expect(trialSettingsOf({ settings: s, fixed: { 'method.thresholdInit': 'auto' }, trialSettings: { epochs: 1 } }, { lr: 0.002 })).toMatchObject({ lr: 0.002, epochs: 1, methodOptions: { thresholdInit: 'auto' } });
  });
});

describe('trials', () => {
  it('score the best validation epoch; a model at its target is feasible', async () => {
    const outcome = await evaluateTrial({ backend: be, dataset: cf, settings: settings({ method: 'qr', target: 0.5 }) }, { lr: 0.01 });
    if (typeof outcome === 'number') throw new Error('expected an outcome object');
    expect(outcome.value).toBeGreaterThan(0);
    expect(outcome.constraints![0]).toBeLessThanOrEqual(0);
    expect(outcome.attrs).toMatchObject({ metric: 'ndcg@20' });
    expect(Math.abs((outcome.attrs!.sparsity as number) - 0.5)).toBeLessThan(0.01);
  });

  it('a search that misses its target, or starts past it, is rejected (infeasible), not failed', async () => {
    const s = settings({ method: 'pep', target: 0.95, searchEpochs: 1 });
    const missed = await evaluateTrial({ backend: be, dataset: cf, settings: s }, { lr: 0.001, 'method.thresholdInit': -8 });
    if (typeof missed === 'number') throw new Error('expected an outcome object');
    expect(missed.value).toBeNull();
    expect(missed.constraints![0]).toBeGreaterThan(0.5);
    expect(missed.attrs!.rejected).toMatch(/not the target 0.95/);
    const early = await evaluateTrial({ backend: be, dataset: cf, settings: s }, { 'method.thresholdInit': 0 });
    if (typeof early === 'number') throw new Error('expected an outcome object');
    expect([early.value, early.constraints]).toEqual([null, [1]]);
    expect(early.attrs!.rejected).toMatch(/before the first optimiser step/);
  });
});

describe('tuneSettings', () => {
  it('runs TPE over the space, keeps the best feasible trial, and a re-run resumes the study file', async () => {
    const { space, fixed } = tuningSpace('pep', 'lightgcn');
    const base = { backend: be, dataset: cf, settings: settings({ method: 'pep', target: 0.5, searchEpochs: 20 }), space, fixed, seed: 7 };
    const straight = await tuneSettings({ ...base, trials: 3, studyFile: join(dir, 'straight.json') });
    const seen: TrialRecord[] = [];
    await tuneSettings({ ...base, trials: 2, studyFile: join(dir, 'resumed.json') });
    const resumed = await tuneSettings({ ...base, trials: 3, studyFile: join(dir, 'resumed.json'), onTrial: (t) => seen.push(t) });
    expect(seen.map((t) => t.number)).toEqual([2]);
    const strip = (ts: readonly TrialRecord[]) => ts.map(({ seconds: _s, attrs: { trainSeconds: _t, searchSeconds: _a, retrainSeconds: _b, ...attrs }, ...rest }) => ({ ...rest, attrs }));
    expect(strip(resumed.trials)).toEqual(strip(straight.trials));
    expect(straight.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete']);
    const best = straight.best!;
    expect(best.value).toBe(Math.max(...straight.trials.filter((t) => t.constraints.every((c) => c <= 0)).map((t) => t.value!)));
    expect(straight.settings.lr).toBe(best.params.lr);
    expect(straight.settings.methodOptions).toMatchObject({ thresholdInit: 'auto', autoStart: best.params['method.autoStart'] });
  });

  it('with nothing to tune, runs no trial', async () => {
    const s = settings({ method: 'ttrec', target: 0.5 });
    const r = await tuneSettings({ backend: be, dataset: cf, settings: s, space: {}, trials: 5, studyFile: join(dir, 'none.json') });
    expect([r.best, r.trials.length, r.settings]).toEqual([null, 0, s]);
  });
});
