import type { Backend } from '@lers/kernels';
import type { CfDataset, CtrDataset } from '@lers/data';
import type { EmbeddingTable } from '@lers/embeddings';
import type { LightGcnConfig } from '../cf/config.js';
import { LightGcn } from '../cf/lightgcn.js';
import type { CtrModel, TableSpec } from '../ctr/ctr-model.js';
import type { Model } from '../model.js';

/** What a pipeline sets on a backbone's model besides its tables. */
export interface ModelSettings {
  /** LightGCN's negatives per (user, positive) pair (CERP's 5 on CF); CTR backbones ignore it. */
  readonly negatives?: number;
}

/**
 * How a pipeline builds its models: a factory over the embedding method (the same backbone, data
 * and seeds every call, so two models of one spec start equal) and access to the tables by the
 * name each was created with (a stage passes per-table state, e.g. masks, keyed by that name).
 */
export interface Backbone<M extends Model = Model> {
  readonly task: 'cf' | 'ctr';
  /** First row of each field of the shared CTR table (OptEmbed's per-field dims); absent for CF. */
  readonly fieldOffsets?: Int32Array;
  /** A fresh model whose embedding tables are `createTable(table.method, { ...table.options, ... })`, with the given settings. */
  create(table: TableSpec, settings?: ModelSettings): M;
  /** The model's embedding tables by name. */
  tables(model: M): Readonly<Record<string, EmbeddingTable>>;
}

/**
 * LightGCN on a CF dataset: tables `user` and `item`; `config.table` is replaced by each stage's
 * spec, and `config.negatives` by the stage's setting when it gives one.
 */
export function lightGcnBackbone(backend: Backend, dataset: CfDataset, config: LightGcnConfig = {}): Backbone<LightGcn> {
  return {
    task: 'cf',
    create: (table, settings = {}) =>
      LightGcn.create(backend, dataset, {
        ...config,
        ...(settings.negatives !== undefined ? { negatives: settings.negatives } : {}),
        table: { ...config.table, method: table.method, options: table.options ?? {} },
      }),
    tables: (model) => ({ user: model.userTable, item: model.itemTable }),
  };
}

/**
 * A CTR model (DeepFM, DCN-Mix) on a CTR dataset: one table `embedding`. `make` builds the model
 * with the given table spec, e.g. `(table) => new DeepFm({ dataset, backend, table, seed })`
 * (model settings are CF-only and not passed on).
 */
export function ctrBackbone<M extends CtrModel>(dataset: CtrDataset, make: (table: TableSpec) => M): Backbone<M> {
  return {
    task: 'ctr',
    fieldOffsets: dataset.fieldOffsets,
    create: (table) => make(table),
    tables: (model) => ({ embedding: model.table }),
  };
}
