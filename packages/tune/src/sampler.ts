import type { Rng } from '@lers/kernels';
import { TuneError } from './errors.js';
import { ParzenEstimator, type ParzenOptions } from './parzen.js';
import { sampleUniform, toInternal, type Domain } from './space.js';
import { defaultGamma, defaultWeights, splitTrials } from './split.js';
import type { Direction, TrialRecord } from './trial.js';

/** Random trials before TPE starts, as Optuna's TPESampler (a study of this many trials or fewer is a random search). */
export const DEFAULT_STARTUP_TRIALS = 10;

/** The sampler of a study; the defaults are Optuna's TPESampler's (independent, i.e. univariate). */
export interface SamplerOptions {
  /** 'tpe' (default) or 'random' (every trial uniform, Optuna's RandomSampler). */
  readonly kind?: 'tpe' | 'random';
  /** Trials sampled at random before TPE starts, counting complete trials only (10). */
  readonly nStartupTrials?: number;
  /** Candidates drawn from the good group's estimator per suggestion (24). */
  readonly nEiCandidates?: number;
  /** Weight of the prior kernel (1). */
  readonly priorWeight?: number;
  /** Bandwidth floor range / min(100, 1 + kernels) (true). */
  readonly considerMagicClip?: boolean;
  /** Outermost observations' bandwidths may reach the range ends (false). */
  readonly considerEndpoints?: boolean;
  /** One joint estimator over all parameters instead of one per parameter (false). */
  readonly multivariate?: boolean;
}

export type ResolvedSamplerOptions = Required<SamplerOptions>;

/** Fills the defaults and checks the ranges. */
export function resolveSamplerOptions(o: SamplerOptions = {}): ResolvedSamplerOptions {
  const kind = o.kind ?? 'tpe';
  if (kind !== 'tpe' && kind !== 'random') throw new TuneError(`sampler: kind must be tpe or random, got ${JSON.stringify(kind)}`);
  const int = (name: string, v: number, min: number): number => {
    if (!Number.isInteger(v) || v < min) throw new TuneError(`sampler: ${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const priorWeight = o.priorWeight ?? 1;
  if (!(priorWeight >= 0) || !Number.isFinite(priorWeight)) throw new TuneError(`sampler: priorWeight must be a finite number >= 0, got ${priorWeight}`);
  return {
    kind,
    nStartupTrials: int('nStartupTrials', o.nStartupTrials ?? DEFAULT_STARTUP_TRIALS, 0),
    nEiCandidates: int('nEiCandidates', o.nEiCandidates ?? 24, 1),
    priorWeight,
    considerMagicClip: o.considerMagicClip ?? true,
    considerEndpoints: o.considerEndpoints ?? false,
    multivariate: o.multivariate ?? false,
  };
}

/**
 * The internal parameter values (one per domain) of the next trial, given the finished trials it
 * may learn from, drawing from `rng` only. Random until `nStartupTrials` trials are complete;
 * then TPE: split the complete trials into a good group (gamma) and the rest, fit a Parzen
 * estimator l to the good and g to the rest, draw nEiCandidates from l and keep the one with the
 * largest log l - log g (the expected-improvement criterion of Bergstra et al.). Univariate TPE
 * does this per parameter, in the space's order; multivariate once, jointly.
 */
export function suggest(domains: readonly Domain[], history: readonly TrialRecord[], direction: Direction, options: ResolvedSamplerOptions, rng: Rng): Float64Array {
  const complete = history.filter((t) => t.state === 'complete');
  if (options.kind === 'random' || complete.length < options.nStartupTrials) return Float64Array.from(domains, (d) => sampleUniform(d, rng));
  const { below, above } = splitTrials(complete, defaultGamma(complete.length), direction);
  const parzen: ParzenOptions = options;
  const groups = options.multivariate ? [domains.map((_, j) => j)] : domains.map((_, j) => [j]);
  const out = new Float64Array(domains.length);
  for (const dims of groups) {
    const sub = dims.map((j) => domains[j]);
    const good = new ParzenEstimator(sub, observe(sub, below), defaultWeights(below.length), parzen);
    const bad = new ParzenEstimator(sub, observe(sub, above), defaultWeights(above.length), parzen);
    const candidates = good.sample(rng, options.nEiCandidates);
    const chosen = argmaxRatio(good.logPdf(candidates), bad.logPdf(candidates));
    dims.forEach((j, i) => {
      out[j] = candidates[i][chosen];
    });
  }
  return out;
}

/** The first index with the largest log l - log g. */
export function argmaxRatio(logL: Float64Array, logG: Float64Array): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < logL.length; i++) {
    const score = logL[i] - logG[i];
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

/** The trials' internal values per domain. */
function observe(domains: readonly Domain[], trials: readonly TrialRecord[]): Float64Array[] {
  return domains.map((d) => Float64Array.from(trials, (t) => toInternal(d, t.params[d.name])));
}
