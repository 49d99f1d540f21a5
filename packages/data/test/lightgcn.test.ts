import { describe, expect, it } from 'vitest';
import { buildNormalizedAdjacency, cfSplitSizes, csrColumnCounts, csrRow, DataFormatError, validateCsr } from '../src/index.js';
import { readLightGcn } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';

const dir = tempDir();

describe('readLightGcn on generated files', () => {
  const train = writeText(dir, 'train.txt', '0 3 1 2\n1 0 0 4\n\n2 1\t2  \n4\n');
  const valid = writeText(dir, 'valid.txt', '0 0\n2 3\n');
  const test = writeText(dir, 'test.txt.gz', '0 5 7\n1 6 4\n3 2\n', true);

  it('sizes users/items from all splits, dedupes within a split and counts it', async () => {
    const { dataset, throughput } = await readLightGcn({ name: 'tiny', train, valid, test });
    expect(dataset.users).toBe(5); // max user 4 (a line with no items) + 1
    expect(dataset.items).toBe(8); // item 7 appears only in test
    expect(Array.from(dataset.train.indptr)).toEqual([0, 3, 5, 7, 7, 7]);
    expect(Array.from(dataset.train.indices)).toEqual([1, 2, 3, 0, 4, 1, 2]);
    expect(Array.from(csrRow(dataset.test, 0))).toEqual([5, 7]);
    expect(Array.from(csrRow(dataset.test, 1))).toEqual([4, 6]);
    expect(cfSplitSizes(dataset)).toEqual({ train: 7, valid: 2, test: 5 });
    expect(dataset.manifest.counts['duplicates.train']).toBe(1); // user 1 lists item 0 twice
    expect(dataset.manifest.counts['overlap.trainTest']).toBe(1); // (1, 4) is in train and test
    expect(dataset.manifest.counts['overlap.trainValid']).toBe(0);
    expect(dataset.manifest.sources.map((s) => s.bytes)).toEqual([27, 8, expect.any(Number)]);
    expect(dataset.manifest.sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(throughput.rows).toBe(4 + 2 + 3);
    for (const m of [dataset.train, dataset.valid, dataset.test]) validateCsr(m);
  });

  it('carves a validation split when there is no valid file', async () => {
    const { dataset } = await readLightGcn({ train, test, carveValidation: { fraction: 0.5, seed: 1 } });
    expect(dataset.manifest.splitSeed).toBe(1);
    // user 0 has 3 train items -> round(1.5) = 2 valid; users 1 and 2 have 2 -> 1 valid each.
    expect(Array.from(dataset.valid.indptr)).toEqual([0, 2, 3, 4, 4, 4]);
    expect(cfSplitSizes(dataset)).toEqual({ train: 3, valid: 4, test: 5 });
  });

  it('names file, line and value for bad ids', async () => {
    const cases: [string, RegExp][] = [
      ['0 1 2\n1 2 x3\n', /bad1\.txt:2: non-integer item id \(value: "x3"\)/],
      ['0 1\n\n-2 5\n', /bad2\.txt:3: negative user id \(value: "-2"\)/],
      ['0 1.5\n', /bad3\.txt:1: non-integer item id \(value: "1\.5"\)/],
      ['0 99999999999\n', /bad4\.txt:1: item id too large/],
    ];
    for (const [k, [text, message]] of cases.entries()) {
      const bad = writeText(dir, `bad${k + 1}.txt`, text);
      const err = await readLightGcn({ train: bad, test }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toMatch(message);
    }
    await expect(readLightGcn({ train: writeText(dir, 'empty.txt', ''), test })).rejects.toThrow(/empty\.txt:0: empty file/);
  });
});

describe('readLightGcn on the shared real datasets', () => {
  const ml = sharedFile('ml-1m-lightgcn', 'train.txt');
  it.skipIf(!ml.exists)('ml-1m-lightgcn: 6,039 users, 3,628 items, 590,733 / 80,897 / 164,848', async () => {
    const base = ml.path.replace(/train\.txt$/, '');
    const { dataset } = await readLightGcn({ train: ml.path, valid: `${base}valid.txt`, test: `${base}test.txt` });
    expect(dataset.users).toBe(6039);
    expect(dataset.items).toBe(3628);
    expect(cfSplitSizes(dataset)).toEqual({ train: 590_733, valid: 80_897, test: 164_848 });
    expect(dataset.manifest.counts['duplicates.train']).toBe(0);
    expect(dataset.manifest.counts['overlap.trainTest']).toBe(0);
    expect(dataset.manifest.sources[0].sha256).toBe('dfa3a7a866feade29ca5722ac0423c1b0317ac1f6ad38a55fc1a7ceeb9cee3bb');
    const adj = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
    expect(adj.indptr[adj.rows]).toBe(2 * 590_733);
  });

  const lastfm = sharedFile('lastfm-lightgcn', 'train.txt');
  it.skipIf(!lastfm.exists)('lastfm-lightgcn: 1,885 users, 17,388 items, cold test items have no train column', async () => {
    const base = lastfm.path.replace(/train\.txt$/, '');
    const { dataset } = await readLightGcn({ train: lastfm.path, valid: `${base}valid.txt`, test: `${base}test.txt` });
    expect(dataset.users).toBe(1885);
    expect(dataset.items).toBe(17_388);
    expect(cfSplitSizes(dataset)).toEqual({ train: 64_315, valid: 9_143, test: 18_321 });
    const popularity = csrColumnCounts(dataset.train);
    let coldTest = 0;
    for (const i of dataset.test.indices) if (popularity[i] === 0) coldTest++;
    expect(coldTest).toBe(2_543);
    const adj = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
    expect(adj.indptr[adj.rows] - adj.indptr[dataset.users + 13_973]).toBe(0); // items 13973.. have no edges
  });
});
