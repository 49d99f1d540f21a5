import { checkTargets } from '@lers/embeddings';
import type { Model } from '../model.js';
import { capturedMasks, modelSettings, retrainStage, searchConfig, searchTables, type MethodPipelineOptions } from './method-common.js';
import type { PipelineDefinition, Stage } from './stage.js';

/**
 * PEP's pipeline: `search` trains the soft-threshold tables once and captures a mask per table
 * when its non-zeros first reach each target (all targets from one run; the search stops once all
 * are captured; resumable inside itself, the captures being part of its checkpoint), then
 * `retrain@<target>` retrains from the saved initial weights with the masks fixed (lottery
 * ticket), one stage per target.
 */
export function pepPipeline<M extends Model>(o: MethodPipelineOptions<M>): PipelineDefinition<M> {
  const targets = checkTargets('pep', o.targets);
  const spec = { method: 'pep', options: { ...o.tableOptions, targets } };
  const hooks = o.clipGradNorm !== undefined ? { clipGradNorm: o.clipGradNorm } : {};
  const settings = modelSettings(o);
  const search: Stage<M> = {
    name: 'search',
    resumable: true,
    async run(ctx) {
      const model = o.backbone.create(spec, settings);
      try {
        ctx.restoreInitial(model, 'pep');
        const tables = searchTables(o.backbone, model, 'pep');
        const all = Object.values(tables);
        const result = await ctx.train(model, searchConfig(o), { ...hooks, stopWhen: () => all.every((t) => t.captures.done) });
        const { artifacts, info } = await capturedMasks('pep', tables, targets, model.batchesPerEpoch?.() ?? null);
        return { artifacts, info: { ...info, stoppedEarly: result === null, epochs: result?.lastEpoch ?? null } };
      } finally {
        model.dispose();
      }
    },
  };
  const retrain = targets.map((target) => retrainStage(o, target, { spec: { method: 'pep', options: { ...o.tableOptions } }, initial: 'pep', hooks, settings }));
  return { method: 'pep', initial: { pep: spec }, stages: [search, ...retrain] };
}
