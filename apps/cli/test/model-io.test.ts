/**
 * Model files in process: every method round-trips (save, encode, decode, load) with identical
 * recommendations (CF) and predictions (CTR) before save and after load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr, type CfDataset, type CtrDataset, type JsonObject } from '@lers/data';
import { decodeModelFile, encodeModelFile } from '@lers/embeddings';
import { DcnMix, DeepFm, LightGcn } from '@lers/models';
import { defaultSettings, type TrainSettings } from '../src/config/settings.js';
import { createTables, buildModel, planTables, modelTables, type AnyModel } from '../src/model-io/build.js';
import { datasetInfo, loadModel, saveModel, tableSizes } from '../src/model-io/model-io.js';
import { knownMethods, POST_TRAINING_METHODS } from '../src/model-io/methods.js';
import { CfRecommender, CtrPredictor } from '../src/model-io/serve.js';
import { compressModel } from '../src/run/compress.js';
import { trainFromSettings, type PreparedData } from '../src/run/training.js';

const USERS = [0, 5, 17, 42];

function recommendations(model: LightGcn): { items: number[]; scores: number[] }[] {
  const rec = new CfRecommender(model);
  try {
    rec.propagate();
    return USERS.map((u) => {
      const r = rec.recommend(u, 10);
      return { items: Array.from(r.items), scores: Array.from(r.scores) };
    });
  } finally {
    rec.dispose();
  }
}

async function roundTrip(be: HostBackend, model: AnyModel, s: TrainSettings, data: PreparedData): Promise<AnyModel> {
  const contents = await saveModel(model, {
    settings: s,
    config: s as unknown as JsonObject,
    method: { name: s.method, target: s.target },
    dataset: datasetInfo(data.ref, data.name, data.dataset),
    metrics: { 'test.x': 1 },
  });
  const bytes = encodeModelFile(contents);
  // Sections are views into the bytes: load from a copy whose buffer holds nothing else.
  const file = decodeModelFile(new Uint8Array(bytes), 'roundtrip.lers');
  expect(file.header.method.name).toBe(s.method);
  return loadModel(file, be).model;
}

const TRAINABLE = knownMethods()
  .filter((m) => m.available && (m.kind === 'train' || m.kind === 'baseline' || m.kind === 'pipeline'))
  .map((m) => m.name);

describe('model files: round trip of every method, identical recommendations (CF)', () => {
  let be: HostBackend;
  let data: PreparedData;
  let base: TrainSettings;
  let full: LightGcn | null = null;
  beforeAll(async () => {
    be = await createBackend();
    const dataset: CfDataset = generateSyntheticCf({ users: 120, items: 160, seed: 5 }).dataset;
    data = { ref: { kind: 'synthetic', name: 'synthetic-cf', options: { users: 120, items: 160, seed: 5 } }, name: 'synthetic-cf', dataset };
    base = { ...defaultSettings('cf', 'lightgcn', 'synthetic-cf'), epochs: 2, dim: 16, batchSize: 512, lr: 0.01, clWeight: 0, searchEpochs: 6 };
  });
  afterAll(() => {
    full?.dispose();
    be.dispose();
  });

  it.each(TRAINABLE)('%s', async (method) => {
    // Tiny tables: options that let every method reach its target (DHE with fewer hashes).
    const methodOptions: JsonObject = method === 'pep' || method === 'cerp' ? { thresholdInit: -2.5, capture: 'exact' } : method === 'dhe' ? { k: 16 } : {};
    const target = method === 'full' ? null : 0.5;
    const s: TrainSettings = { ...base, method, target, methodOptions, budgetTolerance: 0.05 };
    const outcome = await trainFromSettings(be, data, s, { io: null });
    const model = outcome.model as LightGcn;
    const before = recommendations(model);
    const loaded = (await roundTrip(be, model, s, data)) as LightGcn;
    try {
      expect(recommendations(loaded)).toEqual(before);
      expect(tableSizes(modelTables(loaded)).params).toBe(tableSizes(modelTables(model)).params);
    } finally {
      loaded.dispose();
      if (method === 'full' && full === null) full = model;
      else model.dispose();
    }
  });

  it.each(POST_TRAINING_METHODS)('%s (compressed from the full model)', async (method) => {
    expect(full).not.toBeNull();
    const target = method === 'ptq' ? 0.5 : 0.8;
    const s: TrainSettings = { ...base, method, target };
    const c = await compressModel(be, full!, data.dataset, s, { method, target, options: {}, kMin: method === 'randprune' || method === 'ptq' ? 0 : 'auto', tolerance: 0.01 });
    const before = recommendations(c.model as LightGcn);
    const loaded = (await roundTrip(be, c.model, s, data)) as LightGcn;
    try {
      expect(recommendations(loaded)).toEqual(before);
      expect(Object.values(modelTables(loaded)).map((t) => t.method)).toEqual([method, method]);
    } finally {
      loaded.dispose();
      c.model.dispose();
    }
  });
});

describe('model files: CTR round trip, identical predictions', () => {
  let be: HostBackend;
  let data: PreparedData;
  beforeAll(async () => {
    be = await createBackend();
    const dataset: CtrDataset = generateSyntheticCtr({ rows: 1500, cardinalities: [50, 20, 10, 5], seed: 3 }).dataset;
    data = { ref: { kind: 'synthetic', name: 'synthetic-ctr', options: { rows: 1500, cardinalities: [50, 20, 10, 5], seed: 3 } }, name: 'synthetic-ctr', dataset };
  });
  afterAll(() => { be.dispose(); });

  it.each([
    ['deepfm', 'full', null],
    ['deepfm', 'qr', 0.5],
    ['dcnmix', 'ttrec', 0.5],
    ['dcnmix', 'dhe', 0.8],
  ] as const)('%s with %s', async (backbone, method, target) => {
    const s: TrainSettings = {
      ...defaultSettings('ctr', backbone, 'synthetic-ctr'),
      method,
      target,
      methodOptions: method === 'dhe' ? { k: 16 } : {},
      budgetTolerance: 0.05,
      epochs: 1,
      batchSize: 256,
      hidden: [8, 8],
      rank: 4,
      experts: 2,
      crossLayers: 2,
      dropout: 0.2,
    };
    const tables = createTables(be, planTables(s, data.dataset));
    const model = buildModel(be, data.dataset, s, tables) as DeepFm | DcnMix;
    const ds = data.dataset as CtrDataset;
    const x = ds.x.slice(0, 40 * ds.fields);
    // Serving predictions go through a shell dataset: compare on the loaded copy and a second load.
    const loaded = (await roundTrip(be, model, s, data)) as DeepFm | DcnMix;
    const again = (await roundTrip(be, loaded, s, data)) as DeepFm | DcnMix;
    try {
      const p1 = await new CtrPredictor(loaded).predict(x, 40);
      const p2 = await new CtrPredictor(again).predict(x, 40);
      expect(Array.from(p2)).toEqual(Array.from(p1));
      const direct = await model.predictLogits(Int32Array.from({ length: 40 }, (_, i) => i));
      expect(Array.from(p1)).toEqual(Array.from(direct, (z) => Math.fround(1 / (1 + Math.exp(-z)))));
    } finally {
      again.dispose();
      loaded.dispose();
      model.dispose();
    }
  });
});
