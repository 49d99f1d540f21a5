/**
 * A pool of workers that share the kernel module's WebAssembly.Memory. `run` cuts a row range
 * into chunks that the main thread and the workers take in turn (protocol.ts) and returns when all
 * are done; kernels take their row range as the last two arguments, so a row is computed the same
 * way whatever the split and whichever thread takes it: results do not depend on the thread count
 * or on timing.
 */
import { kernelHost, settleStart, type PoolWorker, type StartedWorker } from '../host.js';
import { closePinned, closeTicket, CTRL, CTRL_INTS, MAX_ARGS, MAX_CHUNKS, MAX_THREADS, openClaims, runChunks, runPinnedChunks, spinUntil, ticketOf, type WorkerInit, type WorkerReply } from './protocol.js';
import { boundariesAt, checkBoundaries, guidedFractions } from './split.js';

export class ThreadPool {
  private readonly control: Int32Array;
  private readonly args: Float64Array;
  private readonly functionIndex = new Map<string, number>();
  /** Where the chunks of a task end, as shares of its work (guided scheduling for `threads`). */
  readonly fractions: readonly number[];
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
    this.fractions = guidedFractions(threads);
    Atomics.store(this.control, CTRL.THREADS, threads);
  }

  /**
   * Starts threads - 1 workers (the main thread is the remaining one) and waits until they are
   * ready. `workerUrl` replaces the default worker script (see `spawn`).
   */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number, functions: readonly string[], workerUrl?: URL | string): Promise<ThreadPool> {
    if (!Number.isInteger(threads) || threads < 2 || threads > MAX_THREADS) throw new RangeError(`ThreadPool: threads must be in [2, ${MAX_THREADS}], got ${threads}`);
    const control = new SharedArrayBuffer(CTRL_INTS * 4);
    const args = new SharedArrayBuffer(MAX_ARGS * 8);
    const workers: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    try {
      for (let index = 1; index < threads; index++) {
        const init: WorkerInit = { module, memory, control, args, index, functions };
        const { worker, started } = spawn(init, workerUrl);
        workers.push(worker);
        ready.push(started);
      }
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    return new ThreadPool(threads, workers, control, args, functions);
  }

  /**
   * Runs kernel `name` over rows [0, total), called as name(...args, r0, r1) on disjoint chunks of
   * rows that the main thread and the workers take in turn until none is left (a thread busy
   * elsewhere takes fewer). The chunks are `boundaries` (non-decreasing row indices from 0 to
   * total; chunk c is [boundaries[c], boundaries[c + 1])) or, by default, guided chunks of rows
   * (split.ts). Returns once every chunk taken is done, also when the main thread's chunk throws
   * (its error is rethrown after the others finish).
   */
  run(name: string, args: readonly number[], total: number, mainKernel: (...a: number[]) => unknown, boundaries?: ArrayLike<number>): void {
    this.execute(name, args, total, mainKernel, boundaries ?? boundariesAt(total, this.fractions), null);
  }

  /**
   * Like `run` over the fixed chunks `boundaries`, but pinned: the chunks form `threads` equal
   * runs, and thread t (the main thread is 0) owns run (t + rotation) mod threads and takes it
   * first, so that a kernel called again with the same boundaries computes the same rows on the
   * same core and finds there what it wrote the last time (SpMM chains); chunks a late thread has
   * not claimed go to the others (protocol.ts, runPinnedChunks).
   */
  runPinned(name: string, args: readonly number[], total: number, mainKernel: (...a: number[]) => unknown, boundaries: ArrayLike<number>, rotation = 0): void {
    if (!Number.isInteger(rotation) || rotation < 0 || rotation >= this.threads) throw new RangeError(`ThreadPool: rotation must be an integer in [0, ${this.threads}), got ${rotation}`);
    this.execute(name, args, total, mainKernel, boundaries, rotation);
  }

  /**
   * Publishes a task (pinned with its rotation, or taken off the ticket for null), runs its chunks
   * on the main thread with the workers, waits for the rest.
   */
  private execute(name: string, args: readonly number[], total: number, mainKernel: (...a: number[]) => unknown, bounds: ArrayLike<number>, rotation: number | null): void {
    const pinned = rotation !== null;
    if (this.disposed) throw new Error('ThreadPool: used after dispose');
    const fn = this.functionIndex.get(name);
    if (fn === undefined) throw new Error(`ThreadPool: kernel ${name} is not registered for threading`);
    if (args.length > MAX_ARGS) throw new RangeError(`ThreadPool: at most ${MAX_ARGS} arguments`);
    checkBoundaries(bounds, total, MAX_CHUNKS);
    const c = this.control;
    const chunks = bounds.length - 1;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    c[CTRL.FUNCTION] = fn;
    c[CTRL.ARG_COUNT] = args.length;
    c[CTRL.ERROR] = 0;
    for (let i = 0; i < bounds.length; i++) c[CTRL.BOUNDS + i] = bounds[i];
    const generation = c[CTRL.GENERATION] + 1;
    if (pinned) {
      openClaims(c, generation, chunks);
      Atomics.store(c, CTRL.ROTATION, rotation);
    }
    Atomics.store(c, CTRL.PINNED, pinned ? 1 : 0);
    Atomics.store(c, CTRL.CHUNKS, chunks);
    Atomics.store(c, CTRL.DONE, 0);
    // A pinned task hands out no chunk through the ticket.
    Atomics.store(c, CTRL.TICKET, ticketOf(generation, pinned ? MAX_CHUNKS : 0));
    Atomics.store(c, CTRL.GENERATION, generation);
    if (Atomics.load(c, CTRL.SLEEPING) > 0) Atomics.notify(c, CTRL.GENERATION);
    const runMain = (r0: number, r1: number) => mainKernel(...args, r0, r1);
    try {
      if (pinned) runPinnedChunks(c, generation, 0, runMain);
      else runChunks(c, generation, runMain);
    } finally {
      // Returning while a worker still runs a chunk would let the next task overwrite the task
      // under it; chunks not taken yet (the main thread's kernel threw) are dropped.
      waitForCount(c, CTRL.DONE, pinned ? closePinned(c, generation) : closeTicket(c, generation));
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

/**
 * Blocks until control[slot] >= target: a short spin (chunks end microseconds apart), then
 * Atomics.wait where allowed (Node, workers), spinning on elsewhere.
 */
function waitForCount(control: Int32Array, slot: number, target: number): void {
  if (spinUntil(() => Atomics.load(control, slot) >= target)) return;
  for (;;) {
    const count = Atomics.load(control, slot);
    if (count >= target) return;
    let outcome: string;
    try {
      outcome = Atomics.wait(control, slot, count, STALL_MS);
    } catch {
      // Browser main threads may not block: spin until the workers finish.
      while (Atomics.load(control, slot) < target) {
        /* spin */
      }
      return;
    }
    if (outcome === 'timed-out') throw new Error(`thread pool stalled: ${target - Atomics.load(control, slot)} chunk(s) did not finish within ${STALL_MS / 1000} s`);
  }
}

/**
 * Starts one pool worker: the installed host's way (Node: worker_threads), else a module Worker.
 * The default Worker is written in the one form bundlers recognise (`new Worker(new URL(literal,
 * import.meta.url), { type: 'module' })`, here where it is created), so that Vite, webpack and
 * Parcel build worker.js with its imports and rewrite its URL; unbundled, it is the worker.js next
 * to this file.
 */
function spawn(init: WorkerInit, workerUrl: URL | string | undefined): StartedWorker {
  const host = kernelHost();
  if (host.startWorker) return host.startWorker(init, workerUrl);
  if (typeof Worker === 'undefined') throw new Error('no Worker here: threads need module Workers (browsers) or worker_threads (Node, through the package\'s node entry); use threads: 1');
  const worker = workerUrl === undefined
    ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
    : new Worker(workerUrl, { type: 'module' });
  const started = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => { settleStart(e.data, resolve, reject); };
    worker.onerror = (e) => { reject(new Error(`pool worker failed to start: ${e.message || 'the script did not load'} (${workerUrl === undefined ? 'worker.js next to pool.js' : String(workerUrl)})`)); };
  });
  worker.postMessage(init);
  return { worker, started };
}
