import { describe, expect, it } from 'vitest';
import { cfSplitSizes, csrRow, DataFormatError, DataOptionError } from '../src/index.js';
import { readMovieLens, readTriplets } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';

const dir = tempDir();
const ALL_TRAIN = { kind: 'ratio', train: 1, valid: 0, test: 0 } as const;
const ROWS = [
  ['7', '10', '5', '100'],
  ['7', '20', '3', '200'],
  ['8', '10', '4', '150'],
  ['7', '10', '2', '300'], // repeats (7, 10)
  ['9', '30', '1', '50'],
];

describe('readTriplets on generated files', () => {
  it('reads space, tab and comma files, with or without a header, to the same interactions', async () => {
    const files = [
      writeText(dir, 'space.txt', ROWS.map((r) => r.join('  ')).join('\n') + '\n'),
      writeText(dir, 'tab.tsv', ROWS.map((r) => r.join('\t')).join('\n') + '\n'),
      writeText(dir, 'comma.csv', 'user_id,item_id,rating,timestamp\r\n' + ROWS.map((r) => r.join(',')).join('\r\n') + '\r\n'),
      writeText(dir, 'comma.csv.gz', ROWS.map((r) => r.join(',')).join('\n') + '\n', true),
    ];
    const separators = ['space', 'tab', 'comma', 'comma'];
    for (const [k, file] of files.entries()) {
      const { dataset } = await readTriplets(file, { split: ALL_TRAIN });
      expect(dataset.manifest.params).toMatchObject({ separator: separators[k], header: k === 2, columns: ['user', 'item', 'rating', 'timestamp'] });
      expect(Array.from(dataset.userIds ?? [])).toEqual([7, 8, 9]);
      expect(Array.from(dataset.itemIds ?? [])).toEqual([10, 20, 30]);
      expect(Array.from(dataset.train.indptr)).toEqual([0, 2, 3, 4]);
      expect(Array.from(dataset.train.indices)).toEqual([0, 1, 0, 2]);
      expect(dataset.manifest.counts).toMatchObject({ rows: 5, duplicates: 1, interactions: 4, users: 3, items: 3 });
    }
  });

  it('remaps text ids in sorted raw order and keeps them as names ("007" is not 7)', async () => {
    const file = writeText(dir, 'text.txt', 'bob x\nalice y\nbob y\n7 x\n007 x\n');
    const { dataset } = await readTriplets(file, { split: ALL_TRAIN });
    expect(dataset.userIds).toBeUndefined();
    expect(dataset.userNames).toEqual(['007', '7', 'alice', 'bob']);
    expect(dataset.itemNames).toEqual(['x', 'y']);
    expect(Array.from(csrRow(dataset.train, 3))).toEqual([0, 1]); // bob: x, y
    expect(dataset.manifest.params.header).toBe(false);
  });

  it('applies the rating threshold and counts what it drops', async () => {
    const file = writeText(dir, 'thr.tsv', ROWS.map((r) => r.join('\t')).join('\n') + '\n');
    const { dataset } = await readTriplets(file, { minRating: 4, split: ALL_TRAIN });
    expect(dataset.manifest.counts).toMatchObject({ rows: 5, belowThreshold: 3, interactions: 2, users: 2, items: 1 });
  });

  it('takes a third column named like a time as the timestamp, and splits by time', async () => {
    const lines = ['user item ts'];
    for (let item = 1; item <= 6; item++) lines.push(`u ${item} ${1000 - item * 10}`); // item 1 is newest
    const file = writeText(dir, 'time.txt', lines.join('\n') + '\n');
    const { dataset } = await readTriplets(file, { split: { kind: 'leave-k-out', k: 1, order: 'time' } });
    expect(dataset.manifest.params.columns).toEqual(['user', 'item', 'timestamp']);
    expect(Array.from(csrRow(dataset.test, 0))).toEqual([0]); // raw item 1
    expect(Array.from(csrRow(dataset.valid, 0))).toEqual([1]);
    expect(cfSplitSizes(dataset)).toEqual({ train: 4, valid: 1, test: 1 });
  });

  it('takes a first line as a header only for numeric columns or user/item column names', async () => {
    const { tripletHeaderOf } = await import('../src/node/index.js');
    expect(tripletHeaderOf(['user_id', 'itemId'])).toBe(true);
    expect(tripletHeaderOf(['uid', 'iid', 'rating'])).toBe(true);
    expect(tripletHeaderOf(['u1', 'i7', 'score'])).toBe(true); // a rating column that is not a number
    expect(tripletHeaderOf(['u', 'i'])).toBe(false);
    expect(tripletHeaderOf(['alice', 'book', '5'])).toBe(false);
  });

  it('reads user-item pairs without rating', async () => {
    const file = writeText(dir, 'pairs.txt', '1 2\n1 3\n2 3\n');
    const { dataset } = await readTriplets(file, { split: ALL_TRAIN });
    expect(dataset.manifest.counts).toMatchObject({ interactions: 3, users: 2, items: 2 });
  });

  it('names file, line and value for malformed lines', async () => {
    const cases: [string, RegExp][] = [
      ['1 2 3\n1 2\n', /:2: expected 3 space-separated fields \(user item rating\), found 2 \(value: "1 2"\)/],
      ['1,2,3\n1,2,3,4\n', /:2: expected 3 comma-separated fields \(user item rating\), found 4/],
      ['1\t2\t5\n1\t3\tgood\n', /:2: rating is not a number \(value: "good"\)/],
      ['1,2,5,100\n1,3,4,yesterday\n', /:2: timestamp is not a number \(value: "yesterday"\)/],
      ['1,2\n,3\n', /:2: empty user id/],
      ['user,item\n', /:1: no interactions/],
    ];
    for (const [k, [text, message]] of cases.entries()) {
      const file = writeText(dir, `bad${k}.txt`, text);
      const err = await readTriplets(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toMatch(new RegExp(`bad${k}\\.txt${message.source}`));
    }
  });

  it('rejects options the file cannot satisfy', async () => {
    const file = writeText(dir, 'opts.txt', '1 2\n');
    await expect(readTriplets(file, { minRating: 3 })).rejects.toBeInstanceOf(DataOptionError);
    await expect(readTriplets(file, { split: { kind: 'leave-k-out', k: 1, order: 'time' } })).rejects.toBeInstanceOf(DataOptionError);
    await expect(readTriplets(file, { columns: ['user', 'user'] })).rejects.toBeInstanceOf(DataOptionError);
  });
});

describe('readTriplets on real data', () => {
  const ratings = sharedFile('ml-latest-small', 'ratings.csv');
  it.skipIf(!ratings.exists)('ml-latest-small ratings.csv as triplets: the MovieLens reader\'s users, items and ratings', async () => {
    const asTriplets = await readTriplets(ratings.path);
    const asMovieLens = await readMovieLens(ratings.path);
    const t = asTriplets.dataset;
    const m = asMovieLens.dataset;
    expect(t.manifest.params.header).toBe(true);
    expect(t.manifest.counts.rows).toBe(100_836);
    expect(t.manifest.counts.rows).toBe(m.manifest.counts.ratings);
    expect([t.users, t.items]).toEqual([610, 9_724]);
    expect([t.users, t.items]).toEqual([m.users, m.items]);
    expect(t.manifest.counts.interactions).toBe(m.manifest.counts.interactions);
    expect(Array.from(t.userIds ?? [])).toEqual(Array.from(m.userIds ?? []));
    expect(Array.from(t.itemIds ?? [])).toEqual(Array.from(m.itemIds ?? []));
    expect(cfSplitSizes(t)).toEqual(cfSplitSizes(m));
  });
});
