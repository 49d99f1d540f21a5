import { Rng, type Backend, type Buf, type HostBackend } from '@lers/kernels';
import { checkTableShape } from '../full/full.js';
import { DEFAULT_INIT } from '../../init.js';
import type { Parameter, ParameterUpdate } from '../../parameter.js';
import type { CreateTableOptions, MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize, TableTrainingState } from '../../table.js';
import type { TouchedRows } from '../full/touched-rows.js';
import { checkIdsInRange, checkRowsLength, requireHostBackend } from '../common/host-access.js';
import { binaryStepGrad, DimSampler } from './optembed-dims.js';
import { booleanOption, choiceOption } from '../common/option-values.js';
import { headerShape } from '../learned-pruning/sparse-form.js';
import { createWeight } from '../learned-pruning/table-part.js';
import { numberOption } from '../learned-pruning/table-masks.js';
import { searchThenMaskMethod } from '../learned-pruning/search-then-mask.js';

/** What shares one setting: every row on its own, or all rows of a field (CTR). */
export type OptEmbedGrouping = 'row' | 'field';

/** Default weight of the regulariser sum exp(-t). */
export const OPTEMBED_DEFAULT_THRESHOLD_REG = 1e-4;
/** Default learning rate of t: the benchmark's `t_param_lr` (its OptEmbed configs, CF and CTR). */
export const OPTEMBED_DEFAULT_THRESHOLD_LR = 1e-4;
/** How t is stepped: `sgd` (default: the benchmark's separate plain SGD on t) or the model's `optimizer` rule. */
export type OptEmbedThresholdOptimizer = ParameterUpdate['rule'];

/** Options of OptEmbed's supernet table (createTable('optembed', ...) takes the same names). */
export interface OptEmbedTableOptions extends CreateTableOptions {
  /** First row of each field of a shared CTR table (ascending, starting at 0); default one field. */
  readonly fieldOffsets?: ArrayLike<number>;
  /** Dimension choice per row (default without fieldOffsets, CF) or per field (default with them, CTR). */
  readonly dimsPer?: OptEmbedGrouping;
  /** Row-pruning threshold t per field (default, as the reference) or per row. */
  readonly thresholdPer?: OptEmbedGrouping;
  /** Initial t (default 0). */
  readonly thresholdInit?: number;
  /** Weight of the regulariser sum exp(-t) (default 1e-4). */
  readonly thresholdReg?: number;
  /** Learn the row-pruning mask (default true); false trains dimension masks only. */
  readonly rowPruning?: boolean;
  /** Learning rate of t, its own as in the reference (default 1e-4). */
  readonly thresholdLr?: number;
  /** Update rule of t (default `sgd`, the reference's separate optimizer without momentum or decay). */
  readonly thresholdOptimizer?: OptEmbedThresholdOptimizer;
}

/**
 * OptEmbed's supernet (Lyu et al. 2022): row r's output is W_r * m_r * [j < k_g(r)], with the
 * row-pruning mask m_r = BinaryStep(|W_r|_1 - t) (t learnable per field or per row, gradient by
 * the straight-through estimator binaryStepGrad, regulariser lambda * sum exp(-t) added by every
 * backward call; t is stepped by its own rule and learning rate, by default plain SGD at 1e-4 as
 * the reference's separate threshold optimizer) and k the kept leading dimensions of the row's group. A training forward pass
 * draws k uniformly in 1..d for every group (seeded); an evaluation pass uses the dims set by
 * `setDims` (the evolutionary search's candidate) or all d. Retraining uses
 * createTable('optembed', { masks }) with the masks of `elementMask`.
 */
export class OptEmbedTable implements EmbeddingTable {
  readonly method = 'optembed';
  readonly rows: number;
  readonly dim: number;
  readonly backend: HostBackend;
  readonly weight: Parameter;
  /** t, one per field or per row (`<name>.threshold`). */
  readonly threshold: Parameter;
  readonly dimsPer: OptEmbedGrouping;
  readonly thresholdPer: OptEmbedGrouping;
  readonly thresholdReg: number;
  readonly rowPruning: boolean;
  /** First row of each field. */
  readonly fieldOffsets: Int32Array;
  /** Number of dimension groups (rows or fields). */
  readonly groups: number;
  private readonly fieldOf: Int32Array;
  private readonly touched: TouchedRows;
  private readonly name: string;
  private readonly sampler: DimSampler;
  private rng: Rng;
  private readonly sampled: Int32Array;
  private evalDims: Int32Array | null = null;
  /** The dims of the last forward pass (backward uses them). */
  private active: Int32Array | null = null;
  private readonly full: Int32Array;
  private iota: Int32Array | null = null;
  /** While frozen: the row-pruning mask fixed at freeze(), and the evaluation values for the current dims. */
  private frozenKeep: Uint8Array | null = null;
  private frozenValues: Buf<'f32'> | null = null;
  private disposed = false;

  constructor(options: OptEmbedTableOptions) {
    checkTableShape('optembed', options.rows, options.dim);
    const o = options as unknown as TableOptions;
    this.rows = options.rows;
    this.dim = options.dim;
    this.backend = requireHostBackend(options.backend, "OptEmbed's supernet (its forward and backward run in TypeScript over views; the retrained table runs on any backend)");
    this.name = options.name ?? 'optembed';
    this.fieldOffsets = checkFieldOffsets(options.fieldOffsets ?? [0], options.rows);
    this.fieldOf = fieldIndex(this.fieldOffsets, options.rows);
    const groupings: readonly OptEmbedGrouping[] = ['row', 'field'];
    this.dimsPer = choiceOption('optembed', o, 'dimsPer', groupings) ?? (options.fieldOffsets !== undefined ? 'field' : 'row');
    this.thresholdPer = choiceOption('optembed', o, 'thresholdPer', groupings) ?? 'field';
    this.thresholdReg = numberOption('optembed', o, 'thresholdReg') ?? OPTEMBED_DEFAULT_THRESHOLD_REG;
    this.rowPruning = booleanOption('optembed', o, 'rowPruning') ?? true;
    const fields = this.fieldOffsets.length;
    this.groups = this.dimsPer === 'row' ? options.rows : fields;
    const be = this.backend;
    const { weight, touched } = createWeight(be, `${this.name}.weight`, options.rows, options.dim, options.init ?? DEFAULT_INIT, options.seed, options.weightDecay);
    this.weight = weight;
    this.touched = touched;
    const tLength = this.thresholdPer === 'row' ? options.rows : fields;
    const tLr = numberOption('optembed', o, 'thresholdLr') ?? OPTEMBED_DEFAULT_THRESHOLD_LR;
    if (!(tLr > 0)) throw new RangeError(`optembed: thresholdLr must be > 0, got ${tLr}`);
    const update: ParameterUpdate = { lr: tLr, rule: choiceOption('optembed', o, 'thresholdOptimizer', THRESHOLD_OPTIMIZERS) ?? 'sgd' };
    const t = be.alloc('f32', tLength);
    be.fill(t, numberOption('optembed', o, 'thresholdInit') ?? 0);
    // t has no L2 decay: its regulariser is sum exp(-t).
    this.threshold = { name: `${this.name}.threshold`, value: t, grad: be.alloc('f32', tLength), shape: [tLength], weightDecay: 0, update };
    this.sampler = DimSampler.uniform(options.dim);
    this.rng = new Rng(options.seed, 0x6f7074);
    this.sampled = new Int32Array(this.groups);
    this.full = new Int32Array(this.groups).fill(options.dim);
  }

  /** Restores a supernet serialised by `serialize()` (values, settings, sampling stream and evaluation dims). */
  static deserialize(serialized: SerializedTable, backend: Backend): OptEmbedTable {
    const h = serialized.header;
    const { rows, dim, name } = headerShape(serialized);
    const table = new OptEmbedTable({
      rows,
      dim,
      backend,
      seed: 0,
      init: { kind: 'zeros' },
      fieldOffsets: h.fieldOffsets as number[],
      dimsPer: h.dimsPer as OptEmbedGrouping,
      thresholdPer: h.thresholdPer as OptEmbedGrouping,
      thresholdReg: h.thresholdReg as number,
      rowPruning: h.rowPruning as boolean,
      ...(typeof h.thresholdLr === 'number' ? { thresholdLr: h.thresholdLr } : {}),
      ...(typeof h.thresholdOptimizer === 'string' ? { thresholdOptimizer: h.thresholdOptimizer as OptEmbedThresholdOptimizer } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    });
    const { weight, threshold, evalDims } = serialized.sections;
    for (const [key, values, param] of [['weight', weight, table.weight], ['threshold', threshold, table.threshold]] as const) {
      if (!(values instanceof Float32Array) || values.length !== param.value.length) {
        table.dispose();
        throw new TypeError(`optembed table: section "${key}" must be a Float32Array of ${param.value.length} values`);
      }
      backend.write(param.value, values);
    }
    table.rng = Rng.fromState(h.rng as number[]);
    if (evalDims !== undefined) {
      if (!(evalDims instanceof Int32Array)) throw new TypeError('optembed table: section "evalDims" must be an Int32Array');
      table.setDims(evalDims);
    }
    return table;
  }

  /** The dims used by evaluation passes (null: all d). */
  get dims(): Int32Array | null {
    return this.evalDims;
  }

  /** Sets the kept dims per group for evaluation passes (each in 1..d), or null for all d. */
  setDims(dims: Int32Array | null): void {
    if (dims !== null) this.checkDims(dims);
    this.evalDims = dims === null ? null : dims.slice();
    if (this.frozenValues !== null) this.writeFrozenValues();
  }

  /** True between freeze() and thaw(). */
  get frozen(): boolean {
    return this.frozenValues !== null;
  }

  /**
   * Fixes the supernet for an evaluation-only search over dims (its parameters must not change
   * until thaw()): the row-pruning mask is computed once, and every setDims writes the evaluation
   * values (W_r's first k entries of each kept row, zeros elsewhere) into one buffer reused for all
   * candidates, so that an evaluation pass is a gather kernel (lookup) or a copy (lookupAll) on
   * the backend, threaded when it has a pool. The values equal the live evaluation pass's bit for
   * bit (copies of W or zeros). Training passes throw while frozen.
   */
  freeze(): void {
    if (this.frozenValues !== null) return;
    this.frozenKeep = this.keptRows();
    this.frozenValues = this.backend.alloc('f32', this.rows * this.dim);
    this.writeFrozenValues();
  }

  /** Ends a freeze(): frees the evaluation values; evaluation passes compute from W again. */
  thaw(): void {
    if (this.frozenValues !== null) this.backend.free(this.frozenValues);
    this.frozenValues = null;
    this.frozenKeep = null;
  }

  /** The group (row or field) whose dims row r uses. */
  groupOf(r: number): number {
    return this.dimsPer === 'row' ? r : this.fieldOf[r];
  }

  /** 1 for the rows the row-pruning mask keeps (|W_r|_1 > t), at the current parameters. */
  keptRows(): Uint8Array {
    const keep = new Uint8Array(this.rows);
    const w = this.backend.view(this.weight.value);
    const t = this.backend.view(this.threshold.value);
    for (let r = 0; r < this.rows; r++) keep[r] = !this.rowPruning || this.margin(w, t, r) > 0 ? 1 : 0;
    return keep;
  }

  /** Kept rows per dimension group (what one unit of a group's k costs in parameters). */
  keptPerGroup(keep: Uint8Array = this.keptRows()): Int32Array {
    const out = new Int32Array(this.groups);
    for (let r = 0; r < this.rows; r++) out[this.groupOf(r)] += keep[r];
    return out;
  }

  /** The element mask of a candidate: row r keeps its first dims[group] entries when the row is kept. */
  elementMask(dims: Int32Array, keep: Uint8Array = this.keptRows()): Uint8Array {
    this.checkDims(dims);
    const d = this.dim;
    const mask = new Uint8Array(this.rows * d);
    for (let r = 0; r < this.rows; r++) if (keep[r] !== 0) mask.fill(1, r * d, r * d + dims[this.groupOf(r)]);
    return mask;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('optembed.lookup', 'out', out.length, ids.length, this.dim);
    if (this.frozenEvaluation(ctx)) {
      this.backend.gather(this.frozenValues!, this.rows, this.dim, ids, out);
      return;
    }
    const idView = this.backend.view(ids);
    checkIdsInRange('optembed.lookup', idView, this.rows);
    this.forward(idView, this.backend.view(out), this.dimsFor(ctx));
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength('optembed.backward', 'dOut', dOut.length, ids.length, this.dim);
    const idView = this.backend.view(ids);
    checkIdsInRange('optembed.backward', idView, this.rows);
    this.backwardRows(idView, this.backend.view(dOut));
    this.touched.addIds(ids);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('optembed.lookupAll', 'out', out.length, this.rows, this.dim);
    if (this.frozenEvaluation(ctx)) {
      this.backend.copy(this.frozenValues!, out);
      return;
    }
    this.forward(this.allIds(), this.backend.view(out), this.dimsFor(ctx));
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('optembed.backwardAll', 'dOut', dOut.length, this.rows, this.dim);
    this.backwardRows(this.allIds(), this.backend.view(dOut));
    this.touched.markAll();
  }

  parameters(): readonly Parameter[] {
    return [this.weight, this.threshold];
  }

  /** The dimension-sampling stream (the rest of the supernet's training state is the parameters). */
  trainingState(): TableTrainingState {
    return { header: { rng: this.rng.getState() }, sections: {} };
  }

  restoreTrainingState(state: TableTrainingState): void {
    if (!Array.isArray(state.header.rng)) throw new TypeError('optembed: the training state has no sampling stream');
    this.rng = Rng.fromState(state.header.rng as number[]);
  }

  /** params = non-zeros of the evaluation form (kept rows x their dims); memory and disk hold W and t. */
  size(): Promise<TableSize> {
    const out = new Float32Array(this.rows * this.dim);
    this.forward(this.allIds(), out, this.evalDims ?? this.full);
    let nonZeros = 0;
    for (const v of out) if (v !== 0) nonZeros++;
    const bytes = 4 * (this.weight.value.length + this.threshold.value.length);
    return Promise.resolve({ params: nonZeros, nonZeros, memoryBytes: bytes, diskBytes: bytes });
  }

  async serialize(): Promise<SerializedTable> {
    const header: Record<string, unknown> = {
      form: 'supernet',
      rows: this.rows,
      dim: this.dim,
      name: this.name,
      fieldOffsets: Array.from(this.fieldOffsets),
      dimsPer: this.dimsPer,
      thresholdPer: this.thresholdPer,
      thresholdReg: this.thresholdReg,
      rowPruning: this.rowPruning,
      thresholdLr: this.threshold.update!.lr,
      thresholdOptimizer: this.threshold.update!.rule,
      rng: this.rng.getState(),
    };
    if (this.weight.weightDecay !== undefined) header.weightDecay = this.weight.weightDecay;
    const sections: SerializedTable['sections'] = {
      weight: await this.backend.read(this.weight.value),
      threshold: await this.backend.read(this.threshold.value),
    };
    if (this.evalDims !== null) (sections as Record<string, Int32Array>).evalDims = this.evalDims.slice();
    return { method: 'optembed', header, sections };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.thaw();
    const be = this.backend;
    for (const b of [this.weight.value, this.weight.grad, this.threshold.value, this.threshold.grad]) be.free(b);
    this.touched.dispose();
  }

  /** True when a lookup reads the frozen values; a training lookup while frozen throws. */
  private frozenEvaluation(ctx: LookupContext): boolean {
    if (this.frozenValues === null) return false;
    if (ctx.training) throw new Error('optembed: the table is frozen for a search; thaw() it before training');
    return true;
  }

  /** The frozen evaluation values for the current dims: row r keeps W_r's first k entries when kept. */
  private writeFrozenValues(): void {
    const out = this.backend.view(this.frozenValues!);
    const w = this.backend.view(this.weight.value);
    const keep = this.frozenKeep!;
    const dims = this.evalDims ?? this.full;
    const d = this.dim;
    for (let r = 0; r < this.rows; r++) {
      const k = keep[r] !== 0 ? dims[this.groupOf(r)] : 0;
      out.set(w.subarray(r * d, r * d + k), r * d);
      out.fill(0, r * d + k, (r + 1) * d);
    }
  }

  /** The dims of a lookup (a training pass draws fresh ones), remembered for the backward pass. */
  private dimsFor(ctx: LookupContext): Int32Array {
    this.active = ctx.training ? this.sampler.fill(this.rng, this.sampled) : (this.evalDims ?? this.full);
    return this.active;
  }

  /** out[i] = W_r * m_r * [j < k] for the rows r = ids[i], k = dims of the row's group. */
  private forward(ids: Int32Array, out: Float32Array, dims: Int32Array): void {
    const w = this.backend.view(this.weight.value);
    const t = this.backend.view(this.threshold.value);
    const d = this.dim;
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      const keep = !this.rowPruning || this.margin(w, t, r) > 0;
      const k = keep ? dims[this.groupOf(r)] : 0;
      for (let j = 0; j < d; j++) out[i * d + j] = j < k ? w[r * d + j] : 0;
    }
  }

  /**
   * Gradients of forward for dOut: dW_rj += dOut_ij m_r [j < k] + sign(W_rj) g(x_r) a_i and
   * dt -= g(x_r) a_i, with x_r = |W_r|_1 - t, g the straight-through estimator and
   * a_i = sum_{j<k} dOut_ij W_rj (the gradient of the mask); then lambda * d(sum exp(-t)).
   */
  private backwardRows(ids: Int32Array, dOut: Float32Array): void {
    const dims = this.active ?? this.evalDims ?? this.full;
    const be = this.backend;
    const w = be.view(this.weight.value);
    const t = be.view(this.threshold.value);
    const gw = be.view(this.weight.grad);
    const gt = be.view(this.threshold.grad);
    const d = this.dim;
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      const k = dims[this.groupOf(r)];
      const x = this.rowPruning ? this.margin(w, t, r) : 1;
      const on = x > 0;
      let a = 0;
      for (let j = 0; j < k; j++) a += dOut[i * d + j] * w[r * d + j];
      if (on) for (let j = 0; j < k; j++) gw[r * d + j] += dOut[i * d + j];
      if (!this.rowPruning) continue;
      const g = binaryStepGrad(x) * a;
      if (g === 0) continue;
      for (let j = 0; j < d; j++) gw[r * d + j] += Math.sign(w[r * d + j]) * g;
      gt[this.thresholdOf(r)] -= g;
    }
    if (this.rowPruning && this.thresholdReg !== 0) {
      for (let k = 0; k < t.length; k++) gt[k] -= this.thresholdReg * Math.exp(-t[k]);
    }
  }

  /** |W_r|_1 - t of row r (f64 over the f32 values, in column order). */
  private margin(w: Float32Array, t: Float32Array, r: number): number {
    const d = this.dim;
    let norm = 0;
    for (let j = 0; j < d; j++) norm += Math.abs(w[r * d + j]);
    return norm - t[this.thresholdOf(r)];
  }

  private thresholdOf(r: number): number {
    return this.thresholdPer === 'row' ? r : this.fieldOf[r];
  }

  private checkDims(dims: Int32Array): void {
    if (!(dims instanceof Int32Array) || dims.length !== this.groups) throw new RangeError(`optembed: dims must be an Int32Array of ${this.groups} groups`);
    for (let g = 0; g < dims.length; g++) {
      if (!(dims[g] >= 1 && dims[g] <= this.dim)) throw new RangeError(`optembed: dims[${g}] = ${dims[g]} is outside 1..${this.dim}`);
    }
  }

  private allIds(): Int32Array {
    this.iota ??= Int32Array.from({ length: this.rows }, (_, r) => r);
    return this.iota;
  }
}

const THRESHOLD_OPTIMIZERS: readonly OptEmbedThresholdOptimizer[] = ['sgd', 'optimizer'];

/** Validates field offsets: integers, starting at 0, strictly increasing, below rows. */
function checkFieldOffsets(offsets: ArrayLike<number>, rows: number): Int32Array {
  const out = Int32Array.from(offsets);
  if (out.length === 0 || out[0] !== 0) throw new RangeError('optembed: fieldOffsets must start at 0');
  for (let f = 0; f < out.length; f++) {
    if (out[f] !== offsets[f] || out[f] >= rows || (f > 0 && out[f] <= out[f - 1])) {
      throw new RangeError(`optembed: fieldOffsets must be strictly increasing integers below rows (${rows}), got ${Array.from(offsets).join(', ')}`);
    }
  }
  return out;
}

/** The field of every row. */
function fieldIndex(offsets: Int32Array, rows: number): Int32Array {
  const out = new Int32Array(rows);
  for (let f = 0; f < offsets.length; f++) out.fill(f, offsets[f], f + 1 < offsets.length ? offsets[f + 1] : rows);
  return out;
}

/**
 * Registry entry: the supernet, or with option `masks` (rows x dim, or one per table name; from
 * elementMask of the searched dims) the fixed-mask retraining table.
 */
export const optEmbedMethod: MethodDefinition = searchThenMaskMethod(
  { name: 'optembed', summary: 'supernet with row pruning and sampled dims, evolutionary search of dims per row or field, then retraining', servedAs: 'the masked table (CSR of the kept entries when converted)' },
  (o) => new OptEmbedTable(o),
  (s, be) => OptEmbedTable.deserialize(s, be),
);
