import { createReferenceBackend, HostBackendRequiredError, hostIds, isHostBackend, type Backend, type Buf, type HostBackend } from '@lers/kernels';

/**
 * How the methods reach data on the host. Training steps never read back: ids the host wrote are
 * read through `hostIds` (a view on host backends, WebGPU's copy of host-written ids), and ids a
 * method derives on the host are written with `writeIds`. Work that is inherently host-side runs
 * where it is explicit: construction-time computations (`withHostBackend`), counts for `size()`
 * (`countNonZeros`, one read-back on non-host backends), and the search stages and QAT training
 * that still loop over views (`requireHostBackend`, an error naming the method elsewhere).
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

/**
 * checkIdsInRange over the host's copy of `ids` when there is one (always on host backends; on
 * WebGPU for ids the host wrote); ids a kernel wrote on the device are left to the kernels that
 * read them (each checks its ids against its own table's rows).
 */
export function checkKnownIds(be: Backend, op: string, ids: Buf<'i32'>, rows: number): void {
  const known = hostIds(be, ids);
  if (known !== null) checkIdsInRange(op, known, rows);
}

/** The host's copy of `ids` (see hostIds), or an error naming `what` when the device wrote them. */
export function requireHostIds(be: Backend, ids: Buf<'i32'>, what: string): Int32Array {
  const known = hostIds(be, ids);
  if (known === null) throw new HostBackendRequiredError(`${what} reads its ids on the host; on ${be.kind} they must be ids the host wrote (upload / write), not a kernel's output`);
  return known;
}

/**
 * Fills `buf` with ids computed on the host: in place through a view on host backends (no copy),
 * through one write elsewhere. `fill` gets an array of buf.length elements.
 */
export function writeIds(be: Backend, buf: Buf<'i32'>, fill: (out: Int32Array) => void): void {
  if (isHostBackend(be)) {
    fill(be.view(buf));
    return;
  }
  const out = new Int32Array(buf.length);
  fill(out);
  be.write(buf, out);
}

/**
 * Runs construction-time host work (a quantization, a pruning threshold, initial values made to
 * be read back) on `be` itself when it is a host backend, else on a TypeScript reference backend
 * made for the call: its kernels give the same results as WASM's for these ops, and the caller
 * uploads what it computed to `be`.
 */
export function withHostBackend<T>(be: Backend, work: (host: HostBackend) => T): T {
  if (isHostBackend(be)) return work(be);
  const host = createReferenceBackend();
  try {
    return work(host);
  } finally {
    host.dispose();
  }
}

/** Non-zero elements of f32 buffers: counted over views on a host backend, after one read-back each elsewhere. */
export async function countNonZeros(be: Backend, bufs: readonly Buf<'f32'>[]): Promise<number> {
  let nonZeros = 0;
  for (const b of bufs) {
    const values = isHostBackend(be) ? be.view(b) : await be.read(b);
    for (let k = 0; k < values.length; k++) if (values[k] !== 0) nonZeros++;
  }
  return nonZeros;
}

/** Checks that a lookup output or gradient buffer has `count` x dim elements. */
export function checkRowsLength(op: string, name: string, length: number, count: number, dim: number): void {
  if (length !== count * dim) throw new RangeError(`${op}: ${name} must have ${count} x ${dim} = ${count * dim} elements, has ${length}`);
}

/** The quantization kernels' rounding (ties to even), for the methods' host-side quantization. */
export { roundHalfEven } from '@lers/kernels';
