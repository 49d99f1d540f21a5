/**
 * Shared checks of the compressed-table tests (qr, ttrec, dhe): host copies of lookups,
 * finite-difference gradients, serialization round trips and a small Adam fit. Not a test file.
 */
import { expect } from 'vitest';
import { Rng, type HostBackend } from '@lers/kernels';
import { type EmbeddingTable } from '../src/index.js';
import { loadTable } from './definitions.js';

/** The raw bits of a float array (bit-exact comparisons that also tell -0 from 0 and NaNs apart). */
export function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** lookup(ids) copied to the host. */
export function lookupHost(be: HostBackend, table: EmbeddingTable, ids: readonly number[], training = false): Float32Array {
  const idBuf = be.upload('i32', ids);
  const out = be.alloc('f32', ids.length * table.dim);
  table.lookup(idBuf, out, { training });
  const copy = be.view(out).slice();
  be.free(idBuf);
  be.free(out);
  return copy;
}

/** lookupAll copied to the host. */
export function lookupAllHost(be: HostBackend, table: EmbeddingTable, training = false): Float32Array {
  const out = be.alloc('f32', table.rows * table.dim);
  table.lookupAll(out, { training });
  const copy = be.view(out).slice();
  be.free(out);
  return copy;
}

/** Zeroes every parameter gradient and forgets touched rows. */
export function zeroGrads(be: HostBackend, table: EmbeddingTable): void {
  for (const p of table.parameters()) {
    be.fill(p.grad, 0);
    p.rowSparse?.clear();
  }
}

export interface GradientCheck {
  /** Ids of a lookup, or 'all' for lookupAll / backwardAll. */
  readonly ids: readonly number[] | 'all';
  readonly training: boolean;
  /** Entries sampled per parameter. */
  readonly samples?: number;
  readonly h?: number;
  readonly seed?: number;
  /** Relative tolerance (default 2e-2) against max(|fd|, |analytic|) plus 2e-3 of the largest gradient. */
  readonly tolerance?: number;
}

/**
 * Compares backward (or backwardAll) with central finite differences of the nonlinear loss
 * L = sum_j c_j out_j^2 / 2 + e_j out_j (c, e random), on sampled entries of every parameter.
 * Returns the number of entries checked whose gradient is non-zero.
 */
export function checkGradients(be: HostBackend, table: EmbeddingTable, check: GradientCheck): number {
  const rng = new Rng(check.seed ?? 5);
  const count = check.ids === 'all' ? table.rows : check.ids.length;
  const n = count * table.dim;
  const c = Float64Array.from({ length: n }, () => rng.nextFloat() + 0.5);
  const e = Float64Array.from({ length: n }, () => rng.nextFloat() - 0.5);
  const forward = (): Float32Array =>
    check.ids === 'all' ? lookupAllHost(be, table, check.training) : lookupHost(be, table, check.ids, check.training);
  const loss = (): number => {
    const o = forward();
    let l = 0;
    for (let j = 0; j < n; j++) l += (c[j] * o[j] * o[j]) / 2 + e[j] * o[j];
    return l;
  };
  zeroGrads(be, table);
  const o = forward();
  const dOut = be.upload('f32', Array.from(o, (x, j) => c[j] * x + e[j]));
  if (check.ids === 'all') table.backwardAll(dOut);
  else {
    const idBuf = be.upload('i32', check.ids);
    table.backward(idBuf, dOut);
    be.free(idBuf);
  }
  be.free(dOut);
  const grads = table.parameters().map((p) => be.view(p.grad).slice());
  const gMax = Math.max(...grads.map((g) => g.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
  expect(gMax).toBeGreaterThan(0);
  const h = check.h ?? 1e-2;
  const tol = check.tolerance ?? 2e-2;
  let nonZero = 0;
  table.parameters().forEach((p, pi) => {
    const picks = Math.min(check.samples ?? 12, p.value.length);
    for (let s = 0; s < picks; s++) {
      const idx = picks === p.value.length ? s : rng.nextInt(p.value.length);
      const x0 = be.view(p.value)[idx];
      const up = Math.fround(x0 + h);
      const down = Math.fround(x0 - h);
      be.view(p.value)[idx] = up;
      const lUp = loss();
      be.view(p.value)[idx] = down;
      const lDown = loss();
      be.view(p.value)[idx] = x0;
      const fd = (lUp - lDown) / (up - down);
      const g = grads[pi][idx];
      if (g !== 0) nonZero++;
      const bound = tol * Math.max(Math.abs(fd), Math.abs(g)) + 2e-3 * gMax;
      if (!(Math.abs(g - fd) <= bound)) throw new Error(`${p.name}[${idx}]: analytic ${g} vs finite difference ${fd}`);
    }
  });
  return nonZero;
}

/** Serialises, restores through the registry, and checks lookups and a second serialization are bit-exact. */
export async function expectRoundTrip(be: HostBackend, table: EmbeddingTable, ids: readonly number[]): Promise<EmbeddingTable> {
  const s = await table.serialize();
  const back = loadTable(s, be);
  expect(back.method).toBe(table.method);
  expect(back.rows).toBe(table.rows);
  expect(back.dim).toBe(table.dim);
  expect(back.parameters().map((p) => p.name)).toEqual(table.parameters().map((p) => p.name));
  expect(bits(lookupHost(be, back, ids))).toEqual(bits(lookupHost(be, table, ids)));
  expect(bits(lookupAllHost(be, back))).toEqual(bits(lookupAllHost(be, table)));
  expect((await back.size())).toEqual((await table.size()));
  const s2 = await back.serialize();
  expect(s2.header).toEqual(s.header);
  expect(Object.keys(s2.sections)).toEqual(Object.keys(s.sections));
  for (const key of Object.keys(s.sections)) {
    const a = s.sections[key];
    const b = s2.sections[key];
    expect(b.constructor).toBe(a.constructor);
    expect(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).toEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return back;
}

/** Mean squared error of two equal-length arrays. */
export function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/**
 * Fits the whole table to `target` (rows x dim) with `steps` dense Adam steps (kernel `adam`) on
 * lookupAll + backwardAll of the MSE; returns the MSE before and after (both in training mode).
 */
export function fitWithAdam(be: HostBackend, table: EmbeddingTable, target: Float32Array, steps: number, lr: number): [number, number] {
  const params = table.parameters();
  const moments = params.map((p) => [be.alloc('f32', p.value.length), be.alloc('f32', p.value.length)] as const);
  const out = be.alloc('f32', table.rows * table.dim);
  const dOut = be.alloc('f32', out.length);
  const targetBuf = be.upload('f32', target);
  let first = NaN;
  let last = NaN;
  zeroGrads(be, table);
  for (let step = 1; step <= steps + 1; step++) {
    table.lookupAll(out, { training: true });
    last = mse(be.view(out), target);
    if (step === 1) first = last;
    if (step === steps + 1) break;
    // dMSE/dout = 2 (out - target) / n.
    be.sub(out, targetBuf, dOut);
    be.scale(2 / out.length, dOut, dOut);
    table.backwardAll(dOut);
    params.forEach((p, i) => {
      be.adam(p.value, p.grad, moments[i][0], moments[i][1], { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step });
    });
    zeroGrads(be, table);
  }
  for (const [m, v] of moments) {
    be.free(m);
    be.free(v);
  }
  for (const b of [out, dOut, targetBuf]) be.free(b);
  return [first, last];
}

/** Narrows a table to a method's class (fails the test otherwise). */
export function asTable<T>(cls: abstract new (...args: never[]) => T, table: unknown): T {
  if (!(table instanceof cls)) throw new Error(`expected a ${cls.name}`);
  return table;
}
