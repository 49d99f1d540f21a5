import type { Backend } from '@lers/kernels';
import {
  cerpMethod,
  dheMethod,
  fullMethod,
  magPruneInt8Method,
  magPruneMethod,
  optEmbedMethod,
  pepMethod,
  ptqMethod,
  qatMethod,
  qrMethod,
  randPruneMethod,
  solveWith,
  tableOf,
  ttrecMethod,
  type BudgetRequest,
  type BudgetSolution,
  type EmbeddingTable,
  type LoadPurpose,
  type ModelFile,
  type SerializedTable,
  type TableOptions,
} from '@lers/embeddings';
import { CERP_DEFAULT_CLIP, CERP_DEFAULT_NEGATIVES, cerpPipeline } from '../pipeline/cerp-pipeline.js';
import { optEmbedPipeline } from '../pipeline/optembed-pipeline.js';
import { pepPipeline } from '../pipeline/pep-pipeline.js';
import { SettingsError } from '../settings/errors.js';
import type { MethodRegistration } from './registration.js';

/**
 * The one list of compression methods: a line per method. Everything that names methods (model
 * files, training from settings, the CLI's `lers methods` / `train` / `compress` / `bench`, the
 * benchmarks) reads it. It is a plain module-level list, not registration by import side
 * effect, so a bundler cannot drop a method.
 */
const BUILT_IN: readonly MethodRegistration[] = [
  fullMethod,
  qrMethod,
  ttrecMethod,
  dheMethod,
  qatMethod,
  magPruneMethod,
  randPruneMethod,
  magPruneInt8Method,
  ptqMethod,
  { ...pepMethod, pipeline: pepPipeline },
  { ...optEmbedMethod, pipeline: optEmbedPipeline },
  { ...cerpMethod, pipeline: cerpPipeline, recipe: { clipGradNorm: CERP_DEFAULT_CLIP, negatives: CERP_DEFAULT_NEGATIVES } },
];

const registry = new Map<string, MethodRegistration>(BUILT_IN.map((m) => [m.name, m]));

/** Adds a method (e.g. one of your own); its name must be new, and a search-then-retrain method needs its pipeline. */
export function registerMethod(method: MethodRegistration): void {
  if (!/^[a-z][a-z0-9-]*$/.test(method.name)) throw new SettingsError(`method name "${method.name}" must be lowercase letters, digits and dashes`);
  if (registry.has(method.name)) throw new SettingsError(`embedding method "${method.name}" is already registered`);
  if (method.kind === 'search-then-retrain' && method.pipeline === undefined) throw new SettingsError(`method ${method.name} is search-then-retrain but has no pipeline`);
  registry.set(method.name, method);
}

/** Every registered method, in registration order. */
export function methodRegistrations(): MethodRegistration[] {
  return [...registry.values()];
}

/** The registered method names, in registration order. */
export function methodNames(): string[] {
  return [...registry.keys()];
}

/** A registered method by name (a SettingsError naming the registered ones otherwise). */
export function methodNamed(name: string): MethodRegistration {
  const m = registry.get(name);
  if (m === undefined) throw new SettingsError(`unknown method "${name}" (known: ${methodNames().join(', ')})`);
  return m;
}

/** Creates a table of a registered method, e.g. `createTable('full', { rows, dim, backend, seed })`. */
export function createTable(method: string, options: TableOptions): EmbeddingTable {
  return methodNamed(method).create(options);
}

/** Restores a table from `serialize()` output onto `backend`, through its method's loader (for `purpose`, default train). */
export function loadTable(serialized: SerializedTable, backend: Backend, purpose?: LoadPurpose): EmbeddingTable {
  return methodNamed(serialized.method).load(serialized, backend, purpose);
}

/** Restores table `name` of a model file onto a backend (for `purpose`, default train). */
export function loadModelTable(file: ModelFile, name: string, backend: Backend, purpose?: LoadPurpose): EmbeddingTable {
  return loadTable(tableOf(file, name), backend, purpose);
}

/**
 * Sizes `request.method` for the target sparsity with its budget solver: the solution within the
 * tolerance, or a BudgetError stating the closest achievable sparsity. A method without a solver
 * (its search stops at the target itself) is a SettingsError.
 */
export function solveBudget(request: BudgetRequest): BudgetSolution {
  const m = methodNamed(request.method);
  if (m.budget === undefined) throw new SettingsError(`method ${m.name} has no budget solver: its search stops at the target itself`);
  return solveWith(m.budget, request);
}
