import type { Backend } from '@lers/kernels';
import type { SerializedTable } from '../../table.js';
import { FrozenCsrTable, csrSourceViews, storedCsr, type CsrSource } from '../pruning/frozen-csr.js';
import { checkMaskedCsr, headerShape } from './sparse-form.js';

/**
 * The inference form of a learned-pruning method's table (PEP, OptEmbed after retraining): a
 * frozen CSR of the kept entries (see FrozenCsrTable). Serialised like the masked training form
 * (same sections), with header form `csr`.
 */
export class CsrTable extends FrozenCsrTable {
  /** Over host arrays (uploaded) or a model file's resident sections (used in place); validated: ascending columns within each row, in range. */
  constructor(
    readonly method: string,
    backend: Backend,
    rows: number,
    dim: number,
    source: CsrSource,
    private readonly name: string = method,
  ) {
    checkMaskedCsr(method, csrSourceViews(backend, source), rows, dim);
    super(backend, rows, dim, source);
  }

  /** Restores a table serialised by `serialize()` (header form `csr`). */
  static deserialize(serialized: SerializedTable, backend: Backend): CsrTable {
    const { rows, dim, name } = headerShape(serialized);
    return new CsrTable(serialized.method, backend, rows, dim, storedCsr(serialized, backend), name ?? serialized.method);
  }

  async serialize(): Promise<SerializedTable> {
    const { indptr, indices, values } = await this.csrSections();
    return { method: this.method, header: { form: 'csr', rows: this.rows, dim: this.dim, name: this.name }, sections: { indptr, indices, values } };
  }
}
