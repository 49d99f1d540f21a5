import type { Rng } from '@lers/kernels';
import { TuneError } from './errors.js';
import { uniform53 } from './uniform.js';

/** A categorical choice (JSON scalars, so that a study file keeps them as they are). */
export type Choice = string | number | boolean | null;

/** A float in [low, high]; `log` samples log-uniformly (low > 0); `step` quantises to low + k step. */
export interface FloatParam {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

/** An integer in [low, high] on the grid low + k step (step default 1); `log` needs step 1 and low >= 1. */
export interface IntParam {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

/** One of `choices` (at least two, distinct). */
export interface CategoricalParam {
  readonly type: 'categorical';
  readonly choices: readonly Choice[];
}

export type ParamSpec = FloatParam | IntParam | CategoricalParam;

/** Parameters by name; the order of the names is the order in which they are sampled. */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;

/** One trial's parameter values by name. */
export type Params = Record<string, Choice>;

/**
 * A numeric parameter as the samplers see it: values live on [low, high] (on the grid when
 * step > 0); the kernels work in the transformed coordinate (log when `log`) on [lowT, highT],
 * the range widened by half a step on each side for a grid (so each grid point owns a cell).
 */
export interface NumericDomain {
  readonly kind: 'numeric';
  readonly name: string;
  readonly low: number;
  readonly high: number;
  /** Grid spacing, 0 for a continuous float. */
  readonly step: number;
  readonly log: boolean;
  readonly integer: boolean;
  readonly lowT: number;
  readonly highT: number;
}

/** A categorical parameter; its internal value is the index of the choice. */
export interface CategoricalDomain {
  readonly kind: 'categorical';
  readonly name: string;
  readonly choices: readonly Choice[];
}

export type Domain = NumericDomain | CategoricalDomain;

/** The transformed coordinate of a numeric value (log for log parameters). */
export function transform(d: NumericDomain, value: number): number {
  return d.log ? Math.log(value) : value;
}

/** The value of a transformed coordinate, on the grid and inside [low, high]. */
export function untransform(d: NumericDomain, t: number): number {
  return snapToGrid(d, d.log ? Math.exp(t) : t);
}

/** The nearest grid point for a grid parameter, clamped to [low, high]. */
export function snapToGrid(d: NumericDomain, value: number): number {
  if (d.step === 0) return Math.min(d.high, Math.max(d.low, value));
  const last = Math.round((d.high - d.low) / d.step);
  const k = Math.min(last, Math.max(0, Math.round((value - d.low) / d.step)));
  return k === last ? d.high : d.low + k * d.step;
}

/** A value drawn uniformly in the transformed coordinate (Optuna's random sampler), as an internal value. */
export function sampleUniform(d: Domain, rng: Rng): number {
  const u = uniform53(rng);
  if (d.kind === 'categorical') return Math.min(d.choices.length - 1, Math.floor(u * d.choices.length));
  return untransform(d, d.lowT + u * (d.highT - d.lowT));
}

/** The internal value (a number; a categorical's index) of an external value, checked against the domain. */
export function toInternal(d: Domain, value: unknown): number {
  if (d.kind === 'categorical') {
    const index = d.choices.findIndex((c) => c === value);
    if (index < 0) throw new TuneError(`parameter "${d.name}": ${JSON.stringify(value)} is not one of ${JSON.stringify(d.choices)}`);
    return index;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < d.low || value > d.high) {
    throw new TuneError(`parameter "${d.name}": ${JSON.stringify(value)} is not a number in [${d.low}, ${d.high}]`);
  }
  if (d.integer && !Number.isInteger(value)) throw new TuneError(`parameter "${d.name}": ${value} is not an integer`);
  if (d.step > 0 && Math.abs(snapToGrid(d, value) - value) > 1e-9 * Math.max(1, Math.abs(value))) {
    throw new TuneError(`parameter "${d.name}": ${value} is not on the grid ${d.low} + k x ${d.step}`);
  }
  return value;
}

/** The external value of an internal one. */
export function toExternal(d: Domain, x: number): Choice {
  return d.kind === 'categorical' ? d.choices[x] : x;
}

/** Checks a search space and compiles it into domains, in the order of its names. */
export function compileSpace(space: SearchSpace): Domain[] {
  const names = Object.keys(space);
  if (names.length === 0) throw new TuneError('search space: no parameters');
  return names.map((name) => compileParam(name, space[name]));
}

const KEYS: Readonly<Record<string, readonly string[]>> = { float: ['type', 'low', 'high', 'log', 'step'], int: ['type', 'low', 'high', 'log', 'step'], categorical: ['type', 'choices'] };

function compileParam(name: string, spec: ParamSpec): Domain {
  const bad = (why: string): TuneError => new TuneError(`search space: parameter "${name}": ${why}`);
  if (typeof spec !== 'object' || spec === null) throw bad('not an object');
  const allowed = KEYS[spec.type] as readonly string[] | undefined;
  const unknown = allowed === undefined ? undefined : Object.keys(spec).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw bad(`unknown key "${unknown}" (a ${spec.type} takes ${allowed!.join(', ')})`);
  if (spec.type === 'categorical') {
    const choices = spec.choices;
    if (!Array.isArray(choices) || choices.length < 2) throw bad('a categorical needs at least two choices');
    choices.forEach((c, i) => {
      const scalar = c === null || typeof c === 'string' || typeof c === 'boolean' || (typeof c === 'number' && Number.isFinite(c));
      if (!scalar) throw bad(`choice ${i} (${String(c)}) is not a string, finite number, boolean or null`);
      if (choices.indexOf(c) !== i) throw bad(`choice ${JSON.stringify(c)} appears twice`);
    });
    return { kind: 'categorical', name, choices: choices.slice() };
  }
  if (spec.type !== 'float' && spec.type !== 'int') throw bad(`type must be float, int or categorical, got ${JSON.stringify((spec as { type: unknown }).type)}`);
  const { low, high } = spec;
  const log = spec.log ?? false;
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) throw bad(`need finite low < high, got [${low}, ${high}]`);
  if (log && !(low > 0)) throw bad(`a log parameter needs low > 0, got ${low}`);
  const integer = spec.type === 'int';
  const step = spec.step ?? (integer ? 1 : 0);
  if (integer) {
    if (!Number.isInteger(low) || !Number.isInteger(high)) throw bad(`an int parameter needs integer bounds, got [${low}, ${high}]`);
    if (!Number.isInteger(step) || step < 1) throw bad(`an int step must be an integer >= 1, got ${step}`);
    if (log && step !== 1) throw bad(`a log int parameter needs step 1, got ${step}`);
    if ((high - low) % step !== 0) throw bad(`high - low = ${high - low} is not a multiple of step ${step}`);
  } else if (spec.step !== undefined) {
    if (!(step > 0) || !Number.isFinite(step)) throw bad(`a float step must be > 0, got ${step}`);
    if (log) throw bad('a float parameter cannot have both log and step');
    const cells = (high - low) / step;
    if (Math.abs(cells - Math.round(cells)) > 1e-9 * Math.max(1, cells)) throw bad(`high - low = ${high - low} is not a multiple of step ${step}`);
  }
  const half = step / 2;
  const lowT = log ? Math.log(low - half) : low - half;
  const highT = log ? Math.log(high + half) : high + half;
  return { kind: 'numeric', name, low, high, step, log, integer, lowT, highT };
}
