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
    expect(res.code).toBe(1);
    expect(res.err).toContain(`${bad}:2: non-integer item id (value: "two")`);
    expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
  });

  it('exits 2 on usage errors and 1 on a missing file', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['encode', 'parquet', 'x'])).code).toBe(2);
    expect((await run(['encode', 'criteo', 'x', '--bogus'])).code).toBe(2);
    const missing = await run(['encode', 'criteo', join(dir, 'nope.txt'), '--out', join(dir, 'n.lersdata'), '--quiet']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT/);
  });

  it('lists the registry', async () => {
    const res = await run(['list']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^criteo-kaggle\s+ctr\s+criteo-tsv\s+\(manual\)/m);
  });
});
