/**
 * Multi-stage methods (PEP, OptEmbed, CERP) through @lers/models' pipelines: search (or supernet),
 * then retraining at the target with the masks fixed. The retrained model is what `lers train`
 * saves: the pipeline hands it back (`keepModels`), also when every stage was already complete in
 * the state folder (it is rebuilt from the weights kept there).
 */
import type { HostBackend } from '@lers/kernels';
import { ctrBackbone, lightGcnBackbone, runMethodAtTarget, type Backbone as PipelineBackbone, type PipelineMethod, type TableSpec, type TrainEvent, type TrainResult } from '@lers/models';
import type { Io } from '../cli/io.js';
import { checkInterrupted } from '../cli/signals.js';
import type { TrainSettings } from '../config/settings.js';
import { buildCtrModel, lightGcnConfig, type AnyModel } from '../model-io/build.js';
import type { Progress } from '../cli/progress.js';
import { flatMetrics, trainConfigOf, type PreparedData, type TrainOutcome } from './training.js';

/** Options of trainPipeline. */
export interface PipelineRunOptions {
  readonly io: Io | null;
  /** Folder of the pipeline's state and stage checkpoints (resumed when it exists). */
  readonly stateDir?: string | null;
  readonly label?: string;
}

/** Runs a method's pipeline at `s.target` and returns the retrained model (the caller disposes it). */
export async function trainPipeline(be: HostBackend, data: PreparedData, s: TrainSettings, options: PipelineRunOptions): Promise<TrainOutcome> {
  const ds = data.dataset;
  const backbone: PipelineBackbone<AnyModel> =
    ds.kind === 'cf'
      ? lightGcnBackbone(be, ds, lightGcnConfig(s))
      : ctrBackbone(ds, (table: TableSpec) => buildCtrModel(be, ds, s, table));
  const io = options.io;
  let bar: Progress | null = null;
  let stage = '';
  let startEpoch = 1;
  let epochs = s.epochs;
  const onTrainEvent = (e: TrainEvent): void => {
    checkInterrupted();
    if (io === null) return;
    if (e.type === 'start') {
      epochs = e.epochs;
      startEpoch = e.startEpoch;
      bar = io.progress(`${options.label ?? 'train'} ${stage}`, { total: e.batchesPerEpoch === null ? null : e.batchesPerEpoch * Math.max(0, e.epochs - e.startEpoch + 1), unit: 'batches' });
    } else if (e.type === 'batch') {
      (bar)?.update((e.epoch - startEpoch) * (e.batches ?? 0) + e.batch + 1, `epoch ${e.epoch}/${epochs} loss ${e.loss.toFixed(4)}`);
    } else if (e.type === 'validation') {
      (bar)?.note(`  ${stage} epoch ${e.epoch}: valid ${e.metric} ${e.value.toFixed(4)}${e.improved ? ' (best)' : ''}`);
    } else if (e.type === 'end') (bar)?.finish();
  };
  const t0 = performance.now();
  let result;
  try {
    result = await runMethodAtTarget(
      s.method as PipelineMethod,
      s.target!,
      { backbone, train: trainConfigOf(s), tableOptions: s.methodOptions, keepModels: true, ...(s.searchEpochs !== null ? { searchTrain: { epochs: s.searchEpochs } } : {}) },
      {
        ...(options.stateDir !== undefined && options.stateDir !== null ? { dir: options.stateDir } : {}),
        onEvent: (e) => {
          if (e.type === 'stage-start') {
            stage = e.name;
            io?.info(`  stage ${e.name}`);
          } else if (e.type === 'resume' && e.completed.length > 0) io?.info(`  resuming after stages ${e.completed.join(', ')}`);
        },
        onTrainEvent,
      },
    );
  } catch (err) {
    (bar as Progress | null)?.finish();
    throw err;
  }
  const model = result.model;
  if (model === undefined) throw new Error(`${s.method}: the pipeline handed back no retrained model`);
  const seconds = Object.values(result.secondsPerStage).reduce((a, b) => a + b, 0);
  const trainResult: TrainResult = {
    bestEpoch: null,
    bestValid: result.valid,
    test: result.metrics,
    history: [],
    lastEpoch: s.epochs,
    stoppedEarly: false,
    trainSeconds: seconds || (performance.now() - t0) / 1000,
  };
  return { model, result: trainResult, plans: [], metrics: flatMetrics(result.valid, result.metrics) };
}
