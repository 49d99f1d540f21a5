/** Shared input checks for the CTR metrics (binary labels, equal lengths, no NaN). */
import { check } from './errors.js';

/** Any numeric array the CTR metrics accept: typed arrays or plain number arrays. */
export type NumericArray = ArrayLike<number>;

/** Checks that preds and labels are non-empty, equally long and every label is 0 or 1. */
export function checkBinary(preds: NumericArray, labels: NumericArray, what: string): void {
  check(preds.length > 0, `${what}: empty input`);
  check(preds.length === labels.length, () => `${what}: ${preds.length} predictions but ${labels.length} labels`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    check(y === 0 || y === 1, () => `${what}: labels must be 0 or 1, got ${y} at ${i}`);
  }
}
