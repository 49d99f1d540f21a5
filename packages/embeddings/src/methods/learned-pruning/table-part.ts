import { isHostBackend, type Backend, type Buf } from '@lers/kernels';
import { initializeValues, type TableInit } from '../../init.js';
import { freeGradient, withLazyGradient, type Parameter } from '../../parameter.js';
import { TouchedRows } from '../full/touched-rows.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';

/**
 * A trainable rows x dim block of values behind a (possibly sparsifying) transform: PEP's table, the
 * P and Q tables of CERP, and the fixed-mask retraining form of the pruning methods. A table built
 * from parts composes them; ids are checked by the gather kernels (a part never sees an id >= rows).
 */
export interface TablePart {
  readonly rows: number;
  readonly dim: number;
  /** The raw values (`<prefix>.weight`), rows x dim, row-sparse gradient. */
  readonly weight: Parameter;
  /** Every trainable parameter of the part (the weight first). */
  parameters(): readonly Parameter[];
  /** out (ids.length x dim) = the transformed rows `ids`. */
  forwardRows(ids: Buf<'i32'>, out: Buf<'f32'>): void;
  /** Accumulates the parameter gradients of forwardRows(ids) for the output gradient dOut. */
  backwardRows(ids: Buf<'i32'>, dOut: Buf<'f32'>): void;
  /** out (rows x dim) = the whole transformed block. */
  forwardAll(out: Buf<'f32'>): void;
  /** Accumulates the parameter gradients of forwardAll for dOut (rows x dim). */
  backwardAll(dOut: Buf<'f32'>): void;
  /** Frees the part's buffers. */
  dispose(): void;
}

/** A rows x dim weight parameter with its gradient and touched-row tracker, initialised from `init`. */
export function createWeight(
  backend: Backend,
  name: string,
  rows: number,
  dim: number,
  init: TableInit,
  seed: number,
  weightDecay: number | undefined,
): { weight: Parameter; touched: TouchedRows } {
  const value = backend.alloc('f32', rows * dim);
  initializeValues(backend, value, rows, dim, init, seed);
  const touched = new TouchedRows(backend, rows, dim);
  const weight = withLazyGradient(backend, rows * dim, {
    name,
    value,
    shape: [rows, dim],
    rowSparse: touched,
    ...(weightDecay !== undefined ? { weightDecay } : {}),
  });
  return { weight, touched };
}

/**
 * A part whose output is W (.) M for a fixed 0/1 element mask M: the lottery-ticket retraining form
 * of PEP, OptEmbed and CERP. The mask is applied in the forward pass and to the gradient, so the
 * entries outside it never influence the output, whatever values are written into W (restoring
 * initial weights writes all of W). Lookups cost one extra gather and product over a plain table.
 */
export class MaskedPart implements TablePart {
  readonly rows: number;
  readonly dim: number;
  readonly weight: Parameter;
  /** The mask on the host (1 = kept), rows x dim. */
  readonly mask: Uint8Array;
  /** Number of kept entries. */
  readonly kept: number;
  private readonly backend: Backend;
  private readonly touched: TouchedRows;
  /** The mask as f32 0/1 on the backend (multiplied into values and gradients). */
  private readonly maskValues: Buf<'f32'>;
  private readonly scratch: ScratchBuffer<'f32'>;
  private disposed = false;

  /** Takes ownership of `weight` and its tracker; `mask` (rows x dim, 0/1) is copied. */
  constructor(backend: Backend, weight: Parameter, touched: TouchedRows, mask: Uint8Array) {
    const [rows, dim] = weight.shape;
    if (mask.length !== rows * dim) throw new RangeError(`masked ${weight.name}: mask must have ${rows} x ${dim} = ${rows * dim} entries, has ${mask.length}`);
    this.backend = backend;
    this.rows = rows;
    this.dim = dim;
    this.weight = weight;
    this.touched = touched;
    this.mask = Uint8Array.from(mask, (m) => (m !== 0 ? 1 : 0));
    let kept = 0;
    for (const m of this.mask) kept += m;
    this.kept = kept;
    this.maskValues = backend.upload('f32', this.mask);
    // Entries outside the mask start at +0, so that the forward product W * M gives +0 there, not
    // -0 for a negative W (a table and its serialised copy then agree bit for bit).
    if (isHostBackend(backend)) {
      const w = backend.view(weight.value);
      for (let e = 0; e < w.length; e++) if (this.mask[e] === 0) w[e] = 0;
    } else {
      // W * M zeroes them (-0 for a negative W); adding +0 turns -0 into +0 and leaves the rest.
      const zeros = backend.alloc('f32', dim);
      backend.mul(weight.value, this.maskValues, weight.value);
      backend.addRowVector(rows, dim, weight.value, zeros, weight.value);
      backend.free(zeros);
    }
    this.scratch = new ScratchBuffer(backend, 'f32');
  }

  parameters(): readonly Parameter[] {
    return [this.weight];
  }

  forwardRows(ids: Buf<'i32'>, out: Buf<'f32'>): void {
    const be = this.backend;
    be.gather(this.weight.value, this.rows, this.dim, ids, out);
    const m = this.scratch.take(ids.length * this.dim);
    be.gather(this.maskValues, this.rows, this.dim, ids, m);
    be.mul(out, m, out);
  }

  backwardRows(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    const be = this.backend;
    const g = this.scratch.take(ids.length * this.dim);
    be.gather(this.maskValues, this.rows, this.dim, ids, g);
    be.mul(dOut, g, g);
    be.scatterAdd(g, ids, 1, this.weight.grad, this.rows, this.dim);
    this.touched.addIds(ids);
  }

  forwardAll(out: Buf<'f32'>): void {
    this.backend.mul(this.weight.value, this.maskValues, out);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    const g = this.scratch.take(this.rows * this.dim);
    this.backend.mul(dOut, this.maskValues, g);
    this.backend.axpy(1, g, this.weight.grad);
    this.touched.markAll();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const be = this.backend;
    be.free(this.weight.value);
    freeGradient(be, this.weight);
    be.free(this.maskValues);
    this.touched.dispose();
    this.scratch.dispose();
  }
}
