/**
 * Shared test helpers: the backends under test, seeded random inputs, and tolerance-aware
 * comparison against the reference backend.
 */
import { expect } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '../src/index.js';

export interface Backends {
  /** The plain TypeScript oracle. */
  readonly reference: HostBackend;
  /** WASM SIMD, single-threaded. */
  readonly wasm: HostBackend;
  /**
   * WASM SIMD over shared memory with 2 threads, splitting every call (parallelMinNs 0), so that
   * small test sizes run on both threads too; the default threshold is tested in threshold.test.ts.
   */
  readonly threaded: HostBackend;
  /** WASM without SIMD. */
  readonly scalar: HostBackend;
}

/** Backends compared against the reference in every kernel test. */
export const UNDER_TEST = ['wasm', 'threaded', 'scalar'] as const;
export type UnderTest = (typeof UNDER_TEST)[number];

let cached: Promise<Backends> | undefined;

/** The backends, created once per test file. */
export function getBackends(): Promise<Backends> {
  cached ??= (async () => ({
    reference: createReferenceBackend(),
    wasm: await createWasmBackend({ threads: 1 }),
    threaded: await createWasmBackend({ threads: 2, parallelMinNs: 0 }),
    scalar: await createWasmBackend({ simd: false }),
  }))();
  return cached;
}

/** n uniform floats in [lo, hi) from a seeded stream. */
export function randomFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.nextFloat();
  return out;
}

/** n uniform integers in [0, bound) from a seeded stream. */
export function randomInts(n: number, bound: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextInt(bound);
  return out;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise (NaN equals NaN, infinities
 * must match exactly) and reports the first offending index.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) expect.fail(`${label} [${i}]: got ${a}, expected ${e}`);
      continue;
    }
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) expect.fail(`${label} [${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Lengths that exercise SIMD tails: empty, one, not multiples of 4, and a large one. */
export const AWKWARD_LENGTHS = [0, 1, 3, 4, 5, 17, 63, 64, 1001, 100_003] as const;
