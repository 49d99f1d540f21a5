/** LightGcn.fromTables: a LightGCN around existing user and item tables. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf } from '@lers/data';
import { TtRecTable, type EmbeddingTable } from '@lers/embeddings';
import { createOptimizer, createTable, LightGcn, train } from '../src/index.js';
import { fiveBySeven } from './cf-helpers.js';
import { denseAdjacency, propagate } from './cf-reference.js';

let be: HostBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  be.dispose();
});

/** A table's rows as float64 vectors (its inference lookups). */
function rowsOf(table: EmbeddingTable): Float64Array[] {
  const out = be.alloc('f32', table.rows * table.dim);
  table.lookupAll(out, { training: false });
  const v = be.view(out);
  const rows = Array.from({ length: table.rows }, (_, r) => Float64Array.from(v.subarray(r * table.dim, (r + 1) * table.dim)));
  be.free(out);
  return rows;
}

function asTtRec(table: EmbeddingTable): TtRecTable {
  if (!(table instanceof TtRecTable)) throw new TypeError(`expected a ttrec table, got ${table.method}`);
  return table;
}

function qrTable(rows: number, seed: number, name: string): EmbeddingTable {
  return createTable('qr', { rows, dim: 4, backend: be, seed, name, divider: 3, init: { kind: 'normal', std: 0.4 } });
}

describe('LightGcn.fromTables', () => {
  it('propagates the given tables: final embeddings = mean_l A^l [user; item] (float64 reference)', () => {
    const ds = fiveBySeven();
    const user = qrTable(ds.users, 3, 'user');
    const item = qrTable(ds.items, 4, 'item');
    const ego = [...rowsOf(user), ...rowsOf(item)];
    const model = LightGcn.fromTables(be, ds, { user, item }, { layers: 2, ks: [3] });
    try {
      expect(model.userTable).toBe(user);
      expect(model.itemTable).toBe(item);
      // dim comes from the tables; the recorded method is theirs.
      expect(model.config.dim).toBe(4);
      expect(model.config.table.method).toBe('qr');
      const want = propagate(denseAdjacency(ds.train, ds.users, ds.items), ego, 2);
      const got = be.view(model.finalEmbeddings());
      want.forEach((row, n) => {
        row.forEach((v, c) => {
          expect(got[n * 4 + c]).toBeCloseTo(v, 5);
        });
      });
    } finally {
      model.dispose();
    }
  });

  it('trains exactly like create() when given the tables create() would make', async () => {
    const { dataset } = generateSyntheticCf({ users: 50, items: 70, meanInteractions: 6, seed: 2 });
    const config = { dim: 4, batchSize: 64, clWeight: 0.1, seed: 11 };
    const viaSpec = LightGcn.create(be, dataset, { ...config, table: { method: 'qr', options: { divider: 3 }, init: { kind: 'normal', std: 0.4 } } });
    const viaTables = LightGcn.fromTables(be, dataset, { user: qrTable(dataset.users, 11, 'user'), item: qrTable(dataset.items, 12, 'item') }, config);
    try {
      for (const m of [viaSpec, viaTables]) await train(m, { epochs: 2, seed: 5, optimizer: { kind: 'adam', lr: 0.01 }, validEvery: 0, test: false });
      const params = (m: LightGcn): Float32Array[] => m.parameters().map((p) => be.view(p.value).slice());
      const [a, b] = [params(viaSpec), params(viaTables)];
      expect(b.length).toBe(a.length);
      a.forEach((p, k) => {
        expect(new Uint32Array(b[k].buffer)).toEqual(new Uint32Array(p.buffer));
      });
      // The spec's own values moved: the comparison is not of two untouched initialisations.
      const fresh = qrTable(dataset.users, 11, 'user');
      expect(fresh.parameters().map((p) => be.view(p.value).slice())).not.toEqual(a.slice(0, fresh.parameters().length));
      fresh.dispose();
    } finally {
      viaSpec.dispose();
      viaTables.dispose();
    }
  });

  it('fills TT-Rec caches after the first epoch with the rows its batches read, not ids 0..c-1', async () => {
    const { dataset } = generateSyntheticCf({ users: 60, items: 90, meanInteractions: 6, seed: 5 });
    const ttTable = (rows: number, seed: number, name: string): TtRecTable =>
      asTtRec(createTable('ttrec', { rows, dim: 8, backend: be, seed, name, cores: 2, ranks: [3], cacheRows: 6 }));
    const user = ttTable(dataset.users, 1, 'user');
    const item = ttTable(dataset.items, 2, 'item');
    const model = LightGcn.fromTables(be, dataset, { user, item }, { batchSize: 32, negatives: 2, l2: 1e-4 });
    try {
      const optimizer = createOptimizer(be, model.parameters(), { kind: 'adam', lr: 0.01 });
      const userReads = new Uint32Array(dataset.users);
      const itemReads = new Uint32Array(dataset.items);
      const rng = new Rng(3);
      model.onEpochStart(1);
      for (const batch of model.batches(1, rng)) {
        const ids = model.batchIds(batch);
        for (const u of ids.users) userReads[u]++;
        for (const i of [...ids.positives, ...ids.negatives]) itemReads[i]++;
        await model.trainStep(batch, rng);
        optimizer.step();
        optimizer.zeroGrad();
      }
      expect(user.cacheFilled).toBe(false);
      model.onEpochEnd(1);
      const hottest = (reads: Uint32Array): number[] =>
        Array.from(reads.keys())
          .sort((a, b) => reads[b] - reads[a] || a - b)
          .slice(0, 6)
          .sort((a, b) => a - b);
      const firstIds = [0, 1, 2, 3, 4, 5];
      for (const [table, reads] of [[user, userReads], [item, itemReads]] as const) {
        expect(table.cacheFilled).toBe(true);
        expect(Array.from(table.cachedIds())).toEqual(hottest(reads));
        expect(hottest(reads)).not.toEqual(firstIds);
      }
      optimizer.dispose();
    } finally {
      model.dispose();
    }
  });

  it('refuses tables of the wrong shape, or one table for both sides', () => {
    const ds = fiveBySeven();
    const user = qrTable(ds.users, 1, 'user');
    const item = qrTable(ds.items, 2, 'item');
    try {
      expect(() => LightGcn.fromTables(be, ds, { user: item, item: user })).toThrow(/the user table is 7 x 4, the dataset needs 5 x 4/);
      expect(() => LightGcn.fromTables(be, ds, { user, item }, { dim: 8 })).toThrow(/the user table is 5 x 4, the dataset needs 5 x 8/);
      const square = qrTable(5, 3, 'both');
      const five = { ...ds, items: 5, train: { ...ds.train, cols: 5 } };
      expect(() => LightGcn.fromTables(be, five, { user: square, item: square })).toThrow(/two different tables/);
      square.dispose();
    } finally {
      user.dispose();
      item.dispose();
    }
  });
});
