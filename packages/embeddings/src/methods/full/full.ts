import type { MethodDefinition } from '../../method.js';
import type { Backend, Buf } from '@lers/kernels';
import { countNonZeros } from '../common/host-access.js';
import { DEFAULT_INIT, initializeValues, type TableInit } from '../../init.js';
import { freeGradient, withLazyGradient, type Parameter } from '../../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { TouchedRows } from './touched-rows.js';

/** Options of a full (uncompressed) table. */
export interface FullTableOptions {
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** Seed of the initial values. */
  readonly seed: number;
  /** Default: Xavier-uniform. */
  readonly init?: TableInit;
  /** Prefix of the parameter name (`<name>.weight`); default `full`. */
  readonly name?: string;
  /** Weight decay of the table's parameter; default: the optimizer's. */
  readonly weightDecay?: number;
}

/** Checks a table shape: positive integer rows and dim. */
export function checkTableShape(method: string, rows: number, dim: number): void {
  if (!Number.isInteger(rows) || rows <= 0) throw new RangeError(`${method} table: rows must be a positive integer, got ${rows}`);
  if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`${method} table: dim must be a positive integer, got ${dim}`);
}

/**
 * The uncompressed rows x dim fp32 table: lookup is a gather, backward a scatter-add into the
 * gradient (recording the touched rows for lazy Adam), lookupAll a copy.
 */
export class FullTable implements EmbeddingTable {
  readonly method = 'full';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** The table's one parameter, `<name>.weight` (rows x dim); its gradient is allocated on first use. */
  readonly weight: Parameter;
  private readonly name: string;
  /** False when the values are a resident section of a model file (not freed here). */
  private readonly ownsValue: boolean;
  private touchedRows: TouchedRows | null = null;
  private disposed = false;

  /**
   * A new table initialised from `options.seed` (see TableInit), or, with `values`, a table over
   * those rows x dim values used in place (not owned, e.g. a model file's section in backend memory).
   */
  constructor(options: FullTableOptions, values?: Buf<'f32'>) {
    checkTableShape('full', options.rows, options.dim);
    this.rows = options.rows;
    this.dim = options.dim;
    this.backend = options.backend;
    this.name = options.name ?? 'full';
    const n = options.rows * options.dim;
    const be = options.backend;
    if (values !== undefined && values.length !== n) throw new RangeError(`full table: ${values.length} values for ${options.rows} x ${options.dim}`);
    this.ownsValue = values === undefined;
    const value = values ?? be.alloc('f32', n);
    if (values === undefined) initializeValues(be, value, options.rows, options.dim, options.init ?? DEFAULT_INIT, options.seed);
    // Gradient and touched-row tracking are made on first use, so a table loaded only to serve
    // requests holds nothing but its values.
    const touched = (): TouchedRows => this.touched();
    this.weight = withLazyGradient(be, n, {
      name: `${this.name}.weight`,
      value,
      shape: [options.rows, options.dim],
      get rowSparse(): TouchedRows {
        return touched();
      },
      ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
    });
  }

  /** Restores a table serialised by `serialize()` (bit-exact), using a resident `weight` section in place. */
  static deserialize(serialized: SerializedTable, backend: Backend): FullTable {
    if (serialized.method !== 'full') throw new TypeError(`FullTable.deserialize: method is ${serialized.method}, not full`);
    const h = serialized.header;
    const rows = h.rows;
    const dim = h.dim;
    if (typeof rows !== 'number' || typeof dim !== 'number' || !Number.isSafeInteger(rows * dim)) throw new TypeError('full table: header needs numeric rows and dim');
    const options: FullTableOptions = {
      rows,
      dim,
      backend,
      seed: 0,
      init: { kind: 'zeros' },
      ...(typeof h.name === 'string' ? { name: h.name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    };
    const resident = serialized.resident?.weight;
    if (resident !== undefined) {
      if (resident.dtype !== 'f32' || resident.length !== rows * dim) throw new TypeError(`full table: section "weight" must be a Float32Array of ${rows} x ${dim}`);
      return new FullTable(options, resident as Buf<'f32'>);
    }
    const weight = serialized.sections.weight;
    if (!(weight instanceof Float32Array) || weight.length !== rows * dim) {
      throw new TypeError(`full table: section "weight" must be a Float32Array of ${rows} x ${dim}`);
    }
    const table = new FullTable(options);
    backend.write(table.weight.value, weight);
    return table;
  }

  /** The table's values in place (rows x dim): it stores them densely. */
  denseValues(): Buf<'f32'> {
    return this.weight.value;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, _ctx: LookupContext): void {
    this.backend.gather(this.weight.value, this.rows, this.dim, ids, out);
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    // The kernel rejects out-of-range ids before writing, so the tracker only sees valid ids.
    this.backend.scatterAdd(dOut, ids, 1, this.weight.grad, this.rows, this.dim);
    this.touched().addIds(ids);
  }

  lookupAll(out: Buf<'f32'>, _ctx: LookupContext): void {
    if (out.length !== this.rows * this.dim) throw new RangeError(`lookupAll: out must have ${this.rows * this.dim} elements, has ${out.length}`);
    this.backend.copy(this.weight.value, out);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    if (dOut.length !== this.rows * this.dim) throw new RangeError(`backwardAll: dOut must have ${this.rows * this.dim} elements, has ${dOut.length}`);
    this.backend.axpy(1, dOut, this.weight.grad);
    this.touched().markAll();
  }

  parameters(): readonly Parameter[] {
    return [this.weight];
  }

  async size(): Promise<TableSize> {
    const nonZeros = await countNonZeros(this.backend, [this.weight.value]);
    const bytes = 4 * this.rows * this.dim;
    return { params: this.rows * this.dim, nonZeros, memoryBytes: bytes, diskBytes: bytes };
  }

  async serialize(): Promise<SerializedTable> {
    const weight = await this.backend.read(this.weight.value);
    const header: Record<string, unknown> = { rows: this.rows, dim: this.dim, name: this.name };
    if (this.weight.weightDecay !== undefined) header.weightDecay = this.weight.weightDecay;
    return { method: 'full', header, sections: { weight } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsValue) this.backend.free(this.weight.value);
    freeGradient(this.backend, this.weight);
    this.touchedRows?.dispose();
  }

  private touched(): TouchedRows {
    this.touchedRows ??= new TouchedRows(this.backend, this.rows, this.dim);
    return this.touchedRows;
  }
}

/** The uncompressed baseline. */
export const fullMethod: MethodDefinition = {
  name: 'full',
  kind: 'baseline',
  summary: 'the uncompressed rows x d fp32 table (the reference every method is compared with)',
  servedAs: 'fp32 rows',
  create: (options) => new FullTable(options),
  load: (serialized, backend) => FullTable.deserialize(serialized, backend),
};
