import { Study, type SearchSpace, type TrialRecord } from '@lers/tune';
import type { TrainSettings } from '../settings/settings.js';
import { applyParams } from './apply.js';
import { evaluateTrial, type TrialSetup } from './objective.js';

/** A tuning run: trials of one method at one target on one dataset. */
export interface TuneRequest extends TrialSetup {
  /** Trials the study holds when done (those in a resumed study file count). */
  readonly trials: number;
  readonly space: SearchSpace;
  /** The study file: a re-run with the same space and seed resumes it (kill -9 safe). */
  readonly studyFile: string;
  /** Seed of the sampler (default: the settings' seed). */
  readonly seed?: number;
  /** Random trials before TPE starts (default 10, Optuna's). */
  readonly startupTrials?: number;
  /** Use Optuna's multivariate TPE instead of the univariate default. */
  readonly multivariate?: boolean;
  readonly onTrial?: (trial: TrialRecord) => void;
  /** Errors that stop tuning without recording the trial (e.g. an interrupt), so a re-run evaluates it again. */
  readonly isAbort?: (err: unknown) => boolean;
}

/** What a tuning run found. */
export interface TuneResult {
  /** The best feasible trial, or null when none was. */
  readonly best: TrialRecord | null;
  /** The settings with the best trial's parameters (the input settings when none was feasible). */
  readonly settings: TrainSettings;
  readonly trials: readonly TrialRecord[];
  readonly studyFile: string;
}

/**
 * Tunes `request.settings` with TPE on validation only (see evaluateTrial): trials run one after
 * another in this process and the study file is written after each, so an interrupted run resumes
 * where it stopped. With an empty space there is nothing to tune and no trial runs.
 */
export async function tuneSettings(request: TuneRequest): Promise<TuneResult> {
  if (Object.keys(request.space).length === 0) return { best: null, settings: request.settings, trials: [], studyFile: request.studyFile };
  const study = await Study.open(request.studyFile, {
    space: request.space,
    direction: 'maximize',
    seed: request.seed ?? request.settings.seed,
    sampler: {
      ...(request.startupTrials !== undefined ? { nStartupTrials: request.startupTrials } : {}),
      ...(request.multivariate === true ? { multivariate: true } : {}),
    },
  });
  const best = await study.optimize({
    nTrials: request.trials,
    objective: (params) => evaluateTrial(request, params),
    ...(request.onTrial ? { onTrial: request.onTrial } : {}),
    ...(request.isAbort ? { isAbort: request.isAbort } : {}),
  });
  const settings = best === null ? request.settings : applyParams(request.settings, { ...request.fixed, ...best.params });
  return { best, settings, trials: study.trials, studyFile: request.studyFile };
}
