import type { Buf } from '@lers/kernels';

/**
 * A trainable tensor and its gradient, both on the model's backend. Gradients are accumulated by
 * backward passes and zeroed by the optimizer after each step.
 */
export interface Parameter {
  /** Unique within a model, e.g. "user.table" or "dnn.0.weight"; used in checkpoints. */
  readonly name: string;
  readonly value: Buf<'f32'>;
  readonly grad: Buf<'f32'>;
  /** Logical shape (row-major); the product equals value.length. */
  readonly shape: readonly number[];
  /** Per-parameter weight decay; undefined means the optimizer's default. */
  readonly weightDecay?: number;
  /**
   * Present for embedding-like parameters whose gradient touches few rows: an optimizer that
   * supports it (lazy Adam) updates only these rows. `rows()` returns the unique touched rows
   * since the last step (count = its length).
   */
  readonly rowSparse?: RowSparsity;
}

/** Which rows of a row-major (rows x dim) parameter have a non-zero gradient since the last step. */
export interface RowSparsity {
  /** Row width (the parameter is value.length / dim rows). */
  readonly dim: number;
  /** The unique rows touched since the last clear(), as a buffer on the parameter's backend. */
  rows(): Buf<'i32'>;
  /**
   * Forgets the touched rows. Whoever zeroes the gradient (the optimizer) calls it, so that the
   * next step starts from an empty set.
   */
  clear(): void;
}
