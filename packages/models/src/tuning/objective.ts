import type { Backend } from '@lers/kernels';
import type { Dataset, JsonObject } from '@lers/data';
import { BudgetError, SearchStartError } from '@lers/embeddings';
import type { Params, TrialOutcome } from '@lers/tune';
import { tableSizes } from '../model-file/sizes.js';
import { TargetNotReachedError } from '../pipeline/method-common.js';
import type { PipelineEvent } from '../pipeline/stage.js';
import { trainFromSettings } from '../recipes/train-settings.js';
import type { PartialSettings, TrainSettings } from '../settings/settings.js';
import type { TrainEventHandler } from '../train/events.js';
import { applyParams } from './apply.js';

/** What every trial of a study shares. */
export interface TrialSetup {
  readonly backend: Backend;
  readonly dataset: Dataset;
  /** The run settings being tuned (method, target, data, ...). */
  readonly settings: TrainSettings;
  /** Values every trial sets besides its parameters (TuningSpace.fixed). */
  readonly fixed?: Params;
  /** Changes to every trial's settings after its parameters (e.g. fewer epochs than the final run). */
  readonly trialSettings?: PartialSettings;
  readonly onEvent?: TrainEventHandler;
  readonly onPipelineEvent?: (event: PipelineEvent) => void;
}

/** The settings trial `params` trains with. */
export function trialSettingsOf(setup: Pick<TrialSetup, 'settings' | 'trialSettings' | 'fixed'>, params: Params): TrainSettings {
  return { ...applyParams(setup.settings, { ...setup.fixed, ...params }), ...(setup.trialSettings ?? {}) };
}

/** The largest sparsity shortfall a trial may have: the budget tolerance, relative to the target's parameters. */
export function sparsityTolerance(s: TrainSettings): number {
  return s.target === null ? 0 : s.budgetTolerance * (1 - s.target);
}

/** An infeasible outcome (no value): `violation` > 0 says how far from feasible, `why` is kept with the trial. */
function rejected(violation: number, why: string, attrs: JsonObject = {}): TrialOutcome {
  return { value: null, constraints: [violation], attrs: { ...attrs, rejected: why } };
}

/**
 * Trains one trial on the training split and scores it on validation only (the test split is never
 * evaluated): the value is the best validation epoch's selection metric (NDCG@20, AUC). A trial is
 * feasible when its model reaches the target sparsity (within the budget tolerance); one that misses
 * it (a search that stops short, a budget the solver cannot meet, a start that already prunes past
 * the target) is recorded infeasible with how far it missed, so TPE learns to avoid it.
 */
export async function evaluateTrial(setup: TrialSetup, params: Params): Promise<TrialOutcome> {
  const s = trialSettingsOf(setup, params);
  const tolerance = sparsityTolerance(s);
  let outcome;
  try {
    outcome = await trainFromSettings(setup.backend, setup.dataset, s, {
      test: false,
      ...(setup.onEvent ? { onEvent: setup.onEvent } : {}),
      ...(setup.onPipelineEvent ? { onPipelineEvent: setup.onPipelineEvent } : {}),
    });
  } catch (err) {
    if (err instanceof TargetNotReachedError) return rejected(Math.max(err.target - err.reached - tolerance, 1e-9), err.message, { sparsity: err.reached });
    if (err instanceof SearchStartError) return rejected(1, err.message, { startSparsity: err.details.startSparsity });
    if (err instanceof BudgetError) return rejected(1, err.message);
    throw err;
  }
  try {
    const sizes = await tableSizes(outcome.model.embeddingTables());
    const metric = outcome.model.selectionMetric;
    const value = outcome.result.bestValid?.[metric];
    if (value === undefined) throw new Error(`tuning: the run has no validation ${metric} (validEvery must be > 0)`);
    const attrs: JsonObject = {
      metric,
      sparsity: sizes.sparsity,
      bestEpoch: outcome.result.bestEpoch,
      trainSeconds: outcome.result.trainSeconds,
      ...(outcome.search !== null ? { captureEpoch: outcome.search.captureEpoch, searchSeconds: outcome.search.searchSeconds, retrainSeconds: outcome.search.retrainSeconds } : {}),
    };
    const constraints = s.target === null ? [] : [s.target - sizes.sparsity - tolerance];
    return { value, constraints, attrs };
  } finally {
    outcome.model.dispose();
  }
}
