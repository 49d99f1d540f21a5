import { hash2, type Backend, type Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { rowsOf, type Layer, type LayerContext } from './layer.js';
import { RowBuffer } from './row-buffer.js';

/**
 * Inverted dropout: in training each unit is zeroed with probability p and the rest scaled by
 * 1 / (1 - p); inference is the identity (the input buffer is returned as is). The mask of a step
 * is seeded by hash2(ctx.seed, salt), so a layer's mask is reproducible from the step seed.
 */
export class Dropout implements Layer {
  readonly outFeatures: number;
  private readonly out: RowBuffer;
  private readonly dx: RowBuffer;
  private readonly mask: RowBuffer<'u8'>;
  private currentMask: Buf<'u8'> | null = null;

  /** Dropout with probability `p` in [0, 1); `salt` tells this layer's masks from other layers'. */
  constructor(
    private readonly backend: Backend,
    readonly name: string,
    readonly inFeatures: number,
    readonly p: number,
    /** Mixed with the step seed: hash2(ctx.seed, salt) seeds this layer's mask. */
    readonly salt: number,
  ) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`${name}: dropout probability must be in [0, 1), got ${p}`);
    this.outFeatures = inFeatures;
    this.out = new RowBuffer(backend, 'f32', inFeatures);
    this.dx = new RowBuffer(backend, 'f32', inFeatures);
    this.mask = new RowBuffer(backend, 'u8', inFeatures);
  }

  forward(x: Buf<'f32'>, ctx: LayerContext): Buf<'f32'> {
    const rows = rowsOf(x, this.inFeatures, this.name);
    if (!ctx.training || this.p === 0) {
      this.currentMask = null;
      return x;
    }
    const y = this.out.take(rows);
    const mask = this.mask.take(rows);
    this.backend.dropout(x, this.p, hash2(ctx.seed, this.salt), y, mask);
    this.currentMask = mask;
    return y;
  }

  backward(dy: Buf<'f32'>): Buf<'f32'> {
    // p = 0 (or a mask-free forward) is the identity: the gradient passes through.
    if (this.p === 0) return dy;
    const mask = this.currentMask;
    if (mask === null) throw new Error(`${this.name}: backward without a training forward`);
    const dx = this.dx.take(rowsOf(dy, this.inFeatures, this.name));
    this.backend.dropoutBackward(dy, mask, this.p, dx);
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
    this.mask.dispose();
    this.currentMask = null;
  }
}
