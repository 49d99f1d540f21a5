/** The manifest every encoded dataset carries: where it came from and how it was made. */

/** A JSON value (what a manifest may hold). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** One source file: its path as given, its size and the sha256 of its bytes on disk. */
export interface SourceFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** Provenance of an encoded dataset. */
export interface DatasetManifest {
  /** Dataset name, e.g. `ml-1m-lightgcn` or `criteo-kaggle`. */
  name: string;
  task: 'cf' | 'ctr';
  /** Source format, e.g. `lightgcn`, `criteo-tsv`, `synthetic`. */
  format: string;
  sources: SourceFile[];
  /** Every preprocessing parameter that influences the encoded result (part of the cache key). */
  params: JsonObject;
  /** Counts: rows, users, items, interactions per split, duplicates, positives, ... */
  counts: Record<string, number>;
  /** Seed of the split (null when the split came with the files). */
  splitSeed: number | null;
  /** Writer, e.g. `@lers/data 0.1.0`. */
  createdBy: string;
}

/** Name and version written into every manifest. */
export const CREATED_BY = '@lers/data 0.1.0';

/** JSON with object keys sorted at every level, so equal values always give the same text. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/**
 * The text whose sha256 is a dataset's cache key: the source hashes (in order) and the canonical
 * preprocessing parameters. Paths are left out so that moving the files keeps the cache valid.
 */
export function cacheKeyMaterial(sourceSha256: readonly string[], params: JsonObject, formatVersion: number): string {
  return canonicalJson({ cacheFormat: formatVersion, sources: [...sourceSha256], params });
}

/** A plain-data object as JSON (drops `undefined` members), for recording options in `params`. */
export function toJsonObject(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
