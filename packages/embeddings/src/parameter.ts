import type { Backend, Buf } from '@lers/kernels';

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
  /** The parameter's own update, for parameters the reference trains with a separate optimizer; undefined: the optimizer's. */
  readonly update?: ParameterUpdate;
  /**
   * Present for embedding-like parameters whose gradient touches few rows: an optimizer that
   * supports it (lazy Adam) updates only these rows. `rows()` returns the unique touched rows
   * since the last step (count = its length).
   */
  readonly rowSparse?: RowSparsity;
}

/**
 * How a parameter is updated instead of by the model's optimizer settings (OptEmbed's thresholds,
 * which the reference steps with their own optimizer and learning rate).
 */
export interface ParameterUpdate {
  /** Learning rate of this parameter. */
  readonly lr: number;
  /**
   * `sgd`: a plain SGD step (no momentum, the parameter's weight decay) whatever the optimizer, as
   * the reference's separate torch.optim.SGD; `optimizer`: the optimizer's own rule at `lr`.
   */
  readonly rule: 'sgd' | 'optimizer';
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

/** The gradient slot of a parameter made by `withLazyGradient` (null until first used). */
const lazyGradients = new WeakMap<Parameter, { buf: Buf<'f32'> | null; freed: boolean }>();

/**
 * A parameter whose gradient (`length` values) is allocated on its first use, so that a table
 * loaded only to serve requests holds its values and nothing else. `fields` keep their getters
 * (a lazily made `rowSparse` stays lazy). Free it with `freeGradient`; a use after that throws.
 */
export function withLazyGradient(backend: Backend, length: number, fields: Omit<Parameter, 'grad'>): Parameter {
  const slot: { buf: Buf<'f32'> | null; freed: boolean } = { buf: null, freed: false };
  const parameter = Object.defineProperties({}, Object.getOwnPropertyDescriptors(fields)) as Parameter;
  Object.defineProperty(parameter, 'grad', {
    enumerable: true,
    get(): Buf<'f32'> {
      if (slot.freed) throw new Error(`${fields.name}: gradient used after its table was disposed`);
      slot.buf ??= backend.alloc('f32', length);
      return slot.buf;
    },
  });
  lazyGradients.set(parameter, slot);
  return parameter;
}

/** Frees a parameter's gradient: a lazy one only when it was allocated, any other one always. */
export function freeGradient(backend: Backend, parameter: Parameter): void {
  const slot = lazyGradients.get(parameter);
  if (slot === undefined) {
    backend.free(parameter.grad);
    return;
  }
  if (slot.buf !== null) backend.free(slot.buf);
  slot.buf = null;
  slot.freed = true;
}
