/** Training from settings: data, tables sized for the target, the backbone, the loop with progress. */
import type { HostBackend } from '@lers/kernels';
import type { Dataset, JsonObject } from '@lers/data';
import type { ReadProgress } from '@lers/data/node';
import { writeModelFile } from '@lers/embeddings/node';
import { train, type Metrics, type Model, type TrainConfig, type TrainEvent, type TrainResult } from '@lers/models';
import { checkInterrupted } from '../cli/signals.js';
import type { Io } from '../cli/io.js';
import type { Progress } from '../cli/progress.js';
import type { TrainSettings } from '../config/settings.js';
import { dataRefName, expectTask, loadData, resolveDataRef, type DataRef } from '../data/datasets.js';
import { buildModel, createTables, planTables, type AnyModel, type TablePlan } from '../model-io/build.js';
import { datasetInfo, saveModel } from '../model-io/model-io.js';
import { methodKind } from '../model-io/methods.js';

/** A dataset with the reference that loads it again. */
export interface PreparedData {
  readonly ref: DataRef;
  readonly name: string;
  readonly dataset: Dataset;
}

/** Resolves and loads the settings' dataset (read progress as plain messages). */
export async function prepareData(s: TrainSettings, io: Io | null, cacheDir?: string): Promise<PreparedData> {
  const ref = resolveDataRef(s.data, s.dataOptions);
  let last = 0;
  const onProgress = (p: ReadProgress): void => {
    const t = performance.now();
    if (t - last < 2000) return;
    last = t;
    io?.info(`  reading ${p.file}${p.phase !== undefined ? ` (${p.phase})` : ''}: ${p.rows} rows, ${p.mbPerSec.toFixed(1)} MB/s`);
  };
  const dataset = await loadData(ref, { cacheDir, onProgress, onInfo: (t) => io?.info(t) });
  expectTask(dataset, s.task, s.data);
  return { ref, name: dataRefName(ref), dataset };
}

/** Metrics of both splits flattened for the model header: `valid.ndcg@20`, `test.auc`, ... */
export function flatMetrics(valid: Metrics | null, test: Metrics | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [split, m] of [['valid', valid], ['test', test]] as const) {
    if (m === null) continue;
    for (const [k, v] of Object.entries(m)) out[`${split}.${k}`] = v;
  }
  return out;
}

/** What a training run produced. */
export interface TrainOutcome {
  readonly model: AnyModel;
  readonly result: TrainResult;
  readonly plans: readonly TablePlan[];
  readonly metrics: Record<string, number>;
}

/** Options of trainFromSettings. */
export interface TrainRunOptions {
  readonly io: Io | null;
  /** Checkpoint path (resumed when it exists). */
  readonly checkpoint?: string | null;
  /** Progress label (default "train"). */
  readonly label?: string;
  /** Tables planned beforehand (else planned here; a BudgetError is thrown before anything is built). */
  readonly plans?: readonly TablePlan[];
}

/** The training loop's config from the settings. */
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

/** Plans the tables, builds the model and trains it (stops at the next batch after Ctrl-C). */
export async function trainFromSettings(be: HostBackend, data: PreparedData, s: TrainSettings, options: TrainRunOptions): Promise<TrainOutcome> {
  if (methodKind(s.method) === 'pipeline') {
    const { trainPipeline } = await import('./pipeline.js');
    return trainPipeline(be, data, s, { io: options.io, stateDir: options.checkpoint ?? null, label: options.label });
  }
  const plans = options.plans ?? planTables(s, data.dataset);
  const tables = createTables(be, plans);
  const model = buildModel(be, data.dataset, s, tables);
  const io = options.io;
  let bar: Progress | null = null;
  let epochs = s.epochs;
  let startEpoch = 1;
  const onEvent = (e: TrainEvent): void => {
    checkInterrupted();
    if (io === null) return;
    switch (e.type) {
      case 'start':
        epochs = e.epochs;
        startEpoch = e.startEpoch;
        if (e.resumed) io.info(`resuming from the checkpoint at epoch ${e.startEpoch}`);
        bar = io.progress(options.label ?? 'train', { total: e.batchesPerEpoch === null ? null : e.batchesPerEpoch * Math.max(0, e.epochs - e.startEpoch + 1), unit: 'batches' });
        break;
      case 'batch':
        // The bar counts the batches of this run (a resumed run starts from 0).
        bar?.update((e.epoch - startEpoch) * (e.batches ?? 0) + e.batch + 1, `epoch ${e.epoch}/${epochs} loss ${e.loss.toFixed(4)}`);
        break;
      case 'validation':
        bar?.note(`  epoch ${e.epoch}: valid ${e.metric} ${e.value.toFixed(4)}${e.improved ? ' (best)' : ''}`);
        break;
      case 'early-stop':
        bar?.note(`  early stop at epoch ${e.epoch} (best epoch ${e.bestEpoch ?? '-'})`);
        break;
      case 'end':
        bar?.finish();
        break;
      default:
        break;
    }
  };
  let result: TrainResult;
  try {
    result = await train(
      model as Model,
      { ...trainConfigOf(s), ...(options.checkpoint !== undefined && options.checkpoint !== null ? { checkpoint: { path: options.checkpoint, resume: true } } : {}) },
      { onEvent },
    );
  } catch (err) {
    (bar as Progress | null)?.finish();
    model.dispose();
    throw err;
  }
  return { model, result, plans, metrics: flatMetrics(result.bestValid, result.test) };
}

/** The method options actually used per table (the budget solution and the user's options). */
export function planOptions(plans: readonly TablePlan[]): Record<string, JsonObject> {
  return Object.fromEntries(plans.map((p) => [p.name, JSON.parse(JSON.stringify(p.options)) as JsonObject]));
}

/** Writes a trained model file atomically; returns its size in bytes. */
export async function writeTrained(path: string, outcome: TrainOutcome, s: TrainSettings, data: PreparedData, extra?: JsonObject): Promise<number> {
  const contents = await saveModel(outcome.model, {
    settings: s,
    config: s as unknown as JsonObject,
    method: { name: s.method, target: s.target, options: planOptions(outcome.plans) },
    dataset: datasetInfo(data.ref, data.name, data.dataset),
    metrics: outcome.metrics,
    extra: {
      bestEpoch: outcome.result.bestEpoch,
      lastEpoch: outcome.result.lastEpoch,
      stoppedEarly: outcome.result.stoppedEarly,
      trainSeconds: outcome.result.trainSeconds,
      ...(extra ?? {}),
    },
  });
  await writeModelFile(path, contents);
  const { stat } = await import('node:fs/promises');
  return (await stat(path)).size;
}
