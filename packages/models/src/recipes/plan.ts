import type { Backend } from '@lers/kernels';
import type { Dataset, JsonObject } from '@lers/data';
import type { BudgetSolution, EmbeddingTable, TableOptions } from '@lers/embeddings';
import { backboneDefinition } from '../backbones/registry.js';
import { createTable, methodNamed, solveBudget } from '../methods/registry.js';
import type { TrainSettings } from '../settings/settings.js';

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
 * The tables of a model of `s` on `ds` (the backbone's table shapes), each sized by the method's
 * budget solver for the target (a BudgetError when the target is out of reach); `methodOptions`
 * override the solution. Search-then-retrain methods plan nothing: their search stops at the target.
 */
export function planTables(s: TrainSettings, ds: Dataset, methodOverride?: string): TablePlan[] {
  const method = methodOverride ?? s.method;
  if (methodNamed(method).kind === 'search-then-retrain') return [];
  return backboneDefinition(s.backbone).tableShapes(ds, s.seed).map(({ name, rows, seed, fieldDims }) => {
    let budget: BudgetSolution | null = null;
    if (s.target !== null && method !== 'full') {
      budget = solveBudget({ method, rows, dim: s.dim, sparsity: s.target, options: s.methodOptions, tolerance: s.budgetTolerance, ...(fieldDims !== undefined ? { fieldDims } : {}) });
    }
    return { name, rows, dim: s.dim, method, options: { ...(budget?.options ?? {}), ...s.methodOptions }, budget, seed };
  });
}

/** The method options actually used per table (the budget solution and the user's options), as JSON. */
export function planOptions(plans: readonly TablePlan[]): Record<string, JsonObject> {
  return Object.fromEntries(plans.map((p) => [p.name, JSON.parse(JSON.stringify(p.options)) as JsonObject]));
}

/** Creates the planned tables on a backend (`extra`: more options per table, e.g. a post-training `source`). */
export function createTables(be: Backend, plans: readonly TablePlan[], extra: Readonly<Record<string, Record<string, unknown>>> = {}): Record<string, EmbeddingTable> {
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
