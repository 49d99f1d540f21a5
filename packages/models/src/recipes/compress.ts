import type { Backend } from '@lers/kernels';
import type { Dataset, JsonObject } from '@lers/data';
import { maxKMin, readTableValues, searchKMin, type DenseValues, type EmbeddingTable, type KMinTrial } from '@lers/embeddings';
import { backboneDefinition } from '../backbones/registry.js';
import type { RecommenderModel } from '../backbones/recommender-model.js';
import { createTable, methodNamed, solveBudget } from '../methods/registry.js';
import type { Metrics } from '../model.js';
import { SettingsError } from '../settings/errors.js';
import type { TrainSettings } from '../settings/settings.js';

/** What to compress a trained full model to. */
export interface CompressRequest {
  readonly method: string;
  /** Target sparsity (null: the method's options say, e.g. a PTQ `format`). */
  readonly target: number | null;
  /** Extra method options (format, ...); they override the budget solution. */
  readonly options: JsonObject;
  /** Entries protected per row: a number, or 'auto' (chosen on the validation metric; needs a dataset with a validation split). */
  readonly kMin: number | 'auto';
  readonly tolerance: number;
}

/** A compressed model and how it was chosen (the caller disposes the model). */
export interface Compressed {
  readonly model: RecommenderModel;
  /** Options per table (budget solution + user options + k_min). */
  readonly options: Record<string, JsonObject>;
  readonly kMin: number | null;
  readonly trials: readonly KMinTrial[];
}

/** Copies the dense parameters and buffers (everything but the tables) of one model into another. */
function copyHead(be: Backend, from: RecommenderModel, to: RecommenderModel): void {
  const src = new Map(from.denseParameters().map((p) => [p.name, p.value]));
  for (const p of to.denseParameters()) {
    const s = src.get(p.name);
    if (s === undefined) throw new Error(`internal: no parameter ${p.name} to copy`);
    be.copy(s, p.value);
  }
  const bufs = from.buffers();
  for (const [name, b] of Object.entries(to.buffers())) be.copy(bufs[name], b);
}

/** Checks that a method is post-training (what compression applies). */
export function checkCompressMethod(method: string): void {
  const m = methodNamed(method);
  if (m.kind !== 'post-training') throw new SettingsError(`${method} is not a post-training method: train it with its own settings (compress takes a post-training method)`);
}

/** Options per table for a request: the budget solver's sizes for the target, then the request's options. */
export function compressOptions(full: RecommenderModel, req: CompressRequest): Record<string, JsonObject> {
  checkCompressMethod(req.method);
  const shapes = new Map(backboneDefinition(full.backbone).tableShapes(full.dataset, 0).map((t) => [t.name, t]));
  const out: Record<string, JsonObject> = {};
  for (const [name, t] of Object.entries(full.embeddingTables())) {
    if (t.method !== 'full') throw new SettingsError(`compression needs a model with full tables; table ${name} is ${t.method} (train it with method full first)`);
    let options: JsonObject = {};
    if (req.target !== null) {
      const fieldDims = shapes.get(name)?.fieldDims;
      const sol = solveBudget({ method: req.method, rows: t.rows, dim: t.dim, sparsity: req.target, options: req.options, tolerance: req.tolerance, ...(fieldDims !== undefined ? { fieldDims } : {}) });
      options = { ...(sol.options as JsonObject) };
    } else if (req.method !== 'ptq') throw new SettingsError(`${req.method} needs a target sparsity`);
    out[name] = { ...options, ...req.options };
  }
  return out;
}

/**
 * Compresses `full` (a model with full tables, built over `dataset`) with a post-training method:
 * each table is replaced by its compressed form created from it, the dense head copied. With
 * kMin 'auto' for MagPrune methods, k_min in 0..floor(d(1 - p)) is searched on the validation metric.
 */
export async function compressModel(be: Backend, full: RecommenderModel, dataset: Dataset, s: TrainSettings, req: CompressRequest): Promise<Compressed> {
  const perTable = compressOptions(full, req);
  const sources = full.embeddingTables();
  const usesKMin = req.method === 'magprune' || req.method === 'magprune-int8';
  const definition = backboneDefinition(full.backbone);
  // The trained values, read back once (any backend): every candidate is built from them.
  const values: Record<string, DenseValues> = {};
  for (const [name, src] of Object.entries(sources)) values[name] = await readTableValues(src);
  const build = (kMin: number): RecommenderModel => {
    const tables: Record<string, EmbeddingTable> = {};
    try {
      for (const [name, v] of Object.entries(values)) {
        tables[name] = createTable(req.method, { ...perTable[name], ...(usesKMin ? { kMin } : {}), values: v.values, rows: v.rows, dim: v.dim, backend: be, seed: s.seed, name });
      }
    } catch (err) {
      for (const t of Object.values(tables)) t.dispose();
      throw err;
    }
    const model = definition.build(be, dataset, s, tables);
    try {
      copyHead(be, full, model);
      return model;
    } catch (err) {
      model.dispose();
      throw err;
    }
  };
  let kMin: number | null = null;
  let trials: readonly KMinTrial[] = [];
  if (usesKMin) {
    if (req.kMin === 'auto') {
      const sparsity = Number(perTable[Object.keys(perTable)[0]].sparsity);
      const dim = Object.values(sources)[0].dim;
      const result = await searchKMin(
        async (k) => {
          const m = build(k);
          try {
            const v = (await m.evaluate('valid'))[m.selectionMetric];
            return Number.isNaN(v) ? -Infinity : v;
          } finally {
            m.dispose();
          }
        },
        maxKMin(dim, sparsity),
        'binary',
      );
      kMin = result.kMin;
      trials = result.trials;
    } else kMin = req.kMin;
  }
  const model = build(kMin ?? 0);
  const options: Record<string, JsonObject> = {};
  for (const name of Object.keys(perTable)) options[name] = { ...perTable[name], ...(kMin !== null ? { kMin } : {}) };
  return { model, options, kMin, trials };
}

/** Valid and test metrics of a model. */
export async function evaluateBoth(model: RecommenderModel): Promise<{ valid: Metrics; test: Metrics }> {
  return { valid: await model.evaluate('valid'), test: await model.evaluate('test') };
}
