import { isHostBackend, type Backend, type Buf, type Csr } from '@lers/kernels';
import type { Parameter } from '../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../table.js';
import { checkIdsInRange, checkRowsLength } from './host-access.js';

/** Size of a pruned table: the protocol's count (non-zeros) plus where the bytes go. */
export interface PrunedTableSize extends TableSize {
  /** 1 - params / (rows x dim), the protocol's sparsity. */
  readonly sparsity: number;
  /** Entries stored (a kept entry whose value is exactly 0 is stored but not a non-zero). */
  readonly storedEntries: number;
  /** Bytes of the row pointers and column indices (not counted by the protocol, real memory). */
  readonly indexBytes: number;
  /** Bytes of the stored values (and, when quantized, their per-row scale and bias). */
  readonly valueBytes: number;
}

/** How a pruned table was made (kept in its header). */
export interface PruningInfo {
  /** The requested sparsity. */
  readonly targetSparsity: number;
  /** MagPrune's per-row protection (absent for random pruning). */
  readonly kMin?: number;
  /** Random pruning's seed (absent for MagPrune). */
  readonly seed?: number;
}

/** A host CSR: row pointers (rows + 1), ascending column indices and values. */
export interface HostCsrArrays {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * A post-training pruned table stored as CSR on the backend (row pointers, column indices, values;
 * int32 / int32 / fp32). Lookup is the csrGatherRows kernel; lookupAll densifies through it. The
 * values are frozen: parameters() is empty and backward only checks its arguments (the gradient
 * has nowhere to go), so a model can still train its other layers around the table.
 */
export class PrunedCsrTable implements EmbeddingTable {
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** The table's CSR on the backend (owned: freed by dispose). */
  readonly csr: Csr;
  /** How the table was pruned. */
  readonly info: PruningInfo;
  private readonly name: string;
  private readonly stored: number;
  private readonly nonZeros: number;
  /** 0..rows-1, for lookupAll; built on first use. */
  private iota: Buf<'i32'> | null = null;
  private disposed = false;

  /** Uploads a host CSR (validated by the kernel's uploadCsr) as a `method` table. */
  constructor(
    readonly method: 'magprune' | 'randprune',
    backend: Backend,
    rows: number,
    dim: number,
    host: HostCsrArrays,
    info: PruningInfo,
    name: string = method,
  ) {
    this.rows = rows;
    this.dim = dim;
    this.backend = backend;
    this.info = info;
    this.name = name;
    this.csr = backend.uploadCsr({ rows, cols: dim, indptr: host.indptr, indices: host.indices, values: host.values });
    this.stored = host.values.length;
    let nz = 0;
    for (const v of host.values) if (v !== 0) nz++;
    this.nonZeros = nz;
  }

  /** Restores a table serialised by `serialize()` (bit-exact). */
  static deserialize(serialized: SerializedTable, backend: Backend): PrunedCsrTable {
    const method = serialized.method;
    if (method !== 'magprune' && method !== 'randprune') throw new TypeError(`PrunedCsrTable.deserialize: method is ${method}, not magprune or randprune`);
    const h = serialized.header;
    const { indptr, indices, values } = serialized.sections;
    if (typeof h.rows !== 'number' || typeof h.dim !== 'number' || typeof h.targetSparsity !== 'number') {
      throw new TypeError(`${method} table: header needs numeric rows, dim and targetSparsity`);
    }
    if (!(indptr instanceof Int32Array) || !(indices instanceof Int32Array) || !(values instanceof Float32Array)) {
      throw new TypeError(`${method} table: sections indptr, indices (Int32Array) and values (Float32Array) are required`);
    }
    const info: PruningInfo = {
      targetSparsity: h.targetSparsity,
      ...(typeof h.kMin === 'number' ? { kMin: h.kMin } : {}),
      ...(typeof h.seed === 'number' ? { seed: h.seed } : {}),
    };
    return new PrunedCsrTable(method, backend, h.rows, h.dim, { indptr, indices, values }, info, typeof h.name === 'string' ? h.name : method);
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, _ctx: LookupContext): void {
    this.backend.csrGatherRows(this.csr, ids, out);
  }

  /** Frozen values: checks the ids and the gradient's shape, accumulates nothing. */
  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength(`${this.method} backward`, 'dOut', dOut.length, ids.length, this.dim);
    const be = this.backend;
    if (isHostBackend(be)) checkIdsInRange(`${this.method} backward`, be.view(ids), this.rows);
  }

  lookupAll(out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength(`${this.method} lookupAll`, 'out', out.length, this.rows, this.dim);
    if (this.iota === null) this.iota = this.backend.upload('i32', Int32Array.from({ length: this.rows }, (_, r) => r));
    this.backend.csrGatherRows(this.csr, this.iota, out);
  }

  /** Frozen values: checks the gradient's shape only. */
  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength(`${this.method} backwardAll`, 'dOut', dOut.length, this.rows, this.dim);
  }

  parameters(): readonly Parameter[] {
    return [];
  }

  /** params = non-zeros (the protocol); bytes = int32 row pointers + int32 columns + fp32 values. */
  size(): PrunedTableSize {
    const indexBytes = 4 * (this.rows + 1) + 4 * this.stored;
    const valueBytes = 4 * this.stored;
    const bytes = indexBytes + valueBytes;
    return {
      params: this.nonZeros,
      nonZeros: this.nonZeros,
      memoryBytes: bytes,
      diskBytes: bytes,
      sparsity: 1 - this.nonZeros / (this.rows * this.dim),
      storedEntries: this.stored,
      indexBytes,
      valueBytes,
    };
  }

  async serialize(): Promise<SerializedTable> {
    const be = this.backend;
    const [indptr, indices, values] = await Promise.all([be.read(this.csr.indptr), be.read(this.csr.indices), be.read(this.csr.values)]);
    const header: Record<string, unknown> = { rows: this.rows, dim: this.dim, name: this.name, ...this.info };
    return { method: this.method, header, sections: { indptr, indices, values } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.freeCsr(this.csr);
    if (this.iota !== null) this.backend.free(this.iota);
  }
}
