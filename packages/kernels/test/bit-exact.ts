/** Bit-exact comparison of float arrays, for results that must not depend on threads or backend. */
import { expect } from 'vitest';

/**
 * Asserts that two f32 (or i32) arrays hold the same bits element by element (so -0 vs 0 shows,
 * NaN equals the same NaN) and reports the first difference; fast on large arrays, unlike toEqual.
 */
export function expectBitExact(actual: Float32Array | Int32Array, expected: Float32Array | Int32Array, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) expect.fail(`${label} [${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Asserts equal integer arrays (masks, ids) element by element, reporting the first difference. */
export function expectSameIntegers(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) expect.fail(`${label} [${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}
