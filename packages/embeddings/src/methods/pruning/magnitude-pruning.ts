import { Rng, type HostBackend } from '@lers/kernels';
import type { DenseValues } from '../common/dense-source.js';

/** Which entries of a rows x dim table a pruning keeps, and how it got there. */
export interface PruneMask {
  /** One byte per entry (row-major): 1 = kept, 0 = zeroed. */
  readonly keep: Uint8Array;
  /** Entries zeroed. */
  readonly zeroed: number;
  /** Entries the target asked for: round(sparsity * rows * dim). */
  readonly targetZeroed: number;
  /** |w| at the cut (MagPrune; 0 when nothing was zeroed, NaN for random pruning). */
  readonly threshold: number;
}

/** Checks a sparsity target: a number in [0, 1]. */
export function checkSparsity(method: string, sparsity: unknown): number {
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`${method}: sparsity must be a number in [0, 1], got ${String(sparsity)}`);
  return sparsity;
}

/** Entries a target sparsity zeroes in a table of n entries: round(sparsity * n). */
export function targetZeroCount(sparsity: number, n: number): number {
  return Math.round(sparsity * n);
}

/**
 * The largest k_min the protocol searches: floor(dim * (1 - sparsity)). The small epsilon keeps
 * e.g. 10 * (1 - 0.9) = 0.9999999999999998 from flooring to 0.
 */
export function maxKMin(dim: number, sparsity: number): number {
  return Math.max(0, Math.min(dim, Math.floor(dim * (1 - sparsity) + 1e-9)));
}

/**
 * Rank of every entry within its row by |w|, largest first (0 = largest); equal magnitudes rank
 * the lower column first. An entry is protected by k_min when its rank is below k_min, so the
 * ranks are computed once and reused by every k_min a search tries.
 */
export function rowMagnitudeRanks(dense: DenseValues): Uint16Array {
  const { rows, dim, values } = dense;
  if (dim > 0x10000) throw new RangeError(`rowMagnitudeRanks: dim ${dim} exceeds 65536`);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const ranks = new Uint16Array(rows * dim);
  // key = |w| bits * 2^16 + (2^16 - 1 - column): the f32 bits of |w| order like |w| itself, and
  // the key fits in 47 bits, so an ascending numeric sort read backwards gives the rank order.
  const keys = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    for (let c = 0; c < dim; c++) keys[c] = (bits[base + c] & 0x7fffffff) * 0x10000 + (0xffff - c);
    keys.sort();
    for (let k = 0; k < dim; k++) {
      const column = 0xffff - (keys[dim - 1 - k] % 0x10000);
      ranks[base + column] = k;
    }
  }
  return ranks;
}

/**
 * MagPrune's mask: protect each row's kMin largest |w| (see rowMagnitudeRanks for ties), then zero
 * the round(sparsity * n) smallest |w| among the other entries. The cut is the kernel's
 * kthSmallestAbs over the unprotected entries; entries below it are zeroed, and of those equal to
 * it, the first ones in row-major order (lowest row, then lowest column) are zeroed until the count
 * is exact. When protection leaves fewer candidates than the target, all candidates are zeroed and
 * `zeroed < targetZeroed` reports it.
 */
export function magnitudePruneMask(be: HostBackend, dense: DenseValues, sparsity: number, kMin: number, ranks?: Uint16Array): PruneMask {
  const { rows, dim, values } = dense;
  const n = rows * dim;
  if (!Number.isInteger(kMin) || kMin < 0 || kMin > dim) throw new RangeError(`magprune: kMin must be an integer in [0, ${dim}], got ${kMin}`);
  const targetZeroed = targetZeroCount(sparsity, n);
  const keep = new Uint8Array(n).fill(1);
  const rank = kMin > 0 ? (ranks ?? rowMagnitudeRanks(dense)) : null;
  const candidates = n - rows * kMin;
  const zeroed = Math.min(targetZeroed, candidates);
  if (zeroed === 0) return { keep, zeroed: 0, targetZeroed, threshold: 0 };
  const isCandidate = (k: number): boolean => rank === null || rank[k] >= kMin;

  const buf = be.alloc('f32', candidates);
  const out = be.alloc('f32', 1);
  let threshold: number;
  try {
    const view = be.view(buf);
    let at = 0;
    for (let k = 0; k < n; k++) if (isCandidate(k)) view[at++] = values[k];
    be.kthSmallestAbs(buf, zeroed, out);
    threshold = be.view(out)[0];
  } finally {
    be.free(buf);
    be.free(out);
  }
  let below = 0;
  for (let k = 0; k < n; k++) if (isCandidate(k) && Math.abs(values[k]) < threshold) below++;
  let ties = zeroed - below;
  for (let k = 0; k < n; k++) {
    if (!isCandidate(k)) continue;
    const a = Math.abs(values[k]);
    if (a < threshold || (a === threshold && ties-- > 0)) keep[k] = 0;
  }
  return { keep, zeroed, targetZeroed, threshold };
}

/**
 * Random unstructured pruning (the control): exactly round(sparsity * n) entries zeroed, chosen
 * uniformly by a partial Fisher-Yates shuffle of the entry indices driven by Rng(seed).
 */
export function randomPruneMask(rows: number, dim: number, sparsity: number, seed: number): PruneMask {
  const n = rows * dim;
  const targetZeroed = targetZeroCount(sparsity, n);
  const keep = new Uint8Array(n).fill(1);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  const rng = new Rng(seed);
  for (let i = 0; i < targetZeroed; i++) {
    const j = i + rng.nextInt(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
    keep[order[i]] = 0;
  }
  return { keep, zeroed: targetZeroed, targetZeroed, threshold: Number.NaN };
}

/** The host CSR (row pointers, ascending columns, values) of the kept entries. */
export function maskToCsr(dense: DenseValues, keep: Uint8Array): { indptr: Int32Array; indices: Int32Array; values: Float32Array } {
  const { rows, dim, values } = dense;
  let nnz = 0;
  for (const k of keep) nnz += k;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const kept = new Float32Array(nnz);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dim; c++) {
      const k = r * dim + c;
      if (keep[k] !== 0) {
        indices[at] = c;
        kept[at++] = values[k];
      }
    }
    indptr[r + 1] = at;
  }
  return { indptr, indices, values: kept };
}
