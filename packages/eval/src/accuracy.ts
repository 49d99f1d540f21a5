/** Classification accuracy of binary predictions at a threshold (probability 0.5, or logit 0). */
import { check } from './errors.js';
import { checkBinary, type NumericArray } from './labels.js';

/** Fraction of examples where (prob >= threshold) equals the 0/1 label; threshold defaults to 0.5. */
export function accuracy(probs: NumericArray, labels: NumericArray, threshold = 0.5): number {
  checkBinary(probs, labels, 'accuracy');
  let correct = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    check(!Number.isNaN(p), () => `accuracy: prediction ${i} is NaN`);
    if ((p >= threshold ? 1 : 0) === labels[i]) correct++;
  }
  return correct / probs.length;
}

/** Accuracy of logits at 0 (the same decision as probability 0.5). */
export function accuracyFromLogits(logits: NumericArray, labels: NumericArray): number {
  return accuracy(logits, labels, 0);
}
