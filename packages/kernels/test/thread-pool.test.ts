/**
 * The worker pool's task protocol on its own: every task's rows are all computed before run()
 * returns, the pool stays in step after a main-thread chunk that throws, and over many
 * back-to-back tasks of every size (threads.test.ts covers chunking and late workers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileKernels } from '../src/wasm/loader.js';
import { ThreadPool } from '../src/threads/pool.js';
import { kernelImports } from '../src/threads/protocol.js';
import { WasmHeap } from '../src/wasm/heap.js';

type Kernel = (...a: number[]) => unknown;

let pool: ThreadPool;
let memory: WebAssembly.Memory;
let sigmoid: Kernel;
let heap: WasmHeap;

beforeAll(async () => {
  const module = await compileKernels('simd-threads');
  memory = new WebAssembly.Memory({ initial: 32, maximum: 1024, shared: true });
  const instance = await WebAssembly.instantiate(module, kernelImports(memory));
  const functions = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
  sigmoid = instance.exports.sigmoid as Kernel;
  heap = new WasmHeap(memory, (instance.exports.heapBase as () => number)());
  pool = await ThreadPool.create(module, memory, 3, functions);
});
afterAll(() => {
  pool.dispose();
});

/** sigmoid over n elements as rows [0, n) on the pool; returns the output view. */
function runSigmoid(x: Float32Array, mainKernel: Kernel = sigmoid): Float32Array {
  const px = heap.alloc(4 * x.length);
  const pout = heap.alloc(4 * x.length);
  new Float32Array(memory.buffer, px, x.length).set(x);
  new Float32Array(memory.buffer, pout, x.length).fill(Number.NaN);
  try {
    pool.run('sigmoid', [px, pout], x.length, mainKernel);
    return new Float32Array(memory.buffer, pout, x.length).slice();
  } finally {
    heap.release(px);
    heap.release(pout);
  }
}

const expected = (x: Float32Array): number[] => Array.from(x, (v) => Math.fround(1 / (1 + Math.exp(-v))));

describe('ThreadPool', () => {
  const x = Float32Array.from({ length: 3001 }, (_, i) => (i % 97) / 10 - 4.8);

  it('computes every row of a task across the main thread and the workers', () => {
    const out = runSigmoid(x);
    const want = expected(x);
    for (let i = 0; i < x.length; i++) expect(out[i]).toBeCloseTo(want[i], 6);
  });

  it('leaves no half-written rows when the main thread chunk throws, then runs later tasks correctly', () => {
    const px = heap.alloc(4 * x.length);
    const pout = heap.alloc(4 * x.length);
    new Float32Array(memory.buffer, px, x.length).set(x);
    new Float32Array(memory.buffer, pout, x.length).fill(Number.NaN);
    const throwing: Kernel = () => {
      throw new Error('main part failed');
    };
    // Spinning workers may take every chunk before the main thread takes one (then nothing throws);
    // threads.test.ts forces the main thread's chunk to throw.
    try {
      pool.run('sigmoid', [px, pout], x.length, throwing);
    } catch (e) {
      expect(String(e)).toContain('main part failed');
    }
    // Chunks the workers took are finished by the time run() has returned (chunks nobody took are
    // dropped): every row is either untouched or right, never half-written by a late worker.
    const out = new Float32Array(memory.buffer, pout, x.length);
    const want = expected(x);
    for (let i = 0; i < x.length; i++) if (!Number.isNaN(out[i])) expect(out[i]).toBeCloseTo(want[i], 6);
    heap.release(px);
    heap.release(pout);
    for (let round = 0; round < 5; round++) {
      const again = runSigmoid(x);
      for (let i = 0; i < x.length; i += 7) expect(again[i]).toBeCloseTo(want[i], 6);
    }
  });

  it('stays in step over many back-to-back tasks of every size', () => {
    for (let n = 1; n < 400; n += 13) {
      const xs = x.subarray(0, n);
      const out = runSigmoid(xs);
      const want = expected(xs);
      for (let i = 0; i < n; i++) expect(out[i]).toBeCloseTo(want[i], 6);
    }
  });
});
