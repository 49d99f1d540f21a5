import type { Backend, Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { rowsOf, type Layer, type LayerContext } from './layer.js';
import { RowBuffer } from './row-buffer.js';

/** Elementwise max(x, 0). Backward uses the saved output (y > 0 exactly where x > 0). */
export class ReLU implements Layer {
  readonly outFeatures: number;
  private readonly out: RowBuffer;
  private readonly dx: RowBuffer;
  private output: Buf<'f32'> | null = null;

  /** A ReLU over rows of `features` values. */
  constructor(
    private readonly backend: Backend,
    readonly name: string,
    readonly inFeatures: number,
  ) {
    this.outFeatures = inFeatures;
    this.out = new RowBuffer(backend, 'f32', inFeatures);
    this.dx = new RowBuffer(backend, 'f32', inFeatures);
  }

  /** The output of the last training forward, kept for backward (null after an evaluation forward). */
  get savedOutput(): Buf<'f32'> | null {
    return this.output;
  }

  forward(x: Buf<'f32'>, ctx: LayerContext): Buf<'f32'> {
    const y = this.out.take(rowsOf(x, this.inFeatures, this.name));
    this.backend.relu(x, y);
    this.output = ctx.training ? y : null;
    return y;
  }

  backward(dy: Buf<'f32'>): Buf<'f32'> {
    const y = this.output;
    if (y === null) throw new Error(`${this.name}: backward without a training forward`);
    const dx = this.dx.take(rowsOf(dy, this.inFeatures, this.name));
    this.backend.reluBackward(y, dy, dx);
    return dx;
  }

  parameters(): readonly Parameter[] {
    return [];
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return {};
  }

  dispose(): void {
    this.out.dispose();
    this.dx.dispose();
    this.output = null;
  }
}
