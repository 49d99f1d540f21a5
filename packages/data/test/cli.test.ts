import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatasetFile, runCli, type CliIo } from '../src/node/index.js';
import { tempDir, writeText } from './helpers.js';

const dir = tempDir();

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await runCli(args, io);
  return { code, out, err };
}

describe('lers-data CLI', () => {
  const train = writeText(dir, 'train.txt', '0 1 2 2\n1 0\n');
  const test = writeText(dir, 'test.txt', '0 3\n1 1\n');

  it('encodes a dataset to a file, reports duplicates and throughput, and prints its header', async () => {
    const out = join(dir, 'out', 'tiny.lersdata');
    const res = await run(['encode', 'lightgcn', train, test, '--out', out, '--quiet']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/rows\/s/);
    expect(res.err).toMatch(/warning: 1 duplicate interactions \(duplicates\.train\)/);
    const { dataset } = await readDatasetFile(out);
    expect(dataset.kind === 'cf' && dataset.items).toBe(4);
    const info = await run(['info', out]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.out)).toMatchObject({ meta: { kind: 'cf', manifest: { format: 'lightgcn' } } });
  });

  it('exits 1 naming file, line and value on bad data, leaving no output file', async () => {
    const bad = writeText(dir, 'bad.txt', '0 1\n1 two\n');
    const outDir = join(dir, 'bad-out');
    const res = await run(['encode', 'lightgcn', bad, test, '--out', join(outDir, 'x.lersdata'), '--quiet']);
    expect(res.code).toBe(2);
    expect(res.err).toContain(`${bad}:2: non-integer item id (value: "two")`);
    expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
  });

  it('exits 2 on usage errors and 1 on a missing file', async () => {
    expect((await run([])).code).toBe(1);
    expect((await run(['encode', 'parquet', 'x'])).code).toBe(1);
    expect((await run(['encode', 'criteo', 'x', '--bogus'])).code).toBe(1);
    const missing = await run(['encode', 'criteo', join(dir, 'nope.txt'), '--out', join(dir, 'n.lersdata'), '--quiet']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/ENOENT/);
  });

  it('detects the format, prints it, and writes text id maps to the cache', async () => {
    const file = writeText(dir, 'ratings.tsv', 'alice\tbook\t5\nbob\tfilm\t4\nalice\tfilm\t2\n');
    const out = join(dir, 'out', 'triplets.lersdata');
    const res = await run(['encode', file, '--out', out, '--option', 'min-rating=3', '--option', 'ratios=1,0,0', '--quiet']);
    expect(res.code).toBe(0);
    expect(res.out.split('\n')[0]).toBe('format: triplets (detected: user item rating: tab-separated, 3 fields per line)');
    const { dataset } = await readDatasetFile(out);
    expect(dataset.kind === 'cf' && dataset.userNames).toEqual(['alice', 'bob']);
    expect(dataset.kind === 'cf' && dataset.itemNames).toEqual(['book', 'film']);
    expect(dataset.manifest.counts).toMatchObject({ rows: 3, belowThreshold: 1, interactions: 2 });
  });

  it('reads CTR roles from options or a YAML schema file to the same dataset', async () => {
    const file = writeText(dir, 'ads.csv', 'clk,site,price\n1,a,3\n0,b,\n1,a,7\n');
    const viaOptions = join(dir, 'out', 'ads1.lersdata');
    const viaSchema = join(dir, 'out', 'ads2.lersdata');
    const a = await run(['encode', file, '--out', viaOptions, '--option', 'label=clk', '--option', 'dense=price', '--min-count', '1', '--quiet']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^format: ctr-csv \(detected: a header \(comma-separated, 3 fields per line\) and column roles given\)/);
    const schema = writeText(dir, 'ads.yaml', 'label: clk\ndense: [price]\nsparse: site\nminCount: 1\n');
    const b = await run(['encode', 'ctr-csv', file, '--out', viaSchema, '--schema', schema, '--quiet']);
    expect(b.code).toBe(0);
    const x1 = await readDatasetFile(viaOptions);
    const x2 = await readDatasetFile(viaSchema);
    expect(x1.dataset.kind === 'ctr' && x1.dataset.x).toEqual(x2.dataset.kind === 'ctr' && x2.dataset.x);
    expect(x1.dataset.manifest.params.roles).toEqual({ label: 'clk', dense: ['price'], sparse: ['site'], ignore: [] });
  });

  it('an ambiguous file or a bad option is a usage error naming the candidates or the keys', async () => {
    const file = writeText(dir, 'clicks.csv', 'user_id,item_id,click\n7,10,1\n8,10,0\n');
    const res = await run(['encode', file, '--quiet']);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/ambiguous format: it reads as .*pass --format (ctr-csv|triplets) or --format (ctr-csv|triplets)/);
    const settled = await run(['encode', file, '--format', 'triplets', '--out', join(dir, 'out', 'clicks.lersdata'), '--quiet']);
    expect(settled.code).toBe(0);
    expect(settled.out.split('\n')[0]).toBe('format: triplets (given)');
    const bad = await run(['encode', 'triplets', file, '--option', 'colour=red', '--quiet']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown option colour for triplets data \(known: name, split, ratios/);
  });

  it('lists the registry', async () => {
    const res = await run(['list']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^criteo-kaggle\s+ctr\s+criteo-tsv\s+\(manual\)/m);
  });
});
