import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf } from '@lers/data';
import { LightGcn } from '../src/index.js';

/**
 * Full-ranking evaluation scores users in blocks of `evalBatchUsers` (one block's score matrix at a
 * time): the metrics must not depend on the block size, bit for bit.
 */
describe('LightGCN full-ranking evaluation in user blocks', () => {
  const backends: [string, HostBackend][] = [];
  beforeAll(async () => {
    backends.push(['wasm, 2 threads', await createWasmBackend({ threads: 2 })], ['reference', createReferenceBackend()]);
  });
  afterAll(() => {
    for (const [, be] of backends) be.dispose();
  });

  it('gives identical metrics for blocks of 1, 7, 64 and all users', async () => {
    const { dataset } = generateSyntheticCf({ users: 150, items: 2000, meanInteractions: 12, seed: 21 });
    for (const [name, be] of backends) {
      const results: Record<string, number>[] = [];
      for (const evalBatchUsers of [1, 7, 64, dataset.users]) {
        const model = LightGcn.create(be, dataset, { dim: 8, ks: [5, 20], evalBatchUsers, seed: 4, table: { init: { kind: 'normal', std: 0.3 } } });
        results.push({ ...(await model.evaluate('valid')), ...Object.fromEntries(Object.entries(await model.evaluate('test')).map(([k, v]) => [`test ${k}`, v])) });
        model.dispose();
      }
      expect(results[0].users, name).toBeGreaterThan(100);
      expect(results[0]['test ndcg@20'], name).toBeGreaterThan(0);
      for (const r of results.slice(1)) expect(r, name).toEqual(results[0]);
    }
  });
});
