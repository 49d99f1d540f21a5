import type { Backend, Buf } from '@lers/kernels';

/** Per-term scratch of a BPR batch of m terms (slices of at least m elements). */
export interface BprTermBuffers {
  readonly prod: Buf<'f32'>;
  readonly x: Buf<'f32'>;
  readonly sp: Buf<'f32'>;
  readonly g: Buf<'f32'>;
  readonly dy: Buf<'f32'>;
}

/** Allocates the scratch of up to m terms of width d. */
export function allocBprTerms(be: Backend, m: number, d: number): BprTermBuffers {
  return {
    prod: be.alloc('f32', m * d),
    x: be.alloc('f32', m),
    sp: be.alloc('f32', m),
    g: be.alloc('f32', m),
    dy: be.alloc('f32', m),
  };
}

/** Frees what allocBprTerms allocated. */
export function freeBprTerms(be: Backend, buffers: BprTermBuffers): void {
  for (const buf of [buffers.prod, buffers.x, buffers.sp, buffers.g, buffers.dy]) be.free(buf);
}

/**
 * The BPR terms shared by the single- and multi-negative losses: for m terms of width d,
 * x_t = <user_t, diff_t> (diff_t = negative - positive), `sum` (one element) = sum_t softplus(x_t)
 * (the loss is sum / b over the batch's b pairs, divided on the host after the step's read-back),
 * and g_t = sigmoid(x_t) / b into buffers.g (the weight of each term's gradient).
 */
export function bprTerms(be: Backend, m: number, d: number, b: number, user: Buf<'f32'>, diff: Buf<'f32'>, buffers: BprTermBuffers, sum: Buf<'f32'>): void {
  const md = m * d;
  const prod = be.slice(buffers.prod, 0, md);
  const x = be.slice(buffers.x, 0, m);
  const sp = be.slice(buffers.sp, 0, m);
  const g = be.slice(buffers.g, 0, m);
  const dy = be.slice(buffers.dy, 0, m);
  be.mul(user, diff, prod);
  be.rowSum(m, d, prod, x); // x_t = s(u, n) - s(u, p)
  be.softplus(x, sp);
  be.rowSum(1, m, sp, sum);
  be.fill(dy, 1 / b);
  be.softplusBackward(x, dy, g);
}
