/**
 * Search sanity of the search-then-retrain methods (PEP, CERP, OptEmbed) on tiny synthetic data:
 * every target's report says how many optimiser steps (and epochs) passed before its mask was
 * captured and where the search started; a start that already prunes past the target is refused
 * with a start that works; and the recipe (clip, negatives) each run trained with is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf } from '@lers/data';
import { SearchStartError } from '@lers/embeddings';
import { lightGcnBackbone, recipeDifferences, resolveSettings, runMethodAtTarget, runMethodPipeline, trainFromSettings, trainingRecipe, type Backbone, type LightGcn, type TrainConfig } from '../src/index.js';

let be: HostBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  be.dispose();
});

const cf = generateSyntheticCf({ users: 150, items: 120, meanInteractions: 12, seed: 3 }).dataset;
const backbone = (): Backbone<LightGcn> => lightGcnBackbone(be, cf, { dim: 8, layers: 2, batchSize: 128, seed: 5 });
const cfTrain: TrainConfig = { epochs: 2, seed: 11, optimizer: { kind: 'adam', lr: 0.02 } };
const cfSearch = { epochs: 40, optimizer: { kind: 'adam', lr: 0.02, weightDecay: 3e-3 } } as const;

/** Batches per epoch of the backbone's models. */
function batchesPerEpoch(): number {
  const m = backbone().create({ method: 'full' });
  const n = m.batchesPerEpoch();
  m.dispose();
  return n;
}

describe('search reports', () => {
  it("PEP: each target's capture step and epoch per table, the start of the search, search and retrain seconds", async () => {
    const results = await runMethodPipeline('pep', { backbone: backbone(), targets: [0.5, 0.8], train: cfTrain, searchTrain: cfSearch, tableOptions: { thresholdInit: 'auto', thresholdDecay: 0.1, capture: 'exact' } });
    const bpe = batchesPerEpoch();
    let previous = 0;
    for (const r of results) {
      const s = r.search;
      expect(s.target).toBe(r.target);
      expect(Object.keys(s.captures)).toEqual(['user', 'item']);
      const captures = Object.values(s.captures);
      for (const c of captures) {
        expect(c.step).toBeGreaterThan(0);
        expect(c.epoch).toBeCloseTo(c.step / bpe, 12);
        // Captured together (scope 'model', the default): one step for every table.
        expect(c.step).toBe(captures[0].step);
      }
      // The model's sparsity (the tables' kept entries over their entries together) is the target.
      const entries = captures.reduce((a, c) => a + c.kept! / (1 - c.sparsity!), 0);
      expect(1 - captures.reduce((a, c) => a + c.kept!, 0) / entries).toBeCloseTo(r.target, 2);
      expect(s.captureEpoch).toBe(Math.max(...Object.values(s.captures).map((c) => c.epoch!)));
      expect(s.captureEpoch!).toBeGreaterThanOrEqual(previous);
      previous = s.captureEpoch!;
      // 'auto' starts at half of the smallest target's pruning, 25% here, in both tables.
      for (const t of ['user', 'item']) expect(s.start[t]!.sparsity).toBeCloseTo(0.25, 1);
      expect(s.searchSeconds).toBe(r.secondsPerStage.search);
      expect(s.retrainSeconds).toBe(r.secondsPerStage.retrain);
      // The retraining's best validation epoch is reported (`lers train` prints it).
      expect(r.bestEpoch).toBeGreaterThanOrEqual(1);
      expect(r.bestEpoch).toBeLessThanOrEqual(cfTrain.epochs);
    }
  });

  it('PEP and CERP: a start that already prunes past the target is refused before the first update, naming a start that works', async () => {
    for (const method of ['pep', 'cerp']) {
      let err: unknown;
      try {
        await runMethodAtTarget(method, 0.5, { backbone: backbone(), train: cfTrain, searchTrain: cfSearch, tableOptions: { thresholdInit: -1 } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SearchStartError);
      const { suggestion, limit } = (err as SearchStartError).details;
      expect((err as Error).message).toMatch(new RegExp(`${method} table "(user|item)": thresholdInit -1`));
      expect(suggestion).toBeLessThan(limit);
      const r = await runMethodAtTarget(method, 0.5, { backbone: backbone(), train: { ...cfTrain, epochs: 1 }, searchTrain: cfSearch, tableOptions: { thresholdInit: suggestion, thresholdDecay: 0.1, capture: 'exact' } });
      for (const start of Object.values(r.search.start)) expect(start!.sparsity).toBeLessThan(0.5);
      for (const c of Object.values(r.search.captures)) expect(c.step).toBeGreaterThan(0);
    }
  });

  it('PEP and CERP: a search that stops short says whether its thresholds stalled at the decay\'s ceiling, sigmoid(0) = 0.5, or need more steps', async () => {
    // s moves about lr a step under Adam: at lr 0.2 the decay takes every s from -15 to 0 within
    // the search, while the weights, moving as fast, leave the entries the loss needs above 0.5.
    const fast = { epochs: 40, optimizer: { kind: 'adam', lr: 0.2 } } as const;
    for (const method of ['pep', 'cerp'] as const) {
      const options = method === 'cerp' ? { thresholdDecay: 1, buckets: 40 } : { thresholdDecay: 1 };
      await expect(runMethodAtTarget(method, 0.999, { backbone: backbone(), train: cfTrain, searchTrain: fast, tableOptions: options })).rejects.toThrow(/not the target 0.999; (every threshold sigmoid\(s\) has|99\.\d% or more of the thresholds sigmoid\(s\) have) risen to 0.5, the most its decay gives .* so a longer search prunes no more/);
      // One epoch at lr 0.02: every s is still near its start, -15.
      await expect(runMethodAtTarget(method, 0.999, { backbone: backbone(), train: cfTrain, searchTrain: { epochs: 1, optimizer: { kind: 'adam', lr: 0.02 } }, tableOptions: options })).rejects.toThrow(/not the target 0.999; train the search longer/);
    }
  });

  it("OptEmbed: the masks come from the supernet's best epoch; a threshold that prunes past the target at the start is refused", async () => {
    const r = await runMethodAtTarget('optembed', 0.5, { backbone: backbone(), train: cfTrain, evolution: { generations: 2, population: 6, crossovers: 2, mutations: 2, keep: 4 } });
    const bpe = batchesPerEpoch();
    for (const c of Object.values(r.search.captures)) {
      expect(c.step % bpe).toBe(0);
      expect(c.step).toBeGreaterThan(0);
      expect(c.epoch).toBe(c.step / bpe);
    }
    for (const start of Object.values(r.search.start)) expect(start!.pruned).toBe(0);
    await expect(runMethodAtTarget('optembed', 0.5, { backbone: backbone(), train: cfTrain, tableOptions: { thresholdInit: 100 } })).rejects.toThrow(/optembed table "user": thresholdInit 100 prunes 100.0% of the rows/);
  });
});

describe('training recipe', () => {
  const settings = (given: Parameters<typeof resolveSettings>[0]) => resolveSettings({ data: 'synthetic-cf', epochs: 1, validEvery: 1, batchSize: 256, dim: 8, layers: 1, ...given });

  it("is recorded per run: CERP's reference clip and negatives, a clip every method shares, 0 = none", () => {
    const full = trainingRecipe(settings({}));
    const cerp = trainingRecipe(settings({ method: 'cerp', target: 0.5 }));
    expect([full.clipGradNorm, full.negatives]).toEqual([null, 1]);
    expect([cerp.clipGradNorm, cerp.negatives]).toEqual([100, 5]);
    expect(recipeDifferences(full, cerp)).toEqual(['clipGradNorm 100 (reference none)', 'negatives 5 (reference 1)']);
    const aligned = trainingRecipe(settings({ method: 'full', clipGradNorm: 100 }));
    expect(recipeDifferences(aligned, cerp)).toEqual(['negatives 5 (reference 1)']);
    expect(trainingRecipe(settings({ method: 'cerp', target: 0.5, clipGradNorm: 0 })).clipGradNorm).toBeNull();
    expect(trainingRecipe(resolveSettings({ data: 'synthetic-ctr', method: 'cerp', target: 0.5 })).negatives).toBeNull();
  });

  it('trainFromSettings clips every method when asked, and with test false never scores the test split', async () => {
    const s = settings({ method: 'qr', target: 0.5, clipGradNorm: 1e-6 });
    const clipped = await trainFromSettings(be, cf, s, { test: false });
    const free = await trainFromSettings(be, cf, { ...s, clipGradNorm: null }, { test: false });
    try {
      expect(clipped.recipe.clipGradNorm).toBe(1e-6);
      expect(clipped.result.test).toBeNull();
      expect(clipped.metrics['test.ndcg@20']).toBeUndefined();
      // A clip at 1e-6 all but freezes the weights: the two runs end apart.
      expect(clipped.result.bestValid!['ndcg@20']).not.toBe(free.result.bestValid!['ndcg@20']);
      expect(clipped.search).toBeNull();
    } finally {
      clipped.model.dispose();
      free.model.dispose();
    }
  });
});
