import type { MethodDefinition } from '@lers/embeddings';
import type { Model } from '../model.js';
import type { OptEmbedPipelineOptions } from '../pipeline/optembed-pipeline.js';
import type { PipelineDefinition } from '../pipeline/stage.js';

/** The training pipeline of a search-then-retrain method: its stages for a backbone and targets. */
export type MethodPipeline = <M extends Model>(options: OptEmbedPipelineOptions<M>) => PipelineDefinition<M>;

/**
 * A method as the registry holds it: its definition (kind, tables, budget solver, served form,
 * from the method's folder in @lers/embeddings) plus, for search-then-retrain methods, the
 * pipeline that trains it.
 */
export interface MethodRegistration extends MethodDefinition {
  readonly pipeline?: MethodPipeline;
  /** Where the method's training differs from the backbone's by default (the reference's recipe for it). */
  readonly recipe?: MethodRecipe;
}

/** A method's own training defaults (applied unless the run settings say otherwise; recorded with every run). */
export interface MethodRecipe {
  /** Global gradient-norm clip of every step (settings `clipGradNorm` overrides). */
  readonly clipGradNorm?: number;
  /** CF: negatives per (user, positive) pair. */
  readonly negatives?: number;
}
