import type { Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';

/** What a forward pass needs besides its input. */
export interface LayerContext {
  /** Training passes keep state for backward, use batch statistics and drop units. */
  readonly training: boolean;
  /**
   * Seed of this step's random choices (dropout masks). Each layer mixes it with its own salt, so
   * one seed per step gives every layer an independent mask.
   */
  readonly seed: number;
}

/**
 * A dense layer over a batch of rows: x is `rows x inFeatures` (rows = x.length / inFeatures),
 * the output `rows x outFeatures`. Output and input-gradient buffers belong to the layer: they
 * are preallocated for the largest batch seen and stay valid until the layer's next call of the
 * same kind. `backward` refers to the last *training* forward and accumulates (+=) parameter
 * gradients.
 */
export interface Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** y = layer(x). The input buffer must stay unchanged until backward (layers keep a handle). */
  forward(x: Buf<'f32'>, ctx: LayerContext): Buf<'f32'>;
  /** dx for the output gradient dy of the last training forward; accumulates parameter grads. */
  backward(dy: Buf<'f32'>): Buf<'f32'>;
  /** Trainable parameters (empty for activations). */
  parameters(): readonly Parameter[];
  /** Non-trainable state a checkpoint keeps (BatchNorm running statistics), by full name. */
  buffers(): Readonly<Record<string, Buf<'f32'>>>;
  /** Frees every buffer of the layer. */
  dispose(): void;
}

/** Number of rows of a `rows x width` batch buffer (throws when the length is not a multiple). */
export function rowsOf(x: Buf, width: number, who: string): number {
  const rows = x.length / width;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new RangeError(`${who}: input of ${x.length} elements is not a non-empty batch of rows of width ${width}`);
  }
  return rows;
}
