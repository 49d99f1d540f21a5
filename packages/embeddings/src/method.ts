import type { Backend } from '@lers/kernels';
import type { BudgetSolver } from './budget/types.js';
import type { TableInit } from './init.js';
import type { EmbeddingTable, SerializedTable } from './table.js';


/** What a table is restored for: further training (every parameter trainable), or serving requests only. */
export type LoadPurpose = 'train' | 'serve';
/** What every method's table is created from; methods add their own options next to these. */
export interface CreateTableOptions {
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** Seed of every random choice the method makes at creation (initial values, hashes, ...). */
  readonly seed: number;
  /** Initial values where the method has a dense part; default Xavier-uniform. */
  readonly init?: TableInit;
  /** Prefix of the table's parameter names, unique within a model (e.g. `user`, `item`). */
  readonly name?: string;
  /** Weight decay of the table's parameters; default: the optimizer's. */
  readonly weightDecay?: number;
}

/** Options of a method's `create`: the common ones plus method-specific ones (e.g. QR's `buckets`). */
export type TableOptions = CreateTableOptions & { readonly [option: string]: unknown };

/**
 * How a method reaches its compressed model: `baseline` (the uncompressed table), `trained` (the
 * compressed table is trained as it is: QR, TT-Rec, DHE, QAT), `post-training` (applied to a
 * trained full model: MagPrune, random pruning, MagPrune + int8, PTQ), `search-then-retrain` (a
 * search or supernet stage, then retraining with fixed masks: PEP, OptEmbed, CERP).
 */
export type MethodKind = 'baseline' | 'trained' | 'post-training' | 'search-then-retrain';

/**
 * One compression method, declared once in its own file: its kind, how to create and restore its
 * tables, how to size it for a target sparsity, and what it serves. The registry of @lers/models
 * lists every definition (one line each) and adds the training pipeline of search-then-retrain
 * methods, so that no other list of methods exists.
 */
export interface MethodDefinition {
  readonly name: string;
  readonly kind: MethodKind;
  /** One line for listings (`lers methods`). */
  readonly summary: string;
  /** What its table is when served (e.g. "fp32 rows", "CSR of the kept entries"). */
  readonly servedAs: string;
  /** A fresh table (post-training methods: from option `source`, a trained full table). */
  create(options: TableOptions): EmbeddingTable;
  /**
   * Restores a table from its `serialize()` output: trainable (`train`, the default), or for
   * `serve` the method's inference form where it has a lighter one (PEP/OptEmbed's masked tables
   * as the frozen CSR of their kept entries).
   */
  load(serialized: SerializedTable, backend: Backend, purpose?: LoadPurpose): EmbeddingTable;
  /** Size parameters for a target sparsity; absent where the method's own search stops at the target. */
  readonly budget?: BudgetSolver;
}
