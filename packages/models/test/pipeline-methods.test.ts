/**
 * PEP, OptEmbed and CERP end to end on tiny synthetic CF (LightGCN) and CTR (DeepFM) data: every
 * target's retrained tables land on the budget, the OptEmbed search is deterministic for a seed
 * and only ever accepts candidates that meet the target, and the metrics are those of a trained model.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr } from '@lers/data';
import { OptEmbedTable } from '@lers/embeddings';
import {
  ctrBackbone,
  DeepFm,
  evolutionarySearch,
  lightGcnBackbone,
  runMethodAtTarget,
  runMethodPipeline,
  train,
  type Backbone,
  type LightGcn,
  type Model,
  type TrainConfig,
} from '../src/index.js';

let be: HostBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 2 });
});
afterAll(() => {
  be.dispose();
});

const cf = generateSyntheticCf({ users: 150, items: 120, meanInteractions: 12, seed: 3 }).dataset;
const ctr = generateSyntheticCtr({ rows: 3000, cardinalities: [30, 20, 12, 8, 5], seed: 7 }).dataset;
const cfBackbone = (dim = 8): Backbone<LightGcn> => lightGcnBackbone(be, cf, { dim, layers: 2, batchSize: 128, seed: 5 });
const ctrBackboneOf = (): Backbone<DeepFm> => ctrBackbone(ctr, (table) => new DeepFm({ dataset: ctr, backend: be, embedDim: 8, hidden: [16], batchSize: 256, seed: 1, table }));
const cfTrain: TrainConfig = { epochs: 3, seed: 11, optimizer: { kind: 'adam', lr: 0.02 } };
const ctrTrain: TrainConfig = { epochs: 3, seed: 11, optimizer: { kind: 'adam', lr: 0.01 } };
/** Search stages: a weight decay on W (the optimizer's default; s has its own) lets the thresholds overtake the weights quickly. */
const cfSearch = { epochs: 40, optimizer: { kind: 'adam', lr: 0.02, weightDecay: 3e-3 } } as const;
const ctrSearch = { epochs: 40, optimizer: { kind: 'adam', lr: 0.02, weightDecay: 1e-3 } } as const;

/** The selection metric of a freshly initialised full model (what training must beat). */
async function untrained<M extends Model>(backbone: Backbone<M>): Promise<number> {
  const model = backbone.create({ method: 'full' });
  const value = (await model.evaluate('test'))[model.selectionMetric];
  model.dispose();
  return value;
}

describe('PEP pipeline', () => {
  it('CF: one search captures 50/80/95%, each retrained at its budget (within 1%)', async () => {
    const results = await runMethodPipeline('pep', {
      backbone: cfBackbone(),
      targets: [0.5, 0.8, 0.95],
      train: cfTrain,
      searchTrain: cfSearch,
      tableOptions: { thresholdInit: -3, thresholdDecay: 0.1, capture: 'exact' },
    });
    expect(results.map((r) => r.target)).toEqual([0.5, 0.8, 0.95]);
    for (const r of results) {
      expect(Math.abs(r.size.sparsity - r.target)).toBeLessThan(0.01);
      expect(r.size.memoryBytes).toBe(4 * (150 + 1 + 120 + 1) + 8 * r.size.params);
      // At 95% of this toy model (108 entries kept of 2,160) the model-wide budget leaves the user
      // table 14 entries, and its ranking is the untrained model's; the 50% and 80% models rank better.
      if (r.target <= 0.8) expect(r.metrics['ndcg@20']).toBeGreaterThan(await untrained(cfBackbone()));
      expect(Object.keys(r.secondsPerStage)).toEqual(['search', 'retrain']);
    }
  });

  it('CTR (DeepFM): first-reach capture lands within 1% of the target', async () => {
    const r = await runMethodAtTarget('pep', 0.8, {
      backbone: ctrBackboneOf(),
      train: ctrTrain,
      searchTrain: ctrSearch,
      tableOptions: { thresholdInit: -3, thresholdDecay: 0.1 },
    });
    expect(r.size.sparsity).toBeGreaterThanOrEqual(0.8);
    expect(r.size.sparsity - 0.8).toBeLessThan(0.01);
    expect(r.metrics.auc).toBeGreaterThan(await untrained(ctrBackboneOf()) + 0.04);
  });
});

describe('CERP pipeline', () => {
  it('CF: search until the target, retrain with the masks of P and Q fixed', async () => {
    const results = await runMethodPipeline('cerp', {
      backbone: cfBackbone(),
      targets: [0.5, 0.8],
      train: cfTrain,
      searchTrain: cfSearch,
      tableOptions: { thresholdInit: -4, thresholdDecay: 0.1, capture: 'exact' },
    });
    for (const r of results) {
      expect(Math.abs(r.size.sparsity - r.target)).toBeLessThan(0.01);
      expect(Object.keys(r.secondsPerStage)).toEqual(['search', 'retrain']);
      // At 95% of this toy model (108 entries kept of 2,160) the model-wide budget leaves the user
      // table 14 entries, and its ranking is the untrained model's; the 50% and 80% models rank better.
      if (r.target <= 0.8) expect(r.metrics['ndcg@20']).toBeGreaterThan(await untrained(cfBackbone()));
    }
  });

  it('CF: both stages sample 5 negatives per positive by default (the reference), another count when asked; PEP keeps the backbone\'s', async () => {
    const negativesOfStages = async (method: 'cerp' | 'pep', negatives?: number): Promise<number[]> => {
      const seen: number[] = [];
      const inner = cfBackbone();
      const spy: Backbone<LightGcn> = {
        ...inner,
        create(table, settings) {
          const model = inner.create(table, settings);
          seen.push(model.config.negatives);
          return model;
        },
      };
      await runMethodAtTarget(method, 0.5, {
        backbone: spy,
        train: { ...cfTrain, epochs: 1 },
        searchTrain: cfSearch,
        tableOptions: { thresholdInit: -4, thresholdDecay: 0.1, capture: 'exact' },
        ...(negatives !== undefined ? { negatives } : {}),
      });
      return seen.slice(1); // the first model only gives the initial weights
    };
    expect(await negativesOfStages('cerp')).toEqual([5, 5]);
    expect(await negativesOfStages('cerp', 2)).toEqual([2, 2]);
    expect(await negativesOfStages('pep')).toEqual([1, 1]);
  });

  it('CTR (DeepFM) at 95%', async () => {
    const r = await runMethodAtTarget('cerp', 0.95, {
      backbone: ctrBackboneOf(),
      train: ctrTrain,
      searchTrain: ctrSearch,
      tableOptions: { thresholdInit: -3, thresholdDecay: 0.1, capture: 'exact' },
    });
    expect(Math.abs(r.size.sparsity - 0.95)).toBeLessThan(0.01);
    expect(r.metrics.auc).toBeGreaterThan(await untrained(ctrBackboneOf()) + 0.04);
  });
});

describe('OptEmbed', () => {
  it('the evolutionary search (protocol settings) is deterministic for a seed and accepts only candidates that meet the target', async () => {
    const backbone = cfBackbone(16);
    const model = backbone.create({ method: 'optembed' });
    await train(model, { ...cfTrain, test: false });
    const tables = [model.userTable, model.itemTable].filter((t) => t instanceof OptEmbedTable);
    expect(tables).toHaveLength(2);
    const run = (seed: number) => evolutionarySearch(model, tables, 0.8, { seed });
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a.evaluated).toHaveLength(20 + 29 * 20);
    expect(a.history).toHaveLength(30);
    for (const x of a.evaluated) expect(x.sparsity).toBeGreaterThanOrEqual(0.8);
    const key = (r: typeof a) => r.evaluated.map((x) => [x.fitness, x.params, ...x.dims.flatMap((d) => Array.from(d))]);
    expect(key(b)).toEqual(key(a));
    expect(key(c)).not.toEqual(key(a));
    // The best never gets worse across generations, and it is the best evaluated.
    for (let g = 1; g < a.history.length; g++) expect(a.history[g].fitness).toBeGreaterThanOrEqual(a.history[g - 1].fitness);
    expect(a.best.fitness).toBe(Math.max(...a.evaluated.map((x) => x.fitness)));
    // The search leaves the supernet's evaluation dims reset.
    expect(tables.every((t) => t.dims === null)).toBe(true);
    await expect(evolutionarySearch(model, tables, 0.97, { seed: 1 })).rejects.toThrow(/cannot be reached: with 1 dimension per kept row the sparsity is 0.9375/);
    model.dispose();
  });

  it('evaluates candidates on reused buffers: no allocation per candidate (CF), no buffer kept per candidate (CTR)', async () => {
    /** [allocations, allocations not freed] of searches of 1, 1 and 6 generations on one trained supernet. */
    const searchAllocations = async <M extends Model>(backbone: Backbone<M>, config: TrainConfig): Promise<[number, number][]> => {
      const model = backbone.create({ method: 'optembed' });
      await train(model, { ...config, epochs: 1, test: false });
      const tables = Object.values(backbone.tables(model)).filter((t) => t instanceof OptEmbedTable);
      const allocations = async (generations: number): Promise<[number, number]> => {
        const spies = (['alloc', 'upload', 'free'] as const).map((name) => vi.spyOn(be, name));
        const r = await evolutionarySearch(model, tables, 0.5, { seed: 3, generations, population: 4, crossovers: 2, mutations: 2, keep: 3 });
        expect(r.evaluated).toHaveLength(4 * generations);
        const [alloc, upload, free] = spies.map((s) => s.mock.calls.length);
        for (const s of spies) s.mockRestore();
        return [alloc + upload, alloc + upload - free];
      };
      const counts = [await allocations(1), await allocations(1), await allocations(6)];
      model.dispose();
      return counts;
    };
    // LightGCN: a search allocates one buffer of evaluation values per table, whatever the number of candidates.
    const cfCounts = await searchAllocations(cfBackbone(16), cfTrain);
    expect(cfCounts[2][0]).toBe(cfCounts[1][0]);
    expect(cfCounts[1]).toEqual([2, 0]);
    // DeepFM: its dense kernels take short-lived scratch inside each call; nothing outlives a search.
    const ctrCounts = await searchAllocations(ctrBackboneOf(), ctrTrain);
    expect(ctrCounts.map(([, live]) => live)).toEqual([0, 0, 0]);
  });

  it('CF: supernet, search and retrain at 50/80/95%', async () => {
    const results = await runMethodPipeline('optembed', {
      backbone: cfBackbone(32),
      targets: [0.5, 0.8, 0.95],
      train: cfTrain,
      evolution: { generations: 4, population: 8, crossovers: 4, mutations: 4, keep: 6 },
    });
    for (const r of results) {
      expect(r.size.sparsity).toBeGreaterThanOrEqual(r.target);
      expect(r.size.sparsity - r.target).toBeLessThan(0.05);
      expect(Object.keys(r.secondsPerStage)).toEqual(['supernet', 'search', 'retrain']);
      expect(r.metrics['ndcg@20']).toBeGreaterThan(await untrained(cfBackbone(32)));
    }
  });

  it('CTR (DeepFM): per-field dims', async () => {
    const r = await runMethodAtTarget('optembed', 0.5, {
      backbone: ctrBackboneOf(),
      train: ctrTrain,
      evolution: { generations: 3, population: 6, crossovers: 3, mutations: 3, keep: 4 },
    });
    expect(r.size.sparsity).toBeGreaterThanOrEqual(0.5);
    expect(r.metrics.auc).toBeGreaterThan(await untrained(ctrBackboneOf()) + 0.04);
  });
});
