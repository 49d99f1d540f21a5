/** How `--data` paths resolve: LightGCN folders, CTR folders (Criteo train.txt, Avazu train.csv) and files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/errors.js';
import { dataFormatReason, dataLabel, dataRefName, dataTask, resolveDataRef } from '../src/data/datasets.js';
import { tempDir } from './helpers.js';

describe('resolveDataRef on paths', () => {
  const tmp = tempDir();
  afterAll(() => { tmp.cleanup(); });
  const folder = (name: string, files: Record<string, string>): string => {
    const dir = join(tmp.dir, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return dir;
  };
  const criteoLine = ['1', ...Array.from({ length: 13 }, (_, i) => String(i)), ...Array.from({ length: 26 }, (_, i) => `c${i}`)].join('\t');

  it('a folder with a lone Criteo train.txt is Criteo data named after the folder', () => {
    const dir = folder('criteo-mine', { 'train.txt': `${criteoLine}\n${criteoLine}\n` });
    const ref = resolveDataRef(dir);
    expect(ref).toMatchObject({ kind: 'criteo', files: [join(dir, 'train.txt')] });
    expect(dataRefName(ref)).toBe('criteo-mine');
    // The file itself resolves the same way and gets the same name.
    expect(dataRefName(resolveDataRef(join(dir, 'train.txt')))).toBe('criteo-mine');
  });

  it('a folder with an Avazu train.csv is Avazu data', () => {
    const dir = folder('avazu-mine', { 'train.csv': 'id,click,hour\n1,0,14102100\n' });
    const ref = resolveDataRef(dir);
    expect(ref).toMatchObject({ kind: 'avazu', files: [join(dir, 'train.csv')] });
    expect(dataRefName(ref)).toBe('avazu-mine');
  });

  it('a LightGCN folder (train.txt and test.txt) stays LightGCN', () => {
    const dir = folder('cf-mine', { 'train.txt': '0 1 2\n1 0\n', 'test.txt': '0 0\n1 2\n' });
    expect(resolveDataRef(dir)).toMatchObject({ kind: 'lightgcn', train: join(dir, 'train.txt'), test: join(dir, 'test.txt'), valid: null });
  });

  it('a folder with a train.txt that is not Criteo and no test.txt is an error that says what is expected', () => {
    const dir = folder('half-cf', { 'train.txt': '0 1 2\n' });
    expect(() => resolveDataRef(dir)).toThrow(/needs train\.txt and test\.txt.*Criteo train\.txt or a train\.csv/);
  });
});

describe('resolveDataRef on the layouts of other tools', () => {
  const tmp = tempDir();
  afterAll(() => { tmp.cleanup(); });
  const write = (name: string, text: string): string => {
    const path = join(tmp.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  const header = ['label', ...Array.from({ length: 13 }, (_, k) => `I${k + 1}`), ...Array.from({ length: 26 }, (_, k) => `C${k + 1}`)];
  const row = (label: number): string => [label, ...Array.from({ length: 13 }, (_, k) => k), ...Array.from({ length: 26 }, () => '68fd1e64')].join(',');

  it('a Criteo CSV with a header is ctr-csv data, not Avazu (the .csv name says nothing)', () => {
    const file = write('criteo_sample.csv', `${header.join(',')}\n${row(0)}\n${row(1)}\n`);
    const ref = resolveDataRef(file);
    expect(ref).toMatchObject({ kind: 'ctr-csv', files: [file] });
    expect(dataTask(file)).toBe('ctr');
    expect(dataFormatReason(ref)).toMatch(/^detected: Criteo's columns label, I1\.\.I13, C1\.\.C26 in the header/);
  });

  it('triplet and RecBole files are CF data; a folder with one .inter file is RecBole', () => {
    const triplets = write('ratings.tsv', 'alice\tbook\t5\nbob\tfilm\t3\n');
    expect(resolveDataRef(triplets)).toMatchObject({ kind: 'triplets', file: triplets });
    expect(dataTask(triplets)).toBe('cf');
    const inter = write('ml-tiny/ml-tiny.inter', 'user_id:token\titem_id:token\n1\t2\n');
    expect(resolveDataRef(join(tmp.dir, 'ml-tiny'))).toMatchObject({ kind: 'recbole', file: inter });
  });

  it('an ambiguous file is a usage error naming the candidates and the data option that settles it', () => {
    const file = write('log.csv', 'user_id,item_id,click\n7,10,1\n8,10,0\n');
    expect(() => resolveDataRef(file)).toThrow(UsageError);
    expect(() => resolveDataRef(file)).toThrow(/ambiguous format: .*--data-option format=(triplets|ctr-csv) or --data-option format=(triplets|ctr-csv)/);
    const settled = resolveDataRef(file, { format: 'triplets' });
    expect(settled).toMatchObject({ kind: 'triplets', options: { format: 'triplets' } });
    expect(dataFormatReason(settled)).toBe('given');
    expect(resolveDataRef(file, { label: 'click' })).toMatchObject({ kind: 'ctr-csv' });
  });

  it('reader options are checked against the format when resolving', () => {
    const file = write('pairs.txt', '1 2\n1 3\n');
    expect(() => resolveDataRef(file, { minCount: 3 })).toThrow(/unknown option minCount for triplets data/);
    expect(() => resolveDataRef(file, { format: 'parquet' })).toThrow(/data option format must be one of lightgcn, movielens, triplets/);
  });
});

describe('dataLabel', () => {
  it('keeps names and shortens paths to the folder or file stem', () => {
    expect(dataLabel('synthetic-cf')).toBe('synthetic-cf');
    expect(dataLabel('gowalla')).toBe('gowalla');
    expect(dataLabel('../shared/datasets/criteo-sample/train.txt')).toBe('criteo-sample');
    expect(dataLabel('/data/lastfm-lightgcn/')).toBe('lastfm-lightgcn');
    expect(dataLabel('/data/day_0.tsv.gz')).toBe('day_0');
  });
});

describe('dataTask', () => {
  const tmp = tempDir();
  afterAll(() => { tmp.cleanup(); });
  it('reads the task from registry names and from the format of existing paths, not their names', () => {
    expect(dataTask('gowalla')).toBe('cf');
    expect(dataTask('criteo-kaggle')).toBe('ctr');
    expect(dataTask('synthetic-cf')).toBe('cf');
    expect(dataTask(join(tmp.dir, 'missing'))).toBeNull();
    const criteo = join(tmp.dir, 'ml-clicks');
    mkdirSync(criteo);
    writeFileSync(join(criteo, 'train.txt'), `${['0', ...Array.from({ length: 39 }, () => '')].join('\t')}\n`);
    expect(dataTask(criteo)).toBe('ctr');
    expect(dataTask(join(criteo, 'train.txt'))).toBe('ctr');
    const cf = join(tmp.dir, 'clicks-cf');
    mkdirSync(cf);
    writeFileSync(join(cf, 'train.txt'), '0 1\n');
    writeFileSync(join(cf, 'test.txt'), '0 2\n');
    expect(dataTask(cf)).toBe('cf');
  });
});
