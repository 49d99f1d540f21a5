/** `lers bench --tune ...` and a config file's `tune` object, as the grid's tuning (BenchTune). */
import { methodNames } from '@lers/models';
import { compileSpace, THRESHOLD_SPACES, type ParamSpec, type ThresholdSpace, type TuneOptions } from '@lers/models/tuning';
import { UsageError } from '../cli/errors.js';
import type { BenchTune } from './grid.js';

/** The config-file key of the tuning object (kept out of the run settings). */
export const TUNE_KEYS = ['tune'];

/** The bench flags about tuning. */
export interface TuneFlags {
  readonly tune?: string;
  readonly tuneMethods?: string[];
  readonly tuneEpochs?: string;
  readonly tuneBackbone?: boolean;
  readonly tuneThresholds?: string;
  readonly tuneStartup?: string;
  readonly tuneMultivariate?: boolean;
}

function positiveInt(v: unknown, where: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new UsageError(`${where} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function nonNegativeInt(v: unknown, where: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new UsageError(`${where} must be an integer >= 0, got ${JSON.stringify(v)}`);
  return n;
}

function thresholdSpace(v: unknown, where: string): ThresholdSpace {
  if (typeof v !== 'string' || !(THRESHOLD_SPACES as readonly string[]).includes(v)) throw new UsageError(`${where} must be one of ${THRESHOLD_SPACES.join(', ')}, got ${JSON.stringify(v)}`);
  return v as ThresholdSpace;
}

/** Per-method space changes: { method: { param: spec | null } }, each spec checked as a study would. */
function spaceChanges(v: unknown, where: string): Record<string, Record<string, ParamSpec | null>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${where} must be an object of methods, each an object of parameters`);
  const out: Record<string, Record<string, ParamSpec | null>> = {};
  for (const [method, params] of Object.entries(v as Record<string, unknown>)) {
    if (!methodNames().includes(method)) throw new UsageError(`${where}: unknown method "${method}"`);
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new UsageError(`${where}.${method} must be an object of parameters`);
    const specs = params as Record<string, ParamSpec | null>;
    try {
      compileSpace(Object.fromEntries(Object.entries(specs).filter((e): e is [string, ParamSpec] => e[1] !== null)));
    } catch (err) {
      throw new UsageError(`${where}.${method}: ${err instanceof Error ? err.message : String(err)}`);
    }
    out[method] = specs;
  }
  return out;
}

/**
 * The grid's tuning from the flags over the config's `tune` object (flags win); null without a
 * trial count. `file` names the config in messages.
 */
export function benchTune(flags: TuneFlags, config: unknown, file: string): BenchTune | null {
  const c = (config ?? {}) as Record<string, unknown>;
  if (typeof c !== 'object' || Array.isArray(c)) throw new UsageError(`${file}: tune must be an object`);
  const known = ['trials', 'methods', 'epochs', 'backbone', 'thresholds', 'startupTrials', 'multivariate', 'space'];
  for (const k of Object.keys(c)) if (!known.includes(k)) throw new UsageError(`${file}: tune.${k} is not a tuning key (${known.join(', ')})`);
  const rawTrials = flags.tune ?? c.trials;
  if (rawTrials === undefined) {
    if (flags.tuneMethods !== undefined || flags.tuneEpochs !== undefined || flags.tuneBackbone === true || flags.tuneThresholds !== undefined || flags.tuneStartup !== undefined || flags.tuneMultivariate === true) throw new UsageError('--tune-methods, --tune-epochs, --tune-backbone, --tune-thresholds, --tune-startup and --tune-multivariate need --tune <trials>');
    return null;
  }
  const trials = positiveInt(rawTrials, flags.tune !== undefined ? '--tune' : `${file}: tune.trials`);
  const listed = c.methods;
  if (listed !== undefined && !Array.isArray(listed) && typeof listed !== 'string') throw new UsageError(`${file}: tune.methods must be a list of methods`);
  const methods = flags.tuneMethods ?? (listed === undefined ? null : Array.isArray(listed) ? listed.map(String) : listed.split(','));
  for (const m of methods ?? []) if (!methodNames().includes(m)) throw new UsageError(`--tune-methods: unknown method "${m}" (known: ${methodNames().join(', ')})`);
  const epochs = flags.tuneEpochs !== undefined ? positiveInt(flags.tuneEpochs, '--tune-epochs') : c.epochs !== undefined ? positiveInt(c.epochs, `${file}: tune.epochs`) : null;
  const backbone = flags.tuneBackbone ?? (c.backbone === undefined ? false : c.backbone === true);
  const thresholds = flags.tuneThresholds !== undefined ? thresholdSpace(flags.tuneThresholds, '--tune-thresholds') : c.thresholds !== undefined ? thresholdSpace(c.thresholds, `${file}: tune.thresholds`) : 'start';
  const startup = flags.tuneStartup !== undefined ? nonNegativeInt(flags.tuneStartup, '--tune-startup') : c.startupTrials !== undefined ? nonNegativeInt(c.startupTrials, `${file}: tune.startupTrials`) : undefined;
  if (c.multivariate !== undefined && typeof c.multivariate !== 'boolean') throw new UsageError(`${file}: tune.multivariate must be true or false, got ${JSON.stringify(c.multivariate)}`);
  const multivariate = flags.tuneMultivariate ?? c.multivariate ?? false;
  // Sampler keys only when asked for: they enter the cells' hashes, which the defaults must not move.
  const options: TuneOptions = {
    trials,
    trialEpochs: epochs,
    space: { backbone, thresholds },
    ...(startup !== undefined ? { startupTrials: startup } : {}),
    ...(multivariate ? { multivariate: true } : {}),
  };
  return { options, methods, ...(c.space !== undefined ? { perMethod: spaceChanges(c.space, `${file}: tune.space`) } : {}) };
}
