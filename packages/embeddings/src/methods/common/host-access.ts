/**
 * The methods whose hot path is TypeScript over zero-copy views (QAT, pruned int8) or whose
 * construction inspects values on the host (MagPrune, PTQ) need a host backend (WASM or reference):
 * they call @lers/kernels' requireHostBackend, re-exported here for them.
 */
export { requireHostBackend } from '@lers/kernels';

/**
 * Throws a RangeError naming the first id outside [0, rows), before anything is written; the
 * message has the kernels' form (`<op>: id <v> at position <i> is out of range [0, rows)`).
 */
export function checkIdsInRange(op: string, ids: Int32Array, rows: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= rows) throw new RangeError(`${op}: id ${id} at position ${i} is out of range [0, ${rows})`);
  }
}

/** Checks that a lookup output or gradient buffer has `count` x dim elements. */
export function checkRowsLength(op: string, name: string, length: number, count: number, dim: number): void {
  if (length !== count * dim) throw new RangeError(`${op}: ${name} must have ${count} x ${dim} = ${count * dim} elements, has ${length}`);
}

/** The quantization kernels' rounding (ties to even), for the methods' host-side quantization. */
export { roundHalfEven } from '@lers/kernels';
