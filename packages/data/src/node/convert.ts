import { writeDatasetFile } from '../cache/file.js';
import { datasetCacheKey } from '../cache/key.js';
import type { Dataset } from '../cache/dataset-codec.js';
import type { JsonObject } from '../manifest.js';
import type { Throughput } from '../readers/common.js';
import type { ReadProgress } from '../readers/lines.js';
import { detectDataFormat, type DataFormat, type DetectedFormat } from './detect.js';
import { loadDataset, readDataset, specParams, specSources, type DatasetSpec } from './load.js';
import { datasetSpecOf, rolesGivenIn } from './options.js';

/** What to convert: raw files, their format (detected when absent) and reader options. */
export interface ConvertRequest {
  files: readonly string[];
  /** A format name; `undefined` or `auto` detects it (see `detectDataFormat`). */
  format?: Exclude<DataFormat, 'lersdata'> | 'auto';
  /** Reader options (see `FORMAT_OPTION_KEYS`). */
  options?: JsonObject;
  /** Write here; otherwise into the cache folder (`loadDataset`). */
  out?: string;
  cacheDir?: string;
  /** Read only, write nothing (for `info` on raw files). */
  dryRun?: boolean;
  /** How the user names a format, for detection errors (default `--format `). */
  flag?: string;
  onProgress?: (p: ReadProgress) => void;
}

/** What a conversion did. */
export interface ConvertResult {
  format: Exclude<DataFormat, 'lersdata'>;
  /** The detection and its reason (null when the format was given). */
  detected: DetectedFormat | null;
  spec: DatasetSpec;
  dataset: Dataset;
  /** The file written (null for a dry run). */
  path: string | null;
  cacheHit: boolean;
  throughput: Throughput | null;
}

/** The format of `files`: the given one, or the detected one with its reason. */
export function resolveFormat(files: readonly string[], format: ConvertRequest['format'], options: JsonObject, flag?: string): { format: DataFormat; detected: DetectedFormat | null } {
  if (format !== undefined && format !== 'auto') return { format, detected: null };
  const detected = detectDataFormat(files, { rolesGiven: rolesGivenIn(options), flag });
  return { format: detected.format, detected };
}

/**
 * Reads raw files in any supported layout and writes the binary cache (`out`, or the cache folder
 * keyed by the sources' hashes and the options). The format is detected unless given; the result
 * says which and why.
 */
export async function convertFiles(req: ConvertRequest): Promise<ConvertResult> {
  const options = req.options ?? {};
  const { format, detected } = resolveFormat(req.files, req.format, options, req.flag);
  if (format === 'lersdata') throw new RangeError(`${req.files[0]} is already an encoded dataset`);
  const spec = datasetSpecOf(format, req.files, options);
  if (req.dryRun === true) {
    const { dataset, throughput } = await readDataset(spec, req.onProgress);
    return { format, detected, spec, dataset, path: null, cacheHit: false, throughput };
  }
  if (req.out !== undefined) {
    const { key } = await datasetCacheKey(specSources(spec), specParams(spec));
    const { dataset, throughput } = await readDataset(spec, req.onProgress);
    await writeDatasetFile(req.out, dataset, key);
    return { format, detected, spec, dataset, path: req.out, cacheHit: false, throughput };
  }
  const loaded = await loadDataset(spec, { cacheDir: req.cacheDir, onProgress: req.onProgress });
  return { format, detected, spec, dataset: loaded.dataset, path: loaded.path, cacheHit: loaded.hit, throughput: loaded.throughput };
}
