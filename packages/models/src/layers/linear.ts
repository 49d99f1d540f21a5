import { hash2, type Backend, type Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { initTensor, type InitScheme } from './init.js';
import { rowsOf, type Layer, type LayerContext } from './layer.js';
import { createParameter, freeParameter } from './parameters.js';
import { RowBuffer } from './row-buffer.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Default true. */
  readonly bias?: boolean;
  /** Weight initialiser (default `torch-linear`, nn.Linear's own). */
  readonly init?: InitScheme;
  /**
   * Bias initialiser. Default: U(+-1/sqrt(in)) with `torch-linear` (as nn.Linear), zeros otherwise.
   */
  readonly biasInit?: InitScheme;
  /** Seed of the weight; the bias uses a seed derived from it. */
  readonly seed: number;
}

/**
 * Fully connected layer y = x W^T + b with W stored `out x in` (PyTorch's layout), so a
 * checkpoint's weight matrices are interchangeable with nn.Linear's.
 */
export class Linear implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private readonly out: RowBuffer;
  private readonly dx: RowBuffer;
  private input: Buf<'f32'> | null = null;

  /** A layer `inFeatures -> outFeatures` named `name` (parameters `name.weight`, `name.bias`). */
  constructor(
    private readonly backend: Backend,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions,
  ) {
    const scheme = options.init ?? 'torch-linear';
    this.weight = createParameter(backend, `${name}.weight`, [outFeatures, inFeatures]);
    initTensor(backend, this.weight.value, this.weight.shape, scheme, options.seed);
    if (options.bias ?? true) {
      this.bias = createParameter(backend, `${name}.bias`, [outFeatures]);
      const biasInit = options.biasInit ?? (scheme === 'torch-linear' ? { uniform: 1 / Math.sqrt(inFeatures) } : 'zeros');
      initTensor(backend, this.bias.value, this.bias.shape, biasInit, hash2(options.seed, 1));
    } else {
      this.bias = null;
    }
    this.out = new RowBuffer(backend, 'f32', outFeatures);
    this.dx = new RowBuffer(backend, 'f32', inFeatures);
  }

  forward(x: Buf<'f32'>, ctx: LayerContext): Buf<'f32'> {
    const rows = rowsOf(x, this.inFeatures, this.name);
    const y = this.out.take(rows);
    const be = this.backend;
    be.gemm(false, true, rows, this.outFeatures, this.inFeatures, 1, x, this.weight.value, 0, y);
    if (this.bias) be.addRowVector(rows, this.outFeatures, y, this.bias.value, y);
    this.input = ctx.training ? x : null;
    return y;
  }

  backward(dy: Buf<'f32'>): Buf<'f32'> {
    const x = this.input;
    if (x === null) throw new Error(`${this.name}: backward without a training forward`);
    const rows = rowsOf(dy, this.outFeatures, this.name);
    const be = this.backend;
    // dW += dy^T x (out x in); db += column sums of dy; dx = dy W (rows x in).
    be.gemm(true, false, this.outFeatures, this.inFeatures, rows, 1, dy, x, 1, this.weight.grad);
    if (this.bias) be.colSum(rows, this.outFeatures, dy, 1, this.bias.grad);
    const dx = this.dx.take(rows);
    be.gemm(false, false, rows, this.inFeatures, this.outFeatures, 1, dy, this.weight.value, 0, dx);
    return dx;
  }

  parameters(): readonly Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return {};
  }

  dispose(): void {
    freeParameter(this.backend, this.weight);
    if (this.bias) freeParameter(this.backend, this.bias);
    this.out.dispose();
    this.dx.dispose();
    this.input = null;
  }
}
