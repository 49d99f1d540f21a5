import { checkTargets, OptEmbedTable, SearchStartError, type SearchStart } from '@lers/embeddings';
import type { Model } from '../model.js';
import type { Artifact } from './artifacts.js';
import type { Backbone } from './backbone.js';
import { modelSettings, retrainStage, type MethodPipelineOptions } from './method-common.js';
import { captureRecord } from './search-report.js';
import { weightArtifacts, writeWeightArtifacts } from './model-weights.js';
import { evolutionarySearch, type EvolutionOptions } from './optembed-search.js';
import type { PipelineDefinition, Stage, StageContext } from './stage.js';

/** Options of OptEmbed's pipeline: the common ones plus the evolutionary search's. */
export interface OptEmbedPipelineOptions<M extends Model = Model> extends MethodPipelineOptions<M> {
  /** The search's settings; its seed defaults to the training seed. */
  readonly evolution?: Partial<EvolutionOptions>;
}

/** The supernet's tables, in the backbone's order, with their names. */
function supernetTables<M extends Model>(backbone: Backbone<M>, model: M): [string, OptEmbedTable][] {
  return Object.entries(backbone.tables(model)).map(([name, t]) => {
    if (!(t instanceof OptEmbedTable)) throw new TypeError(`optembed: table "${name}" is a ${t.method} table, not the supernet`);
    return [name, t];
  });
}

/** Writes the saved supernet state (parameters and model buffers) into a fresh supernet model. */
function restoreSupernet<M extends Model>(ctx: StageContext<M>, model: M): void {
  writeWeightArtifacts(model, (prefix) => ctx.artifactsUnder(prefix), 'supernet/', 'optembed supernet');
}

/**
 * The supernet's state before the first optimiser step: the rows its initial thresholds t already
 * prune (|W_r|_1 <= t). A start that prunes more than the smallest target is an error naming the t
 * below which it would not (the row-norm quantile at the target).
 */
function supernetStart(name: string, t: OptEmbedTable, target: number): SearchStart {
  const keep = t.keptRows();
  let kept = 0;
  for (const k of keep) kept += k;
  const pruned = 1 - kept / t.rows;
  const thresholds = Array.from(t.backend.view(t.threshold.value));
  if (pruned > target) {
    const w = t.backend.view(t.weight.value);
    const norms = Array.from({ length: t.rows }, (_, r) => w.subarray(r * t.dim, (r + 1) * t.dim).reduce((a, x) => a + Math.abs(x), 0)).sort((a, b) => a - b);
    const limit = norms[Math.min(norms.length - 1, Math.floor(target * norms.length))];
    throw new SearchStartError(
      `optembed table "${name}": thresholdInit ${thresholds[0]} prunes ${(100 * pruned).toFixed(1)}% of the rows before the first optimiser step (more than the target ${target}); start below thresholdInit ${limit.toPrecision(3)} (the row L1 norm at the target's quantile), e.g. 0 (the default)`,
      { table: name, target, startSparsity: pruned, thresholdInit: thresholds[0], limit, suggestion: 0, suggestionSparsity: 0 },
    );
  }
  return { sparsity: pruned, pruned, thresholds: [...new Set(thresholds)] };
}

/**
 * OptEmbed's pipeline: `supernet` trains the supernet (random per-row or per-field dims each step,
 * learned row-pruning thresholds; the best epoch by validation is kept; resumable inside itself,
 * the dims' sampling stream being part of its checkpoint), then per target
 * `search@<target>` runs the evolutionary search of dims on it and `retrain@<target>` retrains from
 * the saved initial weights with the element masks (kept rows x their searched dims) fixed.
 * CTR backbones get per-field dims (the backbone's field offsets).
 */
export function optEmbedPipeline<M extends Model>(o: OptEmbedPipelineOptions<M>): PipelineDefinition<M> {
  const targets = checkTargets('optembed', o.targets);
  const fieldOffsets = o.backbone.fieldOffsets;
  const spec = { method: 'optembed', options: { ...o.tableOptions, ...(fieldOffsets !== undefined ? { fieldOffsets } : {}) } };
  const hooks = o.clipGradNorm !== undefined ? { clipGradNorm: o.clipGradNorm } : {};
  const settings = modelSettings(o);
  const supernet: Stage<M> = {
    name: 'supernet',
    resumable: true,
    async run(ctx) {
      const model = o.backbone.create(spec, settings);
      try {
        ctx.restoreInitial(model, 'optembed');
        const tables = supernetTables(o.backbone, model);
        const start = Object.fromEntries(tables.map(([name, t]) => [name, supernetStart(name, t, targets[0])]));
        const result = await ctx.train(model, { ...o.train, test: false }, hooks);
        const artifacts = await weightArtifacts(model, 'supernet/');
        const kept = Object.fromEntries(tables.map(([name, t]) => [name, t.keptRows().reduce((a, b) => a + b, 0)]));
        // Every target's masks come from the supernet as it was at its best epoch.
        const epoch = result?.bestEpoch ?? result?.lastEpoch ?? 0;
        const perEpoch = model.batchesPerEpoch?.() ?? null;
        if (epoch === 0) throw new RangeError('optembed: the supernet was not trained (0 epochs): its masks would come from the random initial weights');
        const steps = perEpoch !== null ? epoch * perEpoch : epoch;
        const capture = Object.fromEntries(tables.map(([name]) => [name, captureRecord(steps, perEpoch, null, null)]));
        const captured = Object.fromEntries(targets.map((t) => [String(t), capture]));
        return { artifacts, info: { bestEpoch: result?.bestEpoch ?? null, valid: result?.bestValid ?? null, keptRows: kept, captured, start } };
      } finally {
        model.dispose();
      }
    },
  };
  const perTarget = targets.flatMap((target): Stage<M>[] => [
    {
      name: `search@${target}`,
      async run(ctx) {
        const model = o.backbone.create(spec, settings);
        try {
          restoreSupernet(ctx, model);
          const tables = supernetTables(o.backbone, model);
          const result = await evolutionarySearch(
            model,
            tables.map(([, t]) => t),
            target,
            { seed: o.train.seed, ...o.evolution },
          );
          const artifacts: Record<string, Artifact> = {};
          tables.forEach(([name, t], i) => {
            const dims = result.best.dims[i];
            artifacts[`dims/${target}/${name}`] = dims;
            artifacts[`mask/${target}/${name}`] = t.elementMask(dims);
          });
          const info = {
            fitness: result.best.fitness,
            sparsity: result.best.sparsity,
            params: result.best.params,
            evaluated: result.evaluated.length,
            alpha: result.alpha,
            history: result.history,
          };
          return { artifacts, info };
        } finally {
          model.dispose();
        }
      },
    },
    retrainStage(o, target, { spec, initial: 'optembed', hooks, settings }),
  ]);
  return { method: 'optembed', initial: { optembed: spec }, stages: [supernet, ...perTarget] };
}
