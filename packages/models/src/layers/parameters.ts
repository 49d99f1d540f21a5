import type { Backend } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';

/** Options of `createParameter`. */
export interface ParameterOptions {
  /** Per-parameter weight decay (undefined: the optimizer's default). */
  readonly weightDecay?: number;
}

/** A zero-filled trainable tensor of `shape` with its zero gradient, on `backend`. */
export function createParameter(backend: Backend, name: string, shape: readonly number[], options: ParameterOptions = {}): Parameter {
  const length = shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`parameter ${name}: bad shape [${shape.join(', ')}]`);
  return {
    name,
    value: backend.alloc('f32', length),
    grad: backend.alloc('f32', length),
    shape: [...shape],
    ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
  };
}

/** Frees a parameter created by `createParameter`. */
export function freeParameter(backend: Backend, p: Parameter): void {
  backend.free(p.value);
  backend.free(p.grad);
}
