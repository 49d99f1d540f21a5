import type { Backend, Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { rowsOf, type Layer, type LayerContext } from './layer.js';
import { createParameter, freeParameter } from './parameters.js';
import { RowBuffer } from './row-buffer.js';

/** Options of `BatchNorm1d` (PyTorch's defaults). */
export interface BatchNormOptions {
  /** Running-stat momentum (default 0.1): run = (1 - momentum) run + momentum batch. */
  readonly momentum?: number;
  /** Default 1e-5. */
  readonly eps?: number;
}

/**
 * BatchNorm1d over the features of a `rows x features` batch: training normalises with the batch
 * statistics and updates the running ones; inference uses the running ones. gamma starts at 1,
 * beta at 0, running mean at 0 and running variance at 1, as in PyTorch.
 */
export class BatchNorm1d implements Layer {
  readonly gamma: Parameter;
  readonly beta: Parameter;
  /** Running mean and (unbiased) variance, exposed as checkpoint buffers. */
  readonly runningMean: Buf<'f32'>;
  readonly runningVar: Buf<'f32'>;
  readonly outFeatures: number;
  private readonly saveMean: Buf<'f32'>;
  private readonly saveInvStd: Buf<'f32'>;
  private readonly out: RowBuffer;
  private readonly dx: RowBuffer;
  private readonly momentum: number;
  private readonly eps: number;
  private input: Buf<'f32'> | null = null;

  /** Normalisation of `features` columns; parameters `name.weight` (gamma) and `name.bias` (beta). */
  constructor(
    private readonly backend: Backend,
    readonly name: string,
    readonly inFeatures: number,
    options: BatchNormOptions = {},
  ) {
    this.outFeatures = inFeatures;
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    // PyTorch names gamma/beta "weight"/"bias"; checkpoints keep those names.
    this.gamma = createParameter(backend, `${name}.weight`, [inFeatures]);
    this.beta = createParameter(backend, `${name}.bias`, [inFeatures]);
    backend.fill(this.gamma.value, 1);
    this.runningMean = backend.alloc('f32', inFeatures);
    this.runningVar = backend.alloc('f32', inFeatures);
    backend.fill(this.runningVar, 1);
    this.saveMean = backend.alloc('f32', inFeatures);
    this.saveInvStd = backend.alloc('f32', inFeatures);
    this.out = new RowBuffer(backend, 'f32', inFeatures);
    this.dx = new RowBuffer(backend, 'f32', inFeatures);
  }

  forward(x: Buf<'f32'>, ctx: LayerContext): Buf<'f32'> {
    const rows = rowsOf(x, this.inFeatures, this.name);
    if (ctx.training && rows < 2) throw new RangeError(`${this.name}: training BatchNorm needs at least 2 rows, got ${rows}`);
    const y = this.out.take(rows);
    this.backend.batchNormForward(
      rows,
      this.inFeatures,
      x,
      this.gamma.value,
      this.beta.value,
      this.runningMean,
      this.runningVar,
      { training: ctx.training, momentum: this.momentum, eps: this.eps },
      y,
      this.saveMean,
      this.saveInvStd,
    );
    this.input = ctx.training ? x : null;
    return y;
  }

  backward(dy: Buf<'f32'>): Buf<'f32'> {
    const x = this.input;
    if (x === null) throw new Error(`${this.name}: backward without a training forward`);
    const rows = rowsOf(dy, this.inFeatures, this.name);
    const dx = this.dx.take(rows);
    this.backend.batchNormBackward(rows, this.inFeatures, x, dy, this.gamma.value, this.saveMean, this.saveInvStd, dx, this.gamma.grad, this.beta.grad);
    return dx;
  }

  parameters(): readonly Parameter[] {
    return [this.gamma, this.beta];
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return { [`${this.name}.running_mean`]: this.runningMean, [`${this.name}.running_var`]: this.runningVar };
  }

  dispose(): void {
    freeParameter(this.backend, this.gamma);
    freeParameter(this.backend, this.beta);
    for (const b of [this.runningMean, this.runningVar, this.saveMean, this.saveInvStd]) this.backend.free(b);
    this.out.dispose();
    this.dx.dispose();
    this.input = null;
  }
}
