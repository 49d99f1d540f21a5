import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CtrVocabulary, encodeContainer, FieldVocab } from '@lers/data';
import { createReferenceBackend } from '@lers/kernels';
import { decodeModelFile, denseArrayOf, encodeModelFile, MODEL_FORMAT, tableOf, vocabularyOf, type ModelContents } from '../src/index.js';
import { readModelFile, writeModelFile } from '../src/node.js';
import { createTable, loadTable } from './definitions.js';

const be = createReferenceBackend();

async function sampleContents(): Promise<ModelContents> {
  const user = createTable('full', { rows: 7, dim: 4, backend: be, seed: 1, name: 'user' });
  const item = createTable('full', { rows: 11, dim: 4, backend: be, seed: 2, name: 'item' });
  return {
    header: {
      libraryVersion: '0.1.0',
      createdAt: '2026-11-29T00:00:00.000Z',
      task: 'cf',
      backbone: 'lightgcn',
      method: { name: 'full', target: null, sizes: {} },
      config: { layers: 3, lr: 0.001 },
      dataset: { name: 'synthetic-cf', users: 7, items: 11 },
      metrics: { 'test/ndcg@20': 0.25 },
    },
    tables: { user: await user.serialize(), item: await item.serialize() },
    dense: { 'bn.mean': new Float32Array([1, 2, 3]) },
  };
}

function lookupAll(table: ReturnType<typeof createTable>): Float32Array {
  const out = be.alloc('f32', table.rows * table.dim);
  table.lookupAll(out, { training: false });
  return be.view(out).slice();
}

describe('.lers model files', () => {
  it('round-trips tables, dense arrays and the header; lookups are identical after load', async () => {
    const contents = await sampleContents();
    const bytes = encodeModelFile(contents);
    expect(String.fromCharCode(...bytes.subarray(0, 8))).toBe(MODEL_FORMAT.magic);
    const file = decodeModelFile(bytes);
    expect(file.header.backbone).toBe('lightgcn');
    expect(file.header.config).toEqual({ layers: 3, lr: 0.001 });
    expect(Object.keys(file.header.tables)).toEqual(['user', 'item']);
    expect([...denseArrayOf(file, 'bn.mean')]).toEqual([1, 2, 3]);
    for (const name of ['user', 'item'] as const) {
      const original = loadTable(contents.tables[name], be);
      const restored = loadTable(tableOf(file, name), be);
      expect(lookupAll(restored)).toEqual(lookupAll(original));
    }
  });

  it('rejects truncated, corrupted, foreign and newer-version files with the file name', async () => {
    const bytes = encodeModelFile(await sampleContents());
    expect(() => decodeModelFile(bytes.subarray(0, bytes.length - 9), 'm.lers')).toThrow(/m\.lers.*truncated/);
    const corrupted = bytes.slice();
    corrupted[corrupted.length - 20] ^= 0xff;
    expect(() => decodeModelFile(corrupted, 'm.lers')).toThrow(/m\.lers.*checksum/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(8, MODEL_FORMAT.version + 1, true);
    expect(() => decodeModelFile(newer, 'm.lers')).toThrow(/newer than this reader/);
    const dataset = encodeContainer({ kind: 'cf' }, []);
    expect(() => decodeModelFile(dataset, 'data.bin')).toThrow(/not a lers model file/);
    const notAModel = encodeContainer({ hello: 1 }, [], MODEL_FORMAT);
    expect(() => decodeModelFile(notAModel, 'x.lers')).toThrow(/does not describe a lers model/);
  });

  it('writes atomically: no temp file left, and a failed write keeps the old file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lers-model-'));
    const path = join(dir, 'model.lers');
    const contents = await sampleContents();
    await writeModelFile(path, contents);
    expect(readdirSync(dir)).toEqual(['model.lers']);
    const before = readFileSync(path);
    const broken = { ...contents, tables: { 'bad/name': contents.tables.user } };
    await expect(writeModelFile(path, broken)).rejects.toThrow(/invalid table name/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.lers']);
    const file = await readModelFile(path);
    expect(file.header.metrics['test/ndcg@20']).toBe(0.25);
    writeFileSync(path, before.subarray(0, 40));
    await expect(readModelFile(path)).rejects.toThrow(/model\.lers/);
  });
});

/** An Avazu-style vocabulary over columns id, click, hour, site: hours 14102100 (x2), 14102101; sites 'a1b2c3d4' (hex), 'news' (text). */
function smallVocabulary(): CtrVocabulary {
  // Eight digits are 8 hex digits: the readers' tokenizer keys them as a u32 hash.
  const hour = new FieldVocab();
  hour.countHex(0x14102100);
  hour.countHex(0x14102100);
  hour.countHex(0x14102101);
  hour.finalize(1);
  const site = new FieldVocab();
  site.countHex(0xa1b2c3d4);
  site.countStr('news');
  site.finalize(1);
  return new CtrVocabulary({ name: 'avazu', columns: ['id', 'click', 'hour', 'site'], expandHour: false }, ['hour', 'site'], [hour, site], 1);
}

describe('.lers model files with a CTR vocabulary', () => {
  it('stores it as sections and restores an encoder that gives the same ids', async () => {
    const vocabulary = smallVocabulary();
    const contents: ModelContents = { ...(await sampleContents()), vocabulary: vocabulary.serialize() };
    const file = decodeModelFile(encodeModelFile(contents), 'v.lers');
    expect(file.header.vocabulary?.sections).toEqual(Object.keys(vocabulary.serialize().sections));
    const back = vocabularyOf(file, 'v.lers');
    expect(back).not.toBeNull();
    // Local ids: hour 14102100 -> 1 (twice), 14102101 -> 2; site hex -> 1, 'news' -> 2 (hex before text on ties); offsets 0 and 3.
    for (const [row, ids] of [[['14102100', 'a1b2c3d4'], [1, 4]], [['14102101', 'news'], [2, 5]], [['14102102', 'A1B2C3D4'], [0, 4]]] as const) {
      expect(Array.from(back!.encodeRow(row))).toEqual(ids);
      expect(Array.from(vocabulary.encodeRow(row))).toEqual(ids);
    }
    expect(vocabularyOf(decodeModelFile(encodeModelFile(await sampleContents())))).toBeNull();
  });

  it('rejects a missing or malformed vocabulary section, and a table named "vocabulary"', async () => {
    const base = await sampleContents();
    const serialized = smallVocabulary().serialize();
    const { keys: _keys, ...withoutKeys } = serialized.sections;
    const bytes = encodeModelFile({ ...base, vocabulary: { header: serialized.header, sections: withoutKeys } });
    // The header lists what was written, so decoding succeeds; restoring the vocabulary fails clearly.
    expect(() => vocabularyOf(decodeModelFile(bytes, 'w.lers'), 'w.lers')).toThrow(/w\.lers: bad CTR vocabulary: section "keys" is missing/);
    const short = encodeModelFile({ ...base, vocabulary: { header: serialized.header, sections: { ...serialized.sections, codes: new Uint8Array(1) } } });
    expect(() => vocabularyOf(decodeModelFile(short, 's.lers'), 's.lers')).toThrow(/s\.lers: bad CTR vocabulary: the fields hold 4 tokens/);
    expect(() => encodeModelFile({ ...base, tables: { vocabulary: base.tables.user } })).toThrow(/invalid table name "vocabulary"/);
  });
});
