/** Fast exact comparison of large typed arrays (toEqual is slow on millions of elements). */
import { expect } from 'vitest';

/**
 * Asserts that two arrays hold the same bits element by element (f32 compared as u32, so -0 and 0
 * differ and a NaN equals the same NaN); reports the first difference.
 */
export function expectSameBits(actual: Float32Array | Int32Array, expected: Float32Array | Int32Array, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) expect.fail(`${label} [${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}
