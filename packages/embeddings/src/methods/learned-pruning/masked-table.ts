import type { Backend, Buf } from '@lers/kernels';
import { checkTableShape } from '../full/full.js';
import { DEFAULT_INIT, type TableInit } from '../../init.js';
import type { Parameter } from '../../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { CsrTable } from './csr-table.js';
import { checkRowsLength, countNonZeros } from '../common/host-access.js';
import { csrBytes, csrSections, csrToMasked, headerShape, maskedCsr } from './sparse-form.js';
import { createWeight, MaskedPart } from './table-part.js';

/** Options of a fixed-mask table. */
export interface MaskedTableOptions {
  /** The method it retrains for (`pep`, `optembed`): its name in the registry and in files. */
  readonly method: string;
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** 0/1 per entry, rows x dim. */
  readonly mask: Uint8Array;
  readonly seed: number;
  /** Initial values of W (default Xavier-uniform; the pipeline then writes the saved initial weights). */
  readonly init?: TableInit;
  /** Parameter prefix (`<name>.weight`), default the method. */
  readonly name?: string;
  readonly weightDecay?: number;
}

/** Size of a masked table: the protocol's count plus its CSR (inference) and dense (training) bytes. */
export interface MaskedTableSize extends TableSize {
  /** 1 - params / (rows x dim). */
  readonly sparsity: number;
  /** Entries the mask keeps. */
  readonly kept: number;
  /** Bytes of the dense training form (W; its gradient and the f32 mask not counted). */
  readonly denseBytes: number;
}

/**
 * The retraining form of a learned-pruning method (PEP, OptEmbed): a full-size trainable W whose
 * output is W (.) M for a fixed element mask M (lottery ticket: start from the initial weights,
 * train only the kept entries). It serialises as CSR of the kept entries; `toCsr()` gives the
 * frozen CSR table for inference. Size counts the kept non-zeros (the protocol's parameters) and
 * reports CSR bytes as memory and disk (the stored form), with the dense training bytes apart.
 */
export class MaskedTable implements EmbeddingTable {
  readonly method: string;
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly weight: Parameter;
  private readonly part: MaskedPart;
  private readonly name: string;

  constructor(o: MaskedTableOptions) {
    checkTableShape(o.method, o.rows, o.dim);
    const be = o.backend;
    this.method = o.method;
    this.rows = o.rows;
    this.dim = o.dim;
    this.backend = be;
    this.name = o.name ?? o.method;
    const { weight, touched } = createWeight(be, `${this.name}.weight`, o.rows, o.dim, o.init ?? DEFAULT_INIT, o.seed, o.weightDecay);
    try {
      this.part = new MaskedPart(be, weight, touched, o.mask);
    } catch (e) {
      be.free(weight.value);
      be.free(weight.grad);
      touched.dispose();
      throw e;
    }
    this.weight = weight;
  }

  /** Restores a table serialised by `serialize()` (header form `masked`). */
  static deserialize(serialized: SerializedTable, backend: Backend): MaskedTable {
    const { rows, dim, name } = headerShape(serialized);
    const { values, mask } = csrToMasked(serialized.method, csrSections(serialized), rows, dim);
    const wd = serialized.header.weightDecay;
    const table = new MaskedTable({
      method: serialized.method,
      rows,
      dim,
      backend,
      mask,
      seed: 0,
      init: { kind: 'zeros' },
      ...(name !== undefined ? { name } : {}),
      ...(typeof wd === 'number' ? { weightDecay: wd } : {}),
    });
    backend.write(table.weight.value, values);
    return table;
  }

  /** The fixed mask (rows x dim, 1 = kept). */
  get mask(): Uint8Array {
    return this.part.mask;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength(`${this.method}.lookup`, 'out', out.length, ids.length, this.dim);
    this.part.forwardRows(ids, out);
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength(`${this.method}.backward`, 'dOut', dOut.length, ids.length, this.dim);
    this.part.backwardRows(ids, dOut);
  }

  lookupAll(out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength(`${this.method}.lookupAll`, 'out', out.length, this.rows, this.dim);
    this.part.forwardAll(out);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength(`${this.method}.backwardAll`, 'dOut', dOut.length, this.rows, this.dim);
    this.part.backwardAll(dOut);
  }

  parameters(): readonly Parameter[] {
    return this.part.parameters();
  }

  async size(): Promise<MaskedTableSize> {
    const nonZeros = await this.withMaskedValues((values) => countNonZeros(this.backend, [values]));
    const bytes = csrBytes(this.rows, this.part.kept);
    return {
      params: nonZeros,
      nonZeros,
      memoryBytes: bytes,
      diskBytes: bytes,
      sparsity: 1 - nonZeros / (this.rows * this.dim),
      kept: this.part.kept,
      denseBytes: 4 * this.rows * this.dim,
    };
  }

  /** The frozen CSR table of the kept entries (for inference; a new table on the same backend). */
  async toCsr(): Promise<CsrTable> {
    const values = await this.withMaskedValues((v) => this.backend.read(v));
    return new CsrTable(this.method, this.backend, this.rows, this.dim, maskedCsr(values, this.part.mask, this.rows, this.dim), this.name);
  }

  async serialize(): Promise<SerializedTable> {
    const header: Record<string, unknown> = { form: 'masked', rows: this.rows, dim: this.dim, name: this.name };
    if (this.weight.weightDecay !== undefined) header.weightDecay = this.weight.weightDecay;
    const values = await this.backend.read(this.weight.value);
    const csr = maskedCsr(values, this.part.mask, this.rows, this.dim);
    return { method: this.method, header, sections: { indptr: csr.indptr, indices: csr.indices, values: csr.values } };
  }

  dispose(): void {
    this.part.dispose();
  }

  /** Runs `use` on W (.) M in a scratch buffer, freed afterwards. */
  private async withMaskedValues<T>(use: (values: Buf<'f32'>) => Promise<T>): Promise<T> {
    const tmp = this.backend.alloc('f32', this.rows * this.dim);
    try {
      this.part.forwardAll(tmp);
      return await use(tmp);
    } finally {
      this.backend.free(tmp);
    }
  }
}
