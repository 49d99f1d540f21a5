/**
 * The READMEs' generated tables (pnpm results:readme) agree with the committed results files, and
 * the generator refuses what it cannot source: a missing file, an ambiguous row, an open block.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fill, run } from '../readme/generate.js';
import { methodTable, tuningNote } from '../readme/method-tables.js';
import { ResultsFolder } from '../readme/sources.js';

const dir = mkdtempSync(join(tmpdir(), 'lers-readme-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('generated README blocks', () => {
  it('are up to date with benchmarks/results (run pnpm results:readme after changing a results file)', () => {
    expect(run(true)).toEqual([]);
  });

  it('replace only the text between their markers, and an unknown block is an error', () => {
    const text = 'a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb\n';
    expect(fill(text, { x: 'new' }, 'R.md')).toBe('a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb\n');
    expect(() => fill(text, { y: '1' }, 'R.md')).toThrow(/R.md: unknown generated block "x"/);
  });

  it('name the file, list and row they cannot read', () => {
    const results = join(dir, 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'a.json'), JSON.stringify({ means: [{ impl: 'x', v: 1 }, { impl: 'x', v: 2 }], rows: [{ impl: 'y', v: 'text' }] }));
    const r = new ResultsFolder(results);
    expect(() => r.file('missing.json')).toThrow(/missing.json: results file missing/);
    expect(() => r.number('a.json', 'means', { impl: 'x' }, 'v')).toThrow(/2 rows of "means" match/);
    expect(() => r.number('a.json', 'rows', { impl: 'y' }, 'v')).toThrow(/has no number "v"/);
    expect(r.number('a.json', 'means', { impl: 'x', v: 2 }, 'v')).toBe(2);
  });

  it('method tables: metric / bytes per method and target, n/a when unreachable, the capture epoch of a search', () => {
    const cell = (method: string, target: number | null, extra: object) => ({ dataset: 'd', backbone: 'lightgcn', method, target, status: 'ok', metric: 'ndcg@20', ...extra });
    writeFileSync(
      join(dir, 'results', 'm.json'),
      JSON.stringify({
        cells: [
          cell('full', null, { test: { 'ndcg@20': 0.2 }, embeddingBytes: 2048 }),
          cell('pep', 0.5, { test: { 'ndcg@20': 0.15 }, embeddingBytes: 1536, search: { captureEpoch: 3.25 } }),
          { ...cell('pep', 0.95, {}), status: 'unreachable' },
        ],
      }),
    );
    const table = methodTable(new ResultsFolder(join(dir, 'results')), 'm.json', { capture: true });
    expect(table).toMatch(/\| full \(reference\) \| 0\.2000 \/ 2\.0 KB +\| 0\.2000 \/ 2\.0 KB +\|/);
    expect(table).toMatch(/\| pep +\| 0\.1500 \/ 1\.5 KB, mask at epoch 3\.3 \| n\/a +\|/);
  });

  it('method tables say whether the tuning got past TPE\'s random start-up trials', () => {
    const cells = [{ dataset: 'd', backbone: 'lightgcn', method: 'full', target: null, status: 'ok', metric: 'ndcg@20', test: { 'ndcg@20': 0.2 }, embeddingBytes: 2048 }];
    const tuned = (options: object): string => {
      writeFileSync(join(dir, 'results', 't.json'), JSON.stringify({ tune: { options: { trialEpochs: 5, ...options }, methods: ['full'] }, cells }));
      return tuningNote(new ResultsFolder(join(dir, 'results')), 't.json');
    };
    expect(tuned({ trials: 8 })).toMatch(/Tuned by 8 trials per cell, all among TPE's 10 random start-up trials \(a seeded random search\), for full \(5 epochs per trial/);
    expect(tuned({ trials: 12 })).toMatch(/Tuned with TPE: 12 trials per cell \(the first 10 random\), for full/);
    expect(tuned({ trials: 8, startupTrials: 3 })).toMatch(/Tuned with TPE: 8 trials per cell \(the first 3 random\), for full/);
  });
});
