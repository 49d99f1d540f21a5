/**
 * Pinned pool tasks (ThreadPool.runPinned): each chunk runs exactly once, the main thread takes its
 * own run of chunks first and only steals the workers' from the back (also when a worker starts
 * asleep), and pinned SpMM chains give the 1-thread bits (threads.test.ts: a main-thread error).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { HostBackend } from '../src/index.js';
import type { WasmCore } from '../src/wasm/index.js';
import { expectBitExact } from './bit-exact.js';
import { skewedSparseCsr } from './csr-helpers.js';
import { getBackends, randomFloats, type Backends } from './harness.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

function poolOf(be: HostBackend): NonNullable<WasmCore['pool']> {
  const pool = (be as unknown as WasmCore).pool;
  if (pool === null) throw new Error('expected a threaded backend');
  return pool;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** y += x on the 2-thread pool as a pinned task of `chunks` equal chunks; records the chunks the main thread ran. */
function pinnedAxpy(n: number, chunks: number) {
  const core = B.threaded as unknown as WasmCore;
  const pool = poolOf(B.threaded);
  const x = core.upload('f32', randomFloats(n, 7));
  const y = core.alloc('f32', n);
  const bounds = Array.from({ length: chunks + 1 }, (_, c) => Math.floor((n * c) / chunks));
  const axpy = core.fn('axpy');
  return {
    core, pool, x, y, bounds,
    /** One pinned y += x; returns the chunk indices the main thread ran, in order. */
    run(main: (...a: number[]) => unknown = axpy, rotation = 0): number[] {
      const mine: number[] = [];
      const record = (...call: number[]) => {
        mine.push(bounds.indexOf(call[call.length - 2]));
        return main(...call);
      };
      pool.runPinned('axpy', [1, core.ptr(x), core.ptr(y)], n, record, bounds, rotation);
      return mine;
    },
    free: () => { core.free(x); core.free(y); },
  };
}

describe('ThreadPool.runPinned', () => {
  it('runs each chunk exactly once, the main thread first through its own run of chunks (rotated or not)', async () => {
    const t = pinnedAxpy(200_000, 8);
    try {
      const x = t.core.view(t.x).slice();
      const want = new Float32Array(x.length);
      for (let round = 1; round <= 8; round++) {
        // Now and then the worker starts asleep (the main thread may then run every chunk, or,
        // held up in the notify, none).
        if (round % 3 === 0) await sleep(10);
        // Rotation 1 on 2 threads: the main thread owns the second run (4-7), the worker the first.
        const rotation = round % 2;
        const mine = t.run(undefined, rotation);
        // Main takes its own run in order; what it steals comes from the back of the worker's
        // run: its chunks are a prefix of its run, then a suffix of the other.
        const [ownRun, otherRun] = rotation === 0 ? [[0, 1, 2, 3], [7, 6, 5, 4]] : [[4, 5, 6, 7], [3, 2, 1, 0]];
        const own = mine.filter((c) => ownRun.includes(c));
        const stolen = mine.filter((c) => otherRun.includes(c));
        expect(own, `round ${round}: ${mine.join(',')}`).toEqual(ownRun.slice(0, own.length));
        expect(stolen, `round ${round}: ${mine.join(',')}`).toEqual(otherRun.slice(0, stolen.length));
        // A chunk run twice or never would show in y = x + x + ... (round times).
        for (let i = 0; i < x.length; i++) want[i] += x[i];
        expectBitExact(t.core.view(t.y).slice(), want, `round ${round}`);
      }
      expect(() => { t.pool.runPinned('axpy', [1, t.core.ptr(t.x), t.core.ptr(t.y)], 200_000, () => 0, t.bounds, 2); }).toThrow('rotation must be an integer in [0, 2), got 2');
    } finally {
      t.free();
    }
  });

  it('gives spmm the same bits as one thread, over a chain of products with halves swapped every other step', () => {
    const host = skewedSparseCsr(5000, 5000, 4);
    const rows = host.rows;
    const n = 64;
    const x0 = randomFloats(rows * n, 3);
    const chain = (be: HostBackend) => {
      const a = be.uploadCsr(host);
      const bufs = [be.upload('f32', x0), be.alloc('f32', rows * n), be.alloc('f32', rows * n)];
      try {
        // y <- x + A y three times, as LightGCN's propagation.
        be.spmm(a, bufs[0], n, 0.5, 0.5, bufs[1], bufs[0]);
        be.spmm(a, bufs[1], n, 0.5, 0.5, bufs[2], bufs[0], { swapHalves: true });
        be.spmm(a, bufs[2], n, 0.5, 0.5, bufs[1], bufs[0], { swapHalves: false });
        return be.view(bufs[1]).slice();
      } finally {
        be.freeCsr(a);
        for (const b of bufs) be.free(b);
      }
    };
    expectBitExact(chain(B.threaded), chain(B.wasm), 'three chained products');
  });
});
