/**
 * CtrVocabulary and CtrRowParser: raw rows encode to exactly the ids the readers wrote, the
 * vocabulary survives serialisation and the dataset cache, and malformed rows are named.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CacheFormatError, CtrRowParser, CtrVocabulary, DataFormatError, decodeDataset, encodeDataset, FieldVocab, type CtrDataset } from '../src/index.js';
import { loadDataset, readAvazu, readCriteo, writeDatasetFile } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';

const dir = tempDir();

/** A Criteo line: label, I1, I2, then I3..I12 = 5, I13 empty, C1, then C2..C26 = 0000000c. */
function criteoLine(label: string, i1: string, i2: string, c1: string): string {
  return [label, i1, i2, ...Array<string>(10).fill('5'), '', c1, ...Array<string>(25).fill('0000000c')].join('\t');
}

// I1: 1382/1400 share the token 52; I2: a huge negative (an integer token beyond int32, kept);
// C1: a hex hash (case-insensitive), a string token "xyz" (kept) and rare values.
const CRITEO = [
  criteoLine('1', '1382', '-999999999999', 'aaaaaaaa'),
  criteoLine('0', '1400', '-999999999999', 'xyz'),
  criteoLine('0', '', '3', 'AAAAAAAA'),
  criteoLine('0', '0', '3', 'xyz'),
  criteoLine('1', '', '7', 'bbbbbbbb'),
  criteoLine('0', '3', '7', ''),
];

/** The dataset's row `r` of global ids. */
function rowOf(ds: CtrDataset, r: number): number[] {
  return Array.from(ds.x.subarray(r * ds.fields, (r + 1) * ds.fields));
}

/** Parses every line and checks ids and labels against the reader's encoding, row by row from `first`. */
function expectSameAsReader(ds: CtrDataset, parser: CtrRowParser, lines: readonly string[], first = 0): void {
  let r = first;
  lines.forEach((line, k) => {
    const row = parser.parse(line, k + 1);
    if (row === null) return;
    expect(Array.from(row.ids), `line ${k + 1}`).toEqual(rowOf(ds, r));
    if (row.label !== null) expect(row.label).toBe(ds.labels[r]);
    r++;
  });
}

describe('CtrVocabulary on Criteo rows', () => {
  const file = writeText(dir, 'criteo.txt', CRITEO.join('\n') + '\n');

  it('encodes raw rows, with or without the label, to the reader\'s ids', async () => {
    const { dataset } = await readCriteo(file, { minCount: 2, split: { kind: 'chronological' } });
    const v = dataset.vocabulary;
    expect(v.featureColumns).toEqual(dataset.fieldNames);
    expect(Array.from(v.fieldDims)).toEqual(Array.from(dataset.fieldDims));
    // I2: three tokens seen twice each (ties ranked by key): -999999999999 - 2, ln(3)^2 -> 1, ln(7)^2 -> 3.
    expect(v.field(1).tokens()).toEqual([null, '-1000000000001', '1', '3']);
    expectSameAsReader(dataset, new CtrRowParser(v, { label: true }), CRITEO);
    const unlabelled = CRITEO.map((l) => l.split('\t').slice(1).join('\t'));
    expectSameAsReader(dataset, new CtrRowParser(v, { label: false }), unlabelled);
  });

  it('applies the integer transform, hex case folding and the OOV id like the reader', async () => {
    const { dataset } = await readCriteo(file, { minCount: 2 });
    const v = dataset.vocabulary;
    const values = (i1: string, c1: string): string[] => criteoLine('0', i1, '3', c1).split('\t').slice(1);
    const o = dataset.fieldOffsets;
    // I1 keeps the empty value and token 52 (ties ranked: empty first): 1396 -> floor(ln^2) = 52.
    expect(v.encodeRow(values('1396', 'aaaaaaaa'))[0]).toBe(o[0] + 2);
    expect(v.encodeRow(values('', 'aaaaaaaa'))[0]).toBe(o[0] + 1);
    expect(v.encodeRow(values('999999', 'aaaaaaaa'))[0]).toBe(o[0]); // token 190: never seen -> OOV
    expect(v.encodeRow(values('0', 'AaAaAaAa'))[13]).toBe(v.encodeRow(values('0', 'aaaaaaaa'))[13]);
    expect(v.encodeRow(values('0', 'bbbbbbbb'))[13]).toBe(o[13]); // seen once, min count 2 -> OOV
    expect(v.encodeRow(values('0', 'never-seen'))[13]).toBe(o[13]);
    const out = new Int32Array(50).fill(-1);
    expect(v.encodeRow(values('0', 'xyz'), out)).toBe(out);
    expect(out[39]).toBe(-1);
  });

  it('names the input, line and value of malformed rows', async () => {
    const { dataset } = await readCriteo(file, { minCount: 2 });
    const parser = new CtrRowParser(dataset.vocabulary, { label: false, file: 'rows.tsv' });
    const bad = criteoLine('0', '12x', '3', 'aaaaaaaa').split('\t').slice(1).join('\t');
    expect(() => parser.parse(bad, 3)).toThrow(/^rows\.tsv:3: integer field I1 is not an integer \(value: "12x"\)$/);
    expect(() => parser.parse(CRITEO[0], 4)).toThrow(/rows\.tsv:4: expected 39 tab-separated fields \(without a label\), found 40/);
    const labelled = new CtrRowParser(dataset.vocabulary, { label: true, file: 'rows.tsv' });
    expect(() => labelled.parse(criteoLine('2', '1', '3', 'a'), 7)).toThrow(/rows\.tsv:7: label must be 0 or 1 \(value: "2"\)/);
    expect(() => dataset.vocabulary.encodeRow(['1', '2'])).toThrow(DataFormatError);
    expect(parser.parse('', 9)).toBeNull();
  });

  it('round-trips through serialize / deserialize (strings and big integers included)', async () => {
    const { dataset } = await readCriteo(file, { minCount: 1 });
    const v = dataset.vocabulary;
    const back = CtrVocabulary.deserialize(v.serialize());
    expect(back.format).toEqual(v.format);
    expect(back.minCount).toBe(1);
    for (let f = 0; f < v.fieldCount; f++) expect(back.field(f).tokens()).toEqual(v.field(f).tokens());
    expectSameAsReader(dataset, new CtrRowParser(back, { label: true }), CRITEO);
    const s = v.serialize();
    expect(() => CtrVocabulary.deserialize({ ...s, sections: { ...s.sections, keys: s.sections.keys.slice(1) } }, 'm.lers')).toThrow(/m\.lers: bad CTR vocabulary: the fields hold \d+ tokens/);
    // Two neighbouring integer tokens of one field made equal.
    const { codes } = s.sections;
    const k = codes.findIndex((c, i) => c === 1 && codes[i + 1] === 1 && i + 1 < (s.sections.fieldDims as Int32Array)[0] - 1);
    expect(k).toBeGreaterThanOrEqual(0);
    const twice = s.sections.keys.slice();
    twice[k + 1] = twice[k];
    expect(() => CtrVocabulary.deserialize({ ...s, sections: { ...s.sections, keys: twice } })).toThrow(/repeated/);
  });
});

describe('FieldVocab.keptTokens / fromKept', () => {
  it('restores every token kind at its index', () => {
    const v = new FieldVocab();
    for (let k = 0; k < 3; k++) v.countHex(0xdeadbeef);
    for (let k = 0; k < 2; k++) v.countStr('abc');
    v.countInt(2 ** 40);
    v.countInt(-5);
    v.countEmpty();
    v.countHex(0);
    v.finalize(1);
    const back = FieldVocab.fromKept(v.keptTokens());
    expect(back.tokens()).toEqual(v.tokens());
    expect(back.size).toBe(7);
    expect([back.indexHex(0xdeadbeef), back.indexStr('abc'), back.indexInt(2 ** 40), back.indexHex(0), back.indexStr('zz')]).toEqual([
      v.indexHex(0xdeadbeef), v.indexStr('abc'), v.indexInt(2 ** 40), v.indexHex(0), 0,
    ]);
    expect(v.tokens().slice(0, 3)).toEqual([null, 'deadbeef', 'abc']);
  });
});

const AVAZU_HEADER = 'id,click,hour,C1,site_id';
const AVAZU = ['1,0,14102100,1005,1fbe01fe', '2,1,14102100,1005,1fbe01fe', '3,0,14102523,1002,85f751fd', '4,1,14102523,1005,'];

describe('CtrVocabulary on Avazu rows', () => {
  const file = writeText(dir, 'avazu.csv', [AVAZU_HEADER, ...AVAZU].join('\n') + '\n');
  const dropClick = (l: string): string => l.split(',').filter((_, k) => k !== 1).join(',');

  it.each([false, true])('encodes rows with a header, without one, and without click (expandHour %s)', async (expandHour) => {
    const { dataset } = await readAvazu(file, { expandHour, split: { kind: 'chronological' } });
    const v = dataset.vocabulary;
    expect(v.format.columns).toEqual(AVAZU_HEADER.split(','));
    expect(v.featureColumns).toEqual(['hour', 'C1', 'site_id']);
    expectSameAsReader(dataset, new CtrRowParser(v, { label: true }), [AVAZU_HEADER, ...AVAZU]);
    expectSameAsReader(dataset, new CtrRowParser(v, { label: true }), AVAZU);
    expectSameAsReader(dataset, new CtrRowParser(v, { label: false }), AVAZU.map(dropClick));
    // A header in another order, without id and click, and the label skipped when not asked for.
    const reordered = ['site_id,hour,C1', ...AVAZU.map((l) => { const c = l.split(','); return [c[4], c[2], c[3]].join(','); })];
    expectSameAsReader(dataset, new CtrRowParser(v, { label: false }), reordered);
    expectSameAsReader(dataset, new CtrRowParser(v, { label: false }), [AVAZU_HEADER, ...AVAZU]);
  });

  it('rejects headers that lack or add columns, and bad hours', async () => {
    const { dataset } = await readAvazu(file, { expandHour: true });
    const parser = (label: boolean): CtrRowParser => new CtrRowParser(dataset.vocabulary, { label, file: 'in.csv' });
    expect(() => parser(false).parse('id,hour,C1', 1)).toThrow(/in\.csv:1: missing columns \(value: "site_id"\)/);
    expect(() => parser(true).parse('id,hour,C1,site_id', 1)).toThrow(/in\.csv:1: missing columns \(value: "click"\)/);
    expect(() => parser(false).parse('id,hour,C1,site_id,device_ip', 1)).toThrow(/not trained on \(value: "device_ip"\)/);
    expect(() => parser(false).parse('5,14132100,1005,1fbe01fe', 2)).toThrow(/in\.csv:2: hour must be YYMMDDHH \(value: "14132100"\)/);
  });
});

describe('the vocabulary in the dataset cache', () => {
  const file = writeText(dir, 'cache-criteo.txt', CRITEO.join('\n') + '\n');

  it('is stored and restored; files without it still read; a damaged one is a CacheFormatError', async () => {
    const { dataset } = await readCriteo(file, { minCount: 2 });
    const back = decodeDataset(encodeDataset(dataset)) as CtrDataset;
    expect(back.vocabulary).toBeDefined();
    expectSameAsReader(dataset, new CtrRowParser(back.vocabulary!, { label: true }), CRITEO);
    const old = decodeDataset(encodeDataset({ ...dataset, vocabulary: undefined })) as CtrDataset;
    expect(old.vocabulary).toBeUndefined();
    expect(Array.from(old.x)).toEqual(Array.from(dataset.x));
    const other = await readCriteo(file, { minCount: 1 });
    const mismatched = encodeDataset({ ...dataset, vocabulary: other.dataset.vocabulary });
    expect(() => decodeDataset(mismatched, 'c.lersdata')).toThrow(CacheFormatError);
    expect(() => decodeDataset(mismatched, 'c.lersdata')).toThrow(/does not match the field sizes/);
  });

  it('loadDataset rebuilds a CTR cache that lacks it', async () => {
    const cacheDir = `${dir}/cache`;
    const first = await loadDataset({ reader: 'criteo', files: [file], minCount: 2 }, { cacheDir });
    expect(first.hit).toBe(false);
    const hit = await loadDataset({ reader: 'criteo', files: [file], minCount: 2 }, { cacheDir });
    expect(hit.hit).toBe(true);
    expect((hit.dataset as CtrDataset).vocabulary).toBeDefined();
    await writeDatasetFile(first.path, { ...(first.dataset as CtrDataset), vocabulary: undefined }, first.key);
    const rebuilt = await loadDataset({ reader: 'criteo', files: [file], minCount: 2 }, { cacheDir });
    expect(rebuilt.hit).toBe(false);
    expect((rebuilt.dataset as CtrDataset).vocabulary).toBeDefined();
  });
});

describe('raw rows of the shared samples encode to the reader\'s ids', () => {
  const criteo = sharedFile('criteo-sample', 'train.txt');
  const avazuTrain = sharedFile('avazu-sample', 'train.csv');
  const avazuRest = sharedFile('avazu-sample', 'test_noheader.csv');

  it.skipIf(!criteo.exists)('criteo-sample: 10,000 rows, with and without labels, before and after serialisation', async () => {
    const { dataset } = await readCriteo(criteo.path);
    const lines = readFileSync(criteo.path, 'utf8').split('\n');
    const restored = CtrVocabulary.deserialize(dataset.vocabulary.serialize());
    expectSameAsReader(dataset, new CtrRowParser(restored, { label: true }), lines);
    expectSameAsReader(dataset, new CtrRowParser(dataset.vocabulary, { label: false }), lines.map((l) => l.slice(l.indexOf('\t') + 1)).filter((l) => l !== ''));
  });

  it.skipIf(!avazuTrain.exists || !avazuRest.exists)('avazu-sample: train.csv (header) then test_noheader.csv, hour expanded', async () => {
    const { dataset } = await readAvazu([avazuTrain.path, avazuRest.path], { expandHour: true });
    const v = CtrVocabulary.deserialize(dataset.vocabulary.serialize());
    const train = readFileSync(avazuTrain.path, 'utf8').split('\n');
    const rest = readFileSync(avazuRest.path, 'utf8').split('\n');
    expectSameAsReader(dataset, new CtrRowParser(v, { label: true }), train);
    expectSameAsReader(dataset, new CtrRowParser(v, { label: true }), rest, 8999);
    expectSameAsReader(dataset, new CtrRowParser(v, { label: false }), rest.filter((l) => l !== '').map((l) => l.split(',').filter((_, k) => k !== 1).join(',')), 8999);
  });
});
