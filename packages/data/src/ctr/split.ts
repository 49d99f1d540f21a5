import { Rng } from '@lers/kernels/random';
import type { CtrSplitIndices } from './dataset.js';

/** Split fractions (train, valid, test); normalised to sum 1. */
export type SplitRatios = [number, number, number];

/**
 * How CTR rows are split: a seeded random split (the protocol's 80/10/10) or a chronological one
 * (file order: the first rows train, the last rows test).
 */
export type CtrSplitSpec = { kind: 'random'; seed: number; ratios?: SplitRatios } | { kind: 'chronological'; ratios?: SplitRatios };

/** The protocol's default: random 80/10/10 with seed 2023. */
export const DEFAULT_CTR_SPLIT: CtrSplitSpec = { kind: 'random', seed: 2023, ratios: [0.8, 0.1, 0.1] };

/** Split sizes for `rows` rows: train and valid rounded, test takes the rest. */
export function splitSizes(rows: number, ratios: SplitRatios = [0.8, 0.1, 0.1]): [number, number, number] {
  const [a, b, c] = ratios;
  const sum = a + b + c;
  if (!(sum > 0) || a < 0 || b < 0 || c < 0) throw new RangeError('split ratios must be non-negative with a positive sum');
  const nTrain = Math.round((rows * a) / sum);
  const nValid = Math.min(rows - nTrain, Math.round((rows * b) / sum));
  return [nTrain, nValid, rows - nTrain - nValid];
}

/**
 * Assigns rows to train/valid/test. Random: a seeded permutation decides membership with exact
 * sizes; each split's indices are then listed in ascending order (O(rows), no sort).
 */
export function splitRows(rows: number, spec: CtrSplitSpec): CtrSplitIndices {
  const [nTrain, nValid] = splitSizes(rows, spec.ratios);
  if (spec.kind === 'chronological') {
    return { train: range(0, nTrain), valid: range(nTrain, nTrain + nValid), test: range(nTrain + nValid, rows) };
  }
  const perm = new Int32Array(rows);
  for (let r = 0; r < rows; r++) perm[r] = r;
  new Rng(spec.seed).shuffle(perm);
  const which = new Uint8Array(rows);
  for (let k = nTrain; k < rows; k++) which[perm[k]] = k < nTrain + nValid ? 1 : 2;
  const out = [new Int32Array(nTrain), new Int32Array(nValid), new Int32Array(rows - nTrain - nValid)];
  const fill = [0, 0, 0];
  for (let r = 0; r < rows; r++) {
    const s = which[r];
    out[s][fill[s]++] = r;
  }
  return { train: out[0], valid: out[1], test: out[2] };
}

/** The ids `from .. to-1`. */
function range(from: number, to: number): Int32Array {
  const out = new Int32Array(to - from);
  for (let k = 0; k < out.length; k++) out[k] = from + k;
  return out;
}
