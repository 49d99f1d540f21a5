import { describe, expect, it } from 'vitest';
import { CtrRowParser, CtrVocabulary, DataFormatError, DataOptionError, decodeDataset, denseToken, encodeDataset, expandColumnList, type CtrDataset } from '../src/index.js';
import { readCriteo, readCtrCsv } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';
import { readFileSync } from 'node:fs';

const dir = tempDir();
const CRITEO_HEADER = ['label', ...Array.from({ length: 13 }, (_, k) => `I${k + 1}`), ...Array.from({ length: 26 }, (_, k) => `C${k + 1}`)];

/** Criteo rows (label, I1..I13, C1..C26) with a few repeated and missing values. */
function criteoRows(n: number): string[][] {
  return Array.from({ length: n }, (_, r) => [
    String(r % 3 === 0 ? 1 : 0),
    ...Array.from({ length: 13 }, (_, f) => ((r + f) % 7 === 0 ? '' : String(((r * (f + 3)) % 11) * (f === 0 ? 100 : 1)))),
    ...Array.from({ length: 26 }, (_, f) => ((r + f) % 9 === 0 ? '' : ((r * 31 + f) % 5).toString(16).padStart(8, '0'))),
  ]);
}

/** Every row of a dataset through a raw-row parser: the reader's own ids. */
function expectRowsEncodeAlike(ds: CtrDataset, parser: CtrRowParser, lines: readonly string[]): void {
  let row = 0;
  lines.forEach((line, k) => {
    const parsed = parser.parse(line, k + 1);
    if (parsed === null) return;
    expect(Array.from(parsed.ids)).toEqual(Array.from(ds.x.subarray(row * ds.fields, (row + 1) * ds.fields)));
    expect(parsed.label).toBe(ds.labels[row]);
    row++;
  });
  expect(row).toBe(ds.rows);
}

describe('column role lists', () => {
  it('expands ranges (keeping zero padding) and comma lists', () => {
    expect(expandColumnList('I1-I3,C01-C03, x')).toEqual(['I1', 'I2', 'I3', 'C01', 'C02', 'C03', 'x']);
    expect(expandColumnList(['a', 'b-c'])).toEqual(['a', 'b-c']);
    expect(() => expandColumnList('I5-I1')).toThrow(DataOptionError);
  });

  it('dense values: the Criteo transform on integers, the same buckets for fractions', () => {
    expect([1382, 3, 2, 0, -1].map(denseToken)).toEqual([52, 1, 0, -2, -3]);
    expect([3.5, 1382.7, 1.9, 0.5, -0.5].map(denseToken)).toEqual([1, 52, -1, -2, -3]);
  });
});

describe('readCtrCsv', () => {
  const rows = criteoRows(60);
  const tsv = writeText(dir, 'criteo.txt', rows.map((r) => r.join('\t')).join('\n') + '\n');
  const csvLines = [CRITEO_HEADER.join(','), ...rows.map((r) => r.join(','))];
  const csv = writeText(dir, 'criteo_sample.csv', csvLines.join('\n') + '\n');

  it('recognises Criteo\'s columns in a CSV header and gives the Criteo reader\'s dataset, with no options', async () => {
    const fromCsv = (await readCtrCsv(csv, { minCount: 2 })).dataset;
    const fromTsv = (await readCriteo(tsv, { minCount: 2 })).dataset;
    expect(fromCsv.manifest.params).toMatchObject({ layout: 'criteo', separator: 'comma' });
    expect(fromCsv.manifest.name).toBe('criteo');
    expect(fromCsv.fieldNames).toEqual(fromTsv.fieldNames);
    expect(Array.from(fromCsv.fieldDims)).toEqual(Array.from(fromTsv.fieldDims));
    expect(fromCsv.x).toEqual(fromTsv.x);
    expect(fromCsv.labels).toEqual(fromTsv.labels);
    expect(fromCsv.split).toEqual(fromTsv.split);
    expect((await readCtrCsv(csv)).dataset.manifest.params.minCount).toBe(10); // the protocol's Criteo default
  });

  it('reads declared roles in any column order; raw rows encode alike, also after the cache and serialisation', async () => {
    const lines = ['user,price,click,note,ad,age'];
    for (let r = 0; r < 40; r++) lines.push([`u${r % 4}`, r % 5 === 0 ? '' : String((r % 7) + 0.5), String(r % 2), `free text ${r}`, `ad${r % 3}`, String(r % 6)].join(','));
    const file = writeText(dir, 'roles.csv', lines.join('\n') + '\n');
    const { dataset } = await readCtrCsv(file, { label: 'click', dense: 'price,age', sparse: ['user', 'ad'], ignore: 'note', minCount: 1 });
    expect(dataset.fieldNames).toEqual(['user', 'price', 'ad', 'age']);
    // OOV + kept tokens. user: 4; price: empty and 0.5..6.5 -> -2, -1, 0, 1, 2, 2, 3 (6 distinct);
    // ad: 3; age: 0..5 -> -2, -1, 0, 1, 1, 2 (5 distinct).
    expect(Array.from(dataset.fieldDims)).toEqual([5, 8, 4, 6]);
    expect(dataset.manifest.params.roles).toEqual({ label: 'click', dense: ['price', 'age'], sparse: ['user', 'ad'], ignore: ['note'] });
    expect(Array.from(dataset.labels.subarray(0, 4))).toEqual([0, 1, 0, 1]);
    const v = dataset.vocabulary;
    expect(v.format).toMatchObject({ name: 'columns', layout: { label: 'click', dense: ['price', 'age'], ignored: ['note'], separator: ',' } });
    expectRowsEncodeAlike(dataset, new CtrRowParser(v, { label: true }), lines);
    expectRowsEncodeAlike(dataset, new CtrRowParser(CtrVocabulary.deserialize(v.serialize()), { label: true }), lines);
    const cached = decodeDataset(encodeDataset(dataset));
    expect(cached.kind === 'ctr' && cached.vocabulary?.format.name).toBe('columns');
    // A header line is recognised by its names even though data lines may hold any text.
    expect(new CtrRowParser(v, { label: true }).parse(lines[0], 1)).toBeNull();
  });

  it('without sparse, the columns not named elsewhere are sparse; the label defaults to a column named label/click/target/y', async () => {
    const file = writeText(dir, 'defaults.tsv', 'a\tb\ttarget\tn\nx\ty\t1\t3\nx\tz\t0\t4\n');
    const { dataset } = await readCtrCsv(file, { dense: 'n', minCount: 1 });
    expect(dataset.manifest.params).toMatchObject({ separator: 'tab', roles: { label: 'target', dense: ['n'], sparse: ['a', 'b'], ignore: [] } });
  });

  it('names file, line and value for malformed files and roles', async () => {
    const cases: [string, object, RegExp][] = [
      ['y,a,b\n1,x,2\n', { label: 'label' }, /:1: missing label column: the header has no column "label" \(value: "label"\)/],
      ['a,b\nx,2\n', {}, /:1: no label column \(none named label, click, target, y\): set label=<column>/],
      ['label,a,b\n1,x,2\n0,x\n', {}, /:3: expected 3 comma-separated fields \(as the header\), found 2/],
      ['label,a,b\n1,x,2\n0,x,2,3\n', {}, /:3: expected 3 comma-separated fields \(as the header\), found 4/],
      ['label,a,n\n1,x,2\n0,x,many\n', { dense: 'n' }, /:3: dense column n is not a number \(value: "many"\)/],
      ['label,a,n\n1,x,2\n2,x,3\n', { dense: 'n' }, /:3: label \(label\) must be 0 or 1 \(value: "2"\)/],
      ['label,a,n\n1,x,2\n', { dense: 'm' }, /:1: dense column "m" is not in the header/],
      ['label,a,n,o\n1,x,2,3\n', { sparse: 'a', dense: 'n' }, /:1: columns without a role: list them under sparse, dense or ignore \(value: "o"\)/],
      ['label,a,n\n1,x,2\n', { sparse: 'a,n', dense: 'n' }, /:1: column "n" is both dense and sparse/],
      ['label,a,a\n1,x,2\n', {}, /:1: repeated column names in the header \(value: "a"\)/],
    ];
    for (const [k, [text, roles, message]] of cases.entries()) {
      const file = writeText(dir, `bad${k}.csv`, text);
      const err = await readCtrCsv(file, roles).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toMatch(new RegExp(`bad${k}\\.csv${message.source}`));
    }
  });
});

describe('readCtrCsv on the shared criteo-sample with a header', () => {
  const sample = sharedFile('criteo-sample', 'train.txt');
  it.skipIf(!sample.exists)('the sample rewritten as a headed CSV reads to the Criteo reader\'s ids', async () => {
    const lines = readFileSync(sample.path, 'utf8').split('\n').filter((l) => l !== '');
    const csv = writeText(dir, 'criteo-sample.csv', [CRITEO_HEADER.join(','), ...lines.map((l) => l.split('\t').join(','))].join('\n') + '\n');
    const a = (await readCtrCsv(csv)).dataset;
    const b = (await readCriteo(sample.path)).dataset;
    expect(a.rows).toBe(10_000);
    expect(a.x).toEqual(b.x);
    expect(Array.from(a.fieldDims)).toEqual(Array.from(b.fieldDims));
  });
});
