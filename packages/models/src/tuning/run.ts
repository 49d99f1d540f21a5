import type { Backend } from '@lers/kernels';
import type { Dataset, JsonObject } from '@lers/data';
import { isFeasible, type SearchSpace, type TrialRecord } from '@lers/tune';
import type { PipelineEvent } from '../pipeline/stage.js';
import type { PartialSettings, TrainSettings } from '../settings/settings.js';
import type { TrainEventHandler } from '../train/events.js';
import { tuningSpace, type SpaceOptions } from './spaces.js';
import { tuneSettings, type TuneResult } from './tune-settings.js';

/** How to tune one run (`lers tune`, each cell of `lers bench --tune`). */
export interface TuneOptions {
  /** Trials of the study (those already in its file count). */
  readonly trials: number;
  readonly space?: SpaceOptions;
  /**
   * Epochs of every trial (default: the run's). PEP's and CERP's mask search keeps the run's
   * search epochs, so that a trial reaches its target as the final run would.
   */
  readonly trialEpochs?: number | null;
  /** Sampler seed (default: the run's seed). */
  readonly seed?: number;
  /** Random trials before TPE starts (default 10, Optuna's): a budget of 10 or fewer trials is a random search unless this is lower. */
  readonly startupTrials?: number;
  /** Optuna's multivariate TPE (one joint estimator) instead of the univariate default. */
  readonly multivariate?: boolean;
}

/** A tuning run as a benchmark cell and a model file record it. */
export interface TuningSummary extends JsonObject {
  readonly trials: number;
  readonly feasible: number;
  /** Complete trials that missed the target sparsity (or started past it). */
  readonly rejected: number;
  readonly failed: number;
  /** The best feasible trial: its number, validation value and parameters (null: none feasible, the run keeps its settings). */
  readonly best: { number: number; value: number; params: JsonObject } | null;
  /** Seconds of all trials (the trials' own, summed). */
  readonly seconds: number;
  readonly space: JsonObject;
  readonly fixed: JsonObject;
  readonly trialEpochs: number | null;
  readonly studyFile: string;
}

/** Callbacks of a tuning run. */
export interface TuneHooks {
  readonly onTrial?: (trial: TrialRecord) => void;
  readonly onEvent?: TrainEventHandler;
  readonly onPipelineEvent?: (event: PipelineEvent) => void;
  /** Errors that stop tuning without recording the trial (the CLI's interrupt). */
  readonly isAbort?: (err: unknown) => boolean;
}

/** The per-trial changes of `options` for settings `s`. */
export function trialChanges(s: TrainSettings, options: TuneOptions): PartialSettings {
  const epochs = options.trialEpochs ?? null;
  if (epochs === null || epochs === s.epochs) return {};
  return { epochs, searchEpochs: s.searchEpochs ?? s.epochs };
}

/** The summary of a study's trials. */
export function tuningSummary(result: TuneResult, space: SearchSpace, fixed: JsonObject, trialEpochs: number | null): TuningSummary {
  const complete = result.trials.filter((t) => t.state === 'complete');
  const best = result.best;
  return {
    trials: result.trials.length,
    feasible: complete.filter(isFeasible).length,
    rejected: complete.filter((t) => !isFeasible(t)).length,
    failed: result.trials.length - complete.length,
    best: best === null ? null : { number: best.number, value: best.value!, params: { ...best.params } },
    seconds: result.trials.reduce((a, t) => a + t.seconds, 0),
    space: JSON.parse(JSON.stringify(space)) as JsonObject,
    fixed,
    trialEpochs,
    studyFile: result.studyFile,
  };
}

/**
 * Tunes the run `settings` describes: the space of its method and backbone (see tuningSpace), TPE
 * trials on validation only (tuneSettings), the study kept in `studyFile` (a re-run resumes it).
 * Returns the tuned settings (the given ones when nothing is tunable or no trial was feasible) and
 * a summary to record with the run.
 */
export async function tuneRun(backend: Backend, dataset: Dataset, settings: TrainSettings, options: TuneOptions, studyFile: string, hooks: TuneHooks = {}): Promise<{ settings: TrainSettings; summary: TuningSummary; result: TuneResult }> {
  const { space, fixed } = tuningSpace(settings.method, settings.backbone, options.space);
  const trialSettings = trialChanges(settings, options);
  const result = await tuneSettings({
    backend,
    dataset,
    settings,
    space,
    fixed,
    trialSettings,
    trials: options.trials,
    studyFile,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.startupTrials !== undefined ? { startupTrials: options.startupTrials } : {}),
    ...(options.multivariate === true ? { multivariate: true } : {}),
    ...hooks,
  });
  const summary = tuningSummary(result, space, { ...fixed }, trialSettings.epochs ?? null);
  return { settings: result.settings, summary, result };
}
