/**
 * `--data`: what a dataset argument names (a synthetic generator, a registry dataset, a LightGCN
 * folder, a Criteo / Avazu / MovieLens file, an encoded .lersdata file), as a JSON reference that
 * the model file keeps so `lers eval` / `lers compress` can load the same data again.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  DATASETS,
  fetchDataset,
  generateSyntheticCf,
  generateSyntheticCtr,
  loadDataset,
  readDatasetFile,
  type CfDataset,
  type CtrDataset,
  type Dataset,
  type DatasetSpec,
  type JsonObject,
  type ReadProgress,
} from '@lers/data/node';
import { DataError, UsageError } from '../cli/errors.js';

/** A dataset reference (stored in model files; paths are absolute). */
export type DataRef =
  | { readonly kind: 'synthetic'; readonly name: 'synthetic-cf' | 'synthetic-ctr'; readonly options: JsonObject }
  | { readonly kind: 'registry'; readonly name: string; readonly options: JsonObject }
  | { readonly kind: 'lightgcn'; readonly train: string; readonly valid: string | null; readonly test: string; readonly options: JsonObject }
  | { readonly kind: 'criteo' | 'avazu'; readonly files: string[]; readonly options: JsonObject }
  | { readonly kind: 'movielens'; readonly file: string; readonly options: JsonObject }
  | { readonly kind: 'lersdata'; readonly path: string };

const SYNTHETIC_CF_KEYS = ['users', 'items', 'rank', 'meanInteractions', 'minInteractions', 'popularityExponent', 'popularityWeight', 'affinityWeight', 'seed'];
const SYNTHETIC_CTR_KEYS = ['rows', 'cardinalities', 'zipfExponent', 'factorDim', 'linearStd', 'factorStd', 'positiveRate', 'seed'];
const FILE_KEYS: Record<string, readonly string[]> = {
  lightgcn: ['carveValid', 'splitSeed', 'name'],
  criteo: ['minCount', 'splitSeed', 'split', 'name'],
  avazu: ['minCount', 'splitSeed', 'split', 'expandHour', 'name'],
  movielens: ['minRating', 'splitSeed', 'name'],
};

function checkKeys(options: JsonObject, known: readonly string[], what: string): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new UsageError(`unknown option "${k}" for ${what} data (known: ${known.join(', ')})`);
  }
}

/**
 * The task a dataset says for itself: a registry entry's, or an existing file's or folder's by its
 * format (a Criteo train.txt is CTR whatever its name); null when it does not say.
 */
export function dataTask(data: string): 'cf' | 'ctr' | null {
  const entry = DATASETS.find((d) => d.name === data);
  if (entry !== undefined) return entry.task;
  if (data.startsWith('synthetic-') || !existsSync(resolve(data))) return null;
  let kind: DataRef['kind'];
  try {
    kind = resolveDataRef(data).kind;
  } catch {
    return null;
  }
  if (kind === 'criteo' || kind === 'avazu') return 'ctr';
  return kind === 'lightgcn' || kind === 'movielens' ? 'cf' : null;
}

/** Resolves a `--data` argument (relative paths against `cwd`). */
export function resolveDataRef(data: string, options: JsonObject = {}, cwd = process.cwd()): DataRef {
  if (data === 'synthetic-cf' || data === 'synthetic-ctr') {
    checkKeys(options, data === 'synthetic-cf' ? SYNTHETIC_CF_KEYS : SYNTHETIC_CTR_KEYS, data);
    return { kind: 'synthetic', name: data, options };
  }
  const entry = DATASETS.find((d) => d.name === data);
  if (entry !== undefined) {
    const kind = entry.format === 'lightgcn' ? 'lightgcn' : entry.format === 'criteo-tsv' ? 'criteo' : entry.format === 'avazu-csv' ? 'avazu' : 'movielens';
    checkKeys(options, FILE_KEYS[kind], data);
    return { kind: 'registry', name: data, options };
  }
  const path = resolve(cwd, data);
  if (!existsSync(path)) {
    const looksLikePath = /[/\\.]/.test(data);
    if (looksLikePath) throw new DataError(`${data}: no such file or directory`);
    throw new DataError(`unknown dataset "${data}": not a registry name (${DATASETS.map((d) => d.name).join(', ')}) nor an existing path`);
  }
  if (statSync(path).isDirectory()) {
    const file = (n: string): string | null => {
      for (const cand of [n, `${n}.gz`]) if (existsSync(join(path, cand))) return join(path, cand);
      return null;
    };
    const train = file('train.txt');
    const test = file('test.txt');
    // A folder with a lone Criteo train.txt or an Avazu train.csv (e.g. the Kaggle downloads).
    if (train !== null && test === null && looksLikeCriteo(train)) {
      checkKeys(options, FILE_KEYS.criteo, 'criteo');
      return { kind: 'criteo', files: [train], options };
    }
    const avazu = file('train.csv');
    if (train === null && avazu !== null) {
      checkKeys(options, FILE_KEYS.avazu, 'avazu');
      return { kind: 'avazu', files: [avazu], options };
    }
    if (train === null || test === null) throw new DataError(`${data}: a LightGCN folder needs train.txt and test.txt (valid.txt optional); a CTR folder a Criteo train.txt or an Avazu train.csv`);
    checkKeys(options, FILE_KEYS.lightgcn, 'lightgcn');
    return { kind: 'lightgcn', train, valid: file('valid.txt'), test, options };
  }
  const name = basename(path).toLowerCase();
  if (name.endsWith('.lersdata')) return { kind: 'lersdata', path };
  if (/\.csv(\.gz)?$/.test(name) && /rating/.test(name)) {
    checkKeys(options, FILE_KEYS.movielens, 'movielens');
    return { kind: 'movielens', file: path, options };
  }
  if (/\.csv(\.gz)?$/.test(name)) {
    checkKeys(options, FILE_KEYS.avazu, 'avazu');
    return { kind: 'avazu', files: [path], options };
  }
  if (/^u\.data$|ratings\.dat$/.test(name)) {
    checkKeys(options, FILE_KEYS.movielens, 'movielens');
    return { kind: 'movielens', file: path, options };
  }
  if (/\.(txt|tsv)(\.gz)?$/.test(name)) {
    checkKeys(options, FILE_KEYS.criteo, 'criteo');
    return { kind: 'criteo', files: [path], options };
  }
  throw new DataError(`${data}: cannot tell the format (expected a LightGCN folder, a Criteo .txt/.tsv, an Avazu .csv, a MovieLens ratings file or a .lersdata file)`);
}

/** File names that do not name a dataset. */
const GENERIC_STEMS = new Set(['train', 'data', 'test', 'valid']);

/** Whether a .txt file's first line has Criteo's 40 tab-separated columns. */
function looksLikeCriteo(path: string): boolean {
  if (path.endsWith('.gz')) return true;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    const line = head.subarray(0, n).toString('utf8').split('\n')[0];
    return line.split('\t').length === 40;
  } finally {
    closeSync(fd);
  }
}

/**
 * A short label of a `--data` argument for tables: names stay, paths become their folder or file
 * stem (`../data/criteo-sample/train.txt` -> `criteo-sample`, `~/gowalla/` -> `gowalla`).
 */
export function dataLabel(data: string): string {
  if (!/[/\\]/.test(data)) return data;
  const path = resolve(data);
  const stem = basename(path).replace(/\..*$/, '');
  return (GENERIC_STEMS.has(stem.toLowerCase()) ? basename(resolve(path, '..')) : stem) || data;
}

/** A short name for tables and file names. */
export function dataRefName(ref: DataRef): string {
  switch (ref.kind) {
    case 'synthetic':
    case 'registry':
      return ref.name;
    case 'lightgcn':
      return basename(resolve(ref.train, '..'));
    case 'criteo':
    case 'avazu':
      // train.txt / train.csv say nothing: name the data after its folder (e.g. criteo-sample).
      return dataLabel(ref.files[0]) || ref.kind;
    case 'movielens':
      return basename(ref.file).replace(/\..*$/, '');
    case 'lersdata':
      return basename(ref.path).replace(/\.lersdata$/, '');
  }
}

/** Options of loadData. */
export interface LoadDataOptions {
  readonly cacheDir?: string;
  readonly onProgress?: (p: ReadProgress) => void;
  /** Messages such as "downloading", "cache hit". */
  readonly onInfo?: (text: string) => void;
}

function num(options: JsonObject, key: string): number | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`data option ${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function ctrSplit(options: JsonObject): { kind: 'random'; seed: number } | { kind: 'chronological' } | undefined {
  const split = options.split;
  const seed = num(options, 'splitSeed');
  if (split === 'chronological') return { kind: 'chronological' };
  if (split !== undefined && split !== 'random') throw new UsageError(`data option split must be random or chronological, got ${JSON.stringify(split)}`);
  return seed !== undefined || split === 'random' ? { kind: 'random', seed: seed ?? 2023 } : undefined;
}

function fileSpec(kind: 'lightgcn' | 'criteo' | 'avazu' | 'movielens', files: { train?: string; valid?: string | null; test?: string; files?: string[]; file?: string }, options: JsonObject, name?: string): DatasetSpec {
  const dsName = typeof options.name === 'string' ? options.name : name;
  switch (kind) {
    case 'lightgcn': {
      const carve = num(options, 'carveValid') ?? 0.09;
      return {
        reader: 'lightgcn',
        name: dsName,
        train: files.train!,
        test: files.test!,
        ...(files.valid !== null && files.valid !== undefined ? { valid: files.valid } : { carveValidation: { fraction: carve, seed: num(options, 'splitSeed') ?? 2023 } }),
      };
    }
    case 'criteo':
      return { reader: 'criteo', name: dsName, files: files.files!, minCount: num(options, 'minCount'), split: ctrSplit(options) };
    case 'avazu':
      return { reader: 'avazu', name: dsName, files: files.files!, minCount: num(options, 'minCount'), split: ctrSplit(options), expandHour: options.expandHour === true };
    case 'movielens':
      return { reader: 'movielens', name: dsName, file: files.file!, minRating: num(options, 'minRating'), seed: num(options, 'splitSeed') };
  }
}

/** Loads the dataset a reference names (files through the binary cache; registry datasets fetched first). */
export async function loadData(ref: DataRef, options: LoadDataOptions = {}): Promise<Dataset> {
  switch (ref.kind) {
    case 'synthetic':
      return ref.name === 'synthetic-cf'
        ? generateSyntheticCf(ref.options).dataset
        : generateSyntheticCtr(ref.options).dataset;
    case 'lersdata':
      return (await readDatasetFile(ref.path)).dataset;
    case 'registry': {
      const entry = DATASETS.find((d) => d.name === ref.name)!;
      if (entry.format === 'synthetic') return loadData({ kind: 'synthetic', name: entry.name as 'synthetic-cf', options: ref.options }, options);
      options.onInfo?.(`fetching ${ref.name} (registry)`);
      const got = await fetchDataset(ref.name, { cacheDir: options.cacheDir });
      const f = got.files;
      let spec: DatasetSpec;
      if (entry.format === 'lightgcn') spec = fileSpec('lightgcn', { train: f['train.txt'], valid: f['valid.txt'] ?? null, test: f['test.txt'] }, ref.options, ref.name);
      else if (entry.format === 'criteo-tsv') spec = fileSpec('criteo', { files: [f['train.txt']] }, ref.options, ref.name);
      else if (entry.format === 'avazu-csv') spec = fileSpec('avazu', { files: [f['train.csv']] }, ref.options, ref.name);
      else spec = fileSpec('movielens', { file: f['u.data'] ?? f['ratings.dat'] ?? f['ratings.csv'] }, ref.options, ref.name);
      return loadSpec(spec, options);
    }
    case 'lightgcn':
      return loadSpec(fileSpec('lightgcn', ref, ref.options), options);
    case 'criteo':
    case 'avazu':
      return loadSpec(fileSpec(ref.kind, ref, ref.options), options);
    case 'movielens':
      return loadSpec(fileSpec('movielens', ref, ref.options), options);
  }
}

async function loadSpec(spec: DatasetSpec, options: LoadDataOptions): Promise<Dataset> {
  const loaded = await loadDataset(spec, { cacheDir: options.cacheDir, onProgress: options.onProgress });
  options.onInfo?.(loaded.hit ? `dataset cache hit: ${loaded.path}` : `encoded dataset cached at ${loaded.path}`);
  return loaded.dataset;
}

/** Checks the dataset is of the task. */
export function expectTask(ds: Dataset, task: 'cf' | 'ctr', data: string): asserts ds is CfDataset | CtrDataset {
  if (ds.kind !== task) throw new UsageError(`${data} is a ${ds.kind} dataset but the task is ${task}`);
}
