import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorLine, lers, spawnLers, tempDir } from './helpers.js';

const COMMANDS = [
  ['train'],
  ['compress'],
  ['eval'],
  ['recommend'],
  ['predict'],
  ['profile'],
  ['bench'],
  ['methods'],
  ['data'],
  ['data', 'list'],
  ['data', 'fetch'],
  ['data', 'info'],
  ['data', 'convert'],
];

describe('lers: help, global flags, exit codes', () => {
  const tmp = tempDir();
  afterAll(() => { tmp.cleanup(); });

  it('prints the overview with examples and the exit codes', async () => {
    const r = await lers(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(/Exit status: 0 success, 1 usage error/);
    for (const flag of ['--json', '--threads', '--seed', '--quiet']) expect(r.stdout).toContain(flag);
  });

  it('has --help with examples on every command', async () => {
    const results = await Promise.all(COMMANDS.map((c) => lers([...c, '--help'])));
    results.forEach((r, i) => {
      expect(r.code, COMMANDS[i].join(' ')).toBe(0);
      expect(r.stdout, COMMANDS[i].join(' ')).toContain('Examples:');
    });
  });

  it('prints the version', async () => {
    const r = await lers(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 1 with one error line on usage errors', async () => {
    for (const args of [['frobnicate'], ['train', '--bogus'], ['--threads', 'x', 'methods'], ['recommend', 'm.lers'], ['train', '--target', '1.5', '--method', 'qr']]) {
      const r = await lers(args, { cwd: tmp.dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('lers: ')).length, r.stderr).toBe(1);
    }
  });

  it('exits quietly (141, no stack trace) when the reader of stdout has gone (`lers methods | head -1`)', async () => {
    const child = spawnLers(['methods']);
    child.stdout!.destroy(); // closed before the child writes: its first write fails with EPIPE
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code, stderr).toBe(141);
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  });

  it('lists the methods as JSON', async () => {
    const r = await lers(['methods', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; kind: string; command: string; available: boolean }[];
    const byName = new Map(rows.map((m) => [m.name, m]));
    expect(byName.get('full')?.kind).toBe('baseline');
    expect(byName.get('qr')?.command).toBe('lers train');
    expect(byName.get('magprune')?.command).toBe('lers compress');
    expect(byName.get('ptq')?.kind).toBe('post-training');
    expect(rows.every((m) => typeof m.available === 'boolean')).toBe(true);
  });

  it('lists the datasets (JSON) through @lers/data', async () => {
    const r = await lers(['data', 'list', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; task: string }[];
    expect(rows.map((d) => d.name)).toEqual(expect.arrayContaining(['gowalla', 'criteo-kaggle', 'synthetic-cf', 'synthetic-ctr']));
    const text = await lers(['data', 'list']);
    expect(text.stdout).toContain('gowalla');
  });

  it('data info of a missing file is a data error (exit 2)', async () => {
    const r = await lers(['data', 'info', 'nope.lersdata'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toContain('nope.lersdata');
  });

  it('data info reads a dataset folder as --datasets does; a folder among files is a data error (exit 2)', async () => {
    const dir = join(tmp.dir, 'folder-cf');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.txt'), '0 1 2 3\n1 2 3 4\n2 0 4\n');
    writeFileSync(join(dir, 'test.txt'), '0 4\n1 0\n2 1\n');
    const r = await lers(['data', 'info', 'folder-cf'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('format: lightgcn (detected: a folder with train.txt and test.txt)');
    expect(r.stdout).toContain('name: folder-cf  task: cf  format: lightgcn');
    expect(r.stdout).toMatch(/counts: users 3, items 5, train 8, valid 0, test 3/);
    const converted = await lers(['data', 'convert', 'folder-cf', '-o', 'folder.lersdata'], { cwd: tmp.dir });
    expect(converted.code, converted.stderr).toBe(0);
    expect((await lers(['data', 'info', 'folder.lersdata'], { cwd: tmp.dir })).stdout).toContain('name: folder-cf  task: cf  format: lightgcn');
    const mixed = await lers(['data', 'info', 'folder-cf', join('folder-cf', 'train.txt')], { cwd: tmp.dir });
    expect(mixed.code).toBe(2);
    expect(errorLine(mixed.stderr)).toBe('lers: error: folder-cf: is a folder; give a dataset folder alone (LightGCN train.txt/test.txt, a CTR train file, one RecBole .inter file), or files');
    const empty = join(tmp.dir, 'folder-empty');
    mkdirSync(empty);
    const none = await lers(['data', 'info', 'folder-empty'], { cwd: tmp.dir });
    expect(none.code).toBe(2);
    expect(errorLine(none.stderr)).toContain('folder-empty: a LightGCN folder needs train.txt and test.txt');
  });

  it('data convert writes an encoded file that data info reads', async () => {
    writeFileSync(join(tmp.dir, 'train.txt'), '0 1 2 3\n1 2 3 4\n2 0 4\n');
    writeFileSync(join(tmp.dir, 'test.txt'), '0 4\n1 0\n2 1\n');
    const r = await lers(['data', 'convert', 'lightgcn', 'train.txt', 'test.txt', '--carve-valid', '0.3', '-o', 'tiny.lersdata', '--json'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { path: string; counts: Record<string, number> };
    expect(out.counts.users).toBe(3);
    const info = await lers(['data', 'info', 'tiny.lersdata', '--json'], { cwd: tmp.dir });
    expect(info.code).toBe(0);
    expect((JSON.parse(info.stdout) as { meta: { kind: string } }).meta.kind).toBe('cf');
    const bad = await lers(['data', 'convert', 'lightgcn', 'train.txt'], { cwd: tmp.dir });
    expect(bad.code).toBe(1);
  });
});
