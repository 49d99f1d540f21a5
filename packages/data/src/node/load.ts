import { join } from 'node:path';
import { readDatasetFile, writeDatasetFile } from '../cache/file.js';
import { datasetCacheKey, defaultCacheDir } from '../cache/key.js';
import type { Dataset } from '../cache/dataset-codec.js';
import { CacheFormatError } from '../errors.js';
import { toJsonObject, type JsonObject } from '../manifest.js';
import { readAvazu, type AvazuOptions } from '../readers/avazu.js';
import type { Throughput } from '../readers/common.js';
import { readCriteo, type CriteoOptions } from '../readers/criteo.js';
import type { ReadProgress } from '../readers/lines.js';
import { readLightGcn, type LightGcnOptions } from '../readers/lightgcn.js';
import { readMovieLens, type MovieLensOptions } from '../readers/movielens.js';
import { readRecBole, type RecBoleOptions } from '../readers/recbole.js';
import { readTriplets, type TripletOptions } from '../readers/triplets.js';
import { readCtrCsv, type CtrCsvOptions } from '../readers/ctr-csv.js';

/** A dataset on disk: which reader, its files and its preprocessing options. */
export type DatasetSpec =
  | ({ reader: 'lightgcn' } & Omit<LightGcnOptions, 'onProgress'>)
  | ({ reader: 'movielens'; file: string } & Omit<MovieLensOptions, 'onProgress'>)
  | ({ reader: 'criteo'; files: string[] } & Omit<CriteoOptions, 'onProgress'>)
  | ({ reader: 'avazu'; files: string[] } & Omit<AvazuOptions, 'onProgress'>)
  | ({ reader: 'triplets'; file: string } & Omit<TripletOptions, 'onProgress'>)
  | ({ reader: 'recbole'; file: string } & Omit<RecBoleOptions, 'onProgress'>)
  | ({ reader: 'ctr-csv'; files: string[] } & Omit<CtrCsvOptions, 'onProgress'>);

/** The source files of a spec, in a fixed order. */
export function specSources(spec: DatasetSpec): string[] {
  switch (spec.reader) {
    case 'lightgcn':
      return [spec.train, ...(spec.valid !== undefined ? [spec.valid] : []), spec.test];
    case 'movielens':
    case 'triplets':
    case 'recbole':
      return [spec.file];
    default:
      return [...spec.files];
  }
}

/** The spec without file paths: the parameters that, with the sources' hashes, key the cache. */
export function specParams(spec: DatasetSpec): JsonObject {
  const { reader: _r, train: _t, valid: _v, test: _s, file: _f, files: _fs, ...rest } = spec as DatasetSpec & Record<string, unknown>;
  return toJsonObject({ reader: spec.reader, ...rest });
}

/** Reads and encodes a dataset from its source files (no cache). */
export async function readDataset(spec: DatasetSpec, onProgress?: (p: ReadProgress) => void): Promise<{ dataset: Dataset; throughput: Throughput }> {
  switch (spec.reader) {
    case 'lightgcn':
      return readLightGcn({ ...spec, onProgress });
    case 'movielens':
      return readMovieLens(spec.file, { ...spec, onProgress });
    case 'criteo':
      return readCriteo(spec.files, { ...spec, onProgress });
    case 'avazu':
      return readAvazu(spec.files, { ...spec, onProgress });
    case 'triplets':
      return readTriplets(spec.file, { ...spec, onProgress });
    case 'recbole':
      return readRecBole(spec.file, { ...spec, onProgress });
    case 'ctr-csv':
      return readCtrCsv(spec.files, { ...spec, onProgress });
  }
}

/** Options of `loadDataset`. */
export interface LoadOptions {
  /** Cache root (default `defaultCacheDir()`); encoded files go to `<cacheDir>/datasets/`. */
  cacheDir?: string;
  /** Ignore an existing cache file and rebuild it. */
  refresh?: boolean;
  onProgress?: (p: ReadProgress) => void;
}

/** What `loadDataset` did: a cache hit, or a read (with its speed) that refreshed the cache. */
export interface LoadResult {
  dataset: Dataset;
  hit: boolean;
  path: string;
  key: string;
  throughput: Throughput | null;
}

/**
 * Loads a dataset through the binary cache. The key is sha256 over the sources' sha256s and the
 * preprocessing parameters, so editing a source file or changing an option misses the cache;
 * a corrupt cache file is rebuilt. Writes are atomic.
 */
export async function loadDataset(spec: DatasetSpec, options: LoadOptions = {}): Promise<LoadResult> {
  const { key } = await datasetCacheKey(specSources(spec), specParams(spec));
  const name = (spec.name ?? spec.reader).replace(/[^A-Za-z0-9._-]/g, '_');
  const path = join(options.cacheDir ?? defaultCacheDir(), 'datasets', `${name}-${key.slice(0, 16)}.lersdata`);
  if (options.refresh !== true) {
    try {
      const cached = await readDatasetFile(path);
      // CTR caches written before vocabularies were stored cannot serve raw rows: rebuild them.
      const lacksVocabulary = cached.dataset.kind === 'ctr' && cached.dataset.vocabulary === undefined && (spec.reader === 'criteo' || spec.reader === 'avazu' || spec.reader === 'ctr-csv');
      if (cached.cacheKey === key && !lacksVocabulary) return { dataset: cached.dataset, hit: true, path, key, throughput: null };
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing && !(err instanceof CacheFormatError)) throw err;
    }
  }
  const { dataset, throughput } = await readDataset(spec, options.onProgress);
  await writeDatasetFile(path, dataset, key);
  return { dataset, hit: false, path, key, throughput };
}
