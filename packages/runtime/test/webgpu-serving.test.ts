/**
 * Every method served on WebGPU (Dawn in Node; Mesa's llvmpipe without a GPU) gives the top-k of
 * the model saved on WASM (ties aside), and CTR models its probabilities. Without an adapter the
 * tests skip with the reason printed; with LERS_REQUIRE_WEBGPU=1 (CI) that is a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import type { CfDataset } from '@lers/data';
import { compressModel, CtrModel, LightGcn, methodRegistrations, type RecommenderModel } from '@lers/models';
import { Recommender, dawnAdapter, type CfServingMode } from '../src/node/index.js';
import { cfDataset, cfSettings, ctrDataset, ctrSettings, expectTopK, hostScores, modelBytes, trained } from './helpers.js';
import { webGpuOrSkip } from '@lers/test-support';

const skip = (await webGpuOrSkip('WebGPU serving tests', dawnAdapter)) === null;
const USERS = [0, 5, 17, 42, 119];
const K = 10;

describe.skipIf(skip)('every method served on WebGPU gives the top-k of the model saved on WASM', () => {
  let be: HostBackend;
  let ds: CfDataset;
  let full: LightGcn | null = null;
  beforeAll(async () => {
    be = await createWasmBackend();
    ds = cfDataset();
  });
  afterAll(() => {
    full?.dispose();
    be.dispose();
  });

  /** Loads `bytes` on WebGPU in `serving` mode and checks its top-k against host scoring of the saved model. */
  async function check(model: RecommenderModel, bytes: Uint8Array, modes: readonly CfServingMode[]): Promise<void> {
    if (!(model instanceof LightGcn)) throw new Error('expected a LightGCN');
    const d = model.config.dim;
    const final = be.view(model.finalEmbeddings()).slice();
    for (const serving of modes) {
      const rec = await Recommender.load(bytes, { backend: 'webgpu', serving });
      try {
        expect(rec.backend).toBe('webgpu');
        expect(rec.info().backend.adapter).toEqual(expect.any(String));
        const got = await rec.recommendMany(USERS, { k: K });
        // f32 sums in another order than WASM's; int8 caches within a quantisation step.
        const tol = serving === 'cached-int8' ? 2e-2 : 1e-5;
        got.forEach((r, i) => {
          expect(r.user).toBe(USERS[i]);
          expectTopK(r, hostScores(final, ds, USERS[i], d), tol, K);
        });
      } finally {
        rec.dispose();
      }
    }
  }

  const searchOrTrained = methodRegistrations().filter((m) => m.kind !== 'post-training').map((m) => m.name);
  it.each(searchOrTrained)('%s', async (method) => {
    const s = cfSettings(method, method === 'full' ? null : 0.5);
    const model = await trained(be, ds, s);
    try {
      // Every serving mode once (full), the default elsewhere.
      await check(model, await modelBytes(model, s), method === 'full' ? ['cached', 'propagate', 'cached-int8'] : ['cached']);
    } finally {
      if (method === 'full' && full === null && model instanceof LightGcn) full = model;
      else model.dispose();
    }
  });

  const post = methodRegistrations().filter((m) => m.kind === 'post-training').map((m) => m.name);
  it.each(post)('%s (compressed from the full model)', async (method) => {
    expect(full).not.toBeNull();
    const target = method === 'ptq' ? 0.5 : 0.8;
    const s = { ...cfSettings(method, target), methodOptions: {} };
    const c = await compressModel(be, full!, ds, s, { method, target, options: {}, kMin: 0, tolerance: 0.01 });
    try {
      await check(c.model, await modelBytes(c.model, s), ['propagate']);
    } finally {
      c.model.dispose();
    }
  });
});

describe.skipIf(skip)('CTR models served on WebGPU: the probabilities of the model saved on WASM', () => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await createWasmBackend();
  });
  afterAll(() => {
    be.dispose();
  });

  it.each([
    ['deepfm', 'full', null],
    ['deepfm', 'qat', 0.75],
    ['dcnmix', 'magprune-int8', 0.8],
    ['dcnmix', 'dhe', 0.8],
  ] as const)('%s with %s', async (backbone, method, target) => {
    const ds = ctrDataset();
    const s = ctrSettings(backbone, method, target);
    let model = await trained(be, ds, method === 'magprune-int8' ? ctrSettings(backbone, 'full', null) : s);
    if (method === 'magprune-int8') {
      const c = await compressModel(be, model, ds, s, { method, target: 0.8, options: {}, kMin: 0, tolerance: 0.01 });
      model.dispose();
      model = c.model;
    }
    try {
      if (!(model instanceof CtrModel)) throw new Error('expected a CTR model');
      const x = ds.x.slice(0, 40 * ds.fields);
      const want = Array.from(await model.logitsOf(x), (z) => 1 / (1 + Math.exp(-z)));
      const rec = await Recommender.load(await modelBytes(model, s), { backend: 'webgpu' });
      try {
        const got = await rec.predict(x);
        got.forEach((p, i) => {
          expect(Math.abs(p - want[i]), `row ${i}`).toBeLessThanOrEqual(1e-5);
        });
      } finally {
        rec.dispose();
      }
    } finally {
      model.dispose();
    }
  });
});
