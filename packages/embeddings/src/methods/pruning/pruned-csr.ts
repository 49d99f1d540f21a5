import type { Backend } from '@lers/kernels';
import type { SerializedTable } from '../../table.js';
import { FrozenCsrTable, storedCsr, type CsrSource, type HostCsrArrays, type PrunedTableSize } from './frozen-csr.js';

export type { HostCsrArrays, PrunedTableSize };

/** How a pruned table was made (kept in its header). */
export interface PruningInfo {
  /** The requested sparsity. */
  readonly targetSparsity: number;
  /** MagPrune's per-row protection (absent for random pruning). */
  readonly kMin?: number;
  /** Random pruning's seed (absent for MagPrune). */
  readonly seed?: number;
}

/**
 * A post-training pruned table stored as CSR on the backend (row pointers, column indices, values;
 * int32 / int32 / fp32). Lookup is the csrGatherRows kernel; lookupAll densifies through it. The
 * values are frozen: parameters() is empty and backward only checks its arguments (the gradient
 * has nowhere to go), so a model can still train its other layers around the table.
 */
export class PrunedCsrTable extends FrozenCsrTable {
  /** A `method` table over a host CSR (uploaded) or a model file's resident one (used in place), validated either way. */
  constructor(
    readonly method: 'magprune' | 'randprune',
    backend: Backend,
    rows: number,
    dim: number,
    host: CsrSource,
    /** How the table was pruned. */
    readonly info: PruningInfo,
    private readonly name: string = method,
  ) {
    super(backend, rows, dim, host);
  }

  /** Restores a table serialised by `serialize()` (bit-exact). */
  static deserialize(serialized: SerializedTable, backend: Backend): PrunedCsrTable {
    const method = serialized.method;
    if (method !== 'magprune' && method !== 'randprune') throw new TypeError(`PrunedCsrTable.deserialize: method is ${method}, not magprune or randprune`);
    const h = serialized.header;
    if (typeof h.rows !== 'number' || typeof h.dim !== 'number' || typeof h.targetSparsity !== 'number') {
      throw new TypeError(`${method} table: header needs numeric rows, dim and targetSparsity`);
    }
    const info: PruningInfo = {
      targetSparsity: h.targetSparsity,
      ...(typeof h.kMin === 'number' ? { kMin: h.kMin } : {}),
      ...(typeof h.seed === 'number' ? { seed: h.seed } : {}),
    };
    return new PrunedCsrTable(method, backend, h.rows, h.dim, storedCsr(serialized, backend), info, typeof h.name === 'string' ? h.name : method);
  }

  async serialize(): Promise<SerializedTable> {
    const { indptr, indices, values } = await this.csrSections();
    const header: Record<string, unknown> = { rows: this.rows, dim: this.dim, name: this.name, ...this.info };
    return { method: this.method, header, sections: { indptr, indices, values } };
  }
}
