/**
 * Exact ROC AUC with ties, O(n log n): AUC = U / (n_pos n_neg) with the Mann-Whitney U statistic
 * (average ranks for ties), i.e. the probability that a random positive scores above a random
 * negative, a tie counting 1/2.
 *
 * Edge cases (documented behaviour): empty input, mismatched lengths, labels other than 0/1 and NaN
 * scores throw EvalArgumentError; when all labels are one class the AUC is undefined and NaN is
 * returned (check with Number.isNaN; NaN never wins a "best epoch by AUC" comparison).
 * AUC only depends on the order of the scores, so logits and probabilities give the same value, except
 * that float32 sigmoid outputs saturate into ties: prefer logits.
 */
import { check } from './errors.js';
import { checkBinary, type NumericArray } from './labels.js';

/** AUC with its class counts. */
export interface AucResult {
  /** U / (positives x negatives); NaN when one class is absent. */
  readonly auc: number;
  /** Number of label-1 examples. */
  readonly positives: number;
  /** Number of label-0 examples. */
  readonly negatives: number;
}

/** Exact AUC with counts (see the module notes for the edge cases). */
export function aucDetailed(scores: NumericArray, labels: NumericArray): AucResult {
  checkBinary(scores, labels, 'auc');
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) nPos += labels[i];
  const nNeg = labels.length - nPos;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    check(!Number.isNaN(s), () => `auc: score ${i} is NaN`);
    if (labels[i] === 1) pos[p++] = s;
    else neg[q++] = s;
  }
  if (nPos === 0 || nNeg === 0) return { auc: NaN, positives: nPos, negatives: nNeg };
  pos.sort();
  neg.sort();
  // Walk both ascending lists tie group by tie group: each positive beats the negatives below its
  // value and ties with those equal to it. All terms are multiples of 1/2, exact in float64.
  let u = 0;
  let negBelow = 0;
  p = 0;
  q = 0;
  while (p < nPos) {
    const v = q < nNeg && neg[q] < pos[p] ? neg[q] : pos[p];
    let gp = 0;
    while (p < nPos && pos[p] === v) {
      gp++;
      p++;
    }
    let gn = 0;
    while (q < nNeg && neg[q] === v) {
      gn++;
      q++;
    }
    u += gp * (negBelow + 0.5 * gn);
    negBelow += gn;
  }
  return { auc: u / (nPos * nNeg), positives: nPos, negatives: nNeg };
}

/** Exact ROC AUC (ties count 1/2); NaN when all labels are one class; throws on empty input. */
export function auc(scores: NumericArray, labels: NumericArray): number {
  return aucDetailed(scores, labels).auc;
}
