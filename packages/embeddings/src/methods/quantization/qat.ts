import { solveQatBudget } from './budget.js';
import { isHostBackend, type Backend, type Buf, type HostBackend } from '@lers/kernels';
import { checkTableShape } from '../full/full.js';
import { DEFAULT_INIT, initializeValues } from '../../init.js';
import type { Parameter } from '../../parameter.js';
import type { MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable } from '../../table.js';
import { TouchedRows } from '../full/touched-rows.js';
import { denseFromOptions, type DenseValues } from '../common/dense-source.js';
import { fakeQuantBackward, fakeQuantForward, stepRoundingSeed, type FakeQuantSpec } from './fake-quant.js';
import { checkIdsInRange, checkRowsLength, requireHostBackend } from '../common/host-access.js';
import { affineParams, type PtqTable, signedRange } from './ptq.js';
import { qatServingTable } from './qat-codes.js';
import { QatServedTable } from './qat-served.js';
import { parseQat, qatHeader, qatSize, type QatBits, type QatTableSize } from './qat-form.js';

export type { QatBits, QatTableSize } from './qat-form.js';

/** Options of a QAT table (besides rows, dim, backend). */
export interface QatOptions {
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** Seed of the initial values (when `values` is not given) and default seed of the rounding. */
  readonly seed: number;
  /** Bit width of the signed codes; default 8. */
  readonly bits?: QatBits;
  /** One learnable scale for the table (default) or one per row. */
  readonly scaleGranularity?: 'table' | 'row';
  /** Rounding of training lookups: stochastic (default) or nearest. Evaluation always rounds to nearest. */
  readonly rounding?: 'stochastic' | 'nearest';
  /** Seed of the stochastic rounding; default `seed`. */
  readonly roundingSeed?: number;
  /** Starting master values (e.g. a trained full table's); default: `init` from `seed`. */
  readonly values?: DenseValues;
  readonly init?: TableOptions['init'];
  /** Prefix of the parameter names (`<name>.weight`, `<name>.scale`); default `qat`. */
  readonly name?: string;
  /** Weight decay of the master table; the scale is never decayed. */
  readonly weightDecay?: number;
}


/**
 * Quantization-aware training (LSQ, Esser et al. 2020): an fp32 master table trained as usual,
 * whose lookups return fake-quantized rows (see fake-quant.ts) with a learnable scale per table or
 * per row, initialised at (max - min) / (qmax - qmin) of the initial values, and a fixed integer
 * zero point z = round(qmin - min / scale) set with it (the range widened to include 0 as in PTQ's
 * affineParams; a zero range is taken as [-0.5, 0.5]). Training lookups round stochastically,
 * counter-based on (roundingSeed, step, element): the step advances at the first training forward after a backward, so every
 * forward of one optimizer step and the backward that follows see the same draws. Forward and
 * backward run in TypeScript over host views with no allocation. `toPtq()` exports the real int table.
 */
export class QatTable implements EmbeddingTable {
  readonly method = 'qat';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly bits: QatBits;
  readonly scaleGranularity: 'table' | 'row';
  readonly rounding: 'stochastic' | 'nearest';
  readonly roundingSeed: number;
  /** The fp32 master table `<name>.weight` (rows x dim). */
  readonly weight: Parameter;
  /** The learnable scale `<name>.scale` ([1] or [rows, 1]), weight decay 0. */
  readonly scale: Parameter;
  /** The zero point(s), one per scale; host integers fixed during training (initScale() recomputes them). */
  readonly zeroPoint: Int32Array;
  private readonly be: HostBackend;
  private readonly name: string;
  private readonly qmin: number;
  private readonly qmax: number;
  private readonly gradFactor: number;
  private readonly touched: TouchedRows;
  private readonly touchedScale: TouchedRows | null;
  private stepCount = 0;
  private backwardSinceForward = false;
  private disposed = false;

  constructor(options: QatOptions) {
    checkTableShape('qat', options.rows, options.dim);
    const bits = options.bits ?? 8;
    if (bits !== 8 && bits !== 16 && bits !== 4) throw new RangeError(`qat: bits must be 8, 16 or 4, got ${String(bits)}`);
    const granularity = options.scaleGranularity ?? 'table';
    if (granularity !== 'table' && granularity !== 'row') throw new RangeError(`qat: scaleGranularity must be "table" or "row", got ${String(granularity)}`);
    const rounding = options.rounding ?? 'stochastic';
    if (rounding !== 'stochastic' && rounding !== 'nearest') throw new RangeError(`qat: rounding must be "stochastic" or "nearest", got ${String(rounding)}`);
    const roundingSeed = options.roundingSeed ?? options.seed;
    if (!Number.isInteger(roundingSeed)) throw new TypeError(`qat: roundingSeed must be an integer, got ${roundingSeed}`);
    const { rows, dim } = options;
    const be = requireHostBackend(options.backend, "QAT's training form (its fake quantizer runs in TypeScript over views; a saved QAT table serves on any backend)");
    this.rows = rows;
    this.dim = dim;
    this.backend = be;
    this.be = be;
    this.bits = bits;
    this.scaleGranularity = granularity;
    this.rounding = rounding;
    this.roundingSeed = roundingSeed >>> 0;
    this.name = options.name ?? 'qat';
    ({ qmin: this.qmin, qmax: this.qmax } = signedRange(bits));
    const perRow = granularity === 'row';
    this.gradFactor = 1 / Math.sqrt((perRow ? dim : rows * dim) * this.qmax);

    const n = rows * dim;
    const value = be.alloc('f32', n);
    if (options.values !== undefined) {
      if (options.values.rows !== rows || options.values.dim !== dim) throw new RangeError(`qat: values are ${options.values.rows} x ${options.values.dim}, table is ${rows} x ${dim}`);
      be.write(value, options.values.values);
    } else {
      initializeValues(be, value, rows, dim, options.init ?? DEFAULT_INIT, options.seed);
    }
    this.touched = new TouchedRows(be, rows, dim);
    this.weight = {
      name: `${this.name}.weight`,
      value,
      grad: be.alloc('f32', n),
      shape: [rows, dim],
      rowSparse: this.touched,
      ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
    };
    const scaleValue = be.alloc('f32', perRow ? rows : 1);
    this.zeroPoint = new Int32Array(perRow ? rows : 1);
    this.touchedScale = perRow ? new TouchedRows(be, rows, 1) : null;
    this.scale = {
      name: `${this.name}.scale`,
      value: scaleValue,
      grad: be.alloc('f32', perRow ? rows : 1),
      shape: perRow ? [rows, 1] : [1],
      weightDecay: 0,
      ...(this.touchedScale !== null ? { rowSparse: this.touchedScale } : {}),
    };
    this.initScale();
  }

  /** Restores a table serialised by `serialize()` (bit-exact, including the rounding step); host backends only (see qatMethod.load). */
  static deserialize(serialized: SerializedTable, backend: Backend): QatTable {
    const { header: h, weight, scale, zeroPoint } = parseQat(serialized);
    const table = new QatTable({
      rows: h.rows,
      dim: h.dim,
      backend,
      seed: 0,
      init: { kind: 'zeros' },
      bits: h.bits,
      scaleGranularity: h.scaleGranularity,
      rounding: h.rounding,
      roundingSeed: h.roundingSeed,
      ...(h.name !== undefined ? { name: h.name } : {}),
      ...(h.weightDecay !== undefined ? { weightDecay: h.weightDecay } : {}),
    });
    if (weight.length !== table.weight.value.length || scale.length !== table.scale.value.length) {
      table.dispose();
      throw new RangeError(`qat table: sections have ${weight.length} weights, ${scale.length} scales and ${zeroPoint.length} zero points, expected ${table.weight.value.length} and ${table.scale.value.length} of each`);
    }
    backend.write(table.weight.value, weight);
    backend.write(table.scale.value, scale);
    table.zeroPoint.set(zeroPoint);
    table.stepCount = h.step;
    table.backwardSinceForward = h.backwardSinceForward;
    return table;
  }

  /** The rounding step of the next training backward (the count of optimizer steps seen). */
  get step(): number {
    return this.stepCount;
  }

  /** Re-initialises the scale(s) and zero point(s) from the min and max of the current master values. */
  initScale(): void {
    const w = this.be.view(this.weight.value);
    const s = this.be.view(this.scale.value);
    const dim = this.dim;
    const set = (at: number, from: number, to: number): void => {
      let mn = Infinity;
      let mx = -Infinity;
      for (let k = from; k < to; k++) {
        mn = Math.min(mn, w[k]);
        mx = Math.max(mx, w[k]);
      }
      const p = mx > mn || mn !== 0 ? affineParams(mn, mx, this.bits) : affineParams(-0.5, 0.5, this.bits);
      s[at] = p.scale;
      this.zeroPoint[at] = p.zeroPoint;
    };
    if (this.scaleGranularity === 'row') for (let r = 0; r < this.rows; r++) set(r, r * dim, (r + 1) * dim);
    else set(0, 0, w.length);
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('qat lookup', 'out', out.length, ids.length, this.dim);
    const idView = this.be.view(ids);
    checkIdsInRange('qat lookup', idView, this.rows);
    this.forward(idView, ids.length, out, ctx);
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength('qat backward', 'dOut', dOut.length, ids.length, this.dim);
    const idView = this.be.view(ids);
    checkIdsInRange('qat backward', idView, this.rows);
    this.backwardRows(idView, ids.length, dOut);
    this.touched.addIds(ids);
    this.touchedScale?.addIds(ids);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('qat lookupAll', 'out', out.length, this.rows, this.dim);
    this.forward(null, this.rows, out, ctx);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('qat backwardAll', 'dOut', dOut.length, this.rows, this.dim);
    this.backwardRows(null, this.rows, dOut);
    this.touched.markAll();
    this.touchedScale?.markAll();
  }

  parameters(): readonly Parameter[] {
    return [this.weight, this.scale];
  }

  /**
   * params = rows x dim (quantization counts every element, by bit width); memory and disk bytes are
   * those of this training object (fp32 master + scales); servedBytes those of `toPtq()`.
   */
  size(): Promise<QatTableSize> {
    const n = this.rows * this.dim;
    const w = this.be.view(this.weight.value);
    let nonZeros = 0;
    for (let k = 0; k < n; k++) if (w[k] !== 0) nonZeros++;
    return Promise.resolve(qatSize(this.rows, this.dim, this.bits, this.scaleGranularity, nonZeros));
  }

  /**
   * The serving table: a per-table scale with 8 or 16 bits -> ptq 'int8' / 'int16' with the same
   * scale and zero point (equals the eval forward bit for bit); int4, or a per-row scale with 8 or
   * 4 bits -> ptq row-wise with scale s and bias (qmin - z) * s, codes q - qmin (equal to the eval
   * forward up to the f32 rounding of the bias and the sum). A per-row scale with 16 bits has no
   * serving format and throws.
   */
  toPtq(name = `${this.name}.ptq`): PtqTable {
    const { rows, dim, bits, scaleGranularity } = this;
    return qatServingTable(this.be, { rows, dim, bits, scaleGranularity, weight: this.be.view(this.weight.value), scale: this.be.view(this.scale.value), zeroPoint: this.zeroPoint }, name);
  }

  async serialize(): Promise<SerializedTable> {
    const [weight, scale] = await Promise.all([this.be.read(this.weight.value), this.be.read(this.scale.value)]);
    const header = qatHeader({
      rows: this.rows,
      dim: this.dim,
      name: this.name,
      bits: this.bits,
      scaleGranularity: this.scaleGranularity,
      rounding: this.rounding,
      roundingSeed: this.roundingSeed,
      step: this.stepCount,
      backwardSinceForward: this.backwardSinceForward,
      ...(this.weight.weightDecay !== undefined ? { weightDecay: this.weight.weightDecay } : {}),
    });
    return { method: 'qat', header, sections: { weight, scale, zeroPoint: this.zeroPoint.slice() } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [this.weight.value, this.weight.grad, this.scale.value, this.scale.grad]) this.be.free(b);
    this.touched.dispose();
    this.touchedScale?.dispose();
  }

  /** The quantizer of a forward or backward: training uses this step's rounding, evaluation nearest. */
  private spec(training: boolean): FakeQuantSpec {
    const stochastic = training && this.rounding === 'stochastic';
    return {
      qmin: this.qmin,
      qmax: this.qmax,
      dim: this.dim,
      perRow: this.scaleGranularity === 'row',
      zeroPoint: this.zeroPoint,
      roundingSeed: stochastic ? stepRoundingSeed(this.roundingSeed, this.stepCount) : null,
    };
  }

  private forward(ids: Int32Array | null, count: number, out: Buf<'f32'>, ctx: LookupContext): void {
    if (ctx.training && this.backwardSinceForward) {
      this.stepCount++;
      this.backwardSinceForward = false;
    }
    const be = this.be;
    fakeQuantForward(this.spec(ctx.training), be.view(this.weight.value), be.view(this.scale.value), ids, count, be.view(out));
  }

  private backwardRows(ids: Int32Array | null, count: number, dOut: Buf<'f32'>): void {
    const be = this.be;
    fakeQuantBackward(
      this.spec(true),
      be.view(this.weight.value),
      be.view(this.scale.value),
      ids,
      count,
      be.view(dOut),
      be.view(this.weight.grad),
      be.view(this.scale.grad),
      this.gradFactor,
    );
    this.backwardSinceForward = true;
  }
}

/**
 * Registry entry: options `bits` (8 | 16 | 4, default 8), `scaleGranularity` ('table' | 'row'),
 * `rounding` ('stochastic' | 'nearest'), `roundingSeed`, and optionally the starting values as
 * `source` (an EmbeddingTable, e.g. a trained full table) or `values` (Float32Array).
 */
export const qatMethod: MethodDefinition = {
  name: 'qat',
  kind: 'trained',
  summary: 'quantization-aware training: fake-quantized lookups (int16/8/4) with a learned scale',
  servedAs: 'the quantized codes',
  budget: solveQatBudget,
  create(options: TableOptions) {
    const start = options.source !== undefined || options.values !== undefined ? denseFromOptions('qat', options) : undefined;
    return new QatTable({
      rows: options.rows,
      dim: options.dim,
      backend: options.backend,
      seed: options.seed,
      ...(options.init !== undefined ? { init: options.init } : {}),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      ...(start !== undefined ? { values: start } : {}),
      ...(options.bits !== undefined ? { bits: options.bits as QatBits } : {}),
      ...(options.scaleGranularity !== undefined ? { scaleGranularity: options.scaleGranularity as 'table' | 'row' } : {}),
      ...(options.rounding !== undefined ? { rounding: options.rounding as 'stochastic' | 'nearest' } : {}),
      ...(options.roundingSeed !== undefined ? { roundingSeed: options.roundingSeed as number } : {}),
    });
  },
  // Served (and on backends without views), the table is its eval forward as real integer codes.
  load: (serialized, backend, purpose) => (purpose === 'serve' || !isHostBackend(backend) ? QatServedTable.deserialize(serialized, backend) : QatTable.deserialize(serialized, backend)),
};
