/**
 * A pool of workers that share the kernel module's WebAssembly.Memory. `run` splits a row range
 * across the main thread and the workers and returns when all are done; kernels take their row
 * range as the last two arguments, so a row is computed the same way whatever the split, and
 * results do not depend on the thread count.
 */
import { CTRL, CTRL_INTS, MAX_ARGS, MAX_THREADS, type WorkerInit } from './protocol.js';
import { checkBoundaries, evenBoundaries } from './split.js';

interface PoolWorker {
  terminate(): unknown;
}

/** Worker script shipped in dist/ (src/threads and dist/threads are both two levels deep). */
const WORKER_URL = new URL('../../dist/threads/worker.js', import.meta.url);

export class ThreadPool {
  private readonly control: Int32Array;
  private readonly args: Float64Array;
  private readonly functionIndex = new Map<string, number>();
  private disposed = false;

  private constructor(
    readonly threads: number,
    private readonly workers: PoolWorker[],
    controlBuffer: SharedArrayBuffer,
    argsBuffer: SharedArrayBuffer,
    functions: readonly string[],
  ) {
    this.control = new Int32Array(controlBuffer);
    this.args = new Float64Array(argsBuffer);
    functions.forEach((name, i) => this.functionIndex.set(name, i));
  }

  /** Starts threads - 1 workers (the main thread is the remaining one) and waits until they are ready. */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number, functions: readonly string[]): Promise<ThreadPool> {
    if (!Number.isInteger(threads) || threads < 2 || threads > MAX_THREADS) throw new RangeError(`ThreadPool: threads must be in [2, ${MAX_THREADS}], got ${threads}`);
    const control = new SharedArrayBuffer(CTRL_INTS * 4);
    const args = new SharedArrayBuffer(MAX_ARGS * 8);
    const workers: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    for (let index = 1; index < threads; index++) {
      const init: WorkerInit = { module, memory, control, args, index, functions };
      const { worker, started } = await spawn(init);
      workers.push(worker);
      ready.push(started);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    return new ThreadPool(threads, workers, control, args, functions);
  }

  /**
   * Runs kernel `name` over rows [0, total): the kernel is called as name(...args, r0, r1) once
   * per thread with disjoint ranges; the main thread takes the first range. Rows are split evenly
   * by count unless `boundaries` (threads + 1 non-decreasing row indices from 0 to total) gives
   * thread w the rows [boundaries[w], boundaries[w + 1]). Returns once every thread is done, even
   * when the main thread's range throws (its error is rethrown after the workers finish).
   */
  run(name: string, args: readonly number[], total: number, mainKernel: (...a: number[]) => unknown, boundaries?: ArrayLike<number>): void {
    if (this.disposed) throw new Error('ThreadPool: used after dispose');
    const fn = this.functionIndex.get(name);
    if (fn === undefined) throw new Error(`ThreadPool: kernel ${name} is not registered for threading`);
    if (args.length > MAX_ARGS) throw new RangeError(`ThreadPool: at most ${MAX_ARGS} arguments`);
    const bounds = boundaries ?? evenBoundaries(total, this.threads);
    checkBoundaries(bounds, total, this.threads);
    const c = this.control;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    c[CTRL.FUNCTION] = fn;
    c[CTRL.ARG_COUNT] = args.length;
    c[CTRL.ERROR] = 0;
    for (let w = 0; w < this.threads; w++) {
      c[CTRL.RANGES + 2 * w] = bounds[w];
      c[CTRL.RANGES + 2 * w + 1] = bounds[w + 1];
    }
    Atomics.store(c, CTRL.PENDING, this.threads - 1);
    Atomics.add(c, CTRL.GENERATION, 1);
    Atomics.notify(c, CTRL.GENERATION);
    try {
      mainKernel(...args, bounds[0], bounds[1]);
    } finally {
      // Returning before the workers finish would let the next task reset PENDING while they
      // still run this one: the pool would then count one task behind (or stall at -1).
      waitForZero(c, CTRL.PENDING);
    }
    if (c[CTRL.ERROR] !== 0) throw new Error(`kernel ${name} failed in a worker thread`);
  }

  /** Stops the workers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, CTRL.STOP, 1);
    Atomics.add(this.control, CTRL.GENERATION, 1);
    Atomics.notify(this.control, CTRL.GENERATION);
    for (const w of this.workers) void w.terminate();
  }
}

/** A kernel that keeps a worker longer than this is taken for a stalled pool (an error, not a hang). */
const STALL_MS = 120_000;

/** Blocks until control[slot] is 0: Atomics.wait where allowed (Node, workers), spinning elsewhere. */
function waitForZero(control: Int32Array, slot: number): void {
  for (;;) {
    const pending = Atomics.load(control, slot);
    if (pending === 0) return;
    let outcome: string;
    try {
      outcome = Atomics.wait(control, slot, pending, STALL_MS);
    } catch {
      // Browser main threads may not block: spin until the workers finish.
      while (Atomics.load(control, slot) !== 0) {
        /* spin */
      }
      return;
    }
    if (outcome === 'timed-out') throw new Error(`thread pool stalled: ${Atomics.load(control, slot)} worker(s) did not finish within ${STALL_MS / 1000} s`);
  }
}

async function spawn(init: WorkerInit): Promise<{ worker: PoolWorker; started: Promise<void> }> {
  if (typeof process !== 'undefined' && process.versions?.node) {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const started = new Promise<void>((resolve, reject) => {
      worker.once('message', () => { resolve(); });
      worker.once('error', reject);
    });
    worker.postMessage(init);
    return { worker, started };
  }
  const worker = new Worker(WORKER_URL, { type: 'module' });
  const started = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => { resolve(); };
    worker.onerror = (e) => { reject(new Error(`pool worker failed to start: ${e.message}`)); };
  });
  worker.postMessage(init);
  return { worker, started };
}
