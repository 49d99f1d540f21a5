import type { JsonObject } from '@lers/data';
import type { Params } from './space.js';

export type Direction = 'minimize' | 'maximize';

/** A finished trial: 'complete' (feasible or not) or 'fail' (the objective threw or gave no usable value). */
export type TrialState = 'complete' | 'fail';

/** One finished trial as the study file keeps it. */
export interface TrialRecord {
  /** 0-based trial number; it fixes the trial's random stream. */
  readonly number: number;
  readonly params: Params;
  readonly state: TrialState;
  /** The objective value; null when failed, or infeasible without a value. */
  readonly value: number | null;
  /** Constraint values, feasible when every one is <= 0 (Optuna's constraints_func convention). */
  readonly constraints: readonly number[];
  /** Why a trial failed. */
  readonly error: string | null;
  /** What the objective reported besides its value (e.g. the achieved sparsity). */
  readonly attrs: JsonObject;
  /** Wall-clock seconds of the evaluation (not reproducible). */
  readonly seconds: number;
}

/**
 * What an objective returns: its value, or the value with constraints (a trial that misses a
 * target, e.g. the sparsity, returns a positive constraint and is recorded infeasible; its value
 * may then be null) and attributes to keep with the trial.
 */
export type TrialOutcome = number | { readonly value?: number | null; readonly constraints?: readonly number[]; readonly attrs?: JsonObject };

/** The sum of the positive constraint values (0 for a feasible trial). */
export function violation(constraints: readonly number[]): number {
  let s = 0;
  for (const c of constraints) if (c > 0) s += c;
  return s;
}

/** True for a complete trial whose constraints all hold. */
export function isFeasible(t: TrialRecord): boolean {
  return t.state === 'complete' && violation(t.constraints) === 0;
}

/** The record of an outcome; an unusable outcome (NaN value, none for a feasible trial, bad constraints) is a failure saying why. */
export function recordOutcome(number: number, params: Params, outcome: TrialOutcome, seconds: number): TrialRecord {
  const o = typeof outcome === 'number' ? { value: outcome } : outcome;
  const constraints = o.constraints ?? [];
  const attrs = o.attrs ?? {};
  const base = { number, params, constraints: [...constraints], attrs, seconds };
  const fail = (error: string): TrialRecord => ({ ...base, constraints: [], state: 'fail', value: null, error });
  if (typeof o !== 'object' || o === null) return fail(`the objective returned ${outcome === null ? 'null' : typeof outcome}, not a number or { value, constraints }`);
  if (!Array.isArray(constraints) || constraints.some((c) => typeof c !== 'number' || Number.isNaN(c))) return fail(`the objective returned constraints ${JSON.stringify(constraints)}, not an array of numbers`);
  const value = o.value ?? null;
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) return fail(`the objective returned the value ${String(value)}`);
  if (value === null && violation(constraints) === 0) return fail('the objective returned no value for a feasible trial');
  return { ...base, state: 'complete', value, error: null };
}

/** The record of an objective that threw (or whose worker died). */
export function recordFailure(number: number, params: Params, error: unknown, seconds: number): TrialRecord {
  const message = error instanceof Error ? error.message : String(error);
  return { number, params, state: 'fail', value: null, constraints: [], error: message, attrs: {}, seconds };
}
