import { isHostBackend, type Backend, type Buf, type Csr } from '@lers/kernels';
import type { Parameter } from '../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../table.js';
import { checkIdsInRange, checkRowsLength } from './host-access.js';
import { csrBytes, csrSections, csrToMasked, headerShape, type MaskedCsr } from './sparse-form.js';

/**
 * The inference form of a learned-pruning method's table (PEP, OptEmbed after retraining): a
 * frozen CSR of the kept entries on the backend, looked up with the csrGatherRows kernel. It has
 * no parameters (backward checks its arguments only). Serialised like the masked training form
 * (same sections), with header form `csr`.
 */
export class CsrTable implements EmbeddingTable {
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly csr: Csr;
  private readonly stored: number;
  private readonly nonZeros: number;
  private iota: Buf<'i32'> | null = null;
  private disposed = false;

  /** Uploads `host` (validated: ascending columns within each row, in range). */
  constructor(
    readonly method: string,
    backend: Backend,
    rows: number,
    dim: number,
    host: MaskedCsr,
    private readonly name: string = method,
  ) {
    csrToMasked(method, host, rows, dim);
    this.rows = rows;
    this.dim = dim;
    this.backend = backend;
    this.csr = backend.uploadCsr({ rows, cols: dim, indptr: host.indptr, indices: host.indices, values: host.values });
    this.stored = host.values.length;
    let nz = 0;
    for (const v of host.values) if (v !== 0) nz++;
    this.nonZeros = nz;
  }

  /** Restores a table serialised by `serialize()` (header form `csr`). */
  static deserialize(serialized: SerializedTable, backend: Backend): CsrTable {
    const { rows, dim, name } = headerShape(serialized);
    return new CsrTable(serialized.method, backend, rows, dim, csrSections(serialized), name ?? serialized.method);
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

  /** params = non-zeros; bytes = int32 row pointers and columns plus fp32 values. */
  size(): TableSize {
    const bytes = csrBytes(this.rows, this.stored);
    return { params: this.nonZeros, nonZeros: this.nonZeros, memoryBytes: bytes, diskBytes: bytes };
  }

  async serialize(): Promise<SerializedTable> {
    const be = this.backend;
    const [indptr, indices, values] = await Promise.all([be.read(this.csr.indptr), be.read(this.csr.indices), be.read(this.csr.values)]);
    return { method: this.method, header: { form: 'csr', rows: this.rows, dim: this.dim, name: this.name }, sections: { indptr, indices, values } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.freeCsr(this.csr);
    if (this.iota !== null) this.backend.free(this.iota);
  }
}
