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

/** Rounds to the nearest integer, ties to even, as the quantization kernels do (non-finite values pass through). */
export function roundHalfEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const floor = Math.floor(v);
  const frac = v - floor;
  if (frac < 0.5) return floor;
  if (frac > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
