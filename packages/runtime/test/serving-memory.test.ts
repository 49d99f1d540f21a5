/**
 * What a LightGCN served per request (`propagate`, the edge setting) holds: a compressed model must
 * hold less than the full one. Its compressed tables have no dense E0 to read in place, and serving
 * must not keep a dense copy of E0 between requests (nor between layers) to make up for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import type { CfDataset } from '@lers/data';
import { compressModel, type RecommenderModel, type TrainSettings } from '@lers/models';
import { MemoryLimitError, Recommender } from '../src/index.js';
import { cfDataset, cfSettings, modelBytes, trained } from './helpers.js';

let be: HostBackend;
let ds: CfDataset;

beforeAll(async () => {
  be = await createWasmBackend();
  ds = cfDataset();
});
afterAll(() => {
  be.dispose();
});

/** Trains `method` at `target` and measures it loaded in propagate mode (see held). */
async function heldBytes(method: string, target: number | null, layers: number): Promise<{ held: number; tables: number }> {
  const s = { ...cfSettings(method, target), layers };
  const model = await trained(be, ds, s);
  try {
    return await held(model, s);
  } finally {
    model.dispose();
  }
}

describe('propagate-mode memory', () => {
  for (const layers of [1, 3]) {
    it(`${layers} layer(s): QR and TT-Rec at 80% hold less than the full model, by about the tables' difference (their tables read in place)`, async () => {
      const full = await heldBytes('full', null, layers);
      for (const method of ['qr', 'ttrec']) {
        const small = await heldBytes(method, 0.8, layers);
        expect(small.held).toBeLessThan(full.held);
        // The rest (graph, propagation buffers) is the same, except: at 1 layer a compressed user
        // table needs one more user buffer (E0 of the users while the first layer reads it); small
        // id helpers. No copy of the tables: QR's R and Q and TT-Rec's cores, like full tables, are
        // used where they lie in the file.
        const extra = (layers === 1 ? ds.users * 16 * 4 : 0) + 2048;
        expect(small.held - small.tables).toBeLessThanOrEqual(full.held - full.tables + extra);
      }
    });
  }
});

describe('CSR and quantized tables read in place', () => {
  it('magprune, randprune and magprune-int8 tables at 80%, PTQ\'s int8 and fp16 codes, PEP\'s at 50% and CERP\'s at 80% use the file\'s sections: no copy beyond the full model\'s layout', async () => {
    const s = { ...cfSettings('full', null), layers: 3 };
    const fullModel = await trained(be, ds, s);
    try {
      const full = await held(fullModel, s);
      const cases: { method: string; make: () => Promise<{ model: RecommenderModel; settings: TrainSettings; dispose: () => void }> }[] = [
        ...([['magprune', 0.8], ['randprune', 0.8], ['magprune-int8', 0.8], ['ptq', 0.75], ['ptq', 0.5]] as const).map(([method, target]) => ({
          method,
          make: async () => {
            const settings = { ...cfSettings(method, target), layers: 3, methodOptions: {} };
            const c = await compressModel(be, fullModel, ds, settings, { method, target, options: {}, kMin: 0, tolerance: 0.01 });
            return { model: c.model, settings, dispose: () => { c.model.dispose(); } };
          },
        })),
        ...([['pep', 0.5], ['cerp', 0.8]] as const).map(([method, target]) => ({
          method,
          make: async () => {
            const settings = { ...cfSettings(method, target), layers: 3 };
            const model = await trained(be, ds, settings);
            return { model, settings, dispose: () => { model.dispose(); } };
          },
        })),
      ];
      for (const c of cases) {
        const { model, settings, dispose } = await c.make();
        try {
          const small = await held(model, settings);
          // Besides the file (holding the CSR or the codes) the serving form holds what the full
          // model's does: a copy would add small.tables; allowed: id helpers and section padding.
          expect(small.held - small.tables, c.method).toBeLessThanOrEqual(full.held - full.tables + 2048);
          // At 80% the CSR (8 bytes a kept entry) is smaller than the dense table; at 50% it is not.
          if (c.method !== 'pep') expect(small.held, c.method).toBeLessThan(full.held);
          if (c.method === 'cerp') expect(small.tables, 'cerp: P and Q as CSRs, not dense').toBeLessThan(full.tables / 2);
        } finally {
          dispose();
        }
      }
    } finally {
      fullModel.dispose();
    }
  });
});

describe('QAT served as its codes', () => {
  it('an 8-bit QAT model holds its int8 codes besides the file, not an fp32 copy of its masters with their gradients', async () => {
    const s = { ...cfSettings('full', null), layers: 3 };
    const fullModel = await trained(be, ds, s);
    const full = await held(fullModel, s);
    fullModel.dispose();
    const qs = { ...cfSettings('qat', 0.75), layers: 3 };
    const qat = await trained(be, ds, qs);
    try {
      const small = await held(qat, qs);
      // The file holds the fp32 masters as the full model's holds its tables; serving adds the codes
      // (a quarter of them, plus the per-table scale) and id helpers, never the masters again.
      expect(small.held).toBeLessThanOrEqual(full.held + full.tables / 4 + 4096);
    } finally {
      qat.dispose();
    }
  });
});

/** Backend bytes a model holds loaded in propagate mode, and its tables' bytes. */
async function held(model: RecommenderModel, s: TrainSettings): Promise<{ held: number; tables: number }> {
  const rec = await Recommender.load(await modelBytes(model, s), { backend: 'wasm', serving: 'propagate' });
  try {
    const info = rec.info();
    return { held: info.memoryBytes, tables: Number(info.sizes.memoryBytes) };
  } finally {
    rec.dispose();
  }
}

describe('memoryLimit', () => {
  it('loads a model within the limit, and refuses one past it before allocating past it', async () => {
    const s = cfSettings('qr', 0.8);
    const model = await trained(be, ds, s);
    const bytes = await modelBytes(model, s);
    model.dispose();
    const rec = await Recommender.load(bytes, { backend: 'wasm', serving: 'propagate' });
    const held = rec.info().memoryBytes;
    rec.dispose();
    const within = await Recommender.load(bytes, { backend: 'wasm', serving: 'propagate', memoryLimit: held + 64 * 1024 });
    expect(within.info().memoryBytes).toBe(held);
    within.dispose();
    await expect(Recommender.load(bytes, { backend: 'wasm', serving: 'propagate', memoryLimit: Math.floor(held * 0.7) })).rejects.toThrow(MemoryLimitError);
    await expect(Recommender.load(bytes, { backend: 'wasm', serving: 'propagate', memoryLimit: Math.floor(held * 0.7) })).rejects.toThrow(/needs more than the memory limit of \d+ bytes/);
    await expect(Recommender.load(bytes, { backend: 'wasm', memoryLimit: bytes.length - 1 })).rejects.toThrow(/the file holds \d+ of them/);
  });
});
