import { violation, type Direction, type TrialRecord } from './trial.js';

/** Optuna's gamma: the good group holds min(ceil(0.1 n), 25) of n trials. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Optuna's default observation weights for a group of n trials in trial order: all 1 below 25;
 * from 25 on, the oldest n - 25 ramp linearly from 1/n up to 1 and the newest 25 weigh 1.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const ramp = n - 25;
  if (ramp >= 1) {
    for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (ramp - 1);
  }
  return w;
}

/**
 * TPE's split of the complete trials into the good group (`below`, nBelow trials) and the rest:
 * feasible trials by value (best first; ties keep trial order), then infeasible ones by their
 * total violation, as Optuna ranks infeasible trials after every feasible one. Failed trials
 * take no part. Both groups come back in trial-number order (the weights ramp over it).
 */
export function splitTrials(trials: readonly TrialRecord[], nBelow: number, direction: Direction): { below: TrialRecord[]; above: TrialRecord[] } {
  const complete = trials.filter((t) => t.state === 'complete');
  const feasible = complete.filter((t) => violation(t.constraints) === 0);
  const infeasible = complete.filter((t) => violation(t.constraints) > 0);
  const sign = direction === 'minimize' ? 1 : -1;
  feasible.sort((a, b) => sign * (a.value! - b.value!));
  infeasible.sort((a, b) => violation(a.constraints) - violation(b.constraints));
  const ranked = [...feasible, ...infeasible];
  const byNumber = (a: TrialRecord, b: TrialRecord): number => a.number - b.number;
  return { below: ranked.slice(0, nBelow).sort(byNumber), above: ranked.slice(nBelow).sort(byNumber) };
}
