import { solvePruningBudget } from './budget.js';
import type { Backend } from '@lers/kernels';
import type { MethodDefinition, TableOptions } from '../../method.js';
import { denseFromOptions, denseOf, type DenseSource } from '../common/dense-source.js';
import { checkSparsity, maskToCsr, randomPruneMask } from './magnitude-pruning.js';
import { PrunedCsrTable } from './pruned-csr.js';

/** Options of random pruning. */
export interface RandPruneOptions {
  /** Fraction of entries to zero, in [0, 1]; exactly round(sparsity * rows * dim) are zeroed. */
  readonly sparsity: number;
  /** Seed of the random choice. */
  readonly seed: number;
  /** Table name (header only). Default `randprune`. */
  readonly name?: string;
  /** Where the CSR lives; default the source table's backend (needed for DenseValues). */
  readonly backend?: Backend;
}

/** Random unstructured pruning to a sparsity (the control for MagPrune), stored as CSR like MagPrune. */
export function randPrune(source: DenseSource, options: RandPruneOptions): PrunedCsrTable {
  const be = options.backend ?? ('lookupAll' in source ? source.backend : undefined);
  if (be === undefined) throw new TypeError('randprune: pruning DenseValues needs a backend');
  const sparsity = checkSparsity('randprune', options.sparsity);
  if (!Number.isInteger(options.seed)) throw new TypeError(`randprune: seed must be an integer, got ${options.seed}`);
  const dense = denseOf('randprune', source);
  const mask = randomPruneMask(dense.rows, dense.dim, sparsity, options.seed);
  return new PrunedCsrTable('randprune', be, dense.rows, dense.dim, maskToCsr(dense, mask.keep), { targetSparsity: sparsity, seed: options.seed }, options.name);
}

/**
 * Registry entry: options `sparsity` (required), `pruneSeed` (default `seed`), and the dense input
 * as `source` / `values`, else a fresh `init`/`seed` table.
 */
export const randPruneMethod: MethodDefinition = {
  name: 'randprune',
  kind: 'post-training',
  summary: 'random pruning of a trained table (the control for MagPrune)',
  servedAs: 'CSR of the kept fp32 entries',
  budget: solvePruningBudget,
  create(options: TableOptions) {
    const dense = denseFromOptions('randprune', options);
    const seed = options.pruneSeed ?? options.seed;
    if (typeof seed !== 'number') throw new TypeError('randprune: option pruneSeed must be a number');
    return randPrune(dense, { sparsity: checkSparsity('randprune', options.sparsity), seed, backend: options.backend, name: options.name ?? 'randprune' });
  },
  load: (serialized, backend) => PrunedCsrTable.deserialize(serialized, backend),
};
