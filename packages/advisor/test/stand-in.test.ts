/**
 * Stand-in models hold what the trained model holds: a model trained (or compressed) and saved as
 * the bench does, and the stand-in built from its cell's settings, both loaded through the runtime
 * for serving, hold the same bytes but for the header text; measuring them gives profiles with
 * every phase.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr, type Dataset, type JsonObject } from '@lers/data';
import { encodeModelFile } from '@lers/embeddings';
import { compressModel, datasetInfo, defaultSettings, planOptions, saveModel, trainFromSettings, type RecommenderModel, type TrainSettings } from '@lers/models';
import { Recommender } from '@lers/runtime';
import { measureRecommender, PROFILE_LOAD_OPTIONS, shapeDataset, shapeOfCell, standInModel, standInUnavailable, type BenchCell } from '../src/index.js';

const CF_OPTIONS = { users: 90, items: 120, seed: 4 };
const CTR_OPTIONS = { rows: 1200, cardinalities: [40, 12, 6], seed: 2 };

function cfSettings(method: string, target: number | null): TrainSettings {
  return { ...defaultSettings('cf', 'lightgcn', 'synthetic-cf'), dataOptions: CF_OPTIONS, method, target, epochs: 1, dim: 16, batchSize: 512, clWeight: 0, budgetTolerance: 0.05 };
}

function ctrSettings(method: string, target: number | null): TrainSettings {
  return { ...defaultSettings('ctr', 'deepfm', 'synthetic-ctr'), dataOptions: CTR_OPTIONS, method, target, epochs: 1, batchSize: 256, hidden: [8, 8], budgetTolerance: 0.05 };
}

function cellOf(s: TrainSettings, kMin: number | null = null): BenchCell & { kMin: number | null } {
  return { id: `${s.data}__${s.backbone}__${s.method}`, dataset: s.data, backbone: s.backbone, method: s.method, target: s.target, status: 'ok', settings: s as unknown as JsonObject, kMin };
}

async function bytesOf(model: RecommenderModel, s: TrainSettings, options: Record<string, JsonObject>): Promise<Uint8Array> {
  const contents = await saveModel(model, { settings: s, config: s as unknown as JsonObject, method: { name: s.method, target: s.target, options }, dataset: datasetInfo({ kind: 'synthetic' }, s.data, model.dataset), metrics: { 'test.x': 0.5 } });
  return encodeModelFile(contents);
}

async function held(bytes: Uint8Array): Promise<{ memory: number; fileBytes: number; phases: string[] }> {
  const rec = await Recommender.load(bytes, { backend: 'wasm', ...PROFILE_LOAD_OPTIONS });
  try {
    const p = await measureRecommender(rec, { repeats: 2, warmup: 1 });
    expect(p.latencyMs).toBeGreaterThan(0);
    return { memory: p.memoryBytes, fileBytes: bytes.byteLength, phases: Object.keys(p.phases) };
  } finally {
    rec.dispose();
  }
}

/** The trained model's and the stand-in's held bytes agree up to their files' header difference (and allocator rounding). */
function expectSameStructure(a: { memory: number; fileBytes: number }, b: { memory: number; fileBytes: number }): void {
  expect(Math.abs(a.memory - b.memory)).toBeLessThanOrEqual(Math.abs(a.fileBytes - b.fileBytes) + 64);
}

let be: HostBackend;
let cf: Dataset;
let ctr: Dataset;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 1 });
  cf = generateSyntheticCf(CF_OPTIONS).dataset;
  ctr = generateSyntheticCtr(CTR_OPTIONS).dataset;
});
afterAll(() => {
  be.dispose();
});

describe('stand-in models', () => {
  it('reads the shape of a synthetic cell and regenerates the same data', () => {
    const shape = shapeOfCell(cellOf(cfSettings('qr', 0.8)));
    expect(shape).toEqual({ task: 'cf', users: 90, items: 120, seed: 4 });
    const again = shapeDataset(shape!);
    expect(again.kind === 'cf' && cf.kind === 'cf' && again.train.indices).toEqual(cf.kind === 'cf' ? cf.train.indices : null);
    expect(shapeOfCell({ ...cellOf(cfSettings('qr', 0.8)), settings: { ...cfSettings('qr', 0.8), data: '/data/lastfm' } })).toBeNull();
    expect(shapeOfCell(cellOf(ctrSettings('qr', 0.8)))).toEqual({ task: 'ctr', cardinalities: [40, 12, 6], rows: 1200, seed: 2 });
  });

  it('a trained QR (50%) LightGCN and its stand-in hold the same bytes (propagate serving)', async () => {
    const s = cfSettings('qr', 0.5);
    const trained = await trainFromSettings(be, cf, s);
    const real = await held(await bytesOf(trained.model, s, planOptions(trained.plans)));
    trained.model.dispose();
    const stand = await held(await standInModel(be, shapeDataset(shapeOfCell(cellOf(s))!), cellOf(s)));
    expect(stand.phases).toEqual(['propagation', 'scoring', 'filtering', 'topk', 'total']);
    expectSameStructure(real, stand);
  });

  it('a post-training MagPrune model and its stand-in (an untrained full model pruned) hold the same bytes', async () => {
    const full = cfSettings('full', null);
    const s = cfSettings('magprune', 0.8);
    const trained = await trainFromSettings(be, cf, full);
    const c = await compressModel(be, trained.model, cf, s, { method: 'magprune', target: 0.8, options: {}, kMin: 2, tolerance: 0.05 });
    trained.model.dispose();
    const real = await held(await bytesOf(c.model, s, c.options));
    c.model.dispose();
    const stand = await held(await standInModel(be, cf, cellOf(s, 2)));
    expectSameStructure(real, stand);
  });

  it('a trained TT-Rec DeepFM and its stand-in hold the same bytes', async () => {
    const s = ctrSettings('ttrec', 0.8);
    const trained = await trainFromSettings(be, ctr, s);
    const real = await held(await bytesOf(trained.model, s, planOptions(trained.plans)));
    trained.model.dispose();
    const stand = await held(await standInModel(be, ctr, cellOf(s)));
    expect(stand.phases).toEqual(['batch', 'single']);
    expectSameStructure(real, stand);
  });

  it('has no stand-in for search-then-retrain methods, nor for a cell of the other task', async () => {
    expect(standInUnavailable(cellOf(cfSettings('pep', 0.8)))).toMatch(/pep is search-then-retrain/);
    expect(standInUnavailable({ ...cellOf(cfSettings('qr', 0.8)), settings: undefined })).toMatch(/no settings/);
    await expect(standInModel(be, cf, cellOf(cfSettings('optembed', 0.8)))).rejects.toThrow(/no stand-in model: optembed is search-then-retrain/);
    await expect(standInModel(be, ctr, cellOf(cfSettings('qr', 0.8)))).rejects.toThrow(/a cf cell needs a cf dataset shape, got ctr/);
  });
});
