/**
 * The layouts of other tools end to end: `lers data convert` / `info` print the detected format,
 * an ambiguous file names its candidates, a model trained on triplets with raw (text or integer)
 * ids recommends by raw id, and a CTR CSV with declared roles trains and predicts raw rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, lers, tempDir } from './helpers.js';

const CF_TRAIN = ['--task', 'cf', '--epochs', '1', '--batch-size', '256', '--lr', '0.01', '--w-cl', '0', '--dim', '8'];
const CTR_TRAIN = ['--task', 'ctr', '--backbone', 'deepfm', '--epochs', '1', '--batch-size', '256', '--hidden', '16,16', '--dim', '8', '--lr', '0.01'];

/** Triplets of `users` x `items` with a seeded pattern: user u likes items u, u+1, ... (mod items). */
function tripletLines(users: number, items: number, user: (u: number) => string, item: (i: number) => string, sep: string): string[] {
  const lines: string[] = [];
  for (let u = 0; u < users; u++) {
    for (let k = 0; k < 8; k++) lines.push([user(u), item((u * 3 + k * k) % items), String(1 + ((u + k) % 5)), String(1000 + u * 10 + k)].join(sep));
  }
  return lines;
}

describe('lers data convert / info on other layouts', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });

  it('converts triplets, printing the detected format (text and JSON), and info shows the counts', async () => {
    writeFileSync(join(cwd, 'ratings.tsv'), tripletLines(20, 30, (u) => `user-${u}`, (i) => `item-${i}`, '\t').join('\n') + '\n');
    const text = await lers(['data', 'convert', 'ratings.tsv', '-o', 'r.lersdata', '--data-option', 'min-rating=2'], { cwd });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('format: triplets (detected: user item rating timestamp: tab-separated, 4 fields per line)');
    expect(text.stdout).toMatch(/^counts: rows 160, belowThreshold 32, duplicates \d+, interactions \d+, users 20, items \d+/m);
    const json = await lers(['data', 'convert', 'ratings.tsv', '-o', 'r2.lersdata', '--json'], { cwd });
    const out = JSON.parse(json.stdout) as { format: string; detected: string; counts: Record<string, number> };
    expect(out).toMatchObject({ format: 'triplets', detected: 'user item rating timestamp: tab-separated, 4 fields per line', counts: { rows: 160, users: 20 } });
    const info = await lers(['data', 'info', 'r.lersdata'], { cwd });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^name: triplets {2}task: cf {2}format: triplets$/m);
    expect(info.stdout).toMatch(/^counts: rows 160, belowThreshold 32/m);
    const raw = await lers(['data', 'info', 'ratings.tsv', '--json'], { cwd });
    expect(JSON.parse(raw.stdout)).toMatchObject({ format: 'triplets', manifest: { counts: { rows: 160, users: 20 } } });
  });

  it('an ambiguous file is a usage error naming the candidates and --format; --format settles it', async () => {
    writeFileSync(join(cwd, 'log.csv'), 'user_id,item_id,click\n7,10,1\n8,10,0\n7,11,0\n');
    const r = await lers(['data', 'convert', 'log.csv', '-o', 'log.lersdata'], { cwd });
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/log\.csv: ambiguous format: it reads as .*; pass --format (triplets|ctr-csv) or --format (triplets|ctr-csv)/);
    const settled = await lers(['data', 'convert', 'log.csv', '--format', 'ctr-csv', '--min-count', '1', '-o', 'log.lersdata', '--json'], { cwd });
    expect(settled.code, settled.stderr).toBe(0);
    expect(JSON.parse(settled.stdout)).toMatchObject({ format: 'ctr-csv', detected: null, counts: { rows: 3, positives: 1, fields: 2 } });
  });

  it('a CTR CSV with a missing label column or a bad dense value exits 2 naming file, line and value', async () => {
    writeFileSync(join(cwd, 'ads.csv'), 'clk,site,price\n1,a,3\n0,b,cheap\n');
    const noLabel = await lers(['data', 'convert', 'ads.csv', '--data-option', 'label=label', '-o', 'x.lersdata'], { cwd });
    expect(noLabel.code).toBe(2);
    expect(errorLine(noLabel.stderr)).toContain('ads.csv:1: missing label column: the header has no column "label" (value: "label")');
    const dense = await lers(['data', 'convert', 'ads.csv', '--data-option', 'label=clk', '--data-option', 'dense=price', '-o', 'x.lersdata'], { cwd });
    expect(dense.code).toBe(2);
    expect(errorLine(dense.stderr)).toContain('ads.csv:3: dense column price is not a number (value: "cheap")');
  });
});

describe('train on triplets, recommend by raw id', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });

  it('text ids: the model keeps the id maps; --user takes the raw id and items come back raw', async () => {
    writeFileSync(join(cwd, 'ratings.csv'), tripletLines(40, 50, (u) => `u${u}`, (i) => `movie:${i}`, ',').join('\n') + '\n');
    const r = await lers(['train', '--data', 'ratings.csv', ...CF_TRAIN, '-o', 'text.lers'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('data format: triplets (detected: user item rating timestamp: comma-separated, 4 fields per line)');
    const rec = await lers(['recommend', 'text.lers', '--user', 'u7', '-k', '5', '--json'], { cwd });
    expect(rec.code, rec.stderr).toBe(0);
    const out = JSON.parse(rec.stdout) as { users: { user: string; items: string[] }[] };
    expect(out.users[0].user).toBe('u7');
    expect(out.users[0].items).toHaveLength(5);
    expect(out.users[0].items.every((i) => /^movie:\d+$/.test(i))).toBe(true);
    const missing = await lers(['recommend', 'text.lers', '--user', 'nobody'], { cwd });
    expect(missing.code).toBe(2);
    expect(errorLine(missing.stderr)).toContain('"nobody" is not in the model\'s id map');
  });

  it('integer ids: --user takes the raw integer id', async () => {
    writeFileSync(join(cwd, 'pairs.txt'), tripletLines(30, 40, (u) => String(5000 + u * 7), (i) => String(90 + i), ' ').join('\n') + '\n');
    const r = await lers(['train', '--data', 'pairs.txt', ...CF_TRAIN, '-o', 'int.lers'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const rec = await lers(['recommend', 'int.lers', '--user', '5007', '-k', '3', '--json'], { cwd });
    expect(rec.code, rec.stderr).toBe(0);
    const out = JSON.parse(rec.stdout) as { users: { user: number; items: number[] }[] };
    expect(out.users[0].user).toBe(5007);
    expect(out.users[0].items.every((i) => i >= 90 && i < 130)).toBe(true);
    expect((await lers(['recommend', 'int.lers', '--user', '5008'], { cwd })).code).toBe(2);
  });
});

describe('train on a CTR CSV with declared roles, predict its raw rows', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  const lines = ['click,site,ad,price,note'];
  afterAll(() => { tmp.cleanup(); });

  beforeAll(() => {
    for (let r = 0; r < 2000; r++) {
      const site = r % 7;
      const ad = (r * 13) % 11;
      lines.push([(site + ad) % 3 === 0 ? 1 : 0, `s${site}`, `a${ad}`, r % 9 === 0 ? '' : ((r % 50) / 4).toFixed(2), `n${r}`].join(','));
    }
    writeFileSync(join(cwd, 'clicks.csv'), lines.join('\n') + '\n');
  });

  it('trains DeepFM and predicts the raw rows (header included) with the stored roles', async () => {
    const roles = ['--data-option', 'label=click', '--data-option', 'dense=price', '--data-option', 'ignore=note'];
    const r = await lers(['train', '--data', 'clicks.csv', ...roles, ...CTR_TRAIN, '-o', 'clicks.lers'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('data format: ctr-csv (detected: a header (comma-separated, 5 fields per line) and column roles given)');
    const p = await lers(['predict', 'clicks.lers', '--label', '--json'], { cwd, input: lines.slice(0, 301).join('\n') + '\n' });
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/rows 300: AUC [\d.]+, LogLoss [\d.]+/);
  });
});
