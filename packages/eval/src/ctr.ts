/**
 * The CTR metric bundle (AUC, LogLoss, accuracy) in one call, and CtrAccumulator to collect
 * predictions batch by batch during validation. Edge cases follow auc.ts and logloss.ts.
 */
import { accuracy, accuracyFromLogits } from './accuracy.js';
import { aucDetailed } from './auc.js';
import { check } from './errors.js';
import type { NumericArray } from './labels.js';
import { logLoss, logLossFromLogits, type LogLossOptions } from './logloss.js';

/** What the model produced: logits (preferred: no sigmoid saturation ties) or probabilities. */
export type CtrPredictions = { readonly logits: NumericArray } | { readonly probs: NumericArray };

/** AUC, LogLoss and accuracy of one evaluation. */
export interface CtrMetrics {
  /** Exact AUC with ties; NaN when all labels are one class. */
  readonly auc: number;
  /** Mean clipped LogLoss. */
  readonly logLoss: number;
  /** Accuracy at probability 0.5 (logit 0). */
  readonly accuracy: number;
  /** Number of examples. */
  readonly count: number;
  /** Number of label-1 examples. */
  readonly positives: number;
}

/** Computes AUC, LogLoss and accuracy from logits or probabilities against 0/1 labels. */
export function ctrMetrics(pred: CtrPredictions, labels: NumericArray, opts?: LogLossOptions): CtrMetrics {
  const fromLogits = 'logits' in pred;
  const x = fromLogits ? pred.logits : pred.probs;
  const a = aucDetailed(x, labels);
  return {
    auc: a.auc,
    logLoss: fromLogits ? logLossFromLogits(x, labels, opts) : logLoss(x, labels, opts),
    accuracy: fromLogits ? accuracyFromLogits(x, labels) : accuracy(x, labels),
    count: x.length,
    positives: a.positives,
  };
}

/** Options of CtrAccumulator. */
export interface CtrAccumulatorOptions extends LogLossOptions {
  /** What add() receives: 'logits' (default) or 'probs'. */
  readonly kind?: 'logits' | 'probs';
}

/** Collects (prediction, label) batches into growing float64 buffers; result() runs ctrMetrics. */
export class CtrAccumulator {
  private preds = new Float64Array(1024);
  private labels = new Uint8Array(1024);
  private n = 0;
  private readonly kind: 'logits' | 'probs';
  private readonly eps: number | undefined;

  /** Creates an empty accumulator for logits (default) or probabilities. */
  constructor(opts: CtrAccumulatorOptions = {}) {
    this.kind = opts.kind ?? 'logits';
    this.eps = opts.eps;
  }

  /** Number of examples added so far. */
  get count(): number {
    return this.n;
  }

  /** Appends a batch of predictions and their 0/1 labels (equal lengths). */
  add(preds: NumericArray, labels: NumericArray): void {
    check(preds.length === labels.length, () => `${preds.length} predictions but ${labels.length} labels`);
    const need = this.n + preds.length;
    if (need > this.preds.length) {
      let cap = this.preds.length;
      while (cap < need) cap *= 2;
      const p = new Float64Array(cap);
      p.set(this.preds.subarray(0, this.n));
      const l = new Uint8Array(cap);
      l.set(this.labels.subarray(0, this.n));
      this.preds = p;
      this.labels = l;
    }
    for (let i = 0; i < preds.length; i++) {
      const y = labels[i];
      check(y === 0 || y === 1, () => `labels must be 0 or 1, got ${y} at ${i}`);
      this.preds[this.n + i] = preds[i];
      this.labels[this.n + i] = y;
    }
    this.n = need;
  }

  /** The metrics over everything added; throws EvalArgumentError when nothing was added. */
  result(): CtrMetrics {
    const x = this.preds.subarray(0, this.n);
    const y = this.labels.subarray(0, this.n);
    const opts = this.eps === undefined ? undefined : { eps: this.eps };
    return ctrMetrics(this.kind === 'logits' ? { logits: x } : { probs: x }, y, opts);
  }

  /** Forgets all examples (keeps the buffers). */
  reset(): void {
    this.n = 0;
  }
}
