import { checkTargets, OptEmbedTable } from '@lers/embeddings';
import type { Model } from '../model.js';
import type { Artifact } from './artifacts.js';
import type { Backbone } from './backbone.js';
import { masksAt, retrainInfo, type MethodPipelineOptions } from './method-common.js';
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
  const params = ctx.artifactsUnder('supernet/param/');
  for (const p of model.parameters()) {
    const v = params[p.name];
    if (!(v instanceof Float32Array) || v.length !== p.value.length) throw new Error(`optembed: no saved supernet values for parameter ${p.name}`);
    model.backend.write(p.value, v);
  }
  const buffers = ctx.artifactsUnder('supernet/buffer/');
  for (const [name, b] of Object.entries(model.buffers())) {
    const v = buffers[name];
    if (!(v instanceof Float32Array) || v.length !== b.length) throw new Error(`optembed: no saved supernet values for buffer ${name}`);
    model.backend.write(b, v);
  }
}

/**
 * OptEmbed's pipeline: `supernet` trains the supernet (random per-row or per-field dims each step,
 * learned row-pruning thresholds; the best epoch by validation is kept), then per target
 * `search@<target>` runs the evolutionary search of dims on it and `retrain@<target>` retrains from
 * the saved initial weights with the element masks (kept rows x their searched dims) fixed.
 * CTR backbones get per-field dims (the backbone's field offsets).
 */
export function optEmbedPipeline<M extends Model>(o: OptEmbedPipelineOptions<M>): PipelineDefinition<M> {
  const targets = checkTargets('optembed', o.targets);
  const fieldOffsets = o.backbone.fieldOffsets;
  const spec = { method: 'optembed', options: { ...o.tableOptions, ...(fieldOffsets !== undefined ? { fieldOffsets } : {}) } };
  const hooks = o.clipGradNorm !== undefined ? { clipGradNorm: o.clipGradNorm } : {};
  const supernet: Stage<M> = {
    name: 'supernet',
    async run(ctx) {
      const model = o.backbone.create(spec);
      try {
        ctx.restoreInitial(model, 'optembed');
        const result = await ctx.train(model, { ...o.train, test: false }, hooks);
        const artifacts: Record<string, Artifact> = {};
        for (const p of model.parameters()) artifacts[`supernet/param/${p.name}`] = await model.backend.read(p.value);
        for (const [name, b] of Object.entries(model.buffers())) artifacts[`supernet/buffer/${name}`] = await model.backend.read(b);
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
      run(ctx) {
        const model = o.backbone.create(spec);
        try {
          restoreSupernet(ctx, model);
          const tables = supernetTables(o.backbone, model);
          const result = evolutionarySearch(
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
          return Promise.resolve({ artifacts, info });
        } finally {
          model.dispose();
        }
      },
    },
    {
      name: `retrain@${target}`,
      resumable: true,
      async run(ctx) {
        const model = o.backbone.create({ method: 'optembed', options: { ...spec.options, masks: masksAt(ctx, target) } });
        try {
          ctx.restoreInitial(model, 'optembed');
          const result = await ctx.train(model, o.train, hooks);
          return { info: retrainInfo(target, result, Object.values(o.backbone.tables(model))) };
        } finally {
          model.dispose();
        }
      },
    },
  ]);
  return { method: 'optembed', initial: { optembed: spec }, stages: [supernet, ...perTarget] };
}
