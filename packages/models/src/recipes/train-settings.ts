import type { Backend } from '@lers/kernels';
import type { Dataset } from '@lers/data';
import { backboneDefinition } from '../backbones/registry.js';
import type { RecommenderModel } from '../backbones/recommender-model.js';
import { methodNamed } from '../methods/registry.js';
import type { Metrics } from '../model.js';
import { runMethodAtTarget } from '../pipeline/run-method.js';
import type { PipelineEvent } from '../pipeline/stage.js';
import { SettingsError } from '../settings/errors.js';
import type { TrainSettings } from '../settings/settings.js';
import type { TrainConfig } from '../train/config.js';
import type { TrainEventHandler, TrainResult } from '../train/events.js';
import { train } from '../train/train.js';
import { createTables, planTables, type TablePlan } from './plan.js';
import { StageModel } from '../pipeline/stage-model.js';
import type { SearchReport } from '../pipeline/search-report.js';
import { effectiveClip, trainingRecipe, type TrainingRecipe } from './recipe.js';

/** The training loop's config from run settings (test metrics at the best epoch included). */
export function trainConfigOf(s: TrainSettings): TrainConfig {
  return {
    epochs: s.epochs,
    optimizer: s.optimizer === 'adam' ? { kind: 'adam', lr: s.lr, weightDecay: s.weightDecay, lazy: s.lazyAdam } : { kind: 'sgd', lr: s.lr, weightDecay: s.weightDecay },
    seed: s.seed,
    validEvery: s.validEvery,
    ...(s.patience !== null ? { patience: s.patience } : {}),
    test: true,
  };
}

/** Metrics of both splits flattened for a model header: `valid.ndcg@20`, `test.auc`, ... */
export function flatMetrics(valid: Metrics | null, test: Metrics | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [split, m] of [['valid', valid], ['test', test]] as const) {
    if (m === null) continue;
    for (const [k, v] of Object.entries(m)) out[`${split}.${k}`] = v;
  }
  return out;
}

/** Checks that settings can be trained: a known method that is not post-training, a target unless full. */
export function checkTrainable(s: TrainSettings): void {
  const m = methodNamed(s.method);
  if (m.kind === 'post-training') {
    throw new SettingsError(`${s.method} is a post-training method: train a full model first, then compress it (lers compress model.lers --method ${s.method} --target <sparsity> -o out.lers)`);
  }
  if (s.method !== 'full' && s.target === null) throw new SettingsError(`method ${s.method} needs a target sparsity (such as 0.5, 0.8 or 0.95)`);
}

/** How to run `trainFromSettings`. */
export interface SettingsRunOptions {
  /** Every training run's events (each stage's, for pipelines); throwing from it aborts the run (e.g. on Ctrl-C). */
  readonly onEvent?: TrainEventHandler;
  /** Stage progress of search-then-retrain methods. */
  readonly onPipelineEvent?: (event: PipelineEvent) => void;
  /** A checkpoint file (or, for pipelines, a state folder) written as training goes and resumed when present. */
  readonly checkpoint?: string | null;
  /** Tables planned beforehand (else planned here; a BudgetError is thrown before anything is built). */
  readonly plans?: readonly TablePlan[];
  /** Evaluate the test split at the end (default true; false for tuning, which sees validation only). */
  readonly test?: boolean;
}

/** What a training run produced (the caller disposes the model). */
export interface TrainOutcome {
  readonly model: RecommenderModel;
  readonly result: TrainResult;
  readonly plans: readonly TablePlan[];
  /** Valid and test metrics flattened (`valid.ndcg@20`, ...). */
  readonly metrics: Record<string, number>;
  /** The recipe it trained with (clip, negatives, epochs, ...). */
  readonly recipe: TrainingRecipe;
  /** Search-then-retrain methods: the search behind the masks (capture step and epoch per table, start, seconds); else null. */
  readonly search: SearchReport | null;
}

/**
 * Trains the model that `s` describes on `dataset`: trained methods plan their tables with the
 * budget solver, build the backbone and run the training loop; search-then-retrain methods run
 * their pipeline at `s.target` and return the retrained model.
 */
export async function trainFromSettings(be: Backend, dataset: Dataset, s: TrainSettings, options: SettingsRunOptions = {}): Promise<TrainOutcome> {
  checkTrainable(s);
  if (methodNamed(s.method).kind === 'search-then-retrain') return trainPipeline(be, dataset, s, options);
  const plans = options.plans ?? planTables(s, dataset);
  const model = backboneDefinition(s.backbone).build(be, dataset, s, createTables(be, plans));
  const clip = effectiveClip(s);
  // Clipping wraps the model for the loop only (checkpoints and metrics are the model's own).
  const trained = clip !== null ? new StageModel(model, { clipGradNorm: clip }) : model;
  try {
    const checkpoint = options.checkpoint ?? null;
    const config = { ...trainConfigOf(s), test: options.test ?? true, ...(checkpoint !== null ? { checkpoint: { path: checkpoint, resume: true } } : {}) };
    const result = await train(trained, config, options.onEvent ? { onEvent: options.onEvent } : {});
    return { model, result, plans, metrics: flatMetrics(result.bestValid, result.test), recipe: trainingRecipe(s), search: null };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    if (trained instanceof StageModel) trained.dispose();
  }
}

/** A search-then-retrain method's pipeline at `s.target`; the retrained model is handed back. */
async function trainPipeline(be: Backend, dataset: Dataset, s: TrainSettings, options: SettingsRunOptions): Promise<TrainOutcome> {
  const backbone = backboneDefinition(s.backbone).pipelineBackbone(be, dataset, s);
  const t0 = performance.now();
  const dir = options.checkpoint ?? null;
  const clip = effectiveClip(s);
  const result = await runMethodAtTarget(
    s.method,
    s.target!,
    {
      backbone,
      train: { ...trainConfigOf(s), test: options.test ?? true },
      tableOptions: s.methodOptions,
      keepModels: true,
      ...(clip !== null ? { clipGradNorm: clip } : {}),
      ...(s.searchEpochs !== null ? { searchTrain: { epochs: s.searchEpochs } } : {}),
    },
    {
      ...(dir !== null ? { dir } : {}),
      ...(options.onPipelineEvent ? { onEvent: options.onPipelineEvent } : {}),
      ...(options.onEvent ? { onTrainEvent: options.onEvent } : {}),
    },
  );
  const model = result.model;
  if (model === undefined) throw new Error(`${s.method}: the pipeline handed back no retrained model`);
  const seconds = Object.values(result.secondsPerStage).reduce((a, b) => a + b, 0);
  const trainResult: TrainResult = {
    bestEpoch: result.bestEpoch,
    bestValid: result.valid,
    test: result.metrics,
    history: [],
    lastEpoch: s.epochs,
    stoppedEarly: false,
    trainSeconds: seconds || (performance.now() - t0) / 1000,
  };
  const test = options.test ?? true;
  return { model, result: { ...trainResult, test: test ? result.metrics : null }, plans: [], metrics: flatMetrics(result.valid, test ? result.metrics : null), recipe: trainingRecipe(s), search: result.search };
}
