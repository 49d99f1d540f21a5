/**
 * Data-reader benchmarks: parse + encode throughput of the Criteo two-pass reader and the LightGCN
 * reader (on the shared real samples when `../shared/datasets` exists, else on generated files of
 * the same format), the reload time of the binary cache, and every file layout's reader on
 * generated files of a few tens of MB (see data-layouts.ts).
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticCf, readCriteo, readDatasetFile, readLightGcn, writeDatasetFile, writeSyntheticCriteo, type Dataset } from '@lers/data/node';
import { median } from '../lib/stats.js';
import { runLayoutBench } from './data-layouts.js';

type Row = Record<string, string | number>;

/** The repository root: the nearest folder above this file with a pnpm-workspace.yaml. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Runs `fn` once to warm up, then `repeats` times; returns the median wall time in ms and the last result. */
async function timed<T>(repeats: number, fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result = await fn();
  for (let k = 0; k < repeats; k++) {
    const t = performance.now();
    result = await fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), result };
}

/** Writes a synthetic CF dataset's splits in the LightGCN text format. */
function writeLightGcnFiles(dir: string): { train: string; valid: string; test: string } {
  const { dataset } = generateSyntheticCf();
  const files = { train: join(dir, 'train.txt'), valid: join(dir, 'valid.txt'), test: join(dir, 'test.txt') };
  for (const split of ['train', 'valid', 'test'] as const) {
    const m = dataset[split];
    const lines: string[] = [];
    for (let u = 0; u < m.rows; u++) lines.push([u, ...m.indices.subarray(m.indptr[u], m.indptr[u + 1])].join(' '));
    writeFileSync(files[split], `${lines.join('\n')}\n`);
  }
  return files;
}

/** Reload time of a dataset written to the binary cache format. */
async function cacheRow(name: string, dataset: Dataset, dir: string, repeats: number): Promise<Row> {
  const path = join(dir, `${name}.lersdata`);
  const bytes = await writeDatasetFile(path, dataset);
  const { ms } = await timed(repeats, () => readDatasetFile(path));
  const rows = dataset.kind === 'ctr' ? dataset.rows : dataset.train.indptr[dataset.users] + dataset.valid.indptr[dataset.users] + dataset.test.indptr[dataset.users];
  return { group: 'cache', case: `reload ${name}`, source: 'lersdata file', rows, MB: bytes / 1e6, 'median ms': ms, 'MB/s': bytes / 1e3 / ms, 'rows/s': (rows * 1000) / ms };
}

/** Runs the data suite; `quick` uses smaller generated inputs and one repetition. */
export async function runDataBench(opts: { quick: boolean }): Promise<Row[]> {
  const repeats = opts.quick ? 1 : 3;
  const shared = process.env.LERS_DATASETS ?? resolve(repoRoot(), '../shared/datasets');
  const tmp = mkdtempSync(join(tmpdir(), 'lers-bench-data-'));
  const rows: Row[] = [];
  try {
    const criteoSample = join(shared, 'criteo-sample', 'train.txt');
    const criteoInputs: { source: string; path: string }[] = [];
    if (existsSync(criteoSample)) criteoInputs.push({ source: 'criteo-sample', path: criteoSample });
    const generatedRows = opts.quick ? 20_000 : 200_000;
    if (!opts.quick || criteoInputs.length === 0) {
      const path = join(tmp, 'criteo.txt');
      await writeSyntheticCriteo(path, { rows: generatedRows, seed: 2023 });
      criteoInputs.push({ source: `generated ${generatedRows} rows`, path });
    }
    let criteoDataset: Dataset | null = null;
    for (const input of criteoInputs) {
      const { ms, result } = await timed(repeats, () => readCriteo(input.path));
      const mb = statSync(input.path).size / 1e6;
      criteoDataset = result.dataset;
      rows.push({ group: 'readers', case: 'criteo parse+encode (2 passes)', source: input.source, rows: result.dataset.rows, MB: mb, 'median ms': ms, 'MB/s': (mb * 1000) / ms, 'rows/s': (result.dataset.rows * 1000) / ms });
    }

    const ml = join(shared, 'ml-1m-lightgcn');
    const lightgcn = existsSync(join(ml, 'train.txt'))
      ? { source: 'ml-1m-lightgcn', files: { train: join(ml, 'train.txt'), valid: join(ml, 'valid.txt'), test: join(ml, 'test.txt') } }
      : { source: 'generated (synthetic-cf)', files: writeLightGcnFiles(tmp) };
    const { ms, result } = await timed(repeats, () => readLightGcn(lightgcn.files));
    const mb = result.throughput.bytes / 1e6;
    rows.push({ group: 'readers', case: 'lightgcn parse+CSR', source: lightgcn.source, rows: result.throughput.rows, MB: mb, 'median ms': ms, 'MB/s': (mb * 1000) / ms, 'rows/s': (result.throughput.rows * 1000) / ms });

    if (criteoDataset) rows.push(await cacheRow('criteo', criteoDataset, tmp, repeats));
    rows.push(await cacheRow('lightgcn', result.dataset, tmp, repeats));
    rows.push(...(await runLayoutBench(tmp, opts.quick, timed)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
