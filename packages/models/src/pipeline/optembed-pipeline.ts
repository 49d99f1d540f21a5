import { checkTargets, OptEmbedTable } from '@lers/embeddings';
import type { Model } from '../model.js';
import type { Artifact } from './artifacts.js';
import type { Backbone } from './backbone.js';
import { modelSettings, retrainStage, type MethodPipelineOptions } from './method-common.js';
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
        const result = await ctx.train(model, { ...o.train, test: false }, hooks);
        const artifacts = await weightArtifacts(model, 'supernet/');
        const kept = Object.fromEntries(supernetTables(o.backbone, model).map(([name, t]) => [name, t.keptRows().reduce((a, b) => a + b, 0)]));
        return { artifacts, info: { bestEpoch: result?.bestEpoch ?? null, valid: result?.bestValid ?? null, keptRows: kept } };
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
