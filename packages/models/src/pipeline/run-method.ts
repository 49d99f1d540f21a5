import { methodNamed } from '../methods/registry.js';
import type { Metrics, Model } from '../model.js';
import { SettingsError } from '../settings/errors.js';
import type { ModelTablesSize, RetrainInfo } from './method-common.js';
import type { OptEmbedPipelineOptions } from './optembed-pipeline.js';
import { runPipeline } from './pipeline.js';
import { searchReport, type SearchReport } from './search-report.js';
import type { PipelineDefinition, PipelineOptions, PipelineResult } from './stage.js';

/** The result of a method at one target, as a benchmark row needs it (and the model, when kept). */
export interface MethodTargetResult<M extends Model = Model> {
  readonly method: string;
  readonly target: number;
  /** Test metrics of the retrained model at its best validation epoch (validation metrics when the test is off). */
  readonly metrics: Metrics;
  readonly valid: Metrics | null;
  /** The retraining's best validation epoch (1-based; null when it validated no epoch). */
  readonly bestEpoch: number | null;
  /** The retrained tables' sizes: params (the protocol's count), bytes (CSR for the pruned forms), sparsity. */
  readonly size: ModelTablesSize;
  /**
   * Seconds of each stage this target needed, by kind (`search`, `supernet`, `retrain`). A stage
   * shared by several targets (PEP's search, OptEmbed's supernet) is listed in full for each.
   */
  readonly secondsPerStage: Readonly<Record<string, number>>;
  /** The search behind this target's masks: capture step and epoch per table, the start, search and retrain seconds. */
  readonly search: SearchReport;
  /** The retrained model, with option `keepModels` (the caller disposes it). */
  readonly model?: M;
}

/** The pipeline definition of a registered search-then-retrain method. */
export function methodPipeline<M extends Model>(method: string, options: OptEmbedPipelineOptions<M>): PipelineDefinition<M> {
  const pipeline = methodNamed(method).pipeline;
  if (pipeline === undefined) throw new SettingsError(`method ${method} has no training pipeline (it is not a search-then-retrain method)`);
  return pipeline(options);
}

/** The per-target results of a completed method pipeline (with the models it handed out). */
export function targetResults<M extends Model>(method: string, result: PipelineResult<M>): MethodTargetResult<M>[] {
  const out: MethodTargetResult<M>[] = [];
  for (const stage of result.stages) {
    if (!stage.name.startsWith('retrain@')) continue;
    const info = stage.info as RetrainInfo;
    const target = info.target;
    const secondsPerStage: Record<string, number> = {};
    for (const s of result.stages) {
      const [kind, at] = s.name.split('@');
      if (at === undefined ? kind !== 'retrain' : Number(at) === target) secondsPerStage[kind] = s.seconds;
    }
    const model = result.models[stage.name];
    const search = searchReport(method, target, result.stages);
    out.push({ method, target, metrics: info.metrics, valid: info.valid, bestEpoch: info.bestEpoch, size: info.size, secondsPerStage, search, ...(model !== undefined ? { model } : {}) });
  }
  return out;
}

/**
 * Runs a method's whole pipeline on a backbone at every target of `options.targets` and returns one
 * result per target (metrics, sizes and the seconds of each stage), e.g. for a benchmark table.
 * With `run.dir` an interrupted run resumes after its last completed stage; the default
 * fingerprint covers the method's options and training configs, not the backbone or its data, so
 * give each dataset/backbone its own directory (or a fingerprint that names them). With
 * `options.keepModels` every result carries its retrained model (the caller disposes them all).
 */
export async function runMethodPipeline<M extends Model>(method: string, options: OptEmbedPipelineOptions<M>, run: PipelineOptions = {}): Promise<MethodTargetResult<M>[]> {
  const definition = methodPipeline(method, options);
  const fingerprint = run.fingerprint ?? {
    method,
    targets: options.targets,
    train: options.train,
    searchTrain: options.searchTrain ?? null,
    tableOptions: options.tableOptions ?? null,
    clip: options.clipGradNorm ?? null,
    evolution: options.evolution ?? null,
    // Only when given, so that states written before these options existed still match.
    ...(options.negatives !== undefined ? { negatives: options.negatives } : {}),
    ...(options.keepModels === true ? { keepModels: true } : {}),
  };
  return targetResults(method, await runPipeline(definition, options.backbone, { ...run, fingerprint }));
}

/** runMethodPipeline at one target. */
export async function runMethodAtTarget<M extends Model>(method: string, target: number, options: Omit<OptEmbedPipelineOptions<M>, 'targets'>, run: PipelineOptions = {}): Promise<MethodTargetResult<M>> {
  const [result] = await runMethodPipeline(method, { ...options, targets: [target] }, run);
  return result;
}
