/**
 * Stand-in models: when a bench cell's model file is not at hand (a browser, another machine), a
 * model of the same structure is built here from the cell's settings on synthetic data of the
 * same shape, with untrained weights. What it holds and how long a request takes depend on the
 * structure (table shapes, budget solution, sparsity, graph size), not on the trained values, so
 * it measures memory and latency; its accuracy is meaningless and never used (the bench's is).
 * Search-then-retrain methods (PEP, OptEmbed, CERP) have no stand-in: their structure is what
 * their search finds.
 */
import type { Backend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr, type Dataset } from '@lers/data';
import { encodeModelFile } from '@lers/embeddings';
import { backboneDefinition, compressModel, createTables, datasetInfo, methodNamed, planOptions, planTables, saveModel, type RecommenderModel, type TrainSettings } from '@lers/models';
import { AdviceInputError } from './errors.js';
import type { BenchCell } from './results.js';

/** The shape of a dataset, as the synthetic generators take it. */
export type DatasetShape =
  | { readonly task: 'cf'; readonly users: number; readonly items: number; readonly meanInteractions?: number; readonly seed?: number }
  | { readonly task: 'ctr'; readonly cardinalities?: readonly number[]; readonly rows?: number; readonly seed?: number };

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The shape of a cell's dataset when the bench ran on synthetic data (its generator options;
 * the generators' defaults fill what the settings leave out); null for real datasets, whose
 * shape the user gives.
 */
export function shapeOfCell(cell: BenchCell): DatasetShape | null {
  const s = cell.settings;
  if (s === undefined || (s.data !== 'synthetic-cf' && s.data !== 'synthetic-ctr')) return null;
  const o = (typeof s.dataOptions === 'object' && s.dataOptions !== null && !Array.isArray(s.dataOptions) ? s.dataOptions : {});
  if (s.data === 'synthetic-cf') {
    const meanInteractions = num(o.meanInteractions);
    const seed = num(o.seed);
    return { task: 'cf', users: num(o.users) ?? 3000, items: num(o.items) ?? 4000, ...(meanInteractions !== undefined ? { meanInteractions } : {}), ...(seed !== undefined ? { seed } : {}) };
  }
  const cards = Array.isArray(o.cardinalities) ? o.cardinalities.map(num) : undefined;
  const seed = num(o.seed);
  const rows = num(o.rows);
  return {
    task: 'ctr',
    ...(cards !== undefined && cards.every((c) => c !== undefined) ? { cardinalities: cards } : {}),
    ...(rows !== undefined ? { rows } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}

/** Synthetic data of a shape (seeded; the generators' defaults for what it leaves out). */
export function shapeDataset(shape: DatasetShape): Dataset {
  if (shape.task === 'cf') return generateSyntheticCf({ users: shape.users, items: shape.items, ...(shape.meanInteractions !== undefined ? { meanInteractions: shape.meanInteractions } : {}), ...(shape.seed !== undefined ? { seed: shape.seed } : {}) }).dataset;
  return generateSyntheticCtr({ ...(shape.cardinalities !== undefined ? { cardinalities: [...shape.cardinalities] } : {}), rows: shape.rows ?? 20000, ...(shape.seed !== undefined ? { seed: shape.seed } : {}) }).dataset;
}

/** Why a cell has no stand-in, or null when one can be built. */
export function standInUnavailable(cell: BenchCell): string | null {
  if (cell.settings === undefined) return 'the results file has no settings for this cell';
  let kind: string;
  try {
    kind = methodNamed(cell.method).kind;
  } catch {
    return `unknown method ${cell.method}`;
  }
  if (kind === 'search-then-retrain') return `${cell.method} is search-then-retrain: its structure is what its search finds, so only its own model file can be measured`;
  return null;
}

/**
 * The `.lers` bytes of a stand-in for `cell` built on `dataset` (shaped like the cell's data):
 * the cell's backbone and method at its target with the budget solver's sizes, untrained; a
 * post-training method compresses an untrained full model (k_min as the bench chose it, else 0).
 */
export async function standInModel(be: Backend, dataset: Dataset, cell: BenchCell & { readonly kMin?: number | null }): Promise<Uint8Array> {
  const why = standInUnavailable(cell);
  if (why !== null) throw new AdviceInputError(`${cell.id}: no stand-in model: ${why}`);
  const s = { ...(cell.settings as unknown as TrainSettings), method: cell.method, target: cell.target };
  if (dataset.kind !== s.task) throw new AdviceInputError(`${cell.id}: a ${s.task} cell needs a ${s.task} dataset shape, got ${dataset.kind}`);
  const definition = backboneDefinition(s.backbone);
  const postTraining = methodNamed(s.method).kind === 'post-training';
  const base: TrainSettings = postTraining ? { ...s, method: 'full', target: null } : s;
  const plans = planTables(base, dataset);
  let model: RecommenderModel = definition.build(be, dataset, base, createTables(be, plans));
  let options = planOptions(plans);
  try {
    if (postTraining) {
      const c = await compressModel(be, model, dataset, s, { method: s.method, target: s.target, options: s.methodOptions, kMin: typeof cell.kMin === 'number' ? cell.kMin : 0, tolerance: s.budgetTolerance });
      model.dispose();
      model = c.model;
      options = c.options;
    }
    const contents = await saveModel(model, {
      settings: s,
      config: s,
      method: { name: s.method, target: s.target, options },
      dataset: datasetInfo({ kind: 'synthetic', name: `synthetic-${s.task}` }, `synthetic-${s.task} (shape of ${cell.dataset})`, dataset),
      metrics: {},
      extra: { standInFor: cell.id },
    });
    return encodeModelFile(contents);
  } finally {
    model.dispose();
  }
}
