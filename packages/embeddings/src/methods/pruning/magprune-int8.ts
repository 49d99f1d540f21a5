import { solvePrunedInt8Budget } from './budget.js';
import { isHostBackend, type Backend, type Buf, type Csr, type HostBackend } from '@lers/kernels';
import type { Parameter } from '../../parameter.js';
import type { MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable } from '../../table.js';
import { denseFromOptions, type DenseSource } from '../common/dense-source.js';
import { checkIdsInRange, checkKnownIds, checkRowsLength, roundHalfEven } from '../common/host-access.js';
import { checkSparsity, maskToCsr } from './magnitude-pruning.js';
import { MagPruner, type MagPruneOptions } from './magprune.js';
import type { HostCsrArrays, PrunedCsrTable, PrunedTableSize, PruningInfo } from './pruned-csr.js';
import { prunedTableSize } from './frozen-csr.js';

const fround = Math.fround;

/** Size of a pruned int8 table, with its bit width. */
export interface PrunedInt8Size extends PrunedTableSize {
  readonly bitWidth: 8;
}

/** The row-wise int8 codes of a CSR's values: per row, scale = (max - min) / 255 and bias = min over its kept values. */
export interface QuantizedCsrValues {
  /** One code per stored entry; decodes to code * scale + bias of its row. */
  readonly codes: Uint8Array;
  /** Per row [scale, bias] (rows x 2). */
  readonly rowParams: Float32Array;
}

/**
 * Row-wise int8 quantization of the kept values of a CSR, with the f32 arithmetic and rounding
 * (half to even) of the row-wise kernel: code = round((v - min) / scale), scale = (max - min) / 255.
 * A row with no kept values, or with one distinct value, gets scale 0 and codes 0.
 */
export function quantizeCsrRows(csr: HostCsrArrays): QuantizedCsrValues {
  const rows = csr.indptr.length - 1;
  const codes = new Uint8Array(csr.values.length);
  const rowParams = new Float32Array(2 * rows);
  for (let r = 0; r < rows; r++) {
    const s = csr.indptr[r];
    const e = csr.indptr[r + 1];
    if (e === s) continue;
    let mn = csr.values[s];
    let mx = mn;
    for (let p = s + 1; p < e; p++) {
      mn = Math.min(mn, csr.values[p]);
      mx = Math.max(mx, csr.values[p]);
    }
    const scale = fround(fround(mx - mn) / 255);
    if (scale !== 0) {
      for (let p = s; p < e; p++) codes[p] = Math.min(255, Math.max(0, roundHalfEven(fround(fround(csr.values[p] - mn) / scale))));
    }
    rowParams[2 * r] = scale;
    rowParams[2 * r + 1] = mn;
  }
  return { codes, rowParams };
}

/** A magprune-int8 table's four arrays in a host backend's memory (a model file's resident sections). */
interface ResidentInt8Csr {
  readonly indptr: Buf<'i32'>;
  readonly indices: Buf<'u8'> | Buf<'u16'>;
  readonly codes: Buf<'u8'>;
  readonly rowParams: Buf<'f32'>;
}

/**
 * MagPrune followed by row-wise int8 of the surviving values: CSR with int32 row pointers, column
 * indices of one byte (dim <= 256) or two, one uint8 code per kept entry and an f32 scale and
 * bias per row. Pruned entries decode to exactly 0; kept ones to code * scale + bias (f32). There
 * is no kernel for this format: on host backends lookups decode in TypeScript over views; on
 * backends without views (WebGPU) the kept values are decoded once, at construction, into an fp32
 * CSR that the csrGatherRows kernel reads (the same values bit for bit, 4 bytes per kept value on
 * the device besides the int8 form kept for serialize). Frozen, like every post-training table.
 */
export class PrunedInt8Table implements EmbeddingTable {
  readonly method = 'magprune-int8';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly info: PruningInfo;
  /** The backend when it has views (lookups decode over them), else null. */
  private readonly host: HostBackend | null;
  /** Without views: the decoded fp32 CSR that lookups gather from, and 0..rows-1 for lookupAll. */
  private readonly decoded: Csr | null;
  private iota: Buf<'i32'> | null = null;
  private readonly name: string;
  private readonly indptr: Buf<'i32'>;
  private readonly indices: Buf<'u8'> | Buf<'u16'>;
  private readonly codes: Buf<'u8'>;
  private readonly rowParams: Buf<'f32'>;
  private readonly stored: number;
  private readonly nonZeros: number;
  /** False when the four arrays are a model file's resident sections (the file's, not freed here). */
  private readonly ownsArrays: boolean;
  private disposed = false;

  /**
   * Builds the table from a host CSR (columns in [0, dim), ascending per row) and its quantized
   * values, uploaded; or, with `inPlace`, over those four arrays in this host backend's memory (a
   * model file's sections, of which the host arrays are views), checked the same way and not copied.
   */
  constructor(backend: Backend, rows: number, dim: number, indptr: Int32Array, indices: ArrayLike<number>, q: QuantizedCsrValues, info: PruningInfo, name = 'magprune-int8', inPlace?: ResidentInt8Csr) {
    checkHostCsr(rows, dim, indptr, indices, q);
    this.host = isHostBackend(backend) ? backend : null;
    this.rows = rows;
    this.dim = dim;
    this.backend = backend;
    this.info = info;
    this.name = name;
    this.stored = q.codes.length;
    this.ownsArrays = inPlace === undefined;
    if (inPlace !== undefined) {
      if (inPlace.indices.dtype !== (dim <= 256 ? 'u8' : 'u16')) throw new TypeError(`magprune-int8 table: indices of a ${dim}-wide table must be ${dim <= 256 ? 'u8' : 'u16'}`);
      ({ indptr: this.indptr, indices: this.indices, codes: this.codes, rowParams: this.rowParams } = inPlace);
    } else {
      this.indptr = backend.upload('i32', indptr);
      this.indices = dim <= 256 ? backend.upload('u8', indices) : backend.upload('u16', indices);
      this.codes = backend.upload('u8', q.codes);
      this.rowParams = backend.upload('f32', q.rowParams);
    }
    const values = decodedValues(indptr, q);
    let nz = 0;
    for (const v of values) if (v !== 0) nz++;
    this.nonZeros = nz;
    this.decoded = this.host === null ? backend.uploadCsr({ rows, cols: dim, indptr, indices: Int32Array.from(indices), values }) : null;
  }

  /** Quantizes a MagPrune/RandPrune CSR table's values row-wise to int8 (the source is left as it is). */
  static async fromPruned(table: PrunedCsrTable, name?: string): Promise<PrunedInt8Table> {
    const be = table.backend;
    const [indptr, indices, values] = await Promise.all([be.read(table.csr.indptr), be.read(table.csr.indices), be.read(table.csr.values)]);
    return new PrunedInt8Table(be, table.rows, table.dim, indptr, indices, quantizeCsrRows({ indptr, indices, values }), table.info, name);
  }

  /** Restores a table serialised by `serialize()` (bit-exact). */
  static deserialize(serialized: SerializedTable, backend: Backend): PrunedInt8Table {
    if (serialized.method !== 'magprune-int8') throw new TypeError(`PrunedInt8Table.deserialize: method is ${serialized.method}, not magprune-int8`);
    const h = serialized.header;
    if (typeof h.rows !== 'number' || typeof h.dim !== 'number' || typeof h.targetSparsity !== 'number') {
      throw new TypeError('magprune-int8 table: header needs numeric rows, dim and targetSparsity');
    }
    const info: PruningInfo = { targetSparsity: h.targetSparsity, ...(typeof h.kMin === 'number' ? { kMin: h.kMin } : {}) };
    const name = typeof h.name === 'string' ? h.name : 'magprune-int8';
    // A file in this host backend's memory: the four sections are used where they lie.
    const r = serialized.resident;
    if (r !== undefined && isHostBackend(backend)) {
      const { indptr, indices, codes, rowParams } = r;
      if (indptr?.dtype === 'i32' && (indices?.dtype === 'u8' || indices?.dtype === 'u16') && codes?.dtype === 'u8' && rowParams?.dtype === 'f32') {
        const inPlace = { indptr, indices, codes, rowParams } as ResidentInt8Csr;
        const q = { codes: backend.view(inPlace.codes), rowParams: backend.view(inPlace.rowParams) };
        return new PrunedInt8Table(backend, h.rows, h.dim, backend.view(inPlace.indptr), backend.view(inPlace.indices), q, info, name, inPlace);
      }
    }
    const { indptr, indices, codes, rowParams } = serialized.sections;
    if (!(indptr instanceof Int32Array) || !(indices instanceof Uint8Array || indices instanceof Uint16Array) || !(codes instanceof Uint8Array) || !(rowParams instanceof Float32Array)) {
      throw new TypeError('magprune-int8 table: sections indptr (Int32Array), indices (Uint8Array/Uint16Array), codes (Uint8Array) and rowParams (Float32Array) are required');
    }
    return new PrunedInt8Table(backend, h.rows, h.dim, indptr, indices, { codes, rowParams }, info, name);
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength('magprune-int8 lookup', 'out', out.length, ids.length, this.dim);
    if (this.host === null) {
      this.backend.csrGatherRows(this.decoded!, ids, out);
      return;
    }
    const idView = this.host.view(ids);
    checkIdsInRange('magprune-int8 lookup', idView, this.rows);
    this.decode(this.host, idView, null, out);
  }

  /** Frozen values: checks the arguments, accumulates nothing. */
  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength('magprune-int8 backward', 'dOut', dOut.length, ids.length, this.dim);
    checkKnownIds(this.backend, 'magprune-int8 backward', ids, this.rows);
  }

  lookupAll(out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength('magprune-int8 lookupAll', 'out', out.length, this.rows, this.dim);
    if (this.host === null) {
      this.iota ??= this.backend.upload('i32', Int32Array.from({ length: this.rows }, (_, r) => r));
      this.backend.csrGatherRows(this.decoded!, this.iota, out);
      return;
    }
    this.decode(this.host, null, this.rows, out);
  }

  /** Frozen values: checks the gradient's shape only. */
  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('magprune-int8 backwardAll', 'dOut', dOut.length, this.rows, this.dim);
  }

  parameters(): readonly Parameter[] {
    return [];
  }

  /** params = non-zeros; bytes: int32 row pointers + 1- or 2-byte columns, 1-byte codes, f32 scale and bias per row. */
  size(): Promise<PrunedInt8Size> {
    const indexBytes = 4 * (this.rows + 1) + (this.dim <= 256 ? 1 : 2) * this.stored;
    return Promise.resolve({ ...prunedTableSize({ rows: this.rows, dim: this.dim, nonZeros: this.nonZeros, stored: this.stored }, indexBytes, this.stored + 8 * this.rows), bitWidth: 8 as const });
  }

  async serialize(): Promise<SerializedTable> {
    const be = this.backend;
    const [indptr, indices, codes, rowParams] = await Promise.all([be.read(this.indptr), be.read(this.indices), be.read(this.codes), be.read(this.rowParams)]);
    const header: Record<string, unknown> = { rows: this.rows, dim: this.dim, name: this.name, ...this.info };
    return { method: this.method, header, sections: { indptr, indices, codes, rowParams } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsArrays) for (const b of [this.indptr, this.indices, this.codes, this.rowParams]) this.backend.free(b);
    if (this.decoded !== null) this.backend.freeCsr(this.decoded);
    if (this.iota !== null) this.backend.free(this.iota);
  }

  /** Writes rows ids (or rows 0..count-1 when ids is null) densely into out. */
  private decode(be: HostBackend, ids: Int32Array | null, count: number | null, out: Buf<'f32'>): void {
    const o = be.view(out);
    const P = be.view(this.indptr);
    const C = be.view(this.indices);
    const Q = be.view(this.codes);
    const S = be.view(this.rowParams);
    const dim = this.dim;
    o.fill(0);
    const n = ids !== null ? ids.length : (count ?? 0);
    for (let i = 0; i < n; i++) {
      const r = ids !== null ? ids[i] : i;
      const scale = S[2 * r];
      const bias = S[2 * r + 1];
      const at = i * dim;
      // Storing into the Float32Array rounds the f64 sum once more, as the f32 kernel would.
      for (let p = P[r]; p < P[r + 1]; p++) o[at + C[p]] = fround(Q[p] * scale) + bias;
    }
  }
}

/** The kept values as the lookups decode them: code * scale + bias of its row, each step rounded to f32. */
function decodedValues(indptr: Int32Array, q: QuantizedCsrValues): Float32Array {
  const values = new Float32Array(q.codes.length);
  for (let r = 0; r + 1 < indptr.length; r++) {
    const scale = q.rowParams[2 * r];
    const bias = q.rowParams[2 * r + 1];
    for (let p = indptr[r]; p < indptr[r + 1]; p++) values[p] = fround(q.codes[p] * scale) + bias;
  }
  return values;
}

/** Checks a host CSR's structure and the quantized arrays' lengths. */
function checkHostCsr(rows: number, dim: number, indptr: Int32Array, indices: ArrayLike<number>, q: QuantizedCsrValues): void {
  const bad = (why: string) => new RangeError(`magprune-int8 table: ${why}`);
  if (!Number.isInteger(rows) || rows <= 0 || !Number.isInteger(dim) || dim <= 0 || dim > 0x10000) throw bad(`bad shape ${rows} x ${dim}`);
  if (indptr.length !== rows + 1 || indptr[0] !== 0) throw bad(`indptr must have rows + 1 = ${rows + 1} entries starting at 0`);
  if (indptr[rows] !== indices.length || q.codes.length !== indices.length) throw bad(`indptr[rows], indices and codes must agree on the entry count (${indptr[rows]}, ${indices.length}, ${q.codes.length})`);
  if (q.rowParams.length !== 2 * rows) throw bad(`rowParams must have 2 x ${rows} entries, has ${q.rowParams.length}`);
  for (let r = 0; r < rows; r++) {
    if (indptr[r + 1] < indptr[r]) throw bad(`indptr decreases at row ${r}`);
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const c = indices[p];
      if (!(c >= 0 && c < dim) || (p > indptr[r] && c <= indices[p - 1])) throw bad(`column ${c} at entry ${p} (row ${r}) is out of range or not ascending`);
    }
  }
}

/** MagPrune (sparsity, kMin) followed by row-wise int8 of the kept values. */
export function magPruneInt8(source: DenseSource, options: MagPruneOptions): PrunedInt8Table {
  const pruner = new MagPruner(source, options.backend);
  const sparsity = checkSparsity('magprune-int8', options.sparsity);
  const kMin = options.kMin ?? 0;
  const csr = maskToCsr(pruner.dense, pruner.mask(sparsity, kMin).keep);
  return new PrunedInt8Table(pruner.backend, pruner.dense.rows, pruner.dense.dim, csr.indptr, csr.indices, quantizeCsrRows(csr), { targetSparsity: sparsity, kMin }, options.name);
}

/** Registry entry: the options of `magprune` (sparsity, kMin, source / values / init). */
export const magPruneInt8Method: MethodDefinition = {
  name: 'magprune-int8',
  kind: 'post-training',
  summary: 'MagPrune, then the kept values quantized to int8 per row',
  servedAs: 'CSR of the kept entries as int8 with a per-row scale',
  budget: solvePrunedInt8Budget,
  create(options: TableOptions) {
    const dense = denseFromOptions('magprune-int8', options);
    const kMin = options.kMin ?? 0;
    if (typeof kMin !== 'number') throw new TypeError(`magprune-int8: option kMin must be a number, got ${typeof kMin}`);
    return magPruneInt8(dense, { sparsity: checkSparsity('magprune-int8', options.sparsity), kMin, backend: options.backend, name: options.name ?? 'magprune-int8' });
  },
  load: (serialized, backend) => PrunedInt8Table.deserialize(serialized, backend),
};
