/**
 * `--data`: what a dataset argument names (a synthetic generator, a registry dataset, a LightGCN
 * folder, a raw file in any layout @lers/data reads, an encoded .lersdata file), as a JSON
 * reference that the model file keeps so `lers eval` / `lers compress` can load the same data again.
 * A file's format is `--data-option format=...` or detected from its first lines (never guessed:
 * an ambiguous file is an error naming the candidates); what was detected is reported when loading.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  DATASETS,
  datasetSpecOf,
  detectDataFormat,
  DataOptionError,
  FORMAT_OPTION_KEYS,
  FormatDetectionError,
  fetchDataset,
  rolesGivenIn,
  generateSyntheticCf,
  generateSyntheticCtr,
  loadDataset,
  readDatasetFile,
  type CfDataset,
  type CtrDataset,
  type Dataset,
  type DataFormat,
  type DatasetSpec,
  type JsonObject,
  type ReadProgress,
} from '@lers/data/node';
import { DataError, UsageError } from '../cli/errors.js';

/** The raw-file formats a reference can name (every detectable format but an encoded file). */
export type FileFormat = Exclude<DataFormat, 'lersdata'>;

/** A dataset reference (stored in model files; paths are absolute). */
export type DataRef =
  | { readonly kind: 'synthetic'; readonly name: 'synthetic-cf' | 'synthetic-ctr'; readonly options: JsonObject }
  | { readonly kind: 'registry'; readonly name: string; readonly options: JsonObject }
  | { readonly kind: 'lightgcn'; readonly train: string; readonly valid: string | null; readonly test: string; readonly options: JsonObject }
  | { readonly kind: 'criteo' | 'avazu' | 'ctr-csv'; readonly files: string[]; readonly options: JsonObject }
  | { readonly kind: 'movielens' | 'triplets' | 'recbole'; readonly file: string; readonly options: JsonObject }
  | { readonly kind: 'lersdata'; readonly path: string };

const SYNTHETIC_CF_KEYS = ['users', 'items', 'rank', 'meanInteractions', 'minInteractions', 'popularityExponent', 'popularityWeight', 'affinityWeight', 'seed'];
const SYNTHETIC_CTR_KEYS = ['rows', 'cardinalities', 'zipfExponent', 'factorDim', 'linearStd', 'factorStd', 'positiveRate', 'seed'];
/** How the error messages of format detection tell the user to settle the format. */
const FORMAT_FLAG = '--data-option format=';
const FILE_FORMATS = Object.keys(FORMAT_OPTION_KEYS) as FileFormat[];
const CTR_KINDS: readonly string[] = ['criteo', 'avazu', 'ctr-csv'];
const CF_KINDS: readonly string[] = ['lightgcn', 'movielens', 'triplets', 'recbole'];

function checkKeys(options: JsonObject, known: readonly string[], what: string): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new UsageError(`unknown option "${k}" for ${what} data (known: ${known.join(', ')})`);
  }
}

/** The library's detection and option errors as the CLI's: an ambiguous format or a bad option is a usage error. */
export function cliError(err: unknown): unknown {
  if (err instanceof FormatDetectionError) return err.ambiguous ? new UsageError(err.message) : new DataError(err.message);
  if (err instanceof DataOptionError) return new UsageError(err.message);
  return err;
}

/** The reader options of a reference (its `format` choice aside). */
function readerOptions(options: JsonObject): JsonObject {
  const { format: _format, ...rest } = options;
  return rest;
}

/** The format of raw files: `options.format` when given, else detected (an ambiguous file is a usage error). */
function formatOf(files: readonly string[], options: JsonObject): { format: FileFormat; reason: string } {
  const given = options.format;
  if (given !== undefined) {
    if (!FILE_FORMATS.includes(given as FileFormat)) throw new UsageError(`data option format must be one of ${FILE_FORMATS.join(', ')}; got ${JSON.stringify(given)}`);
    return { format: given as FileFormat, reason: 'given' };
  }
  let detected;
  try {
    detected = detectDataFormat(files, { rolesGiven: rolesGivenIn(options), flag: FORMAT_FLAG });
  } catch (err) {
    throw cliError(err);
  }
  if (detected.format === 'lersdata') throw new DataError(`${files[0]}: an encoded dataset file must end in .lersdata`);
  return { format: detected.format, reason: `detected: ${detected.reason}` };
}

/** A reference to raw files in `format`, its options checked by the reader's option table. */
function fileRef(format: FileFormat, files: string[], options: JsonObject): DataRef {
  try {
    datasetSpecOf(format, files, readerOptions(options));
  } catch (err) {
    throw cliError(err);
  }
  if (format === 'lightgcn') return { kind: 'lightgcn', train: files[0], valid: files.length === 3 ? files[1] : null, test: files[files.length - 1], options };
  if (format === 'criteo' || format === 'avazu' || format === 'ctr-csv') return { kind: format, files, options };
  return { kind: format, file: files[0], options };
}

/** The raw files a reference reads (none for synthetic, registry and encoded data). */
function refFiles(ref: DataRef): string[] {
  switch (ref.kind) {
    case 'lightgcn':
      return [ref.train, ...(ref.valid !== null ? [ref.valid] : []), ref.test];
    case 'criteo':
    case 'avazu':
    case 'ctr-csv':
      return ref.files;
    case 'movielens':
    case 'triplets':
    case 'recbole':
      return [ref.file];
    default:
      return [];
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
  if (CTR_KINDS.includes(kind)) return 'ctr';
  return CF_KINDS.includes(kind) ? 'cf' : null;
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
    checkKeys(options, ['name', ...FORMAT_OPTION_KEYS[kind]], data);
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
    if (train !== null && test !== null) {
      const valid = file('valid.txt');
      const files = [train, ...(valid !== null ? [valid] : []), test];
      return fileRef(options.format === undefined ? 'lightgcn' : formatOf(files, options).format, files, options);
    }
    // A folder with a lone CTR train file (e.g. the Kaggle downloads) or one RecBole .inter file.
    const inter = readdirSync(path).filter((n) => /\.inter(\.gz)?$/.test(n));
    const lone = train ?? file('train.csv') ?? (inter.length === 1 ? join(path, inter[0]) : null);
    const ref = lone === null ? null : resolveDataRef(lone, options, cwd);
    // A lone train file of user-item lines is half a LightGCN folder, unless the format was given.
    const fits = ref !== null && (options.format !== undefined || CTR_KINDS.includes(ref.kind) || ref.kind === 'recbole');
    if (!fits) throw new DataError(`${data}: a LightGCN folder needs train.txt and test.txt (valid.txt optional); a CTR folder a Criteo train.txt or a train.csv; a RecBole folder one .inter file`);
    return ref;
  }
  if (basename(path).toLowerCase().endsWith('.lersdata')) return { kind: 'lersdata', path };
  return fileRef(formatOf([path], options).format, [path], options);
}

/** How a reference's files were recognised (`given`, or `detected: <why>`); null for other references. */
export function dataFormatReason(ref: DataRef): string | null {
  const files = refFiles(ref);
  if (files.length === 0 || !('options' in ref)) return null;
  if (ref.kind === 'lightgcn' && ref.options.format === undefined) return 'detected: a folder with train.txt and test.txt';
  return formatOf(files, ref.options).reason;
}

/**
 * A dataset folder read as `--datasets` reads it (LightGCN train/[valid/]test, a lone CTR train
 * file, one RecBole .inter file): its raw files, their format and why; null when `path` is not a
 * folder; `name` is the folder's (as in bench tables). A folder of none of these is a DataError
 * naming what it needs.
 */
export function folderFiles(path: string, options: JsonObject): { files: string[]; format: FileFormat; reason: string; name: string } | null {
  if (!existsSync(path) || !statSync(path).isDirectory()) return null;
  const ref = resolveDataRef(path, options);
  return { files: refFiles(ref), format: ref.kind as FileFormat, reason: dataFormatReason(ref) ?? 'given', name: dataRefName(ref) };
}

/** File names that do not name a dataset. */
const GENERIC_STEMS = new Set(['train', 'data', 'test', 'valid']);

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
    case 'ctr-csv':
      // train.txt / train.csv say nothing: name the data after its folder (e.g. criteo-sample).
      return dataLabel(ref.files[0]) || ref.kind;
    case 'movielens':
    case 'triplets':
    case 'recbole':
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

/** The spec of a reference to raw files (`name` names the dataset unless the options do). */
function specOf(format: FileFormat, files: readonly string[], options: JsonObject, name?: string): DatasetSpec {
  // A LightGCN pair without a valid file gets the protocol's 9% validation carve by default.
  const defaults: JsonObject = format === 'lightgcn' && files.length === 2 ? { carveValid: 0.09 } : {};
  try {
    return datasetSpecOf(format, files, { ...(name !== undefined ? { name } : {}), ...defaults, ...readerOptions(options) });
  } catch (err) {
    throw cliError(err);
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
      if (entry.format === 'lightgcn') spec = specOf('lightgcn', [f['train.txt'], ...(f['valid.txt'] !== undefined ? [f['valid.txt']] : []), f['test.txt']], ref.options, ref.name);
      else if (entry.format === 'criteo-tsv') spec = specOf('criteo', [f['train.txt']], ref.options, ref.name);
      else if (entry.format === 'avazu-csv') spec = specOf('avazu', [f['train.csv']], ref.options, ref.name);
      else spec = specOf('movielens', [f['u.data'] ?? f['ratings.dat'] ?? f['ratings.csv']], ref.options, ref.name);
      return loadSpec(spec, options);
    }
    default:
      options.onInfo?.(`data format: ${ref.kind} (${dataFormatReason(ref) ?? 'given'})`);
      return loadSpec(specOf(ref.kind, refFiles(ref), ref.options), options);
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
