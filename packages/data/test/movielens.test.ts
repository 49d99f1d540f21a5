import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cfSplitSizes, csrRow, DataFormatError, validateCsr } from '../src/index.js';
import { detectMovieLensFormat, readMovieLens } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';

const dir = tempDir();
const ROWS: [number, number, number, number][] = [
  [1, 10, 5, 100],
  [1, 20, 3, 200],
  [2, 10, 4, 150],
  [1, 10, 2, 300], // repeats (1, 10)
  [3, 30, 1, 50],
];

describe('readMovieLens on generated files', () => {
  const udata = writeText(dir, 'u.data', ROWS.map((r) => r.join('\t')).join('\n') + '\n');
  const dat = writeText(dir, 'ratings.dat', ROWS.map((r) => r.join('::')).join('\n') + '\n');
  const csv = writeText(dir, 'ratings.csv', 'userId,movieId,rating,timestamp\r\n' + ROWS.map((r) => r.join(',')).join('\r\n') + '\r\n');

  it('reads gzip input, detecting the format under the .gz name', async () => {
    const gz = writeText(dir, 'ratings.dat.gz', ROWS.map((r) => r.join('::')).join('\n') + '\n', true);
    const { dataset } = await readMovieLens(gz);
    expect(dataset.manifest.format).toBe('movielens-dat');
    expect(dataset.manifest.counts.interactions).toBe(4);
  });

  it('detects the three formats', async () => {
    expect(await detectMovieLensFormat(udata)).toBe('udata');
    expect(await detectMovieLensFormat(dat)).toBe('dat');
    expect(await detectMovieLensFormat(csv)).toBe('csv');
    expect(await detectMovieLensFormat(writeText(dir, 'noext', '1::2::3::4\n'))).toBe('dat');
  });

  it('reads each format to the same dense, deduplicated interactions', async () => {
    for (const file of [udata, dat, csv]) {
      const { dataset } = await readMovieLens(file, { split: { kind: 'ratio', train: 1, valid: 0, test: 0 } });
      expect(dataset.users).toBe(3);
      expect(dataset.items).toBe(3);
      expect(Array.from(dataset.userIds ?? [])).toEqual([1, 2, 3]);
      expect(Array.from(dataset.itemIds ?? [])).toEqual([10, 20, 30]);
      expect(Array.from(dataset.train.indptr)).toEqual([0, 2, 3, 4]);
      expect(Array.from(dataset.train.indices)).toEqual([0, 1, 0, 2]);
      expect(dataset.manifest.counts).toMatchObject({ ratings: 5, duplicates: 1, interactions: 4, belowThreshold: 0 });
    }
  });

  it('applies the rating threshold for implicit feedback', async () => {
    const { dataset } = await readMovieLens(udata, { minRating: 4 });
    expect(dataset.users).toBe(2);
    expect(dataset.items).toBe(1);
    expect(dataset.manifest.counts).toMatchObject({ ratings: 5, belowThreshold: 3, interactions: 2 });
    expect(dataset.manifest.params.minRating).toBe(4);
  });

  it('leave-one-out by time puts each user\'s newest rating in test', async () => {
    const lines = [];
    for (let item = 1; item <= 6; item++) lines.push(`7\t${item}\t5\t${1000 - item * 10}`); // item 1 is newest
    const file = writeText(dir, 'loo.data', lines.join('\n') + '\n');
    const { dataset } = await readMovieLens(file, { split: { kind: 'leave-k-out', k: 1, order: 'time' } });
    expect(Array.from(csrRow(dataset.test, 0))).toEqual([0]); // raw item 1
    expect(Array.from(csrRow(dataset.valid, 0))).toEqual([1]); // raw item 2
    expect(cfSplitSizes(dataset)).toEqual({ train: 4, valid: 1, test: 1 });
  });

  it('names file, line and value for malformed lines', async () => {
    const cases: [string, RegExp][] = [
      ['1\t2\t3\t4\n1\t2\t3\n', /:2: expected 4 fields/],
      ['1\t2\t3\t4\t5\n', /:1: expected 4 fields/],
      ['x\t2\t3\t4\n', /:1: non-integer user id \(value: "x"\)/],
      ['1\t-2\t3\t4\n', /:1: negative item id \(value: "-2"\)/],
      ['1\t2\tgood\t4\n', /:1: rating is not a number \(value: "good"\)/],
      ['1\t2\t3\tnow\n', /:1: timestamp is not a non-negative integer/],
    ];
    for (const [k, [text, message]] of cases.entries()) {
      const file = writeText(dir, `bad${k}.data`, text);
      const err = await readMovieLens(file, { format: 'udata' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toMatch(new RegExp(`bad${k}\\.data${message.source}`));
    }
    await expect(readMovieLens(writeText(dir, 'e.data', ''), { format: 'udata' })).rejects.toThrow(/empty file/);
    await expect(readMovieLens(writeText(dir, 'h.csv', 'userId,movieId,rating,timestamp\n'))).rejects.toThrow(/no ratings/);
  });
});

describe('readMovieLens on the shared real datasets', () => {
  const ml100k = sharedFile('ml-100k', 'u.data');
  it.skipIf(!ml100k.exists)('ml-100k: 943 users, 1,682 items, 100,000 ratings; threshold matches a naive count', async () => {
    const { dataset } = await readMovieLens(ml100k.path);
    expect(dataset.users).toBe(943);
    expect(dataset.items).toBe(1682);
    expect(dataset.manifest.counts).toMatchObject({ ratings: 100_000, duplicates: 0, interactions: 100_000 });
    const sizes = cfSplitSizes(dataset);
    expect(sizes.train + sizes.valid + sizes.test).toBe(100_000);
    for (const m of [dataset.train, dataset.valid, dataset.test]) validateCsr(m);

    const naive = readFileSync(ml100k.path, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && Number(l.split('\t')[2]) >= 4).length;
    const implicit = await readMovieLens(ml100k.path, { minRating: 4 });
    expect(implicit.dataset.manifest.counts.interactions).toBe(naive);
  });

  const small = sharedFile('ml-latest-small', 'ratings.csv');
  it.skipIf(!small.exists)('ml-latest-small (CRLF, header): 610 users, 9,724 movies, 100,836 ratings', async () => {
    const { dataset } = await readMovieLens(small.path);
    expect(dataset.users).toBe(610);
    expect(dataset.items).toBe(9724);
    expect(dataset.manifest.counts).toMatchObject({ ratings: 100_836, interactions: 100_836 });
  });
});
