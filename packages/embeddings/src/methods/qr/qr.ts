import { hash2, hostIds, type Backend, type Buf, type QrOp } from '@lers/kernels';
import { solveWith } from '../../budget/solve.js';
import { solveQr } from './budget.js';
import { QR_OPS, qrPartDim, qrParamCount, qrQuotientRows } from './budget.js';
import { checkTableShape } from '../full/full.js';
import { initializeValues, type TableInit } from '../../init.js';
import { freeGradient, withLazyGradient, type Parameter } from '../../parameter.js';
import type { CreateTableOptions, MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { TouchedRows } from '../full/touched-rows.js';
import { checkKnownIds, checkRowsLength, countNonZeros, writeIds } from '../common/host-access.js';
import { choiceOption, openRangeOption, positiveIntOption } from '../common/option-values.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';

/** Options of a QR table (createTable('qr', ...) takes the same names). */
export interface QrTableOptions extends CreateTableOptions {
  /** Remainder-table rows m (default floor(sqrt(N)), as the reference code); or give `sparsity`. */
  readonly divider?: number;
  /** Combination of the two rows (default mult). */
  readonly op?: QrOp;
  /** Target sparsity: m is chosen by the budget solver (ignored when `divider` is given). */
  readonly sparsity?: number;
}

/**
 * Quotient-remainder embedding: e(x) = op(R[x mod m], Q[floor(x / m)]) with R (m rows) and Q
 * (ceil(N/m) rows), op mult / add / concat (concat: each part d/2 wide). Init: U(sqrt(1/N), 1)
 * for mult (DLRM's QR init, so products are never near zero), Xavier-uniform of each table's own
 * shape for add and concat, unless `init` is given (then both tables use it).
 */
export class QrTable implements EmbeddingTable {
  readonly method = 'qr';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly op: QrOp;
  /** Remainder-table rows m. */
  readonly divider: number;
  /** Quotient-table rows ceil(N / m). */
  readonly quotientRows: number;
  /** Width of each part (d, or d / 2 for concat). */
  readonly partDim: number;
  /** R (m x partDim), `<name>.remainder`. */
  readonly remainder: Parameter;
  /** Q (ceil(N/m) x partDim), `<name>.quotient`. */
  readonly quotient: Parameter;
  private readonly name: string;
  private readonly touchedR: TouchedRows;
  private readonly touchedQ: TouchedRows;
  private readonly rIds: ScratchBuffer<'i32'>;
  private readonly qIds: ScratchBuffer<'i32'>;
  /** 0..N-1, built on the first lookupAll (a training-speed helper, not part of the model). */
  private allIds: Buf<'i32'> | null = null;
  /** False when R and Q are a model file's resident sections (the file's, not freed here). */
  private readonly ownsValues: boolean;
  private disposed = false;

  /**
   * A new table initialised from `options.seed` (divider solved when only `sparsity` is given), or,
   * with `values`, over those R and Q used in place (not owned: a model file's sections in backend memory).
   */
  constructor(options: QrTableOptions, values?: { readonly remainder: Buf<'f32'>; readonly quotient: Buf<'f32'> }) {
    checkTableShape('qr', options.rows, options.dim);
    const o = options as unknown as Readonly<Record<string, unknown>>;
    const op = choiceOption('qr', o, 'op', QR_OPS) ?? 'mult';
    if (op === 'concat' && options.dim % 2 !== 0) throw new RangeError(`qr: concat needs an even dim, got ${options.dim}`);
    let divider = positiveIntOption('qr', o, 'divider');
    const sparsity = openRangeOption('qr', o, 'sparsity', 0, 1);
    if (divider === undefined && sparsity !== undefined) {
      divider = solveWith(solveQr, { method: 'qr', rows: options.rows, dim: options.dim, sparsity, options: { op } }).options.divider as number;
    }
    this.rows = options.rows;
    this.dim = options.dim;
    this.backend = options.backend;
    this.op = op;
    this.divider = divider ?? Math.max(1, Math.floor(Math.sqrt(options.rows)));
    this.quotientRows = qrQuotientRows(options.rows, this.divider);
    this.partDim = qrPartDim(op, options.dim);
    this.name = options.name ?? 'qr';
    const be = options.backend;
    this.ownsValues = values === undefined;
    const make = (suffix: 'remainder' | 'quotient', rows: number, salt: number, touched: TouchedRows): Parameter => {
      const n = rows * this.partDim;
      const given = values?.[suffix];
      if (given !== undefined && given.length !== n) throw new RangeError(`qr table: ${suffix} has ${given.length} values, ${rows} x ${this.partDim} expected`);
      const value = given ?? be.alloc('f32', n);
      if (given === undefined) initializeValues(be, value, rows, this.partDim, options.init ?? this.defaultInit(), hash2(options.seed, salt));
      return withLazyGradient(be, n, {
        name: `${this.name}.${suffix}`,
        value,
        shape: [rows, this.partDim],
        rowSparse: touched,
        ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      });
    };
    this.touchedR = new TouchedRows(be, this.divider, this.partDim);
    this.touchedQ = new TouchedRows(be, this.quotientRows, this.partDim);
    this.remainder = make('remainder', this.divider, 1, this.touchedR);
    this.quotient = make('quotient', this.quotientRows, 2, this.touchedQ);
    this.rIds = new ScratchBuffer(be, 'i32');
    this.qIds = new ScratchBuffer(be, 'i32');
  }

  private defaultInit(): TableInit {
    if (this.op === 'mult') return { kind: 'uniform', low: Math.sqrt(1 / this.rows), high: 1 };
    return { kind: 'xavier-uniform' };
  }

  /** Restores a table serialised by `serialize()` (bit-exact). */
  static deserialize(serialized: SerializedTable, backend: Backend): QrTable {
    if (serialized.method !== 'qr') throw new TypeError(`QrTable.deserialize: method is ${serialized.method}, not qr`);
    const h = serialized.header;
    const { rows, dim, divider, op } = h;
    if (typeof rows !== 'number' || typeof dim !== 'number' || typeof divider !== 'number' || typeof op !== 'string') {
      throw new TypeError('qr table: header needs numeric rows, dim, divider and a string op');
    }
    const options: QrTableOptions = {
      rows,
      dim,
      backend,
      seed: 0,
      divider,
      op: op as QrOp,
      init: { kind: 'zeros' },
      ...(typeof h.name === 'string' ? { name: h.name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    };
    // A file in this backend's memory: R and Q are used where they lie.
    const { remainder, quotient } = serialized.resident ?? {};
    if (remainder?.dtype === 'f32' && quotient?.dtype === 'f32' && Number.isInteger(divider) && divider >= 1 && QR_OPS.includes(op as QrOp)) {
      const partDim = qrPartDim(op as QrOp, dim);
      for (const [key, buf, n] of [['remainder', remainder, divider * partDim], ['quotient', quotient, qrQuotientRows(rows, divider) * partDim]] as const) {
        if (buf.length !== n) throw new TypeError(`qr table: section "${key}" must be a Float32Array of ${n} values`);
      }
      return new QrTable(options, { remainder: remainder as Buf<'f32'>, quotient: quotient as Buf<'f32'> });
    }
    const table = new QrTable(options);
    for (const [key, param] of [['remainder', table.remainder], ['quotient', table.quotient]] as const) {
      const values = serialized.sections[key];
      if (!(values instanceof Float32Array) || values.length !== param.value.length) {
        table.dispose();
        throw new TypeError(`qr table: section "${key}" must be a Float32Array of ${param.value.length} values`);
      }
      backend.write(param.value, values);
    }
    return table;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, _ctx: LookupContext): void {
    this.checkIds('qr.lookup', ids);
    checkRowsLength('qr.lookup', 'out', out.length, ids.length, this.dim);
    this.backend.qrCombine(this.op, this.remainder.value, this.divider, this.quotient.value, this.quotientRows, this.partDim, ids, out);
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    this.checkIds('qr.backward', ids);
    checkRowsLength('qr.backward', 'dOut', dOut.length, ids.length, this.dim);
    this.backend.qrCombineBackward(this.op, this.remainder.value, this.divider, this.quotient.value, this.quotientRows, this.partDim, ids, dOut, this.remainder.grad, this.quotient.grad);
    // Record the touched rows of R and Q for lazy Adam (their ids derived on the host).
    const be = this.backend;
    const rBuf = this.rIds.take(ids.length);
    const qBuf = this.qIds.take(ids.length);
    // The view only after the allocations (an allocation may move WASM memory).
    const idView = hostIds(be, ids);
    if (idView === null) {
      this.touchedR.markUnknown();
      this.touchedQ.markUnknown();
      return;
    }
    const m = this.divider;
    writeIds(be, rBuf, (r) => {
      for (let i = 0; i < r.length; i++) r[i] = idView[i] % m;
    });
    writeIds(be, qBuf, (q) => {
      for (let i = 0; i < q.length; i++) q[i] = Math.floor(idView[i] / m);
    });
    this.touchedR.addIds(rBuf);
    this.touchedQ.addIds(qBuf);
  }

  lookupAll(out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength('qr.lookupAll', 'out', out.length, this.rows, this.dim);
    this.backend.qrCombine(this.op, this.remainder.value, this.divider, this.quotient.value, this.quotientRows, this.partDim, this.everyId(), out);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('qr.backwardAll', 'dOut', dOut.length, this.rows, this.dim);
    this.backend.qrCombineBackward(this.op, this.remainder.value, this.divider, this.quotient.value, this.quotientRows, this.partDim, this.everyId(), dOut, this.remainder.grad, this.quotient.grad);
    this.touchedR.markAll();
    this.touchedQ.markAll();
  }

  parameters(): readonly Parameter[] {
    return [this.remainder, this.quotient];
  }

  /** Params (m + ceil(N/m)) x part width; memory and disk hold exactly those fp32 values. */
  async size(): Promise<TableSize> {
    const nonZeros = await countNonZeros(this.backend, [this.remainder.value, this.quotient.value]);
    const params = qrParamCount(this.rows, this.dim, this.divider, this.op);
    return { params, nonZeros, memoryBytes: 4 * params, diskBytes: 4 * params };
  }

  async serialize(): Promise<SerializedTable> {
    const header: Record<string, unknown> = { rows: this.rows, dim: this.dim, divider: this.divider, op: this.op, name: this.name };
    if (this.remainder.weightDecay !== undefined) header.weightDecay = this.remainder.weightDecay;
    const remainder = await this.backend.read(this.remainder.value);
    const quotient = await this.backend.read(this.quotient.value);
    return { method: 'qr', header, sections: { remainder, quotient } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const be = this.backend;
    for (const p of [this.remainder, this.quotient]) {
      if (this.ownsValues) be.free(p.value);
      freeGradient(be, p);
    }
    this.touchedR.dispose();
    this.touchedQ.dispose();
    this.rIds.dispose();
    this.qIds.dispose();
    if (this.allIds !== null) be.free(this.allIds);
  }

  private checkIds(op: string, ids: Buf<'i32'>): void {
    // The kernel only checks ids < m * ceil(N/m), which can exceed N.
    checkKnownIds(this.backend, op, ids, this.rows);
  }

  private everyId(): Buf<'i32'> {
    if (this.allIds === null) this.allIds = this.backend.upload('i32', Int32Array.from({ length: this.rows }, (_, i) => i));
    return this.allIds;
  }
}

/** The registry entry of `qr`. */
export const qrMethod: MethodDefinition = {
  name: 'qr',
  kind: 'trained',
  summary: 'quotient-remainder: two small tables combined per row (mult, add or concat)',
  servedAs: 'the two fp32 tables, combined per lookup',
  budget: solveQr,
  create: (options: TableOptions) => new QrTable(options),
  load: (serialized, backend) => QrTable.deserialize(serialized, backend),
};
