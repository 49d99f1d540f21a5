import { describe, expect, it } from 'vitest';
import { csrRow, DataFormatError, DataOptionError, splitCounts } from '../src/index.js';
import { readRecBole } from '../src/node/index.js';
import { tempDir, writeText } from './helpers.js';

const dir = tempDir();
const HEADER = 'user_id:token\titem_id:token\trating:float\ttimestamp:float\treview:token_seq';

/** A `.inter` file: user u has `counts[u]` items, rated 1..5 in turn, item k at time 1000 - k. */
function interFile(name: string, counts: number[]): string {
  const lines = [HEADER];
  counts.forEach((n, u) => {
    for (let k = 0; k < n; k++) lines.push(`u${u}\ti${k}\t${(k % 5) + 1}\t${1000 - k}.5\tgood film`);
  });
  return writeText(dir, name, lines.join('\n') + '\n');
}

describe('RecBole ratio rounding', () => {
  it('follows RecBole: valid and test rounded down, a part under one interaction gets one (test first) while train keeps more than one', () => {
    const rs = { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1, rounding: 'recbole' } as const;
    expect(splitCounts(rs, 1)).toEqual([1, 0, 0]);
    expect(splitCounts(rs, 2)).toEqual([1, 0, 1]);
    expect(splitCounts(rs, 3)).toEqual([1, 1, 1]);
    expect(splitCounts(rs, 5)).toEqual([3, 1, 1]);
    expect(splitCounts(rs, 10)).toEqual([8, 1, 1]);
    expect(splitCounts(rs, 19)).toEqual([17, 1, 1]);
    expect(splitCounts(rs, 20)).toEqual([16, 2, 2]);
    // The default rounding differs: nearest, so 19 -> 2 + 2.
    expect(splitCounts({ ...rs, rounding: 'nearest' }, 19)).toEqual([15, 2, 2]);
  });
});

describe('readRecBole on generated files', () => {
  it('reads a typed header, ignores other fields, and splits with RecBole\'s default RS 0.8/0.1/0.1', async () => {
    const file = interFile('ml.inter', [10, 2, 5, 1]);
    const { dataset } = await readRecBole(file);
    expect(dataset.manifest.name).toBe('ml');
    expect(dataset.manifest.format).toBe('recbole-inter');
    expect(dataset.manifest.params).toMatchObject({ userField: 'user_id', itemField: 'item_id', ratingField: 'rating', timeField: 'timestamp', ignoredFields: ['review'] });
    expect(dataset.userNames).toEqual(['u0', 'u1', 'u2', 'u3']);
    const sizes = (u: number): number[] => [dataset.train, dataset.valid, dataset.test].map((m) => csrRow(m, u).length);
    expect([0, 1, 2, 3].map(sizes)).toEqual([[8, 1, 1], [1, 0, 1], [3, 1, 1], [1, 0, 0]]);
    expect(dataset.manifest.counts).toMatchObject({ rows: 18, interactions: 18, users: 4, items: 10 });
  });

  it('is seeded: the same seed gives the same split, another seed another one', async () => {
    const file = interFile('seeded.inter', [40, 40]);
    const a = (await readRecBole(file, { seed: 1 })).dataset;
    const b = (await readRecBole(file, { seed: 1 })).dataset;
    const c = (await readRecBole(file, { seed: 2 })).dataset;
    expect(Array.from(a.test.indices)).toEqual(Array.from(b.test.indices));
    expect(Array.from(a.test.indices)).not.toEqual(Array.from(c.test.indices));
  });

  it('orders by time (RecBole TO): the newest interactions go to test', async () => {
    const file = interFile('time.inter', [10]);
    const { dataset } = await readRecBole(file, { split: { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1, order: 'time' } });
    // Item k has time 1000 - k: i0 is newest (test), i1 next (valid). Items sort as text: i0, i1, ..., i9.
    expect(Array.from(csrRow(dataset.test, 0))).toEqual([0]);
    expect(Array.from(csrRow(dataset.valid, 0))).toEqual([1]);
  });

  it('converts to implicit feedback with the rating threshold', async () => {
    const file = interFile('thr.inter', [10]);
    const { dataset } = await readRecBole(file, { minRating: 4 });
    expect(dataset.manifest.counts).toMatchObject({ rows: 10, belowThreshold: 6, interactions: 4 });
  });

  it('reads integer tokens as integer ids and custom field names', async () => {
    const file = writeText(dir, 'custom.inter', 'uid:token\tiid:token\tts:float\n3\t30\t1\n1\t10\t2\n3\t10\t3\n3\t30\t4\n');
    const { dataset } = await readRecBole(file, { userField: 'uid', itemField: 'iid', timeField: 'ts', split: { kind: 'ratio', train: 1, valid: 0, test: 0 } });
    expect(Array.from(dataset.userIds ?? [])).toEqual([1, 3]);
    expect(Array.from(dataset.itemIds ?? [])).toEqual([10, 30]);
    expect(dataset.manifest.counts).toMatchObject({ rows: 4, duplicates: 1, interactions: 3 });
  });

  it('names file, line and value for malformed files', async () => {
    const cases: [string, RegExp][] = [
      ['user_id:token\titem_id:tokn\n1\t2\n', /:1: unknown RecBole field type "tokn" \(known: token, token_seq, float, float_seq\) \(value: "item_id:tokn"\)/],
      ['user_id:token\titem_id\n1\t2\n', /:1: a RecBole header field must be name:type \(value: "item_id"\)/],
      ['user:token\titem_id:token\n1\t2\n', /:1: no "user_id" field \(set userField/],
      ['user_id:float\titem_id:token\n1\t2\n', /:1: field user_id must be of type token/],
      ['user_id:token\titem_id:token\trating:float\n1\t2\t5\n1\t3\n', /:3: expected 3 tab-separated fields \(as the header\), found 2/],
      ['user_id:token\titem_id:token\trating:float\n1\t2\tfive\n', /:2: rating is not a number \(value: "five"\)/],
    ];
    for (const [k, [text, message]] of cases.entries()) {
      const file = writeText(dir, `bad${k}.inter`, text);
      const err = await readRecBole(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toMatch(new RegExp(`bad${k}\\.inter${message.source}`));
    }
    const noRating = writeText(dir, 'norating.inter', 'user_id:token\titem_id:token\n1\t2\n');
    await expect(readRecBole(noRating, { minRating: 3 })).rejects.toBeInstanceOf(DataOptionError);
  });
});
