/**
 * `lers predict` on raw rows: a model trained on Criteo/Avazu files carries its vocabulary, and its
 * probabilities on raw rows equal those on the reader's encoded ids. Synthetic data written in the
 * Criteo format always; the shared criteo-sample / avazu-sample when they exist.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticCtr, type CtrDataset } from '@lers/data';
import { readAvazu, readCriteo } from '@lers/data/node';
import { errorLine, lers, tempDir } from './helpers.js';

const SMALL_TRAIN = ['--epochs', '1', '--batch-size', '256', '--hidden', '16,16', '--dim', '8', '--lr', '0.01'];
const SHARED = resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/datasets');

/** A u32 hash of (field, value) as Criteo writes categorical values: 8 hex digits. */
function hex8(field: number, value: number): string {
  return (Math.imul(field + 1, 0x9e3779b1) ^ Math.imul(value + 7, 0x85ebca6b)).toString(16).padStart(8, '0').slice(-8);
}

/**
 * A synthetic 39-field dataset as Criteo TSV lines (label, I1..I13, C1..C26): local value v of an
 * integer field becomes v - 3 (1 -> missing), of a categorical one a hash (C26: text `t<v>`).
 */
function criteoLines(ds: CtrDataset, rows: number): string[] {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells = [String(ds.labels[r])];
    for (let f = 0; f < 39; f++) {
      const v = ds.x[r * 39 + f] - ds.fieldOffsets[f];
      cells.push(f < 13 ? (v === 1 ? '' : String(v - 3)) : f === 38 ? `t${v}` : hex8(f, v));
    }
    lines.push(cells.join('\t'));
  }
  return lines;
}

/** Rows of global ids as `lers predict --format ids` reads them. */
function idLines(ds: { x: Int32Array; fields: number }, rows: number, first = 0): string {
  let text = '';
  for (let r = first; r < first + rows; r++) text += `${Array.from(ds.x.subarray(r * ds.fields, (r + 1) * ds.fields)).join(' ')}\n`;
  return text;
}

/** The probabilities of a `--json` predict output. */
function probs(stdout: string): number[] {
  return stdout.trim().split('\n').map((l) => (JSON.parse(l) as { p: number }).p);
}

describe('lers predict on raw Criteo rows (synthetic data written as TSV)', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  let lines: string[];
  let encoded: CtrDataset;
  afterAll(() => { tmp.cleanup(); });

  beforeAll(async () => {
    const cardinalities = Array.from({ length: 39 }, (_, f) => 3 + ((f * 7) % 40));
    const { dataset } = generateSyntheticCtr({ rows: 3000, cardinalities, seed: 4 });
    lines = criteoLines(dataset, 3000);
    writeFileSync(join(cwd, 'synthetic-criteo.txt'), lines.join('\n') + '\n');
    // The reader's encoding of the same file with the same options: the ids the model was trained on.
    encoded = (await readCriteo(join(cwd, 'synthetic-criteo.txt'), { minCount: 3 })).dataset;
    const r = await lers(['train', '--data', 'synthetic-criteo.txt', '--data-option', 'minCount=3', ...SMALL_TRAIN, '-o', 'criteo.lers', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
  });

  it('gives the probabilities of the encoded ids, with the label (auto format) or without it', async () => {
    const rows = 300;
    writeFileSync(join(cwd, 'rows.txt'), lines.slice(0, rows).join('\n') + '\n');
    const raw = await lers(['predict', 'criteo.lers', '--input', 'rows.txt', '--label', '--json'], { cwd });
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stderr).toMatch(/rows 300: AUC [\d.]+, LogLoss [\d.]+/);
    const ids = await lers(['predict', 'criteo.lers', '--format', 'ids', '--json'], { cwd, input: idLines(encoded, rows) });
    expect(ids.code, ids.stderr).toBe(0);
    const p = probs(raw.stdout);
    expect(p).toHaveLength(rows);
    expect(p).toEqual(probs(ids.stdout));
    // The probabilities differ between rows: the comparison is not of a constant.
    expect(new Set(p).size).toBeGreaterThan(rows / 2);
    const unlabelled = lines.slice(0, rows).map((l) => l.slice(l.indexOf('\t') + 1)).join('\n') + '\n';
    const stdin = await lers(['predict', 'criteo.lers', '--format', 'criteo', '--json', '--batch', '7'], { cwd, input: unlabelled });
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(probs(stdin.stdout)).toEqual(p);
  });

  it('keeps the vocabulary through lers compress', async () => {
    const c = await lers(['compress', 'criteo.lers', '--method', 'ptq', '--format', 'int8', '--no-eval', '-o', 'int8.lers'], { cwd });
    expect(c.code, c.stderr).toBe(0);
    const rows = lines.slice(0, 50).join('\n');
    const raw = await lers(['predict', 'int8.lers', '--label', '--json'], { cwd, input: rows });
    expect(raw.code, raw.stderr).toBe(0);
    const ids = await lers(['predict', 'int8.lers', '--format', 'ids', '--json'], { cwd, input: idLines(encoded, 50) });
    expect(probs(raw.stdout)).toEqual(probs(ids.stdout));
  });

  it('maps unseen values to each field\'s OOV id', async () => {
    const fresh = [...Array<string>(13).fill('987654321'), ...Array<string>(26).fill('ffffffff')].join('\t');
    const known = lines[0].slice(lines[0].indexOf('\t') + 1);
    const raw = await lers(['predict', 'criteo.lers', '--json'], { cwd, input: `${fresh}\n${known}\n` });
    expect(raw.code, raw.stderr).toBe(0);
    // OOV ids written by hand: field offset + 0 (987654321 -> token floor(ln^2) = 428, never seen).
    const oov = Array.from(encoded.fieldOffsets).join(' ');
    const ids = await lers(['predict', 'criteo.lers', '--ids', 'global', '--json'], { cwd, input: `${oov}\n${idLines(encoded, 1)}` });
    expect(ids.code, ids.stderr).toBe(0);
    expect(probs(raw.stdout)).toEqual(probs(ids.stdout));
  });

  it('stops at a malformed row with its line and value (exit 2); impossible formats are usage errors (exit 1)', async () => {
    const good = lines[1].slice(lines[1].indexOf('\t') + 1);
    const badInt = good.replace(/^[^\t]*/, '12x');
    const r = await lers(['predict', 'criteo.lers'], { cwd, input: `${good}\n${good}\n${badInt}\n` });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/<stdin>:3: integer field I1 is not an integer \(value: "12x"\)/);
    const labelled = await lers(['predict', 'criteo.lers'], { cwd, input: `${lines[0]}\n` });
    expect(labelled.code).toBe(2);
    expect(errorLine(labelled.stderr)).toMatch(/<stdin>:1: expected 39 tab-separated fields \(without a label\), found 40/);
    const avazu = await lers(['predict', 'criteo.lers', '--format', 'avazu'], { cwd, input: '' });
    expect(avazu.code).toBe(1);
    expect(errorLine(avazu.stderr)).toMatch(/trained on criteo data; it cannot read avazu rows/);
    const mixed = await lers(['predict', 'criteo.lers', '--format', 'criteo', '--ids', 'local'], { cwd, input: '' });
    expect(mixed.code).toBe(1);
    const unknown = await lers(['predict', 'criteo.lers', '--format', 'parquet'], { cwd, input: '' });
    expect(unknown.code).toBe(1);
  });

  it('refuses raw rows for a model without a vocabulary (synthetic data)', async () => {
    const t = await lers(['train', '--data', 'synthetic-ctr', '--data-option', 'rows=500', ...SMALL_TRAIN, '-o', 'synthetic.lers'], { cwd });
    expect(t.code, t.stderr).toBe(0);
    const r = await lers(['predict', 'synthetic.lers', '--format', 'criteo'], { cwd, input: '' });
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/carries no vocabulary/);
    // auto falls back to global ids for such a model: each field's first value.
    const first = Array.from(generateSyntheticCtr({ rows: 500 }).dataset.fieldOffsets, (o) => o + 1).join(' ');
    const ids = await lers(['predict', 'synthetic.lers'], { cwd, input: `${first}\n` });
    expect(ids.code, ids.stderr).toBe(0);
    expect(ids.stdout.trim().split('\n')).toHaveLength(1);
  });
});

describe('lers predict on the shared CTR samples', () => {
  const tmp = tempDir();
  const cwd = tmp.dir;
  afterAll(() => { tmp.cleanup(); });
  const criteo = join(SHARED, 'criteo-sample', 'train.txt');
  const avazuTrain = join(SHARED, 'avazu-sample', 'train.csv');
  const avazuRest = join(SHARED, 'avazu-sample', 'test_noheader.csv');
  const hasCriteo = existsSync(criteo);
  const hasAvazu = existsSync(avazuTrain) && existsSync(avazuRest);
  if (!hasCriteo) console.log(`skipping the criteo-sample predict test: ${criteo} not found (the shared datasets folder is optional)`);
  if (!hasAvazu) console.log(`skipping the avazu-sample predict test: ${avazuTrain} or test_noheader.csv not found`);

  it.skipIf(!hasCriteo)('criteo-sample: a trained model predicts its 10,000 raw rows as it does their encoded ids', async () => {
    const t = await lers(['train', '--data', criteo, ...SMALL_TRAIN, '-o', 'criteo.lers'], { cwd });
    expect(t.code, t.stderr).toBe(0);
    const { dataset } = await readCriteo(criteo);
    const raw = await lers(['predict', 'criteo.lers', '--input', criteo, '--label', '--json'], { cwd });
    expect(raw.code, raw.stderr).toBe(0);
    const ids = await lers(['predict', 'criteo.lers', '--format', 'ids', '--json'], { cwd, input: idLines(dataset, dataset.rows) });
    expect(ids.code, ids.stderr).toBe(0);
    const p = probs(raw.stdout);
    expect(p).toHaveLength(10_000);
    expect(p).toEqual(probs(ids.stdout));
  });

  it.skipIf(!hasAvazu)('avazu-sample: train.csv rows (header) match their ids; unseen test rows read with and without click', async () => {
    const t = await lers(['train', '--data', avazuTrain, ...SMALL_TRAIN, '-o', 'avazu.lers'], { cwd });
    expect(t.code, t.stderr).toBe(0);
    const { dataset } = await readAvazu(avazuTrain);
    const raw = await lers(['predict', 'avazu.lers', '--input', avazuTrain, '--label', '--json'], { cwd });
    expect(raw.code, raw.stderr).toBe(0);
    const ids = await lers(['predict', 'avazu.lers', '--format', 'ids', '--json'], { cwd, input: idLines(dataset, dataset.rows) });
    expect(probs(raw.stdout)).toEqual(probs(ids.stdout));
    const rest = readFileSync(avazuRest, 'utf8');
    const withClick = await lers(['predict', 'avazu.lers', '--label', '--json'], { cwd, input: rest });
    expect(withClick.code, withClick.stderr).toBe(0);
    expect(withClick.stderr).toMatch(/rows 1000: AUC/);
    const noClick = rest.split('\n').filter((l) => l !== '').map((l) => l.split(',').filter((_, k) => k !== 1).join(',')).join('\n');
    const without = await lers(['predict', 'avazu.lers', '--format', 'avazu', '--json'], { cwd, input: noClick });
    expect(without.code, without.stderr).toBe(0);
    expect(probs(without.stdout)).toEqual(probs(withClick.stdout));
  });
});
