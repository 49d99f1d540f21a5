/**
 * Building models from settings: the embedding tables sized by the budget solver for the target
 * sparsity (one table per LightGCN side, one shared CTR table), and the backbone around them.
 */
import type { HostBackend } from '@lers/kernels';
import { totalFeatures, type CfDataset, type CtrDataset, type Dataset } from '@lers/data';
import { createTable, solveBudget, type BudgetSolution, type EmbeddingTable, type TableOptions } from '@lers/embeddings';
import { DcnMix, DeepFm, LightGcn, type LightGcnConfig, type TableSpec } from '@lers/models';
import { DataError, UsageError } from '../cli/errors.js';
import type { TrainSettings } from '../config/settings.js';
import { methodKind } from './methods.js';

/** Any model the CLI builds. */
export type AnyModel = LightGcn | DeepFm | DcnMix;

/** One embedding table to create: its name, shape, method and options (budget solution included). */
export interface TablePlan {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  readonly method: string;
  readonly options: Record<string, unknown>;
  readonly budget: BudgetSolution | null;
  readonly seed: number;
}

/**
 * The tables of a model: LightGCN's `user` and `item` (seeds `seed`, `seed + 1`), or the CTR models'
 * shared `embedding` over sum(fieldDims) rows. With a target, each table is sized by the budget
 * solver (BudgetError when the target is out of reach); `methodOptions` override the solution.
 */
export function planTables(s: TrainSettings, ds: Dataset, methodOverride?: string): TablePlan[] {
  const method = methodOverride ?? s.method;
  // Pipelines (PEP, OptEmbed, CERP) size themselves: their search stops at the target.
  if (methodKind(method) === 'pipeline') return [];
  const shapes =
    ds.kind === 'cf'
      ? [
          { name: 'user', rows: ds.users, seed: s.seed, fieldDims: undefined },
          { name: 'item', rows: ds.items, seed: s.seed + 1, fieldDims: undefined },
        ]
      : [{ name: 'embedding', rows: totalFeatures(ds), seed: s.seed, fieldDims: Array.from(ds.fieldDims) }];
  return shapes.map(({ name, rows, seed, fieldDims }) => {
    let budget: BudgetSolution | null = null;
    if (s.target !== null && method !== 'full') {
      budget = solveBudget({ method, rows, dim: s.dim, sparsity: s.target, options: s.methodOptions, tolerance: s.budgetTolerance, ...(fieldDims !== undefined ? { fieldDims } : {}) });
    }
    return { name, rows, dim: s.dim, method, options: { ...(budget?.options ?? {}), ...s.methodOptions }, budget, seed };
  });
}

/** Creates the planned tables on a backend (extra options, e.g. a post-training `source`, per table). */
export function createTables(be: HostBackend, plans: readonly TablePlan[], extra: Record<string, Record<string, unknown>> = {}): Record<string, EmbeddingTable> {
  const out: Record<string, EmbeddingTable> = {};
  try {
    for (const p of plans) {
      const options: TableOptions = { ...p.options, ...(extra[p.name] ?? {}), rows: p.rows, dim: p.dim, backend: be, seed: p.seed, name: p.name };
      out[p.name] = createTable(p.method, options);
    }
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}

/** The backbone of the settings around ready tables (the model takes ownership of them). */
export function buildModel(be: HostBackend, ds: Dataset, s: TrainSettings, tables: Record<string, EmbeddingTable>): AnyModel {
  if (ds.kind === 'cf') return buildLightGcn(be, ds, s, tables);
  return buildCtr(be, ds, s, tables.embedding);
}

/** LightGCN's config from the settings (the tables are the caller's). */
export function lightGcnConfig(s: TrainSettings): LightGcnConfig {
  return {
    dim: s.dim,
    layers: s.layers,
    batchSize: s.batchSize,
    l2: s.l2,
    clWeight: s.clWeight,
    clTemperature: s.clTemperature,
    clSoftmax: s.clSoftmax,
    ks: s.ks,
    ...(s.evalBatchSize !== null ? { evalBatchUsers: s.evalBatchSize } : {}),
    seed: s.seed,
  };
}

function buildLightGcn(be: HostBackend, ds: CfDataset, s: TrainSettings, tables: Record<string, EmbeddingTable>): LightGcn {
  if (s.backbone !== 'lightgcn') throw new UsageError(`backbone ${s.backbone} does not fit a cf dataset`);
  const { user, item } = tables;
  if (user === undefined || item === undefined) throw new DataError(`a LightGCN needs tables "user" and "item" (got: ${Object.keys(tables).join(', ')})`);
  return LightGcn.fromTables(be, ds, { user, item }, lightGcnConfig(s));
}

/** A DeepFM or DCN-Mix of the settings around a table (ready, or a spec the model creates). */
export function buildCtrModel(be: HostBackend, ds: CtrDataset, s: TrainSettings, table: EmbeddingTable | TableSpec): DeepFm | DcnMix {
  const common = {
    dataset: ds,
    backend: be,
    embedDim: s.dim,
    table,
    batchSize: s.batchSize,
    ...(s.evalBatchSize !== null ? { evalBatchSize: s.evalBatchSize } : {}),
    seed: s.seed,
    hidden: s.hidden,
    dropout: s.dropout,
    batchNorm: s.batchNorm,
  };
  if (s.backbone === 'deepfm') return new DeepFm(common);
  if (s.backbone === 'dcnmix') return new DcnMix({ ...common, crossLayers: s.crossLayers, experts: s.experts, rank: s.rank });
  throw new UsageError(`backbone ${s.backbone} does not fit a ctr dataset`);
}

function buildCtr(be: HostBackend, ds: CtrDataset, s: TrainSettings, table: EmbeddingTable): DeepFm | DcnMix {
  return buildCtrModel(be, ds, s, table);
}

/** The embedding tables of a model by name. */
export function modelTables(model: AnyModel): Record<string, EmbeddingTable> {
  return model instanceof LightGcn ? { user: model.userTable, item: model.itemTable } : { embedding: model.table };
}
