/**
 * Saved models served by the runtime: every method's CF model gives, on every host backend and in
 * every serving mode, the top-k of the model that was saved (checked against host scoring of that
 * model's final embeddings, ties aside); CTR probabilities equal the saved model's within 1e-6.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import type { CfDataset } from '@lers/data';
import { compressModel, CtrModel, LightGcn, methodRegistrations, type RecommenderModel } from '@lers/models';
import { Recommender, type CfServingMode } from '../src/index.js';
import { cfDataset, cfSettings, ctrDataset, ctrSettings, expectTopK, hostScores, modelBytes, trained } from './helpers.js';

const USERS = [0, 5, 17, 42, 119];
const K = 10;
const LOADS: readonly { backend: 'wasm' | 'wasm-scalar' | 'reference'; threads: number; serving: CfServingMode }[] = [
  { backend: 'wasm', threads: 1, serving: 'propagate' },
  { backend: 'wasm', threads: 2, serving: 'cached' },
  { backend: 'wasm-scalar', threads: 1, serving: 'cached' },
  { backend: 'reference', threads: 1, serving: 'propagate' },
  { backend: 'wasm', threads: 1, serving: 'cached-int8' },
];

describe('CF models of every trained and search method, and of every post-training method, served on every host backend', () => {
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

  async function check(model: RecommenderModel, bytes: Uint8Array): Promise<void> {
    if (!(model instanceof LightGcn)) throw new Error('expected a LightGCN');
    const lgn = model;
    const d = lgn.config.dim;
    const final = be.view(lgn.finalEmbeddings()).slice();
    for (const load of LOADS) {
      const rec = await Recommender.load(bytes, load);
      try {
        expect(rec.backend).toBe(load.backend);
        expect(rec.threads).toBe(load.threads);
        const got = await rec.recommendMany(USERS, { k: K });
        // int8 caches are within a quantisation step of the fp32 scores.
        const tol = load.serving === 'cached-int8' ? 2e-2 : 1e-5;
        got.forEach((r, i) => {
          expect(r.user).toBe(USERS[i]);
          expectTopK(r, hostScores(final, ds, USERS[i], d), tol, K);
        });
        // One user alone gives what the batch gave.
        expect(await rec.recommend(USERS[2], { k: K })).toEqual(got[2]);
        // A call of more than one batch of users propagates all of them (propagate mode), while the
        // calls above computed only their own users' last layer: the same bits either way.
        const all = await rec.recommendMany(Array.from({ length: rec.info().dataset.users }, (_, u) => u), { k: K });
        expect(all.length).toBeGreaterThan(64);
        USERS.forEach((u, i) => { expect(all[u]).toEqual(got[i]); });
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
      await check(model, await modelBytes(model, s));
    } finally {
      if (method === 'full' && full === null && model instanceof LightGcn) full = model;
      else model.dispose();
    }
  });

  it('ttrec with its LFU cache (filled after the first epoch; cores and cache read in place)', async () => {
    const s = { ...cfSettings('ttrec', 0.8), methodOptions: { cache: true } };
    const model = await trained(be, ds, s);
    try {
      await check(model, await modelBytes(model, s));
    } finally {
      model.dispose();
    }
  });

  const post = methodRegistrations().filter((m) => m.kind === 'post-training').map((m) => m.name);
  it.each(post)('%s (compressed from the full model)', async (method) => {
    expect(full).not.toBeNull();
    const target = method === 'ptq' ? 0.5 : 0.8;
    const s = { ...cfSettings(method, target), methodOptions: {} };
    const c = await compressModel(be, full!, ds, s, { method, target, options: {}, kMin: method === 'randprune' || method === 'ptq' ? 0 : 'auto', tolerance: 0.01 });
    try {
      await check(c.model, await modelBytes(c.model, s));
    } finally {
      c.model.dispose();
    }
  });
});

describe('CTR models served on every host backend: the saved model\'s probabilities', () => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await createWasmBackend();
  });
  afterAll(() => {
    be.dispose();
  });

  it.each([
    ['deepfm', 'full', null],
    ['deepfm', 'qr', 0.5],
    ['dcnmix', 'ttrec', 0.5],
    ['dcnmix', 'dhe', 0.8],
    ['deepfm', 'qat', 0.75],
    ['dcnmix', 'qat', 0.875],
  ] as const)('%s with %s', async (backbone, method, target) => {
    const ds = ctrDataset();
    const s = ctrSettings(backbone, method, target);
    const model = await trained(be, ds, s);
    try {
      if (!(model instanceof CtrModel)) throw new Error('expected a CTR model');
      const bytes = await modelBytes(model, s);
      const rows = 40;
      const x = ds.x.slice(0, rows * ds.fields);
      const want = Array.from(await model.logitsOf(x), (z) => 1 / (1 + Math.exp(-z)));
      for (const load of LOADS.filter((l) => l.serving !== 'cached-int8')) {
        const rec = await Recommender.load(bytes, load);
        try {
          const got = await rec.predict(x);
          got.forEach((p, i) => {
            expect(Math.abs(p - want[i])).toBeLessThanOrEqual(1e-6);
          });
          // Rows as arrays give the same answer.
          const asRows = Array.from({ length: rows }, (_, r) => Array.from(x.subarray(r * ds.fields, (r + 1) * ds.fields)));
          expect(Array.from(await rec.predict(asRows))).toEqual(Array.from(got));
        } finally {
          rec.dispose();
        }
      }
    } finally {
      model.dispose();
    }
  });
});
