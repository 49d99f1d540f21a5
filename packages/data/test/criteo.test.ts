import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { criteoIntegerToken, DataFormatError, totalFeatures } from '../src/index.js';
import { readCriteo } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';

const dir = tempDir();

/** A Criteo line: I1 and C1 given, I2..I12 = 5, I13 empty, C2..C26 = 0000000c. */
function line(label: string, i1: string, c1: string): string {
  const ints = [i1, ...Array<string>(11).fill('5'), ''];
  const cats = [c1, ...Array<string>(25).fill('0000000c')];
  return [label, ...ints, ...cats].join('\t');
}

const FIXTURE = [
  line('1', '1382', 'aaaaaaaa'),
  line('0', '1400', 'aaaaaaaa'),
  line('0', '', 'bbbbbbbb'),
  line('0', '0', ''),
  line('0', '', 'xyz'),
  line('1', '3', 'AAAAAAAA'), // hex is case-insensitive
].join('\n') + '\n';

describe('criteoIntegerToken', () => {
  it('applies floor(ln(v)^2) above 2 and v - 2 otherwise', () => {
    expect([1382, 1400, 100, 10, 8, 3].map(criteoIntegerToken)).toEqual([52, 52, 21, 5, 4, 1]);
    expect([2, 1, 0, -1, -5].map(criteoIntegerToken)).toEqual([0, -1, -2, -3, -7]);
  });
});

describe('readCriteo on a generated file', () => {
  const file = writeText(dir, 'train.txt', FIXTURE);

  it('builds per-field vocabularies with min count, OOV 0, and global ids', async () => {
    const { dataset, vocabs } = await readCriteo(file, { minCount: 2, split: { kind: 'chronological' } });
    expect(dataset.rows).toBe(6);
    expect(dataset.fields).toBe(39);
    expect(dataset.fieldNames.slice(12, 15)).toEqual(['I13', 'C1', 'C2']);
    // I1: tokens 52 (x2), empty (x2), -2, 1 -> keep empty (ranked first on ties) and 52.
    expect(vocabs[0].tokens()).toEqual([null, '', '52']);
    // C1: aaaaaaaa (x3) kept; bbbbbbbb, empty and "xyz" are rare.
    expect(vocabs[13].tokens()).toEqual([null, 'aaaaaaaa']);
    expect(vocabs[12].tokens()).toEqual([null, '']); // I13 always empty
    expect(dataset.fieldDims[0]).toBe(3);
    expect(Array.from(dataset.fieldDims.slice(1))).toEqual(Array<number>(38).fill(2));
    expect(totalFeatures(dataset)).toBe(79);
    expect(dataset.fieldOffsets[13]).toBe(27);
    const col = (f: number): number[] => Array.from({ length: 6 }, (_, r) => dataset.x[r * 39 + f]);
    expect(col(0)).toEqual([2, 2, 1, 0, 1, 0]);
    expect(col(1)).toEqual([4, 4, 4, 4, 4, 4]);
    expect(col(13)).toEqual([28, 28, 27, 27, 27, 28]);
    expect(Array.from(dataset.labels)).toEqual([1, 0, 0, 0, 0, 1]);
    expect(dataset.manifest.counts).toMatchObject({ rows: 6, positives: 2, fields: 39, features: 79, oovTokens: 5 });
    expect(dataset.manifest.params).toMatchObject({ minCount: 2, split: { kind: 'chronological' } });
    expect(Array.from(dataset.split.valid)).toEqual([5]); // 6 rows: round(4.8) = 5 train, round(0.6) = 1 valid, 0 test
  });

  it('reads gzip input to the same result and records a seeded random split', async () => {
    const gz = writeText(dir, 'train.txt.gz', FIXTURE, true);
    const a = await readCriteo(file, { minCount: 2 });
    const b = await readCriteo(gz, { minCount: 2 });
    expect(b.dataset.x).toEqual(a.dataset.x);
    expect(b.dataset.split).toEqual(a.dataset.split);
    expect(a.dataset.manifest.splitSeed).toBe(2023);
    expect(a.dataset.split.train.length + a.dataset.split.valid.length + a.dataset.split.test.length).toBe(6);
  });

  it('names file, line and value for malformed lines', async () => {
    const good = line('0', '1', 'aaaaaaaa');
    const cases: [string, RegExp][] = [
      [good.split('\t').slice(0, 39).join('\t'), /:2: expected 40 tab-separated fields, found 39/],
      [`${good}\t`, /:2: expected 40 tab-separated fields, found 41/],
      [line('2', '1', 'aaaaaaaa'), /:2: label must be 0 or 1 \(value: "2"\)/],
      [line('', '1', 'aaaaaaaa'), /:2: label must be 0 or 1 \(value: ""\)/],
      [line('1', '1.5', 'aaaaaaaa'), /:2: integer field I1 is not an integer \(value: "1\.5"\)/],
    ];
    for (const [k, [bad, message]] of cases.entries()) {
      const path = writeText(dir, `bad${k}.txt`, `${good}\n${bad}\n`);
      const err = await readCriteo(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as DataFormatError).line).toBe(2);
      expect((err as Error).message).toMatch(message);
    }
    await expect(readCriteo(writeText(dir, 'empty.txt', ''))).rejects.toThrow(/empty\.txt:0: empty file/);
    const broken = Buffer.from(gzipSync(FIXTURE.repeat(50)));
    writeFileSync(join(dir, 'broken.txt.gz'), broken.subarray(0, broken.length >> 1));
    await expect(readCriteo(join(dir, 'broken.txt.gz'))).rejects.toThrow(/broken\.txt\.gz:\d+: unreadable gzip data/);
  });
});

describe('readCriteo on the shared criteo-sample', () => {
  const sample = sharedFile('criteo-sample', 'train.txt');
  it.skipIf(!sample.exists)('10,000 rows, 2,182 positives, 39 fields; ids agree with a naive re-encoding', async () => {
    const { dataset, vocabs } = await readCriteo(sample.path);
    expect(dataset.rows).toBe(10_000);
    expect(dataset.fields).toBe(39);
    expect(dataset.manifest.counts.positives).toBe(2182);
    expect(dataset.split.train.length).toBe(8000);

    // Independent re-implementation with split() and string keys.
    const rows = readFileSync(sample.path, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    const token = (f: number, v: string): string => (v === '' ? '' : f < 13 ? String(criteoIntegerToken(Number(v))) : v);
    const counts = Array.from({ length: 39 }, () => new Map<string, number>());
    for (const r of rows) for (let f = 0; f < 39; f++) counts[f].set(token(f, r[f + 1]), (counts[f].get(token(f, r[f + 1])) ?? 0) + 1);
    const dims = counts.map((m) => [...m.values()].filter((c) => c >= 10).length + 1);
    expect(Array.from(dataset.fieldDims)).toEqual(dims);
    const tokenLists = vocabs.map((v) => v.tokens());
    let mismatches = 0;
    rows.forEach((r, i) => {
      if (dataset.labels[i] !== Number(r[0])) mismatches++;
      for (let f = 0; f < 39; f++) {
        const t = token(f, r[f + 1]);
        const local = dataset.x[i * 39 + f] - dataset.fieldOffsets[f];
        const kept = (counts[f].get(t) ?? 0) >= 10;
        if (kept ? tokenLists[f][local] !== t : local !== 0) mismatches++;
      }
    });
    expect(mismatches).toBe(0);
  });
});
