/**
 * Test harness: the WebGPU backends under test (Dawn in Node, Mesa llvmpipe when there is no GPU)
 * and comparison against the TS reference. Two backends: whole buffers in one binding, and pages
 * of 4 KiB (maxBindingBytes), so that every kernel also runs on operands split over pages.
 * Without an adapter the tests skip with the reason printed, unless LERS_REQUIRE_WEBGPU=1 (CI),
 * where that is a failure (@lers/test-support).
 */
import { expect } from 'vitest';
import { createReferenceBackend, Rng, type Backend, type Buf, type HostBackend } from '@lers/kernels';
import { createNodeGpu, createNodeWebGpuBackend } from '../src/node.js';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from '../src/index.js';
import { webGpuOrSkip } from '@lers/test-support';

const inNode = typeof process !== 'undefined' && typeof process.versions === 'object' && process.versions.node !== undefined;

/**
 * Bytes of a page in the paged backend: 4 KiB, or 16 KiB where the device has fewer than 16
 * storage bindings (Chromium's SwiftShader has 10), so that the test shapes fit.
 */
export let SMALL_PAGE = 4096;

export interface GpuBackends {
  readonly reference: HostBackend;
  /** Default pages (the device's binding limit). */
  readonly whole: WebGpuBackend;
  /** 4 KiB pages: most test buffers span several. */
  readonly paged: WebGpuBackend;
}

let cached: Promise<GpuBackends | null> | undefined;

/** Top-level await in a test file: the backends, or null (then describe.skipIf; the reason printed once). */
export function backendsOrNull(): Promise<GpuBackends | null> {
  cached ??= webGpuOrSkip('WebGPU tests', async () => {
    // In a browser (the same tests in Chromium, test/browser.test.ts) navigator.gpu; in Node, Dawn.
    const create = inNode ? (options: WebGpuBackendOptions) => createNodeWebGpuBackend(options) : createWebGpuBackend;
    const gpu = inNode ? await createNodeGpu() : undefined;
    const whole = await create({ gpu });
    if (whole.device.limits.maxStorageBuffersPerShaderStage < 16) SMALL_PAGE = 16384;
    const paged = await create({ gpu, maxBindingBytes: SMALL_PAGE });
    return { reference: createReferenceBackend(), whole, paged };
  });
  return cached;
}

/** The GPU backends each test runs on: both in Node; in the browser the paged one (time). */
export const GPU_NAMES: readonly ('whole' | 'paged')[] = inNode ? ['whole', 'paged'] : ['paged'];

/** n uniform floats in [lo, hi). */
export function randomFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.nextFloat());
}

/** n uniform integers in [0, bound). */
export function randomInts(n: number, bound: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.nextInt(bound));
}

/** How results must agree: bit for bit, or |got - want| <= atol + rtol |want| (or <= bound[i]). */
export type Tolerance = 'exact' | { readonly rtol?: number; readonly atol?: number; readonly bound?: ArrayLike<number> };

/** Runs `body` on the backend, reads back the buffers it returns, frees what it allocated. */
export async function outputs(be: Backend, body: (be: Backend) => Buf[] | Promise<Buf[]>): Promise<ArrayLike<number>[]> {
  const bufs = await body(be);
  return Promise.all(bufs.map((b) => be.read(b)));
}

/** Compares every output of `body` on each GPU backend with the reference. */
export async function matchesReference(B: GpuBackends, label: string, body: (be: Backend) => Buf[] | Promise<Buf[]>, tol: Tolerance | readonly Tolerance[]): Promise<void> {
  const want = await outputs(B.reference, body);
  for (const name of GPU_NAMES) {
    const got = await outputs(B[name], body);
    want.forEach((w, i) => {
      expectAgree(got[i], w, Array.isArray(tol) ? (tol as Tolerance[])[i] : (tol as Tolerance), `${label} (${name}) output ${i}`);
    });
  }
}

/** Element-wise agreement under a tolerance (NaN equals NaN; infinities must match). */
export function expectAgree(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, label: string): void {
  expect(got.length, `${label} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i];
    const e = want[i];
    if (tol === 'exact') {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) expect.fail(`${label} [${i}]: got ${a}, expected exactly ${e}`);
      continue;
    }
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) expect.fail(`${label} [${i}]: got ${a}, expected ${e}`);
      continue;
    }
    const limit = tol.bound ? tol.bound[i] : (tol.atol ?? 0) + (tol.rtol ?? 0) * Math.abs(e);
    if (Math.abs(a - e) > limit) expect.fail(`${label} [${i}]: got ${a}, expected ${e} (allowed ${limit})`);
  }
}

/** Relative tolerance for an f32 sum of terms: rtol times the sum of their magnitudes (from `magnitudes`). */
export function sumBound(magnitudes: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): { bound: Float64Array } {
  return { bound: Float64Array.from(magnitudes, (m) => atol + rtol * Math.abs(m)) };
}
