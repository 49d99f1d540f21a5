import type { Buf, HostBackend, ThresholdGranularity } from '@lers/kernels';
import type { TableInit } from '../../init.js';
import type { Parameter } from '../../parameter.js';
import type { TouchedRows } from '../full/touched-rows.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';
import { createWeight, type TablePart } from './table-part.js';
import { sortedMagnitudes, thresholdForPruned } from './search-start.js';

/** The granularities of a learnable threshold s (the kernels' names). */
export const THRESHOLD_GRANULARITIES: readonly ThresholdGranularity[] = ['element', 'row', 'dim', 'global'];

/** Options of a soft-thresholded part. */
export interface SoftThresholdPartOptions {
  readonly backend: HostBackend;
  /** Parameter names are `<prefix>.weight` and `<prefix>.threshold`. */
  readonly prefix: string;
  readonly rows: number;
  readonly dim: number;
  readonly init: TableInit;
  readonly seed: number;
  readonly granularity: ThresholdGranularity;
  /**
   * Initial value of every entry of s (the threshold is sigmoid(s)), or `{ pruned }`: the s that
   * prunes that fraction of the initial weights (an automatic start).
   */
  readonly thresholdInit: number | { readonly pruned: number };
  /** Weight decay of s (its own, as PEP); undefined: the optimizer's default. */
  readonly thresholdDecay?: number;
  /**
   * Learning rate of s under the optimizer's rule; undefined: the model's (as the reference). With
   * Adam the threshold sigmoid(s) moves only sigmoid'(s) x lr a step (at most lr / 4) while a
   * weight moves about lr. A faster s helped PEP's search little on lastfm (0.794 sparsity at 10x
   * against 0.764); a decay on the weights is what takes it further (tuning/spaces.ts). The
   * threshold's own decay lifts sigmoid(s) to 0.5 at most (THRESHOLD_CEILING_S), so entries that
   * have grown past 0.5 stay unless the thresholds get there first.
   */
  readonly thresholdLr?: number;
  /** Weight decay of W; undefined: the optimizer's default. */
  readonly weightDecay?: number;
}

/**
 * s at or above this is at the ceiling of its decay: the decay pulls s to 0, not past it, so a
 * threshold sigmoid(s) rises to 0.5 at most (here within 0.0125 of it) unless the loss lifts it.
 */
export const THRESHOLD_CEILING_S = -0.05;

/** Number of threshold entries of a rows x dim part at a granularity. */
export function thresholdLength(granularity: ThresholdGranularity, rows: number, dim: number): number {
  switch (granularity) {
    case 'element':
      return rows * dim;
    case 'row':
      return rows;
    case 'dim':
      return dim;
    case 'global':
      return 1;
  }
}

/**
 * PEP's soft threshold over a rows x dim weight: out = sign(W) * relu(|W| - sigmoid(s)), with s
 * learnable per element, row, dimension or globally (the softThreshold kernels). s has its own
 * weight decay; as s is negative, decaying it towards 0 raises the threshold, which is what drives
 * the pruning. The gradient of s is dense (every entry decays every step, as in the reference).
 */
export class SoftThresholdPart implements TablePart {
  readonly rows: number;
  readonly dim: number;
  readonly granularity: ThresholdGranularity;
  readonly weight: Parameter;
  /** s, shaped by the granularity (`<prefix>.threshold`). */
  readonly threshold: Parameter;
  /** The initial s (as given, or resolved from the initial weights). */
  readonly thresholdStart: number;
  private readonly backend: HostBackend;
  private readonly touched: TouchedRows;
  private readonly wRows: ScratchBuffer<'f32'>;
  private readonly sRows: ScratchBuffer<'f32'>;
  private readonly dW: ScratchBuffer<'f32'>;
  private readonly dS: ScratchBuffer<'f32'>;
  private disposed = false;

  constructor(o: SoftThresholdPartOptions) {
    const be = o.backend;
    this.backend = be;
    this.rows = o.rows;
    this.dim = o.dim;
    this.granularity = o.granularity;
    const { weight, touched } = createWeight(be, `${o.prefix}.weight`, o.rows, o.dim, o.init, o.seed, o.weightDecay);
    this.weight = weight;
    this.touched = touched;
    const n = thresholdLength(o.granularity, o.rows, o.dim);
    const value = be.alloc('f32', n);
    this.thresholdStart = typeof o.thresholdInit === 'number' ? o.thresholdInit : thresholdForPruned(this.magnitudes(), o.thresholdInit.pruned);
    be.fill(value, this.thresholdStart);
    const shape = o.granularity === 'element' ? [o.rows, o.dim] : o.granularity === 'row' ? [o.rows, 1] : [n];
    this.threshold = {
      name: `${o.prefix}.threshold`,
      value,
      grad: be.alloc('f32', n),
      shape,
      ...(o.thresholdDecay !== undefined ? { weightDecay: o.thresholdDecay } : {}),
      ...(o.thresholdLr !== undefined ? { update: { lr: o.thresholdLr, rule: 'optimizer' as const } } : {}),
    };
    this.wRows = new ScratchBuffer(be, 'f32');
    this.sRows = new ScratchBuffer(be, 'f32');
    this.dW = new ScratchBuffer(be, 'f32');
    this.dS = new ScratchBuffer(be, 'f32');
  }

  parameters(): readonly Parameter[] {
    return [this.weight, this.threshold];
  }

  forwardRows(ids: Buf<'i32'>, out: Buf<'f32'>): void {
    const n = ids.length;
    const w = this.gatherWeights(ids);
    this.backend.softThreshold(w, this.thresholdsOf(ids), n, this.dim, this.granularity, out);
  }

  backwardRows(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    const be = this.backend;
    const n = ids.length;
    const d = this.dim;
    const w = this.gatherWeights(ids);
    const s = this.thresholdsOf(ids);
    const dW = this.dW.take(n * d);
    if (this.granularity === 'element' || this.granularity === 'row') {
      // s is indexed by row: accumulate the gathered rows' gradient, then scatter it into s.grad.
      const width = this.granularity === 'element' ? d : 1;
      const dS = this.dS.take(n * width);
      be.fill(dS, 0);
      be.softThresholdBackward(w, s, n, d, this.granularity, dOut, dW, dS);
      be.scatterAdd(dS, ids, 1, this.threshold.grad, this.rows, width);
    } else {
      be.softThresholdBackward(w, s, n, d, this.granularity, dOut, dW, this.threshold.grad);
    }
    be.scatterAdd(dW, ids, 1, this.weight.grad, this.rows, d);
    this.touched.addIds(ids);
  }

  forwardAll(out: Buf<'f32'>): void {
    this.backend.softThreshold(this.weight.value, this.threshold.value, this.rows, this.dim, this.granularity, out);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    const be = this.backend;
    const dW = this.dW.take(this.rows * this.dim);
    be.softThresholdBackward(this.weight.value, this.threshold.value, this.rows, this.dim, this.granularity, dOut, dW, this.threshold.grad);
    be.axpy(1, dW, this.weight.grad);
    this.touched.markAll();
  }

  /**
   * The current soft-thresholded values (rows x dim) on the host, computed by the kernel (so a
   * zero here is exactly a zero of the forward pass). The array is a fresh copy.
   */
  values(): Float32Array {
    const out = this.wRows.take(this.rows * this.dim);
    this.forwardAll(out);
    return this.backend.view(out).slice();
  }

  /** |W| per entry, ascending (f64). */
  magnitudes(): Float64Array {
    return sortedMagnitudes(this.backend.view(this.weight.value));
  }

  /** How many entries of s are at the decay's ceiling (s >= THRESHOLD_CEILING_S), and of how many. */
  thresholdsAtCeiling(): { readonly atCeiling: number; readonly total: number } {
    const s = this.backend.view(this.threshold.value);
    let atCeiling = 0;
    for (const v of s) if (v >= THRESHOLD_CEILING_S) atCeiling++;
    return { atCeiling, total: s.length };
  }

  /** The current s of the first entry (all equal until the first update). */
  firstThreshold(): number {
    return this.backend.view(this.threshold.value)[0];
  }

  /**
   * |W| - sigmoid(s) per entry (host arithmetic in f64): how far an entry is from being pruned.
   * Used only to order entries, never to decide whether one is zero.
   */
  margins(): Float64Array {
    const w = this.backend.view(this.weight.value);
    const s = this.backend.view(this.threshold.value);
    const d = this.dim;
    const out = new Float64Array(w.length);
    for (let e = 0; e < w.length; e++) {
      const r = Math.floor(e / d);
      const k = this.granularity === 'element' ? e : this.granularity === 'row' ? r : this.granularity === 'dim' ? e - r * d : 0;
      out[e] = Math.abs(w[e]) - 1 / (1 + Math.exp(-s[k]));
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const be = this.backend;
    for (const b of [this.weight.value, this.weight.grad, this.threshold.value, this.threshold.grad]) be.free(b);
    this.touched.dispose();
    for (const s of [this.wRows, this.sRows, this.dW, this.dS]) s.dispose();
  }

  /** W[ids] into scratch (the kernel rejects out-of-range ids before writing). */
  private gatherWeights(ids: Buf<'i32'>): Buf<'f32'> {
    const w = this.wRows.take(ids.length * this.dim);
    this.backend.gather(this.weight.value, this.rows, this.dim, ids, w);
    return w;
  }

  /** The thresholds broadcast over the gathered rows: s[ids] for element/row, s itself otherwise. */
  private thresholdsOf(ids: Buf<'i32'>): Buf<'f32'> {
    if (this.granularity === 'dim' || this.granularity === 'global') return this.threshold.value;
    const width = this.granularity === 'element' ? this.dim : 1;
    const s = this.sRows.take(ids.length * width);
    this.backend.gather(this.threshold.value, this.rows, width, ids, s);
    return s;
  }
}

/** The fraction of the thresholds of `parts`, together, at their decay's ceiling (0 with none). */
export function fractionAtCeiling(parts: readonly SoftThresholdPart[]): number {
  let at = 0;
  let total = 0;
  for (const p of parts) {
    const c = p.thresholdsAtCeiling();
    at += c.atCeiling;
    total += c.total;
  }
  return total === 0 ? 0 : at / total;
}
