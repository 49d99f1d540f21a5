/**
 * Binary cross-entropy (LogLoss), averaged over examples, from probabilities or from logits.
 *
 * Probabilities are clipped to [eps, 1 - eps] (eps = 1e-7 by default), so one confident mistake costs
 * at most -ln(eps) ~ 16.1 instead of Infinity. The logit form uses the stable softplus identity
 * -[y ln s(z) + (1 - y) ln(1 - s(z))] = max(z, 0) - y z + ln(1 + e^-|z|) and clamps z to
 * [logit(eps), logit(1 - eps)], which is the same clipping, so both forms agree; eps = 0 disables
 * clipping (exact BCE-with-logits; a probability of exactly 0 or 1 on the wrong label then gives
 * Infinity). Labels must be 0 or 1; empty input, NaN and probabilities outside [0, 1] throw
 * EvalArgumentError. Sums run in float64.
 */
import { check } from './errors.js';
import { checkBinary, type NumericArray } from './labels.js';

/** Default clipping epsilon of logLoss and logLossFromLogits. */
export const DEFAULT_LOGLOSS_EPS = 1e-7;

/** Options of the LogLoss functions. */
export interface LogLossOptions {
  /** Probabilities are clipped to [eps, 1 - eps]; 0 <= eps < 0.5; default 1e-7. */
  readonly eps?: number;
}

function epsOf(opts: LogLossOptions | undefined): number {
  const eps = opts?.eps ?? DEFAULT_LOGLOSS_EPS;
  check(eps >= 0 && eps < 0.5, () => `eps must be in [0, 0.5), got ${eps}`);
  return eps;
}

/** Numerically stable ln(1 + e^x). */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Mean LogLoss of probabilities p (clipped to [eps, 1 - eps]) against 0/1 labels. */
export function logLoss(probs: NumericArray, labels: NumericArray, opts?: LogLossOptions): number {
  checkBinary(probs, labels, 'logLoss');
  const eps = epsOf(opts);
  const lo = eps;
  const hi = 1 - eps;
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p0 = probs[i];
    check(p0 >= 0 && p0 <= 1, () => `logLoss: probability ${i} is ${p0}, outside [0, 1]`);
    const p = Math.min(Math.max(p0, lo), hi);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log1p(-p);
  }
  return sum / probs.length;
}

/** Mean LogLoss from logits z (p = sigmoid(z)) via softplus, with the same eps clipping as logLoss. */
export function logLossFromLogits(logits: NumericArray, labels: NumericArray, opts?: LogLossOptions): number {
  checkBinary(logits, labels, 'logLossFromLogits');
  const eps = epsOf(opts);
  const zMax = eps === 0 ? Infinity : Math.log((1 - eps) / eps);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const z0 = logits[i];
    check(!Number.isNaN(z0), () => `logLossFromLogits: logit ${i} is NaN`);
    const z = Math.min(Math.max(z0, -zMax), zMax);
    // -ln s(z) = softplus(-z); -ln(1 - s(z)) = softplus(z)
    sum += labels[i] === 1 ? softplus(-z) : softplus(z);
  }
  return sum / logits.length;
}
