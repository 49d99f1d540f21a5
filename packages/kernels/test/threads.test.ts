import { beforeAll, describe, expect, it } from 'vitest';
import type { Csr, HostBackend } from '../src/index.js';
import { CTRL } from '../src/threads/protocol.js';
import { balancedBoundaries, evenBoundaries } from '../src/threads/split.js';
import type { WasmCore } from '../src/wasm/index.js';
import { randomSparseCsr, skewedSparseCsr } from './csr-helpers.js';
import { getBackends, randomFloats, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

/** The worker pool behind the 2-thread backend. */
function poolOf(be: HostBackend): NonNullable<WasmCore['pool']> {
  const pool = (be as unknown as WasmCore).pool;
  if (pool === null) throw new Error('expected a threaded backend');
  return pool;
}

describe('row splits', () => {
  it('evenBoundaries splits by count; threads without rows get empty ranges at the end', () => {
    expect(evenBoundaries(10, 2)).toEqual([0, 5, 10]);
    expect(evenBoundaries(7, 3)).toEqual([0, 2, 4, 7]);
    expect(evenBoundaries(2, 4)).toEqual([0, 1, 2, 2, 2]);
    expect(evenBoundaries(0, 2)).toEqual([0, 0, 0]);
  });

  it('balancedBoundaries starts thread w at the first row whose prefix cost reaches w / parts of the total', () => {
    // Row costs 8, 1, 1, 1, 1, 1, 1, 1, 1 (total 16): halves at 8 (row 1); thirds at 16/3 and 32/3.
    const prefix = [0, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    expect(balancedBoundaries(9, 2, (r) => prefix[r])).toEqual([0, 1, 9]);
    expect(balancedBoundaries(9, 3, (r) => prefix[r])).toEqual([0, 1, 4, 9]);
    // A uniform cost gives the even split; one row cannot be divided.
    expect(balancedBoundaries(10, 2, (r) => r)).toEqual(evenBoundaries(10, 2));
    expect(balancedBoundaries(1, 2, (r) => 5 * r)).toEqual([0, 1, 1]);
  });

  it('spmm hands each thread about half of the non-zeros, not half of the rows', () => {
    const host = skewedSparseCsr(3000, 2000, 3);
    const be = B.threaded;
    const pool = poolOf(be);
    const seen: number[][] = [];
    const run = pool.run.bind(pool);
    pool.run = (name, args, total, kernel, bounds) => {
      if (name === 'spmmRows' && bounds) seen.push(Array.from(bounds));
      run(name, args, total, kernel, bounds);
    };
    try {
      const a = be.uploadCsr(host);
      const x = be.upload('f32', randomFloats(host.cols * 64, 1));
      const out = be.alloc('f32', host.rows * 64);
      be.spmm(a, x, 64, 1, 0, out);
      be.freeCsr(a);
      be.free(x);
      be.free(out);
    } finally {
      pool.run = run;
    }
    expect(seen).toHaveLength(1);
    const [first, split, end] = seen[0];
    expect([first, end]).toEqual([0, host.rows]);
    const nnz = host.indptr[host.rows];
    expect(Math.abs(host.indptr[split] - nnz / 2)).toBeLessThan(0.05 * nnz);
    expect(split).toBeLessThan(host.rows / 4);
  });
});

describe('ThreadPool', () => {
  it('finishes the workers\' ranges before rethrowing the main thread\'s error, so the next task is not cut short', () => {
    // C = A B with tens of milliseconds of work in the worker's rows [1, m).
    const [m, n, k] = [2000, 512, 512];
    const a = randomFloats(m * k, 1);
    const b = randomFloats(k * n, 2);
    const want = (() => {
      const be = B.wasm;
      const bufs = [be.upload('f32', a), be.upload('f32', b), be.alloc('f32', m * n)] as const;
      be.gemm(false, false, m, n, k, 1, bufs[0], bufs[1], 0, bufs[2]);
      const c = be.view(bufs[2]).slice();
      for (const buf of bufs) be.free(buf);
      return c;
    })();
    const core = B.threaded as unknown as WasmCore;
    const pool = poolOf(B.threaded);
    const kernel = core.fn('gemm_nn');
    const [pa, pb] = [core.upload('f32', a), core.upload('f32', b)];
    const outs = [core.alloc('f32', m * n), core.alloc('f32', m * n)];
    const args = (out: number) => [m, n, k, 1, core.ptr(pa), core.ptr(pb), 0, core.ptr(outs[out])];
    const bounds = [0, 1, m]; // the main thread gets row 0, the worker all the others
    try {
      for (let round = 0; round < 3; round++) {
        for (const out of outs) core.view(out).fill(NaN);
        const failing = () => {
          // Fail once the worker is surely under way: it has written to row 1, the first of its rows.
          const deadline = performance.now() + 10_000;
          while (Number.isNaN(core.view(outs[0])[n])) {
            if (performance.now() > deadline) throw new Error('the worker never started');
          }
          throw new Error('main range failed');
        };
        let error: unknown = null;
        try {
          pool.run('gemm_nn', args(0), m, failing, bounds);
        } catch (e) {
          error = e;
        }
        const workerRows = core.view(outs[0]).slice(n); // read at once: had run() not waited, mostly NaN
        expect((error as Error | null)?.message).toBe('main range failed');
        expectBitExact(workerRows, want.subarray(n), `round ${round}: the failed task's worker rows`);
        // Had run() returned at once, this task would be counted done when the worker finished
        // the previous one, before computing its own rows.
        pool.run('gemm_nn', args(1), m, kernel, bounds);
        expectBitExact(core.view(outs[1]).slice(), want, `round ${round}: the task after the failure`);
      }
    } finally {
      for (const buf of [pa, pb, ...outs]) core.free(buf);
    }
  });

  it('reports a trap in the main thread\'s rows of a real kernel and stays usable', () => {
    const host = randomSparseCsr(20_000, 4000, 24, 5);
    const n = 64;
    const x = randomFloats(host.cols * n, 6);
    const product = (be: HostBackend, csr: Csr) => {
      const xb = be.upload('f32', x);
      const out = be.alloc('f32', host.rows * n);
      try {
        be.spmm(csr, xb, n, 1, 0, out);
        return be.view(out).slice();
      } finally {
        be.free(xb);
        be.free(out);
      }
    };
    const single = B.wasm.uploadCsr(host);
    const want = product(B.wasm, single);
    B.wasm.freeCsr(single);
    const be = B.threaded;
    const good = be.uploadCsr(host);
    const bad = be.uploadCsr(host);
    be.view(bad.indices)[0] = 2 ** 31 / (n * 4); // row 0, the main thread's: its load traps
    try {
      for (let round = 0; round < 3; round++) {
        expect(() => product(be, bad)).toThrow(/out of bounds/);
        expectBitExact(product(be, good), want, `round ${round}`);
      }
    } finally {
      be.freeCsr(good);
      be.freeCsr(bad);
    }
  });

  it('runs each task once in a worker, even when a notify reaches it after the task is done', async () => {
    const core = B.threaded as unknown as WasmCore;
    const pool = poolOf(B.threaded);
    const control = (pool as unknown as { control: Int32Array }).control;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const n = 1000;
    const x = core.upload('f32', randomFloats(n, 3));
    const y = core.alloc('f32', n);
    const axpy = () => { pool.run('axpy', [1, core.ptr(x), core.ptr(y)], n, core.fn('axpy'), [0, 0, n]); }; // all rows to the worker
    try {
      axpy(); // y = x
      await sleep(20); // the worker is back in Atomics.wait
      // What the main thread sends after bumping GENERATION, arriving late (it was descheduled
      // while the worker already ran the task): no new task, so nothing may run.
      Atomics.notify(control, CTRL.GENERATION);
      await sleep(20);
      expect(Atomics.load(control, CTRL.PENDING)).toBe(0);
      expectBitExact(core.view(y).slice(), core.view(x).slice(), 'y after one axpy');
      axpy(); // y = 2x
      expectBitExact(core.view(y).slice(), core.view(x).map((v) => 2 * v), 'y after two');
    } finally {
      core.free(x);
      core.free(y);
    }
  });

  it('rejects boundaries that do not cover the rows, before starting any thread', () => {
    const core = B.threaded as unknown as WasmCore;
    const pool = poolOf(B.threaded);
    const kernel = core.fn('fill');
    const x = core.alloc('f32', 10);
    for (const bounds of [[0, 11, 10], [0, 6, 5], [1, 5, 10], [0, 10]]) {
      expect(() => { pool.run('fill', [core.ptr(x), 1], 10, kernel, bounds); }).toThrow(/boundaries must be 3 non-decreasing integers/);
    }
    pool.run('fill', [core.ptr(x), 2], 10, kernel, [0, 3, 10]);
    expect([...core.view(x)]).toEqual(new Array(10).fill(2));
    core.free(x);
  });
});
