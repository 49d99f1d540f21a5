import { expect } from 'vitest';

/** mulberry32: a tiny seeded generator for reproducible test data, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds a CSR from per-row item lists. */
export function csr(rows: readonly (readonly number[])[]): { indptr: Int32Array; indices: Int32Array } {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (indptr[i + 1] = indptr[i] + r.length));
  return { indptr, indices: Int32Array.from(rows.flat()) };
}

/** Asserts |actual - expected| <= tol (absolute), with a label in the failure message. */
export function expectNear(actual: number, expected: number, label: string, tol = 1e-12): void {
  expect(Math.abs(actual - expected), `${label}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(tol);
}
