/**
 * The method definitions this package exports, by name, for tests that create or restore tables
 * by method name. Derived from the package's exports, not listed by hand: the registry proper
 * (the one list of methods) is @lers/models'.
 */
import type { Backend } from '@lers/kernels';
import * as embeddings from '../src/index.js';
import { solveWith, type BudgetRequest, type BudgetSolution, type EmbeddingTable, type MethodDefinition, type SerializedTable, type TableOptions } from '../src/index.js';

function isDefinition(x: unknown): x is MethodDefinition {
  const d = x as Partial<MethodDefinition> | null;
  return typeof d === 'object' && d !== null && typeof d.name === 'string' && typeof d.kind === 'string' && typeof d.create === 'function' && typeof d.load === 'function';
}

const BY_NAME = new Map(Object.values(embeddings).filter(isDefinition).map((d) => [d.name, d]));

/** The exported definition of a method. */
export function definition(name: string): MethodDefinition {
  const d = BY_NAME.get(name);
  if (d === undefined) throw new Error(`unknown embedding method "${name}" (exported: ${[...BY_NAME.keys()].join(', ')})`);
  return d;
}

/** Every exported definition. */
export function definitions(): MethodDefinition[] {
  return [...BY_NAME.values()];
}

export function createTable(method: string, options: TableOptions): EmbeddingTable {
  return definition(method).create(options);
}

export function loadTable(serialized: SerializedTable, backend: Backend): EmbeddingTable {
  return definition(serialized.method).load(serialized, backend);
}

export function solveBudget(request: BudgetRequest): BudgetSolution {
  const solver = definition(request.method).budget;
  if (solver === undefined) throw new Error(`no budget solver for "${request.method}"`);
  return solveWith(solver, request);
}
