import type { Buf, DType } from '../types.js';

/**
 * Argument checks shared by every backend's kernels. Kernels assume valid shapes; these checks run
 * once, in the `checked*` wrappers that every backend composes, so the messages are the same
 * whichever backend runs.
 */
export class KernelArgumentError extends RangeError {
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'KernelArgumentError';
  }
}

/** Throws unless every value is a non-negative integer. */
export function dims(op: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < 0) throw new KernelArgumentError(op, `${name} must be a non-negative integer, got ${v}`);
  }
}

/** Throws unless `buf` has `dtype` and at least `min` elements. */
export function atLeast(op: string, name: string, buf: Buf, min: number, dtype?: DType | readonly DType[]): void {
  dtypeOf(op, name, buf, dtype);
  if (buf.length < min) throw new KernelArgumentError(op, `${name} needs at least ${min} elements, has ${buf.length}`);
}

/** Throws unless `buf` has `dtype` and exactly `n` elements. */
export function exactly(op: string, name: string, buf: Buf, n: number, dtype?: DType | readonly DType[]): void {
  dtypeOf(op, name, buf, dtype);
  if (buf.length !== n) throw new KernelArgumentError(op, `${name} must have ${n} elements, has ${buf.length}`);
}

/** Throws unless `buf.dtype` is one of `dtype` (when given). */
export function dtypeOf(op: string, name: string, buf: Buf, dtype?: DType | readonly DType[]): void {
  if (dtype === undefined) return;
  const allowed = typeof dtype === 'string' ? [dtype] : dtype;
  if (!allowed.includes(buf.dtype)) throw new KernelArgumentError(op, `${name} must be ${allowed.join(' or ')}, got ${buf.dtype}`);
}

/** Throws unless the condition holds. */
export function ensure(op: string, condition: boolean, message: string): void {
  if (!condition) throw new KernelArgumentError(op, message);
}

/** The error for an id outside [0, rows): names the op, position and value. */
export function idOutOfRange(op: string, position: number, value: number, rows: number): RangeError {
  return new RangeError(`${op}: id ${value} at position ${position} is out of range [0, ${rows})`);
}
