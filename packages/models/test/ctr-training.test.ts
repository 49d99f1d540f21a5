/**
 * DeepFM and DCN-Mix trained by the training loop on synthetic CTR data from @lers/data, whose
 * generator exposes the planted logistic-FM model: the trained AUC must approach the planted
 * model's own (Bayes-optimal) AUC on the same test rows. Small data and widths keep it to seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { generateSyntheticCtr, type SyntheticCtr } from '@lers/data';
import { auc, logLossFromLogits } from '@lers/eval';
import { createTable } from '@lers/embeddings';
import { batchCount, DcnMix, DeepFm, shuffledBatches } from '../src/ctr/index.js';
import { train } from '../src/train/train.js';

const adam = { kind: 'adam', lr: 3e-3, weightDecay: 1e-6 } as const;

describe('CTR models on planted synthetic data', () => {
  let be: HostBackend;
  let synth: SyntheticCtr;
  let plantedAuc: number;
  beforeAll(async () => {
    be = await createWasmBackend({ threads: 2 });
    synth = generateSyntheticCtr({ rows: 60_000, cardinalities: [60, 40, 30, 20, 12, 8, 5, 3], seed: 7 });
    const test = synth.dataset.split.test;
    plantedAuc = auc(Array.from(test, (r) => synth.planted.logits[r]), Array.from(test, (r) => synth.dataset.labels[r]));
  });
  afterAll(() => {
    be.dispose();
  });

  it('DeepFM trains to near the planted model AUC', async () => {
    const model = new DeepFm({ dataset: synth.dataset, backend: be, hidden: [64, 64], batchSize: 512, seed: 1 });
    const before = await model.evaluate('test');
    const result = await train(model, { epochs: 6, seed: 1, optimizer: adam });
    const after = result.test!;
    console.log(`DeepFM: planted AUC ${plantedAuc.toFixed(4)}, before ${before.auc.toFixed(4)}, trained ${after.auc.toFixed(4)} (logloss ${after.logloss.toFixed(4)})`);
    expect(plantedAuc).toBeGreaterThan(0.8);
    expect(after.auc).toBeGreaterThan(before.auc + 0.1);
    expect(after.auc).toBeGreaterThan(plantedAuc - 0.05);
    expect(after.logloss).toBeLessThan(before.logloss);
    // evaluate() is @lers/eval on the model's logits.
    const test = synth.dataset.split.test;
    const logits = await model.predictLogits(test);
    const labels = Array.from(test, (r) => synth.dataset.labels[r]);
    expect(after.auc).toBeCloseTo(auc(logits, labels), 12);
    expect(after.logloss).toBeCloseTo(logLossFromLogits(logits, labels), 9);
    model.dispose();
  });

  it('DCN-Mix trains well above chance', async () => {
    const model = new DcnMix({ dataset: synth.dataset, backend: be, hidden: [64, 64], crossLayers: 2, rank: 8, batchSize: 1024, seed: 1 });
    const result = await train(model, { epochs: 3, seed: 1, optimizer: adam });
    const after = result.test!;
    console.log(`DCN-Mix: planted AUC ${plantedAuc.toFixed(4)}, trained ${after.auc.toFixed(4)} (logloss ${after.logloss.toFixed(4)})`);
    expect(after.auc).toBeGreaterThan(0.75);
    expect(after.auc).toBeGreaterThan(plantedAuc - 0.07);
    model.dispose();
  });
});

describe('CTR model plumbing', () => {
  const small = generateSyntheticCtr({ rows: 3000, cardinalities: [30, 20, 10, 5], seed: 3 }).dataset;

  it('is deterministic and gives the same result on the reference backend and WASM with 1 or 2 threads', async () => {
    const run = async (be: HostBackend): Promise<number[]> => {
      const model = new DeepFm({ dataset: small, backend: be, hidden: [16, 8], embedDim: 8, batchSize: 256, seed: 5 });
      const r = await train(model, { epochs: 2, seed: 9, optimizer: adam });
      model.dispose();
      be.dispose();
      return [...r.history.map((h) => h.loss), r.test!.auc, r.test!.logloss];
    };
    const a = await run(await createWasmBackend({ threads: 1 }));
    const b = await run(await createWasmBackend({ threads: 1 }));
    const c = await run(await createWasmBackend({ threads: 2 }));
    const d = await run(createReferenceBackend());
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    for (let i = 0; i < a.length; i++) expect(d[i]).toBeCloseTo(a[i], 4);
  });

  it('batches: a seeded shuffle of the train rows, full-size chunks, a one-row tail dropped', () => {
    const train = Int32Array.from({ length: 11 }, (_, i) => 100 + i);
    const got = [...shuffledBatches(train, 5, new Rng(1))];
    expect(got.map((b) => b.rows.length)).toEqual([5, 5]);
    expect(batchCount(11, 5)).toBe(2);
    expect(batchCount(12, 5)).toBe(3);
    expect(batchCount(10, 5)).toBe(2);
    const again = [...shuffledBatches(train, 5, new Rng(1))];
    expect(again.map((b) => Array.from(b.rows))).toEqual(got.map((b) => Array.from(b.rows)));
    const all = [...shuffledBatches(train, 4, new Rng(2))].flatMap((b) => Array.from(b.rows));
    expect(all.sort((x, y) => x - y)).toEqual(Array.from(train));
    expect(Array.from(train)).toEqual(Array.from({ length: 11 }, (_, i) => 100 + i)); // untouched
  });

  it('takes a ready table of the right shape, rejects a wrong one, and reports its parameters and buffers', async () => {
    const be = await createWasmBackend({ threads: 1 });
    const rows = small.fieldDims.reduce((s, d) => s + d, 0);
    const table = createTable('full', { rows, dim: 4, backend: be, seed: 1, name: 'embedding' });
    const model = new DeepFm({ dataset: small, backend: be, embedDim: 4, hidden: [8], table, seed: 2 });
    expect(model.table).toBe(table);
    expect(model.parameters()[0].name).toBe('embedding.weight');
    expect(Object.keys(model.buffers())).toEqual(['dnn.1.running_mean', 'dnn.1.running_var']);
    expect(model.batchesPerEpoch()).toBe(batchCount(small.split.train.length, 2048));
    expect(model.selectionMetric).toBe('auc');
    const m = await model.evaluate('valid');
    expect(Object.keys(m)).toEqual(['auc', 'logloss']);
    const wrong = createTable('full', { rows: rows + 1, dim: 4, backend: be, seed: 1 });
    expect(() => new DeepFm({ dataset: small, backend: be, embedDim: 4, table: wrong })).toThrow(/table is/);
    wrong.dispose();
    model.dispose();
    be.dispose();
  });
});
