import { checkHostCsr, isHostBackend, requireHostBackend, type Backend, type Buf, type Csr } from '@lers/kernels';
import type { Parameter } from '../../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { checkKnownIds, checkRowsLength } from '../common/host-access.js';

/** The sizes of a CSR table: the protocol's params plus its real index and value bytes. */
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

/** The size of a CSR-stored pruned table: params = non-zeros (the protocol), bytes = index + values. */
export function prunedTableSize(t: { rows: number; dim: number; nonZeros: number; stored: number }, indexBytes: number, valueBytes: number): PrunedTableSize {
  const bytes = indexBytes + valueBytes;
  return {
    params: t.nonZeros,
    nonZeros: t.nonZeros,
    memoryBytes: bytes,
    diskBytes: bytes,
    sparsity: 1 - t.nonZeros / (t.rows * t.dim),
    storedEntries: t.stored,
    indexBytes,
    valueBytes,
  };
}

/** A CSR held on the host (e.g. from a mask or a pruning pass). */
export interface HostCsrArrays {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** A CSR's arrays in a host backend's memory that a table uses in place (a model file's resident sections). */
export interface ResidentCsrArrays {
  readonly indptr: Buf<'i32'>;
  readonly indices: Buf<'i32'>;
  readonly values: Buf<'f32'>;
}

/** Where a table's CSR comes from: host arrays (uploaded) or resident sections (used in place). */
export type CsrSource = HostCsrArrays | { readonly resident: ResidentCsrArrays };

/**
 * The CSR sections `<prefix>indptr`, `<prefix>indices`, `<prefix>values` of a serialised table: the
 * file's resident sections when it lies in this host backend's memory (loading then copies nothing),
 * else the host arrays. Throws naming the method when they are missing or of the wrong type.
 */
export function storedCsr(serialized: SerializedTable, backend: Backend, prefix = ''): CsrSource {
  const r = serialized.resident;
  if (r !== undefined && isHostBackend(backend)) {
    const [indptr, indices, values] = [r[`${prefix}indptr`], r[`${prefix}indices`], r[`${prefix}values`]];
    if (indptr?.dtype === 'i32' && indices?.dtype === 'i32' && values?.dtype === 'f32') {
      return { resident: { indptr: indptr as Buf<'i32'>, indices: indices as Buf<'i32'>, values: values as Buf<'f32'> } };
    }
  }
  const s = serialized.sections;
  const [indptr, indices, values] = [s[`${prefix}indptr`], s[`${prefix}indices`], s[`${prefix}values`]];
  if (!(indptr instanceof Int32Array) || !(indices instanceof Int32Array) || !(values instanceof Float32Array)) {
    throw new TypeError(`${serialized.method} table: sections ${prefix}indptr, ${prefix}indices (Int32Array) and ${prefix}values (Float32Array) are required`);
  }
  return { indptr, indices, values };
}

/** Host views of a CSR source (a resident one read through views of the backend's memory). */
export function csrSourceViews(backend: Backend, source: CsrSource): HostCsrArrays {
  if (!('resident' in source)) return source;
  const be = requireHostBackend(backend, 'a CSR table read in place from a model file');
  return { indptr: be.view(source.resident.indptr), indices: be.view(source.resident.indices), values: be.view(source.resident.values) };
}

/**
 * A frozen table stored as fp32 CSR on the backend and looked up with the csrGatherRows kernel:
 * the inference form of every pruning method (MagPrune/RandPrune, and PEP/OptEmbed after
 * retraining). It has no parameters: backward passes only check their arguments. Subclasses add
 * their header (serialize) and restore (static deserialize).
 */
export abstract class FrozenCsrTable implements EmbeddingTable {
  abstract readonly method: string;
  readonly csr: Csr;
  /** Entries stored and, of those, the non-zero ones. */
  protected readonly stored: number;
  protected readonly nonZeros: number;
  /** 0..rows-1, for lookupAll; built on first use. */
  private iota: Buf<'i32'> | null = null;
  /** False when the CSR is a model file's resident sections (the file's, not freed here). */
  private readonly ownsCsr: boolean;
  private disposed = false;

  /** Uploads host arrays, or uses resident ones in place; either way validated as the kernel's uploadCsr does. */
  protected constructor(
    readonly backend: Backend,
    readonly rows: number,
    readonly dim: number,
    source: CsrSource,
  ) {
    const host = csrSourceViews(backend, source);
    if ('resident' in source) {
      checkHostCsr({ rows, cols: dim, ...host }, 'a CSR table in a model file');
      this.csr = { rows, cols: dim, ...source.resident };
      this.ownsCsr = false;
    } else {
      this.csr = backend.uploadCsr({ rows, cols: dim, indptr: host.indptr, indices: host.indices, values: host.values });
      this.ownsCsr = true;
    }
    this.stored = host.values.length;
    let nz = 0;
    for (const v of host.values) if (v !== 0) nz++;
    this.nonZeros = nz;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, _ctx: LookupContext): void {
    this.backend.csrGatherRows(this.csr, ids, out);
  }

  /** Frozen values: checks the ids and the gradient's shape, accumulates nothing. */
  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength(`${this.method} backward`, 'dOut', dOut.length, ids.length, this.dim);
    checkKnownIds(this.backend, `${this.method} backward`, ids, this.rows);
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
  size(): Promise<PrunedTableSize> {
    return Promise.resolve(prunedTableSize({ rows: this.rows, dim: this.dim, nonZeros: this.nonZeros, stored: this.stored }, 4 * (this.rows + 1) + 4 * this.stored, 4 * this.stored));
  }

  abstract serialize(): Promise<SerializedTable>;

  /** The three CSR arrays read back from the backend, for serialize(). */
  protected async csrSections(): Promise<HostCsrArrays> {
    const be = this.backend;
    const [indptr, indices, values] = await Promise.all([be.read(this.csr.indptr), be.read(this.csr.indices), be.read(this.csr.values)]);
    return { indptr, indices, values };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsCsr) this.backend.freeCsr(this.csr);
    if (this.iota !== null) this.backend.free(this.iota);
  }
}
