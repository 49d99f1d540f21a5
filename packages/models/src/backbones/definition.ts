import type { Backend } from '@lers/kernels';
import type { Dataset, SectionArray } from '@lers/data';
import type { EmbeddingTable } from '@lers/embeddings';
import type { Backbone } from '../pipeline/backbone.js';
import type { BackboneName, Task, TrainSettings } from '../settings/settings.js';
import type { RecommenderModel } from './recommender-model.js';

/** One embedding table a backbone has on a dataset: its name, rows and seed (CTR: the field sizes). */
export interface TableShape {
  readonly name: string;
  readonly rows: number;
  readonly seed: number;
  /** CTR: the per-field row counts of the shared table (OptEmbed's groups, budget solvers). */
  readonly fieldDims?: readonly number[];
}

/**
 * What a backbone says about itself, so that code above the models (files, training from
 * settings, compression, serving, the CLI) never switches on a concrete class: its tables on a
 * dataset, how to build a model around tables, the factory the method pipelines use, and the
 * host arrays its model files keep.
 */
export interface BackboneDefinition {
  readonly name: BackboneName;
  readonly task: Task;
  /** The tables of a model on `dataset`, seeded from the run seed. */
  tableShapes(dataset: Dataset, seed: number): readonly TableShape[];
  /** A model of `settings` around ready tables (the model takes ownership of them). */
  build(be: Backend, dataset: Dataset, settings: TrainSettings, tables: Readonly<Record<string, EmbeddingTable>>): RecommenderModel;
  /** The method pipelines' factory: a fresh model per table spec, same data and seeds every call. */
  pipelineBackbone(be: Backend, dataset: Dataset, settings: TrainSettings): Backbone<RecommenderModel>;
  /** Arrays a model file keeps besides the parameters (LightGCN: its train graph and id maps). */
  fileSections(model: RecommenderModel): Readonly<Record<string, SectionArray>>;
}
