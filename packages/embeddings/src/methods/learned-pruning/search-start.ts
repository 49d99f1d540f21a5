import type { TableOptions } from '../../method.js';
import { openRangeOption } from '../common/option-values.js';

/**
 * Where a soft-threshold search starts (PEP, CERP): an entry is pruned while |w| <= sigmoid(s), so
 * an initial s above the initial weights prunes them before any training, and the "search" then
 * only ranks random initial weights. These helpers measure the start, name the initial threshold
 * below which a search starts short of its target, and resolve `thresholdInit: 'auto'`.
 */

/** The fraction of the pruning a target needs that an automatic start does at step 0 (default 0.5). */
export const DEFAULT_AUTO_START = 0.5;

/** How a search table's thresholds start: a fixed s, or `auto` (s from the initial weights). */
export type ThresholdStart = { readonly kind: 'fixed'; readonly value: number } | { readonly kind: 'auto'; readonly fraction: number };

/** The state of a search table before its first optimiser step (recorded with its captures). */
export interface SearchStart {
  /** 1 - non-zeros / (rows x dim): the sparsity at step 0, against which the targets are counted. */
  readonly sparsity: number;
  /** Fraction of the stored entries (all parts) pruned at step 0. */
  readonly pruned: number;
  /** The initial s of each part (P, Q for CERP), as set (auto: as resolved). */
  readonly thresholds: readonly number[];
}

/** A search whose initial threshold already reaches a target at step 0 (the mask would be captured before any update). */
export class SearchStartError extends RangeError {
  constructor(
    message: string,
    /** The table, the smallest target the start reaches, and the largest initial s that starts below it. */
    readonly details: { readonly table: string; readonly target: number; readonly startSparsity: number; readonly thresholdInit: number; readonly limit: number; readonly suggestion: number; readonly suggestionSparsity: number },
  ) {
    super(message);
    this.name = 'SearchStartError';
  }
}

/** log(p / (1 - p)): the s whose sigmoid is p (p in (0, 1)). */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * Option `thresholdInit`: a number, or `'auto'` with option `autoStart` (in (0, 1), default 0.5):
 * the fraction of the smallest target's pruning done at step 0.
 */
export function thresholdStartOption(method: string, options: TableOptions, fallback: number): ThresholdStart {
  const v = options.thresholdInit;
  const fraction = openRangeOption(method, options, 'autoStart', 0, 1);
  if (v === 'auto') return { kind: 'auto', fraction: fraction ?? DEFAULT_AUTO_START };
  if (fraction !== undefined) throw new RangeError(`${method}: option autoStart applies only with thresholdInit 'auto'`);
  if (v === undefined) return { kind: 'fixed', value: fallback };
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${method}: option thresholdInit must be a finite number or 'auto', got ${JSON.stringify(v)}`);
  return { kind: 'fixed', value: v };
}

/** |w| ascending (f64), for quantiles. */
export function sortedMagnitudes(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = Math.abs(weights[i]);
  return out.sort();
}

/**
 * The initial s that prunes about `fraction` of entries whose sorted magnitudes are `sorted`
 * (an entry is pruned when |w| <= sigmoid(s)): the logit of the midpoint between the k-th and
 * (k+1)-th smallest |w|, k = round(fraction x n). Clamped to [-60, 60] (sigmoid's useful range in f32).
 */
export function thresholdForPruned(sorted: Float64Array, fraction: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('thresholdForPruned: no entries');
  const k = Math.min(n, Math.max(0, Math.round(fraction * n)));
  const below = k === 0 ? 0 : sorted[k - 1];
  const above = k === n ? sorted[n - 1] * 2 + 1e-12 : sorted[k];
  const t = (below + above) / 2;
  if (!(t > 0)) return -60;
  return Math.min(60, Math.max(-60, logit(Math.min(t, 1 - 1e-12))));
}

/** The fraction of entries with |w| <= sigmoid(s) (sorted magnitudes, f64 arithmetic). */
export function prunedFraction(sorted: Float64Array, s: number): number {
  const t = 1 / (1 + Math.exp(-s));
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo / Math.max(1, sorted.length);
}

/** s rounded down to 2 significant digits (a value to print that still starts below the limit). */
function roundDown(s: number): number {
  const mag = Math.pow(10, Math.floor(Math.log10(Math.abs(s))) - 1);
  return Number((Math.floor(s / mag) * mag).toPrecision(2));
}

/**
 * The error for a search whose start already reaches `target`: names the current initial s, the
 * limit (the s at which the start sparsity would equal the target) and a start that does half the
 * needed pruning, and points at `thresholdInit: 'auto'`. `sorted` are the stored entries' initial
 * magnitudes; `entries` the logical rows x dim (CERP stores fewer than it serves).
 */
export function searchStartError(method: string, table: string, target: number, start: SearchStart, sorted: Float64Array, entries: number): SearchStartError {
  const stored = sorted.length;
  // The pruned fraction of the stored entries at which the sparsity over `entries` equals the target.
  const needed = Math.max(0, 1 - ((1 - target) * entries) / stored);
  const limit = thresholdForPruned(sorted, needed);
  const suggestion = roundDown(thresholdForPruned(sorted, needed * DEFAULT_AUTO_START));
  const suggestionSparsity = 1 - ((1 - prunedFraction(sorted, suggestion)) * stored) / entries;
  const s0 = start.thresholds.length === 1 ? String(start.thresholds[0]) : start.thresholds.join(' / ');
  const message =
    `${method} table "${table}": thresholdInit ${s0} already prunes ${(100 * start.pruned).toFixed(1)}% of the entries before the first optimiser step ` +
    `(sparsity ${start.sparsity.toFixed(4)} >= target ${target}), so the mask would be captured from the random initial weights. ` +
    `Start below thresholdInit ${limit.toFixed(3)} (where the initial sparsity reaches the target), e.g. thresholdInit ${suggestion} (initial sparsity ${suggestionSparsity.toFixed(3)}), ` +
    `or set thresholdInit 'auto' (autoStart ${DEFAULT_AUTO_START}: half of the target's pruning at the start).`;
  return new SearchStartError(message, { table, target, startSparsity: start.sparsity, thresholdInit: start.thresholds[0], limit, suggestion, suggestionSparsity });
}
