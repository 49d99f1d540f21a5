/**
 * The size threshold of the thread pool (PARALLEL_MIN_NS, costs.ts) decides only where work runs,
 * never what it computes: the same calls on one thread, on two threads with the default threshold
 * and on two threads splitting every call give the same bits, at sizes on both sides of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, PARALLEL_MIN_NS, rowwiseStride, type HostBackend } from '../src/index.js';
import { randomFloats, randomInts } from './harness.js';

let backends: HostBackend[] = [];

beforeAll(async () => {
  backends = [
    await createWasmBackend({ threads: 1 }),
    await createWasmBackend({ threads: 2 }),
    await createWasmBackend({ threads: 2, parallelMinNs: 0 }),
    await createWasmBackend({ threads: 2, parallelMinNs: Infinity }),
  ];
});

afterAll(() => {
  for (const b of backends) b.dispose();
});

/** The first index where two arrays' bits differ, or -1. */
function firstDifference(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Runs `run` on every backend and expects the same bits as the first backend's (1 thread). */
function sameBitsEverywhere(run: (b: HostBackend) => Float32Array[]): void {
  const [first, ...rest] = backends.map((b) => run(b).map((x) => new Uint32Array(x.buffer, x.byteOffset, x.length)));
  rest.forEach((other, r) => {
    other.forEach((x, j) => { expect(firstDifference(x, first[j]), `backend ${r + 1}, output ${j}`).toBe(-1); });
  });
}

describe('the thread pool size threshold', () => {
  it('is a positive number of nanoseconds, and the option rejects a negative or NaN one', async () => {
    expect(PARALLEL_MIN_NS).toBeGreaterThan(0);
    await expect(createWasmBackend({ threads: 2, parallelMinNs: -1 })).rejects.toThrow(/parallelMinNs/);
    await expect(createWasmBackend({ threads: 2, parallelMinNs: NaN })).rejects.toThrow(/parallelMinNs/);
  });

  // Sizes from far below to far above the threshold for each kind of work (costs.ts): the gather
  // costs ~16 ns a row of 64, the GEMM ~0.03 ns a flop, axpy ~0.2 ns an element, sigmoid ~18 ns.
  it.each([64, 2048, 8192, 32768])('gather and int8 gather of %i rows x 64: same bits', (n) => {
    const [rows, dim] = [8192, 64];
    const table = randomFloats(rows * dim, 1);
    const ids = randomInts(n, rows, 2);
    sameBitsEverywhere((b) => {
      const t = b.upload('f32', table);
      const i = b.upload('i32', ids);
      const out = b.alloc('f32', n * dim);
      b.gather(t, rows, dim, i, out);
      const q = b.alloc('u8', rows * rowwiseStride(dim, 8));
      b.quantizeRowwise(t, rows, dim, 8, q);
      const deq = b.alloc('f32', n * dim);
      b.gatherDequantRowwise(q, rows, dim, 8, i, deq);
      const result = [b.view(out).slice(), b.view(deq).slice()];
      for (const buf of [t, i, out, q, deq]) b.free(buf);
      return result;
    });
  });

  it.each([8, 64, 256])('gemm %i x 400 x 64 (then + bias, sigmoid, axpy): same bits', (m) => {
    const [n, k] = [400, 64];
    const a = randomFloats(m * k, 3);
    const w = randomFloats(k * n, 4);
    const bias = randomFloats(n, 5);
    sameBitsEverywhere((b) => {
      const ba = b.upload('f32', a);
      const bw = b.upload('f32', w);
      const c = b.alloc('f32', m * n);
      b.gemm(false, false, m, n, k, 1, ba, bw, 0, c);
      const bb = b.upload('f32', bias);
      b.addRowVector(m, n, c, bb, c);
      b.free(bb);
      const s = b.alloc('f32', m * n);
      b.sigmoid(c, s);
      b.axpy(0.5, s, c);
      const result = [b.view(c).slice()];
      b.free(ba); b.free(bw); b.free(c); b.free(s);
      return result;
    });
  });
});
