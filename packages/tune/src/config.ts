import { TuneError } from './errors.js';
import { resolveSamplerOptions, type ResolvedSamplerOptions, type SamplerOptions } from './sampler.js';
import { compileSpace, type SearchSpace } from './space.js';
import type { Direction } from './trial.js';

/** What defines a study: everything its suggestions depend on. */
export interface StudyConfig {
  readonly space: SearchSpace;
  readonly direction: Direction;
  /** Seed of every random choice (trial k draws from stream k of it). */
  readonly seed: number;
  readonly sampler?: SamplerOptions;
  /**
   * Trials per batch (default 1): trial k learns only from the trials numbered below its batch's
   * first, so the trials of a batch can run in parallel and the study's results do not depend on
   * how many run at once, or on interruptions. 1 is Optuna's sequential TPE.
   */
  readonly batchSize?: number;
}

/** A StudyConfig with every default filled in. */
export interface ResolvedStudyConfig {
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly seed: number;
  readonly sampler: ResolvedSamplerOptions;
  readonly batchSize: number;
}

/** Fills the defaults and checks everything (the space compiles, the seed is a u32, ...). */
export function resolveStudyConfig(c: StudyConfig): ResolvedStudyConfig {
  compileSpace(c.space);
  if (c.direction !== 'minimize' && c.direction !== 'maximize') throw new TuneError(`study: direction must be minimize or maximize, got ${JSON.stringify(c.direction)}`);
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff) throw new TuneError(`study: seed must be an integer in [0, 2^32), got ${c.seed}`);
  const batchSize = c.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TuneError(`study: batchSize must be an integer >= 1, got ${batchSize}`);
  // A plain copy in a fixed key order, so that two equal configs serialise identically.
  const space = Object.fromEntries(Object.entries(c.space).map(([name, spec]) => [name, { ...spec }]));
  return { space, direction: c.direction, seed: c.seed, sampler: resolveSamplerOptions(c.sampler), batchSize };
}

/** The first field (a dotted path) where two resolved configs differ, with both values as JSON; null when equal. */
export function configDifference(stored: ResolvedStudyConfig, asked: ResolvedStudyConfig): { field: string; stored: string; asked: string } | null {
  const fields: [string, unknown, unknown][] = [
    ['space', Object.keys(stored.space), Object.keys(asked.space)],
    ...Object.keys(asked.space).map((name): [string, unknown, unknown] => [`space.${name}`, domainOf(stored.space, name), domainOf(asked.space, name)]),
    ['direction', stored.direction, asked.direction],
    ['seed', stored.seed, asked.seed],
    ...(Object.keys(asked.sampler) as (keyof ResolvedSamplerOptions)[]).map((k): [string, unknown, unknown] => [`sampler.${k}`, stored.sampler[k], asked.sampler[k]]),
    ['batchSize', stored.batchSize, asked.batchSize],
  ];
  for (const [field, a, b] of fields) {
    const [sa, sb] = [JSON.stringify(a), JSON.stringify(b)];
    if (sa !== sb) return { field, stored: sa, asked: sb };
  }
  return null;
}

/** A parameter's compiled domain (so that `step: 1` on an int equals no step), or null when absent. */
function domainOf(space: SearchSpace, name: string): unknown {
  return name in space ? compileSpace({ [name]: space[name] })[0] : null;
}
