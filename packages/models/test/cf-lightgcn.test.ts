import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { csrHas, generateSyntheticCf } from '@lers/data';
import { rankingMetricsFromScores } from '@lers/eval';
import { LightGcn, mostPopularMetrics, PairSampler, train, type LightGcnBatch, type Metrics } from '../src/index.js';
import { fiveBySeven, tinyDataset } from './cf-helpers.js';

let be: HostBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  be.dispose();
});

describe('LightGCN batches', () => {
  it('cover every train pair once per epoch, with negatives that are never train items', () => {
    const { dataset } = generateSyntheticCf({ users: 60, items: 40, meanInteractions: 8, seed: 3 });
    const model = LightGcn.create(be, dataset, { dim: 8, batchSize: 50 });
    const rng = new Rng(1);
    const seen = new Set<number>();
    let batches = 0;
    for (const batch of model.batches(1, rng)) {
      const { users, positives, negatives } = model.batchIds(batch);
      expect(model.samplesIn(batch)).toBe(users.length);
      for (let k = 0; k < users.length; k++) {
        const key = users[k] * dataset.items + positives[k];
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        expect(csrHas(dataset.train, users[k], positives[k])).toBe(true);
        expect(csrHas(dataset.train, users[k], negatives[k])).toBe(false);
        expect(negatives[k]).toBeGreaterThanOrEqual(0);
        expect(negatives[k]).toBeLessThan(dataset.items);
      }
      batches++;
    }
    const nnz = dataset.train.indptr[dataset.users];
    expect(seen.size).toBe(nnz);
    expect(batches).toBe(model.batchesPerEpoch());
    expect(batches).toBe(Math.ceil(nnz / 50));
    model.dispose();
  });

  it('n negatives per pair: never train items, a function of the seed; one per pair draws the stream as negative() does', () => {
    const { dataset } = generateSyntheticCf({ users: 50, items: 30, meanInteractions: 9, seed: 4 });
    const sampler = new PairSampler(dataset.train, dataset.items);
    const draw = (seed: number, n: number, shift = 0): Int32Array => {
      const rng = new Rng(seed);
      const out = new Int32Array(dataset.users * n);
      for (let u = 0; u < dataset.users; u++) sampler.negatives(u, rng, n, out, u * n, shift);
      return out;
    };
    const five = draw(3, 5);
    for (let u = 0; u < dataset.users; u++) {
      for (let j = 0; j < 5; j++) {
        const item = five[u * 5 + j];
        expect(item).toBeGreaterThanOrEqual(0);
        expect(item).toBeLessThan(dataset.items);
        expect(csrHas(dataset.train, u, item)).toBe(false);
      }
    }
    expect(draw(3, 5)).toEqual(five);
    expect(draw(4, 5)).not.toEqual(five);
    expect(draw(3, 5, 100)).toEqual(five.map((x) => x + 100));
    const rng = new Rng(3);
    expect(draw(3, 1)).toEqual(Int32Array.from({ length: dataset.users }, (_, u) => sampler.negative(u, rng)));
  });

  it('with 4 negatives a batch holds each pair\'s 4 draws (pair-major); with 1 it is the default batch', () => {
    const { dataset } = generateSyntheticCf({ users: 40, items: 30, meanInteractions: 8, seed: 6 });
    const ids = (negatives?: number): ReturnType<LightGcn['batchIds']>[] => {
      const model = LightGcn.create(be, dataset, { dim: 4, batchSize: 64, ...(negatives !== undefined ? { negatives } : {}) });
      const out: ReturnType<LightGcn['batchIds']>[] = [];
      for (const b of model.batches(1, new Rng(2))) out.push(model.batchIds(b));
      model.dispose();
      return out;
    };
    const four = ids(4);
    expect(four.length).toBe(Math.ceil(dataset.train.indptr[dataset.users] / 64));
    for (const { users, negatives } of four) {
      expect(negatives.length).toBe(4 * users.length);
      users.forEach((u, k) => {
        for (let j = 0; j < 4; j++) expect(csrHas(dataset.train, u, negatives[k * 4 + j])).toBe(false);
      });
    }
    expect(ids(1)).toEqual(ids());
    expect(() => LightGcn.create(be, dataset, { negatives: 0 })).toThrow(/negatives must be a positive integer/);
  });

  it('are a function of the rng: same seed, same batches; a stale batch is refused', async () => {
    const ds = fiveBySeven();
    const model = LightGcn.create(be, ds, { dim: 4, batchSize: 4 });
    const draw = (seed: number): number[][] => {
      const out: number[][] = [];
      for (const b of model.batches(1, new Rng(seed))) {
        const ids = model.batchIds(b);
        out.push([...ids.users, ...ids.positives, ...ids.negatives]);
      }
      return out;
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    const it = model.batches(1, new Rng(1))[Symbol.iterator]();
    const first = it.next().value as LightGcnBatch;
    it.next();
    await expect(model.trainStep(first, new Rng(0))).rejects.toThrow(/stale/);
    model.dispose();
  });
});

describe('LightGCN evaluation', () => {
  it('equals an independent full-sort ranking of the final embeddings', async () => {
    const { dataset } = generateSyntheticCf({ users: 80, items: 120, meanInteractions: 10, seed: 11 });
    const model = LightGcn.create(be, dataset, { dim: 8, ks: [5, 20], evalBatchUsers: 7, table: { init: { kind: 'normal', std: 0.3 } } });
    const e = be.view(model.finalEmbeddings()).slice();
    const d = 8;
    const scores = new Float32Array(dataset.users * dataset.items);
    for (let u = 0; u < dataset.users; u++) {
      for (let i = 0; i < dataset.items; i++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += e[u * d + c] * e[(dataset.users + i) * d + c];
        scores[u * dataset.items + i] = s;
      }
    }
    const users = Int32Array.from({ length: dataset.users }, (_, u) => u);
    for (const split of ['valid', 'test'] as const) {
      const want = rankingMetricsFromScores({ scores, users, numItems: dataset.items, truth: dataset[split], exclude: dataset.train, ks: [5, 20] });
      const got = await model.evaluate(split);
      for (const k of [5, 20]) {
        expect(got[`recall@${k}`]).toBeCloseTo(want.recall[k], 6);
        expect(got[`recallT@${k}`]).toBeCloseTo(want.recallTruncated[k], 6);
        expect(got[`ndcg@${k}`]).toBeCloseTo(want.ndcg[k], 6);
        expect(got[`precision@${k}`]).toBeCloseTo(want.precision[k], 6);
        expect(got[`hitrate@${k}`]).toBeCloseTo(want.hitRate[k], 6);
      }
      expect(got.users).toBe(want.usersEvaluated);
    }
    model.dispose();
  });

  it('masks valid items on test only when asked', async () => {
    // User 0's only valid item is item 1, its test item 2; its embedding ranks item 1 first, then
    // item 2. User 1 scores every item 0 and its test item 0 wins the tie (a hit either way).
    const ds = tinyDataset(4, [[0], [3]], [[1], []], [[2], [0]]);
    const make = (maskValidOnTest: boolean): LightGcn => {
      const m = LightGcn.create(be, ds, { dim: 2, layers: 0, ks: [1], maskValidOnTest });
      const [userW, itemW] = m.parameters();
      be.view(userW.value).set([1, 0, 0, 1]);
      be.view(itemW.value).set([0, 0, 1, 0, 0.5, 0, 0, 0]);
      return m;
    };
    const plain = make(false);
    const masked = make(true);
    expect((await plain.evaluate('test'))['hitrate@1']).toBe(0.5);
    expect((await masked.evaluate('test'))['hitrate@1']).toBe(1);
    // Valid ranking never masks valid items.
    expect((await masked.evaluate('valid'))['hitrate@1']).toBe(1);
    plain.dispose();
    masked.dispose();
  });
});

describe('LightGCN without validation data', () => {
  it('reports NaN metrics over 0 users, and training keeps the last state', async () => {
    const ds = tinyDataset(6, [[0, 1], [2, 3], [4, 5]], [[], [], []], [[2], [4], [0]]);
    const model = LightGcn.create(be, ds, { dim: 4, ks: [2] });
    const valid = await model.evaluate('valid');
    expect(valid.users).toBe(0);
    expect(valid['ndcg@2']).toBeNaN();
    const r = await train(model, { epochs: 2, seed: 1, optimizer: { kind: 'adam', lr: 0.01 } });
    expect(r.bestValid).toBeNull();
    expect(r.bestEpoch).toBe(2);
    expect(r.test?.users).toBe(3);
    model.dispose();
  });
});

describe('LightGCN training', () => {
  for (const clWeight of [0, 0.1]) {
    it(`gives the same parameters, bit for bit, with 1 and 2 threads (InfoNCE weight ${clWeight})`, async () => {
      const { dataset } = generateSyntheticCf({ users: 300, items: 400, meanInteractions: 15, seed: 8 });
      const two = await createWasmBackend({ threads: 2 });
      const params: Float32Array[][] = [];
      const metrics: Metrics[] = [];
      for (const backend of [be, two]) {
        const model = LightGcn.create(backend, dataset, { dim: 16, batchSize: 512, clWeight, seed: 3 });
        await train(model, { epochs: 2, seed: 9, optimizer: { kind: 'adam', lr: 0.01 }, validEvery: 0, test: false });
        params.push(model.parameters().map((p) => backend.view(p.value).slice()));
        metrics.push(await model.evaluate('test'));
        model.dispose();
      }
      two.dispose();
      params[0].forEach((p, k) => {
        expect(new Uint32Array(params[1][k].buffer)).toEqual(new Uint32Array(p.buffer));
      });
      expect(metrics[1]).toEqual(metrics[0]);
      expect(metrics[0]['ndcg@20']).toBeGreaterThan(0);
    });
  }

  it('beats the most-popular baseline by a clear margin on synthetic data', async () => {
    const { dataset } = generateSyntheticCf({ users: 600, items: 800, seed: 7 });
    const popular = mostPopularMetrics(dataset, 'test', [20]);
    const model = LightGcn.create(be, dataset, { dim: 32, batchSize: 1024, seed: 5 });
    const result = await train(model, { epochs: 30, seed: 1, optimizer: { kind: 'adam', lr: 0.01 }, validEvery: 10 });
    const test = result.test!;
    console.log(`synthetic CF: LightGCN ndcg@20 ${test['ndcg@20'].toFixed(4)} recall@20 ${test['recall@20'].toFixed(4)}; most popular ${popular['ndcg@20'].toFixed(4)} / ${popular['recall@20'].toFixed(4)}`);
    expect(test['ndcg@20']).toBeGreaterThan(1.5 * popular['ndcg@20']);
    expect(test['recall@20']).toBeGreaterThan(1.3 * popular['recall@20']);
    expect(result.history[result.history.length - 1].loss).toBeLessThan(result.history[0].loss);
    model.dispose();
  });
});
