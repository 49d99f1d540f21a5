import { CerpTable, checkTargets } from '@lers/embeddings';
import type { Model } from '../model.js';
import { capturedMasks, modelSettings, retrainStage, searchConfig, searchTables, type MethodPipelineOptions } from './method-common.js';
import type { PipelineDefinition, Stage } from './stage.js';

/** The reference code's gradient-norm clip for CERP. */
export const CERP_DEFAULT_CLIP = 100;
/** The reference's negatives per positive pair for CERP on CF. */
export const CERP_DEFAULT_NEGATIVES = 5;

/**
 * CERP's pipeline, per target (the bucket count b depends on it): `search@<target>` trains P and
 * Q with soft thresholds and the complementarity regulariser until the non-zeros reach the target
 * (then stops; resumable inside itself, the captures being part of its checkpoint),
 * `retrain@<target>` retrains from that target's initial weights with the masks of P and Q fixed.
 * Gradients are clipped to a global norm of 100 unless `clipGradNorm` says otherwise; on CF both
 * stages sample 5 negatives per positive pair unless `negatives` says otherwise (the reference's).
 */
export function cerpPipeline<M extends Model>(o: MethodPipelineOptions<M>): PipelineDefinition<M> {
  const targets = checkTargets('cerp', o.targets);
  const hooks = { clipGradNorm: o.clipGradNorm ?? CERP_DEFAULT_CLIP };
  const settings = modelSettings(o, CERP_DEFAULT_NEGATIVES);
  const specAt = (target: number) => ({ method: 'cerp', options: { ...o.tableOptions, sparsity: target, targets: [target] } });
  const initial = Object.fromEntries(targets.map((t) => [`cerp@${t}`, specAt(t)]));
  const stages = targets.flatMap((target): Stage<M>[] => [
    {
      name: `search@${target}`,
      resumable: true,
      async run(ctx) {
        const model = o.backbone.create(specAt(target), settings);
        try {
          ctx.restoreInitial(model, `cerp@${target}`);
          const tables = searchTables(o.backbone, model, 'cerp');
          const all = Object.values(tables);
          const result = await ctx.train(model, searchConfig(o), { ...hooks, stopWhen: () => all.every((t) => t.captures.done) });
          const { artifacts, info } = await capturedMasks('cerp', tables, [target], model.batchesPerEpoch?.() ?? null);
          const buckets = Object.fromEntries(Object.entries(tables).map(([name, t]) => [name, t instanceof CerpTable ? t.buckets : null]));
          return { artifacts, info: { ...info, buckets, stoppedEarly: result === null, epochs: result?.lastEpoch ?? null } };
        } finally {
          model.dispose();
        }
      },
    },
    retrainStage(o, target, { spec: specAt(target), initial: `cerp@${target}`, hooks, settings }),
  ]);
  return { method: 'cerp', initial, stages };
}
