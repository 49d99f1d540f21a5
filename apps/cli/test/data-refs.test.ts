/** How `--data` paths resolve: LightGCN folders, CTR folders (Criteo train.txt, Avazu train.csv) and files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataLabel, dataRefName, dataTask, resolveDataRef } from '../src/data/datasets.js';
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
    expect(() => resolveDataRef(dir)).toThrow(/needs train\.txt and test\.txt.*Criteo train\.txt or an Avazu train\.csv/);
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
