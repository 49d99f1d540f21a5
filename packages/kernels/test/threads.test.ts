import { beforeAll, describe, expect, it } from 'vitest';
import type { Csr, HostBackend } from '../src/index.js';
import { CTRL, MAX_CHUNKS } from '../src/threads/protocol.js';
import { boundariesAt, guidedFractions } from '../src/threads/split.js';
import type { WasmCore } from '../src/wasm/index.js';
import { randomSparseCsr, skewedSparseCsr } from './csr-helpers.js';
import { getBackends, randomFloats, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

/** Boundaries of `parts` chunks with the same number of rows (within one). */
function evenChunks(rows: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, c) => Math.floor((rows * c) / parts));
}

/** The worker pool behind the 2-thread backend. */
function poolOf(be: HostBackend): NonNullable<WasmCore['pool']> {
  const pool = (be as unknown as WasmCore).pool;
  if (pool === null) throw new Error('expected a threaded backend');
  return pool;
}

describe('row splits', () => {
  it('guidedFractions: each chunk takes 1 / (2 threads) of the work left, at least 1 / (16 threads), up to the whole', () => {
    const f = guidedFractions(2);
    expect(f[0]).toBe(0);
    expect(f[f.length - 1]).toBe(1);
    expect(f.slice(1, 4)).toEqual([0.25, 0.25 + 0.75 / 4, 0.25 + 0.75 / 4 + 0.75 ** 2 / 4]);
    for (let c = 1; c < f.length; c++) {
      const size = f[c] - f[c - 1];
      expect(size, `chunk ${c - 1}`).toBeGreaterThanOrEqual(1 / 32 - 1e-12);
      expect(size, `chunk ${c - 1}`).toBeLessThanOrEqual(Math.max((1 - f[c - 1]) / 4, 1.5 / 32) + 1e-12);
    }
    for (const threads of [3, 8, 64]) expect(guidedFractions(threads).length - 1).toBeLessThanOrEqual(MAX_CHUNKS);
  });

  it('boundariesAt starts chunk c at the first row whose prefix cost reaches fractions[c] of the total', () => {
    // Row costs 8, 1, 1, 1, 1, 1, 1, 1, 1 (total 16): halves at 8 (row 1); thirds at 16/3 and 32/3.
    const prefix = [0, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    expect(boundariesAt(9, [0, 0.5, 1], (r) => prefix[r])).toEqual([0, 1, 9]);
    expect(boundariesAt(9, [0, 1 / 3, 2 / 3, 1], (r) => prefix[r])).toEqual([0, 1, 4, 9]);
    // By row count without a cost; empty chunks (more shares than rows) are dropped.
    expect(boundariesAt(10, [0, 0.25, 0.5, 1])).toEqual([0, 3, 5, 10]);
    expect(boundariesAt(1, [0, 0.5, 1], (r) => 5 * r)).toEqual([0, 1]);
    expect(boundariesAt(3, guidedFractions(2))).toEqual([0, 1, 2, 3]);
    expect(boundariesAt(0, guidedFractions(2))).toEqual([0, 0]);
  });

  it('spmm cuts its rows into pinned chunks of equal non-zeros (4 per thread), not of equal row counts', () => {
    const host = skewedSparseCsr(3000, 2000, 3);
    const be = B.threaded;
    const pool = poolOf(be);
    const seen: number[][] = [];
    const runPinned = pool.runPinned.bind(pool);
    pool.runPinned = (name, args, total, kernel, bounds) => {
      if (name === 'spmmRows') seen.push(Array.from(bounds));
      runPinned(name, args, total, kernel, bounds);
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
      pool.runPinned = runPinned;
    }
    expect(seen).toHaveLength(1);
    const bounds = seen[0];
    const chunks = bounds.length - 1;
    expect(chunks).toBe(4 * pool.threads);
    expect([bounds[0], bounds[chunks]]).toEqual([0, host.rows]);
    const nnz = host.indptr[host.rows];
    for (let c = 0; c < chunks; c++) {
      // The share of the non-zeros in chunk c is about 1 / chunks (rows add a little to the work).
      const share = (host.indptr[bounds[c + 1]] - host.indptr[bounds[c]]) / nnz;
      expect(Math.abs(share - 1 / chunks), `chunk ${c}`).toBeLessThan(0.25 / chunks);
    }
    expect(bounds[1]).toBeLessThan(0.25 * host.rows / chunks); // the heavy rows come first
  });
});

describe('ThreadPool', () => {
  /** C = A B for an m x k A and a k x n B, with the inputs and the 1-thread result. */
  function gemmCase(m: number, n: number, k: number) {
    const a = randomFloats(m * k, 1);
    const b = randomFloats(k * n, 2);
    const be = B.wasm;
    const bufs = [be.upload('f32', a), be.upload('f32', b), be.alloc('f32', m * n)] as const;
    be.gemm(false, false, m, n, k, 1, bufs[0], bufs[1], 0, bufs[2]);
    const want = be.view(bufs[2]).slice();
    for (const buf of bufs) be.free(buf);
    const core = B.threaded as unknown as WasmCore;
    const [pa, pb] = [core.upload('f32', a), core.upload('f32', b)];
    const outs = [core.alloc('f32', m * n), core.alloc('f32', m * n)];
    return {
      core, want, outs,
      /** gemm_nn's arguments for output outs[i]. */
      args: (i: number) => [m, n, k, 1, core.ptr(pa), core.ptr(pb), 0, core.ptr(outs[i])],
      free: () => { for (const buf of [pa, pb, ...outs]) core.free(buf); },
    };
  }

  it('gives the same bits for any chunking of the rows', () => {
    const [m, n, k] = [301, 67, 40];
    const t = gemmCase(m, n, k);
    const pool = poolOf(B.threaded);
    try {
      for (const bounds of [[0, m], [0, 1, m], [0, 150, 151, m], [0, 3, 3, 100, 101, 250, m], evenChunks(m, 200)]) {
        t.core.view(t.outs[0]).fill(NaN);
        pool.run('gemm_nn', t.args(0), m, t.core.fn('gemm_nn'), bounds);
        expectBitExact(t.core.view(t.outs[0]).slice(), t.want, `chunks [${bounds.slice(0, 8).join(', ')}...]`);
      }
    } finally {
      t.free();
    }
  });

  it.each([['guided', false], ['pinned', true]] as const)('finishes the chunks workers took before rethrowing the main thread\'s error, so the next task is not cut short (%s)', (_mode, pinned) => {
    // Two chunks of tens of milliseconds each: the main thread takes one (pinned: its own, chunk 0)
    // and fails once the worker is surely under way on the other.
    const [m, n, k] = [2000, 512, 512];
    const t = gemmCase(m, n, k);
    const { core } = t;
    const pool = poolOf(B.threaded);
    const half = m / 2;
    try {
      for (let round = 0; round < 3; round++) {
        for (const out of t.outs) core.view(out).fill(NaN);
        let mainRows = [0, 0];
        const failing = (...call: number[]) => {
          const [r0, r1] = call.slice(-2);
          mainRows = [r0, r1];
          const other = r0 === 0 ? half : 0; // the first row of the worker's chunk
          const deadline = performance.now() + 10_000;
          while (Number.isNaN(core.view(t.outs[0])[other * n])) {
            if (performance.now() > deadline) throw new Error('the worker never started');
          }
          throw new Error('main chunk failed');
        };
        let error: unknown = null;
        try {
          if (pinned) pool.runPinned('gemm_nn', t.args(0), m, failing, [0, half, m]);
          else pool.run('gemm_nn', t.args(0), m, failing, [0, half, m]);
        } catch (e) {
          error = e;
        }
        const got = core.view(t.outs[0]).slice(); // read at once: had run() not waited, partly NaN
        expect((error as Error | null)?.message).toBe('main chunk failed');
        const [w0, w1] = mainRows[0] === 0 ? [half, m] : [0, half];
        expectBitExact(got.subarray(w0 * n, w1 * n), t.want.subarray(w0 * n, w1 * n), `round ${round}: the worker's chunk`);
        expect(got.subarray(mainRows[0] * n, mainRows[1] * n).every(Number.isNaN), 'the failed chunk is not written').toBe(true);
        if (pinned) pool.runPinned('gemm_nn', t.args(1), m, core.fn('gemm_nn'), [0, half, m]);
        else pool.run('gemm_nn', t.args(1), m, core.fn('gemm_nn'), [0, half, m]);
        expectBitExact(core.view(t.outs[1]).slice(), t.want, `round ${round}: the task after the failure`);
      }
    } finally {
      t.free();
    }
  });

  it('reports a trap in a real kernel and stays usable', () => {
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
    be.view(bad.indices)[0] = 2 ** 31 / (n * 4); // row 0's load traps, in whichever thread takes it
    try {
      for (let round = 0; round < 3; round++) {
        expect(() => product(be, bad)).toThrow(/out of bounds|failed in a worker thread/);
        expectBitExact(product(be, good), want, `round ${round}`);
      }
    } finally {
      be.freeCsr(good);
      be.freeCsr(bad);
    }
  });

  it('runs each chunk once, even when a notify reaches a worker after the task is done', async () => {
    const core = B.threaded as unknown as WasmCore;
    const pool = poolOf(B.threaded);
    const control = (pool as unknown as { control: Int32Array }).control;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const n = 100_000;
    const x = core.upload('f32', randomFloats(n, 3));
    const y = core.alloc('f32', n);
    const axpy = () => { pool.run('axpy', [1, core.ptr(x), core.ptr(y)], n, core.fn('axpy'), evenChunks(n, 64)); };
    try {
      axpy(); // y = x
      await sleep(20); // the worker is back in Atomics.wait
      // What the main thread sends after bumping GENERATION, arriving late (it was descheduled
      // while the worker already ran its chunks): no new task, so nothing may run.
      Atomics.notify(control, CTRL.GENERATION);
      await sleep(20);
      expectBitExact(core.view(y).slice(), core.view(x).slice(), 'y after one axpy');
      axpy(); // y = 2x
      expectBitExact(core.view(y).slice(), core.view(x).map((v) => 2 * v), 'y after two');
    } finally {
      core.free(x);
      core.free(y);
    }
  });

  it('wakes a worker that went to sleep between tasks', async () => {
    const [m, n, k] = [64, 256, 64];
    const t = gemmCase(m, n, k);
    const { core } = t;
    const pool = poolOf(B.threaded);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      for (let round = 0; round < 3; round++) {
        await sleep(10); // far past the spin: the worker is blocked in Atomics.wait
        core.view(t.outs[0]).fill(NaN);
        const kernel = core.fn('gemm_nn');
        // Whichever chunk the main thread takes, it waits for the worker to write the other one
        // (and throws if that never happens). A worker that wakes first may also take both chunks
        // before the main thread takes one: then it was woken too. Either way the product is whole.
        const main = (...call: number[]) => {
          const other = call[call.length - 2] === 0 ? m / 2 : 0;
          const deadline = performance.now() + 10_000;
          while (Number.isNaN(core.view(t.outs[0])[other * n])) {
            if (performance.now() > deadline) throw new Error('the worker was not woken');
          }
          kernel(...call);
        };
        pool.run('gemm_nn', t.args(0), m, main, [0, m / 2, m]);
        expectBitExact(core.view(t.outs[0]).slice(), t.want, `round ${round}`);
      }
    } finally {
      t.free();
    }
  });

  it('rejects boundaries that do not cover the rows, before starting any thread', () => {
    const core = B.threaded as unknown as WasmCore;
    const pool = poolOf(B.threaded);
    const kernel = core.fn('fill');
    const x = core.alloc('f32', 10);
    for (const bounds of [[0, 11, 10], [0, 6, 5], [1, 5, 10], [0], new Array<number>(MAX_CHUNKS + 1).fill(0).concat([10])]) {
      expect(() => { pool.run('fill', [core.ptr(x), 1], 10, kernel, bounds); }).toThrow(`boundaries must be 2 to ${MAX_CHUNKS + 1} non-decreasing integers from 0 to 10`);
    }
    pool.run('fill', [core.ptr(x), 2], 10, kernel, [0, 3, 10]);
    expect([...core.view(x)]).toEqual(new Array(10).fill(2));
    core.free(x);
  });
});
