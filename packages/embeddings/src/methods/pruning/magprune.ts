import { solvePruningBudget } from './budget.js';
import type { Backend } from '@lers/kernels';
import type { MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable } from '../../table.js';
import { denseFromOptions, denseOf, type DenseSource, type DenseValues } from '../common/dense-source.js';
import { withHostBackend } from '../common/host-access.js';
import { searchKMin, type KMinStrategy, type KMinTrial } from './kmin-search.js';
import { checkSparsity, magnitudePruneMask, maskToCsr, maxKMin, rowMagnitudeRanks, type PruneMask } from './magnitude-pruning.js';
import { PrunedCsrTable } from './pruned-csr.js';

/** Options of a one-shot MagPrune. */
export interface MagPruneOptions {
  /** Fraction of the table's entries to zero, in [0, 1]. */
  readonly sparsity: number;
  /** Largest entries protected per row (default 0); at most floor(dim * (1 - sparsity)) is searched. */
  readonly kMin?: number;
  /** Table name (header only; a pruned table has no parameters). Default `magprune`. */
  readonly name?: string;
  /** Where the CSR lives; default the source table's backend (needed for DenseValues). */
  readonly backend?: Backend;
}

/** Options of MagPrune with k_min chosen on validation. */
export interface MagPruneSearchOptions extends Omit<MagPruneOptions, 'kMin'> {
  /** The validation metric of a candidate pruned table (higher is better), e.g. NDCG@20 or AUC. */
  readonly validate: (table: EmbeddingTable) => number | Promise<number>;
  /** Default 'binary' (assumes the metric is unimodal in k_min). */
  readonly strategy?: KMinStrategy;
}

/** The pruned table with the best k_min, and every k_min tried. */
export interface MagPruneSearchResult {
  readonly table: PrunedCsrTable;
  readonly kMin: number;
  readonly metric: number;
  readonly trials: readonly KMinTrial[];
}

/**
 * MagPrune of one table, set up once for many (sparsity, k_min) choices: the dense values and the
 * per-row magnitude ranks are computed once. Use it directly when several tables share one k_min
 * (LightGCN's user and item tables) together with searchKMin.
 */
export class MagPruner {
  /** The dense values being pruned. */
  readonly dense: DenseValues;
  /** Where the pruned tables live. */
  readonly backend: Backend;
  private ranks: Uint16Array | null = null;

  constructor(source: DenseSource, backend?: Backend) {
    const be = backend ?? ('lookupAll' in source ? source.backend : undefined);
    if (be === undefined) throw new TypeError('magprune: pruning DenseValues needs a backend');
    this.backend = be;
    this.dense = denseOf('magprune', source);
  }

  /** The largest k_min searched at this sparsity: floor(dim * (1 - sparsity)). */
  maxKMin(sparsity: number): number {
    return maxKMin(this.dense.dim, checkSparsity('magprune', sparsity));
  }

  /** The mask of MagPrune at `sparsity` with `kMin` protected entries per row (see magnitudePruneMask). */
  mask(sparsity: number, kMin = 0): PruneMask {
    checkSparsity('magprune', sparsity);
    if (kMin > 0 && this.ranks === null) this.ranks = rowMagnitudeRanks(this.dense);
    // The threshold is a host computation over host values: on a host backend's kernel, or the reference's.
    const ranks = this.ranks ?? undefined;
    return withHostBackend(this.backend, (host) => magnitudePruneMask(host, this.dense, sparsity, kMin, ranks));
  }

  /** The table pruned at `sparsity` with `kMin` protected entries per row, as CSR. */
  prune(sparsity: number, kMin = 0, name = 'magprune'): PrunedCsrTable {
    const mask = this.mask(sparsity, kMin);
    const { rows, dim } = this.dense;
    return new PrunedCsrTable('magprune', this.backend, rows, dim, maskToCsr(this.dense, mask.keep), { targetSparsity: sparsity, kMin }, name);
  }
}

/**
 * One-shot MagPrune (no retraining): zeroes round(sparsity * rows * dim) entries of smallest |w|
 * after protecting each row's kMin largest. If protection leaves too few candidates, fewer are
 * zeroed: `size().sparsity` is the achieved value, `info.targetSparsity` the request.
 */
export function magPrune(source: DenseSource, options: MagPruneOptions): PrunedCsrTable {
  return new MagPruner(source, options.backend).prune(options.sparsity, options.kMin ?? 0, options.name);
}

/**
 * MagPrune with k_min in 0..floor(dim * (1 - sparsity)) chosen by the validation callback (each
 * candidate table is disposed after its evaluation; the best is rebuilt and returned).
 */
export async function magPruneSearch(source: DenseSource, options: MagPruneSearchOptions): Promise<MagPruneSearchResult> {
  const pruner = new MagPruner(source, options.backend);
  const { sparsity, name } = options;
  const result = await searchKMin(
    async (kMin) => {
      const table = pruner.prune(sparsity, kMin, name);
      try {
        return await options.validate(table);
      } finally {
        table.dispose();
      }
    },
    pruner.maxKMin(sparsity),
    options.strategy ?? 'binary',
  );
  return { table: pruner.prune(sparsity, result.kMin, name), kMin: result.kMin, metric: result.metric, trials: result.trials };
}

/**
 * Registry entry: options `sparsity` (required), `kMin` (default 0), and the dense input as
 * `source` (an EmbeddingTable) or `values` (Float32Array), else a fresh `init`/`seed` table.
 */
export const magPruneMethod: MethodDefinition = {
  name: 'magprune',
  kind: 'post-training',
  summary: "magnitude pruning of a trained table, each row keeping its k_min largest entries",
  servedAs: 'CSR of the kept fp32 entries',
  budget: solvePruningBudget,
  create(options: TableOptions) {
    const dense = denseFromOptions('magprune', options);
    const kMin = options.kMin ?? 0;
    if (typeof kMin !== 'number') throw new TypeError(`magprune: option kMin must be a number, got ${typeof kMin}`);
    return magPrune(dense, { sparsity: checkSparsity('magprune', options.sparsity), kMin, backend: options.backend, name: options.name ?? 'magprune' });
  },
  load: (serialized, backend) => PrunedCsrTable.deserialize(serialized, backend),
};
