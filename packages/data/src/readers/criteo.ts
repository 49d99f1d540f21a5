import { CRITEO_FIELD_NAMES, tokenizeCriteoLine } from '../ctr/criteo-format.js';
import { CRITEO_RAW_FORMAT } from '../ctr/vocabulary.js';
import { DEFAULT_CTR_SPLIT, type CtrSplitSpec } from '../ctr/split.js';
import { encodeCtrTwoPass, type CtrReadResult } from './ctr-two-pass.js';
import type { ReadProgress } from './lines.js';

/** Options of `readCriteo`; defaults follow the benchmark protocol. */
export interface CriteoOptions {
  /** Dataset name for the manifest (default `criteo`). */
  name?: string;
  /** Per-field minimum count; rarer values share the OOV index (default 10). */
  minCount?: number;
  /** Default: random 80/10/10, seed 2023. `{ kind: 'chronological' }` keeps file order. */
  split?: CtrSplitSpec;
  onProgress?: (p: ReadProgress) => void;
}

/**
 * Reads Criteo Kaggle TSV file(s) (`label, I1..I13, C1..C26`; `.gz` accepted) with the protocol's
 * preprocessing: integers v > 2 -> floor(ln(v)^2), v <= 2 -> v - 2, empty -> its own token;
 * per-field vocabularies with `minCount` counted over all rows (as the reference code does).
 */
export async function readCriteo(files: string | string[], options: CriteoOptions = {}): Promise<CtrReadResult> {
  return encodeCtrTwoPass({
    name: options.name ?? 'criteo',
    format: 'criteo-tsv',
    rawFormat: CRITEO_RAW_FORMAT,
    fieldNames: [...CRITEO_FIELD_NAMES],
    sources: (Array.isArray(files) ? files : [files]).map((path) => ({ path, headerLine: 0, tokenize: tokenizeCriteoLine })),
    minCount: options.minCount ?? 10,
    split: options.split ?? DEFAULT_CTR_SPLIT,
    params: { integerTransform: 'v>2 ? floor(ln(v)^2) : v-2', empty: 'own token' },
    onProgress: options.onProgress,
  });
}
