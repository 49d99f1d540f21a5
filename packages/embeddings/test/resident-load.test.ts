/**
 * Tables served from a model file that lies in the backend's memory (decodeResidentModelFile):
 * DHE's MLP, PTQ's fp16 codes and CERP's P and Q are used where they lie, and QAT is served as
 * its integer codes, not as a copy of its fp32 masters. Each is measured by the WASM heap's live
 * bytes across the load, and serves the lookups of the table that was saved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '@lers/kernels';
import { decodeResidentModelFile, encodeModelFile, tableOf, type EmbeddingTable, type SerializedTable } from '../src/index.js';
import { lookupAllHost } from './compressed-checks.js';
import { createTable, definition } from './definitions.js';

const ROWS = 600;
const DIM = 16;
let be: WasmBackend;

beforeAll(async () => {
  be = await createWasmBackend();
});
afterAll(() => {
  be.dispose();
});

/** Bytes of a serialised table's sections. */
function stateBytes(s: SerializedTable): number {
  return Object.values(s.sections).reduce((n, a) => n + a.byteLength, 0);
}

/** `table` saved in a model file read into WASM memory, loaded for serving: the heap bytes the load added, and the served table. */
async function servedFromResidentFile(table: EmbeddingTable): Promise<{ added: number; served: EmbeddingTable; state: number; release: () => void }> {
  const serialized = await table.serialize();
  const bytes = encodeModelFile({
    header: { libraryVersion: '0.1.0', createdAt: '2026-12-05T00:00:00.000Z', task: 'cf', backbone: 'lightgcn', method: { name: table.method, target: null, sizes: {} }, config: {}, dataset: { name: 'synthetic-cf', users: ROWS, items: ROWS }, metrics: {} },
    tables: { user: serialized },
    dense: {},
  });
  const file = be.upload('u8', bytes);
  const model = decodeResidentModelFile(be, file, 'm.lers');
  const before = be.heap.liveBytes;
  const served = definition(table.method).load(tableOf(model, 'user'), be, 'serve');
  const added = be.heap.liveBytes - before;
  return { added, served, state: stateBytes(serialized), release: () => { served.dispose(); be.free(file); } };
}

describe('tables served in place from a resident model file', () => {
  it('DHE: the MLP and its BatchNorm statistics are the file\'s sections (only hash and scratch vectors added)', async () => {
    const table = createTable('dhe', { rows: ROWS, dim: DIM, backend: be, seed: 3, k: 64, hidden: [128, 128] });
    const { added, served, state, release } = await servedFromResidentFile(table);
    try {
      // A copy would add the whole state (about 110 KB); the hashes and BatchNorm scratch are small.
      expect(state).toBeGreaterThan(100_000);
      expect(added).toBeLessThan(4096);
      expect(lookupAllHost(be, served)).toEqual(lookupAllHost(be, table));
    } finally {
      release();
      table.dispose();
    }
  });

  it('PTQ fp16: the codes are the file\'s u16 section read as f16', async () => {
    const full = createTable('full', { rows: ROWS, dim: DIM, backend: be, seed: 4 });
    const table = createTable('ptq', { rows: ROWS, dim: DIM, backend: be, seed: 4, source: full, format: 'fp16' });
    const { added, served, state, release } = await servedFromResidentFile(table);
    try {
      expect(state).toBe(2 * ROWS * DIM);
      expect(added).toBe(0);
      expect(lookupAllHost(be, served)).toEqual(lookupAllHost(be, table));
    } finally {
      release();
      table.dispose();
      full.dispose();
    }
  });

  it('CERP (retrained, fixed masks): P and Q are the file\'s CSRs, with no dense copy or mask', async () => {
    const buckets = 150;
    const stored = (buckets + Math.ceil(ROWS / Math.ceil(ROWS / buckets))) * DIM;
    const masks = Uint8Array.from({ length: stored }, (_, i) => ((i * 2654435761) >>> 28) % 3 === 0 ? 1 : 0);
    const table = createTable('cerp', { rows: ROWS, dim: DIM, backend: be, seed: 5, buckets, masks });
    const { added, served, release } = await servedFromResidentFile(table);
    try {
      expect(added).toBe(0);
      expect(lookupAllHost(be, served)).toEqual(lookupAllHost(be, table));
      expect((await served.size()).params).toBe((await table.size()).params);
    } finally {
      release();
      table.dispose();
    }
  });

  it('QAT (8 bits, one scale): served as its int8 codes, a quarter of the fp32 masters, with the same lookups', async () => {
    const table = createTable('qat', { rows: ROWS, dim: DIM, backend: be, seed: 6, bits: 8 });
    const { added, served, state, release } = await servedFromResidentFile(table);
    try {
      expect(added).toBeLessThanOrEqual(ROWS * DIM + 64);
      expect(added).toBeLessThan(state / 3);
      expect(lookupAllHost(be, served)).toEqual(lookupAllHost(be, table));
      // Saved again, it serves the same values.
      const again = definition('qat').load(await served.serialize(), be, 'serve');
      expect(lookupAllHost(be, again)).toEqual(lookupAllHost(be, table));
      again.dispose();
    } finally {
      release();
      table.dispose();
    }
  });
});
