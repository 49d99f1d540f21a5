/**
 * Post-training compression of a trained full model: each embedding table is replaced by its
 * compressed form (MagPrune, random pruning, MagPrune + int8, PTQ) sized by the budget solver for
 * the target; MagPrune's k_min (entries protected per row) is chosen on validation, one value for
 * all tables of the model.
 */
import type { HostBackend } from '@lers/kernels';
import type { Dataset, JsonObject } from '@lers/data';
import { createTable, maxKMin, searchKMin, solveBudget, type EmbeddingTable, type KMinTrial } from '@lers/embeddings';
import type { Metrics } from '@lers/models';
import { UsageError } from '../cli/errors.js';
import type { TrainSettings } from '../config/settings.js';
import { buildModel, modelTables, type AnyModel } from '../model-io/build.js';
import { checkCompressMethod } from '../model-io/methods.js';

/** What to compress to. */
export interface CompressRequest {
  readonly method: string;
  /** Target sparsity (null: the method's options say, e.g. a PTQ --format). */
  readonly target: number | null;
  /** Extra method options (format, ...); override the budget solution. */
  readonly options: JsonObject;
  /** Entries protected per row: a number, or 'auto' (chosen on validation; needs a dataset). */
  readonly kMin: number | 'auto';
  readonly tolerance: number;
}

/** A compressed model and how it was chosen. */
export interface Compressed {
  readonly model: AnyModel;
  /** Options per table (budget solution + user options + k_min). */
  readonly options: Record<string, JsonObject>;
  readonly kMin: number | null;
  readonly trials: readonly KMinTrial[];
}

/** Copies the dense parameters and buffers (everything but the tables) of one model into another. */
function copyHead(be: HostBackend, from: AnyModel, to: AnyModel): void {
  const own = (m: AnyModel): Set<unknown> => new Set(Object.values(modelTables(m)).flatMap((t) => t.parameters()));
  const skipFrom = own(from);
  const skipTo = own(to);
  const src = new Map(from.parameters().filter((p) => !skipFrom.has(p)).map((p) => [p.name, p.value]));
  for (const p of to.parameters()) {
    if (skipTo.has(p)) continue;
    const s = src.get(p.name);
    if (s === undefined) throw new Error(`internal: no parameter ${p.name} to copy`);
    be.copy(s, p.value);
  }
  const bufs = from.buffers();
  for (const [name, b] of Object.entries(to.buffers())) be.copy(bufs[name], b);
}

/** Options per table for a request (the budget solver's sizes for the target). */
export function compressOptions(full: AnyModel, req: CompressRequest, fieldDims?: readonly number[]): Record<string, JsonObject> {
  checkCompressMethod(req.method);
  const out: Record<string, JsonObject> = {};
  for (const [name, t] of Object.entries(modelTables(full))) {
    if (t.method !== 'full') throw new UsageError(`compress needs a model with full tables; table ${name} is ${t.method} (train with --method full first)`);
    let options: JsonObject = {};
    if (req.target !== null) {
      const sol = solveBudget({ method: req.method, rows: t.rows, dim: t.dim, sparsity: req.target, options: req.options, tolerance: req.tolerance, ...(fieldDims !== undefined ? { fieldDims } : {}) });
      options = { ...(sol.options as JsonObject) };
    } else if (req.method !== 'ptq') throw new UsageError(`${req.method} needs --target`);
    out[name] = { ...options, ...req.options };
  }
  return out;
}

/**
 * Compresses `full` (a model holding full tables, on `be`, built over `dataset`). With kMin 'auto'
 * for MagPrune methods, k_min in 0..floor(d(1 - p)) is searched on the validation metric.
 */
export async function compressModel(be: HostBackend, full: AnyModel, dataset: Dataset, s: TrainSettings, req: CompressRequest): Promise<Compressed> {
  const fieldDims = dataset.kind === 'ctr' ? Array.from(dataset.fieldDims) : undefined;
  const perTable = compressOptions(full, req, fieldDims);
  const sources = modelTables(full);
  const usesKMin = req.method === 'magprune' || req.method === 'magprune-int8';
  const build = (kMin: number): AnyModel => {
    const tables: Record<string, EmbeddingTable> = {};
    try {
      for (const [name, src] of Object.entries(sources)) {
        tables[name] = createTable(req.method, { ...perTable[name], ...(usesKMin ? { kMin } : {}), source: src, rows: src.rows, dim: src.dim, backend: be, seed: s.seed, name });
      }
      const model = buildModel(be, dataset, s, tables);
      copyHead(be, full, model);
      return model;
    } catch (err) {
      for (const t of Object.values(tables)) t.dispose();
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

/** Valid and test metrics of a model (NaN-safe). */
export async function evaluateBoth(model: AnyModel): Promise<{ valid: Metrics; test: Metrics }> {
  return { valid: await model.evaluate('valid'), test: await model.evaluate('test') };
}
