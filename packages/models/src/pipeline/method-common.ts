import { CaptureGroup, isMaskSearchTable, type EmbeddingTable, type MaskSearchTable, type SearchStart, type TableSize } from '@lers/embeddings';
import { captureRecord, type CaptureRecord } from './search-report.js';
import type { TableSpec } from '../ctr/ctr-model.js';
import type { Metrics, Model } from '../model.js';
import type { TrainConfig } from '../train/config.js';
import type { TrainResult } from '../train/events.js';
import type { Artifacts } from './artifacts.js';
import type { Backbone, ModelSettings } from './backbone.js';
import { weightArtifacts, writeWeightArtifacts } from './model-weights.js';
import type { StepHooks } from './stage-model.js';
import type { Stage, StageContext } from './stage.js';

/** Options every method pipeline takes. */
export interface MethodPipelineOptions<M extends Model = Model> {
  readonly backbone: Backbone<M>;
  /** Target sparsities (e.g. 0.5, 0.8, 0.95). */
  readonly targets: readonly number[];
  /** Training of the retraining stages and of OptEmbed's supernet (`checkpoint` is ignored: the pipeline places them). */
  readonly train: TrainConfig;
  /** Changes to `train` for the mask-search stages of PEP and CERP (default: no validation, no test). */
  readonly searchTrain?: Partial<TrainConfig>;
  /** Method options for the tables (e.g. granularity, thresholdInit, thresholdDecay, bucketFactor, capture). */
  readonly tableOptions?: Readonly<Record<string, unknown>>;
  /** Global gradient-norm clipping of every stage's training (CERP default 100, the reference's; others none). */
  readonly clipGradNorm?: number;
  /**
   * CF: negatives per (user, positive) pair in every stage (CERP default 5, the reference's; PEP and
   * OptEmbed default to the backbone's, normally 1). CTR backbones ignore it.
   */
  readonly negatives?: number;
  /**
   * Hand each target's retrained model back (`model` of its result; the caller disposes it). Its
   * weights are then also kept among the artifacts, so that a resumed run rebuilds the same model.
   */
  readonly keepModels?: boolean;
}

/** Sizes of a model's tables together, and the protocol's sparsity over them. */
export interface ModelTablesSize extends TableSize {
  /** 1 - params / sum(rows x dim). */
  readonly sparsity: number;
  /** sum(rows x dim). */
  readonly entries: number;
}

/** What a retraining stage records (its info). */
export interface RetrainInfo extends Record<string, unknown> {
  readonly target: number;
  /** Test metrics at the best validation epoch (the validation metrics when the config skips the test). */
  readonly metrics: Metrics;
  readonly valid: Metrics | null;
  readonly bestEpoch: number | null;
  readonly size: ModelTablesSize;
}

/** A mask search that ended without reaching a target sparsity (PEP, CERP). */
export class TargetNotReachedError extends RangeError {
  constructor(
    message: string,
    readonly table: string,
    readonly target: number,
    /** The sparsity the table reached. */
    readonly reached: number,
  ) {
    super(message);
    this.name = 'TargetNotReachedError';
  }
}

/** The summed sizes of `tables`. */
export async function tablesSize(tables: readonly EmbeddingTable[]): Promise<ModelTablesSize> {
  let params = 0;
  let nonZeros = 0;
  let memoryBytes = 0;
  let diskBytes = 0;
  let entries = 0;
  for (const t of tables) {
    const s = await t.size();
    params += s.params;
    nonZeros += s.nonZeros;
    memoryBytes += s.memoryBytes;
    diskBytes += s.diskBytes;
    entries += t.rows * t.dim;
  }
  return { params, nonZeros, memoryBytes, diskBytes, entries, sparsity: 1 - params / entries };
}

/** The artifact name of a table's mask at a target. */
export function maskName(target: number, table: string): string {
  return `mask/${target}/${table}`;
}

/** The train config of a search stage: `train` with no validation and no test, then `searchTrain`. */
export function searchConfig(o: MethodPipelineOptions): TrainConfig {
  return { ...o.train, validEvery: 0, test: false, ...o.searchTrain };
}

/**
 * The tables of a model, all of which must capture masks (PEP, CERP search forms). Those whose
 * capture scope is `model` (the default) are joined in one CaptureGroup: their targets are met by
 * the model's sparsity, as the reference's search counts it.
 */
export function searchTables<M extends Model>(backbone: Backbone<M>, model: M, method: string): Record<string, MaskSearchTable> {
  const out: Record<string, MaskSearchTable> = {};
  for (const [name, t] of Object.entries(backbone.tables(model))) {
    if (!isMaskSearchTable(t)) throw new TypeError(`${method} search: table "${name}" is a ${t.method} table without mask capture`);
    out[name] = t;
  }
  CaptureGroup.join(method, Object.values(out).map((t) => t.captures).filter((c) => c.scope === 'model'));
  return out;
}

/**
 * The masks every table captured at each target, as artifacts, and what the search records about
 * them: per target and table the sparsity, kept entries, the training steps before the capture and
 * those steps in epochs (`batchesPerEpoch`, when the model says); per table its state at step 0.
 * Throws, naming the sparsity each table reached, when some target was not reached in the search's
 * epochs, and when a mask was captured before the first optimiser step (the tables throw a
 * SearchStartError at step 0 already; this guards a table without that check).
 */
export async function capturedMasks(method: string, tables: Readonly<Record<string, MaskSearchTable>>, targets: readonly number[], batchesPerEpoch: number | null): Promise<{ artifacts: Artifacts; info: Record<string, unknown> }> {
  const artifacts: Record<string, Uint8Array> = {};
  const info: Record<string, Record<string, CaptureRecord>> = {};
  const start: Record<string, SearchStart | null> = {};
  for (const [name, t] of Object.entries(tables)) start[name] = t.captures.start;
  for (const target of targets) {
    info[target] = {};
    for (const [name, t] of Object.entries(tables)) {
      const c = t.captures.mask(target);
      if (c === undefined) throw await notReached(method, tables, name, target);
      if (c.step === 0) throw new RangeError(`${method}: table "${name}" captured its mask at target ${target} before the first optimiser step (from its random initial weights); start with a lower thresholdInit`);
      artifacts[maskName(target, name)] = c.mask;
      info[target][name] = captureRecord(c.step, batchesPerEpoch, c.sparsity, c.kept);
    }
  }
  return { artifacts, info: { captured: info, start } };
}

/**
 * The error for a target the search did not reach: the sparsity the table reached, or with scope
 * `model` the sparsity of all the model's tables together (each table's as well).
 */
async function notReached(method: string, tables: Readonly<Record<string, MaskSearchTable>>, name: string, target: number): Promise<TargetNotReachedError> {
  const sparsity: Record<string, { params: number; entries: number }> = {};
  for (const [n, t] of Object.entries(tables)) sparsity[n] = { params: (await t.size()).params, entries: t.rows * t.dim };
  const of = (names: string[]): number => 1 - names.reduce((a, n) => a + sparsity[n].params, 0) / names.reduce((a, n) => a + sparsity[n].entries, 0);
  const grouped = Object.keys(tables).filter((n) => tables[n].captures.scope === 'model');
  if (tables[name].captures.scope !== 'model' || grouped.length < 2) {
    const reached = of([name]);
    return new TargetNotReachedError(`${method}: table "${name}" reached sparsity ${reached.toFixed(4)} in the search, not the target ${target}; ${searchAdvice(tables, [name])}`, name, target, reached);
  }
  const reached = of(grouped);
  const each = grouped.map((n) => `${n} ${of([n]).toFixed(4)}`).join(', ');
  return new TargetNotReachedError(`${method}: the model's tables reached sparsity ${reached.toFixed(4)} together (${each}) in the search, not the target ${target}; ${searchAdvice(tables, grouped)}`, grouped.join('+'), target, reached);
}

/** Thresholds at their decay's ceiling, as a fraction, from which a search is said to have stalled there. */
const STALLED_AT_CEILING = 0.99;

/**
 * What to change after a search that stopped short. When (nearly) every threshold of the tables
 * has risen to the ceiling of its decay, sigmoid(0) = 0.5, the entries left are larger than that
 * and a longer search prunes no more (seen on LightGCN, whose weights outgrow 0.5 under Adam).
 */
function searchAdvice(tables: Readonly<Record<string, MaskSearchTable>>, names: readonly string[]): string {
  const atCeiling = names.map((n) => tables[n].thresholdsAtCeiling());
  if (atCeiling.every((f) => f >= STALLED_AT_CEILING)) {
    const least = Math.min(...atCeiling);
    const which = least === 1 ? 'every threshold sigmoid(s) has' : `${(100 * least).toFixed(1)}% or more of the thresholds sigmoid(s) have`;
    return `${which} risen to 0.5, the most its decay gives (the decay pulls s to 0, not past it), and the entries left are larger, so a longer search prunes no more: keep the weights smaller (l2 or weightDecay) or let the thresholds rise before the weights grow (thresholdLr, autoStart)`;
  }
  return 'train the search longer (searchEpochs), raise the learning rate (with Adam s moves about lr per step) or start closer (thresholdInit, autoStart)';
}

/** The fixed masks of every table at a target, keyed by table name (the `masks` table option). */
export function masksAt<M extends Model>(ctx: StageContext<M>, target: number): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [name, a] of Object.entries(ctx.artifactsUnder(`mask/${target}/`))) {
    if (!(a instanceof Uint8Array)) throw new TypeError(`artifact ${maskName(target, name)} is not a mask`);
    out[name] = a;
  }
  if (Object.keys(out).length === 0) throw new Error(`no masks were saved for target ${target}`);
  return out;
}

/** The model settings of a method's stages: `o.negatives`, else the method's default (none: the backbone's). */
export function modelSettings(o: MethodPipelineOptions, defaultNegatives?: number): ModelSettings {
  const negatives = o.negatives ?? defaultNegatives;
  return negatives === undefined ? {} : { negatives };
}

/** What a method's retraining stage at one target needs besides the common options. */
export interface RetrainSetup {
  /** The table spec of the method's search form; the retraining adds the target's masks to its options. */
  readonly spec: TableSpec;
  /** The key of the initial weights it starts from. */
  readonly initial: string;
  readonly hooks: StepHooks;
  readonly settings: ModelSettings;
}

/**
 * The `retrain@<target>` stage every method shares: a fresh model with the target's masks fixed,
 * from the saved initial weights (lottery ticket), trained by `o.train`; resumable inside itself.
 * With `o.keepModels` the trained model is handed out, and its weights saved as artifacts
 * `retrained/<target>/...` from which `reload` rebuilds it after a resume.
 */
export function retrainStage<M extends Model>(o: MethodPipelineOptions<M>, target: number, r: RetrainSetup): Stage<M> {
  const create = (ctx: StageContext<M>): M => o.backbone.create({ method: r.spec.method, options: { ...r.spec.options, masks: masksAt(ctx, target) } }, r.settings);
  const prefix = `retrained/${target}/`;
  const run = async (ctx: StageContext<M>) => {
    const model = create(ctx);
    let handedOut = false;
    try {
      ctx.restoreInitial(model, r.initial);
      const result = await ctx.train(model, o.train, r.hooks);
      const info = await retrainInfo(target, result, Object.values(o.backbone.tables(model)));
      if (o.keepModels !== true) return { info };
      const artifacts = await weightArtifacts(model, prefix);
      handedOut = true;
      return { info, artifacts, model };
    } finally {
      if (!handedOut) model.dispose();
    }
  };
  const reload = (ctx: StageContext<M>): M => {
    const model = create(ctx);
    try {
      writeWeightArtifacts(model, (p) => ctx.artifactsUnder(p), prefix, `retrain@${target} (completed in an earlier run without keepModels? use a new state directory)`);
      return model;
    } catch (e) {
      model.dispose();
      throw e;
    }
  };
  return { name: `retrain@${target}`, resumable: true, run, ...(o.keepModels === true ? { reload } : {}) };
}

/** The info of a retraining stage from its training result and the model's tables. */
export async function retrainInfo(target: number, result: TrainResult | null, tables: readonly EmbeddingTable[]): Promise<RetrainInfo> {
  if (result === null) throw new Error('a retraining stage never stops early');
  const metrics = result.test ?? result.bestValid ?? {};
  return { target, metrics, valid: result.bestValid, bestEpoch: result.bestEpoch, size: await tablesSize(tables) };
}
