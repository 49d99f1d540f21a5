/**
 * The body of a pool worker, shared by the browser's module Worker (worker.ts) and Node's
 * worker_threads worker (../node/worker.ts): it instantiates the kernel module over the shared
 * memory, answers ready (or why not), then blocks on the control block and takes chunks of each
 * task posted until told to stop. Workers never allocate WASM memory.
 */
import { CTRL, kernelImports, runChunks, runPinnedChunks, spinUntil, type WorkerInit, type WorkerReply } from './protocol.js';

type Kernel = (...args: number[]) => unknown;

/** Starts serving the pool described by `init`; `reply` posts to the main thread. */
export function startPoolWorker(init: WorkerInit, reply: (message: WorkerReply) => void): void {
  WebAssembly.instantiate(init.module, kernelImports(init.memory)).then(
    (instance) => {
      const kernels = init.functions.map((name) => instance.exports[name] as Kernel);
      reply({ ready: init.index });
      serve(init, kernels);
    },
    (e: unknown) => {
      reply({ error: `cannot instantiate the kernel module in worker ${init.index}: ${e instanceof Error ? e.message : String(e)}` });
    },
  );
}

function serve(init: WorkerInit, kernels: Kernel[]): void {
  const control = new Int32Array(init.control);
  const args = new Float64Array(init.args);
  // The pool starts at generation 0 and posts no task before every worker is ready, but a task can
  // be posted between our 'ready' message and this line: start from 0, never from a fresh load,
  // or that first task would be missed.
  let seen = 0;
  const runChunk = (r0: number, r1: number) => {
    // Read after taking the chunk: the task stays in place until every chunk taken is done.
    const kernel = kernels[control[CTRL.FUNCTION]];
    const count = control[CTRL.ARG_COUNT];
    const call: number[] = [];
    for (let i = 0; i < count; i++) call.push(args[i]);
    call.push(r0, r1);
    try {
      kernel(...call);
    } catch {
      Atomics.store(control, CTRL.ERROR, 1);
    }
  };
  for (;;) {
    awaitChange(control, CTRL.GENERATION, seen);
    seen = Atomics.load(control, CTRL.GENERATION);
    if (Atomics.load(control, CTRL.STOP) !== 0) return;
    if (Atomics.load(control, CTRL.PINNED) !== 0) runPinnedChunks(control, seen, init.index, runChunk);
    else runChunks(control, seen, runChunk);
  }
}

/**
 * Returns once control[slot] differs from `value`: spinning briefly, then blocked in Atomics.wait
 * and counted in SLEEPING, so that the main thread notifies (a costly wake-up) only then. The
 * count goes up before the value is checked again, and the main thread stores the new value before
 * it reads the count: one of the two sees the other, so no wake-up is lost. A wake-up alone proves
 * nothing (a notify can arrive after the value already changed and the task was run): loop.
 */
function awaitChange(control: Int32Array, slot: number, value: number): void {
  if (spinUntil(() => Atomics.load(control, slot) !== value)) return;
  Atomics.add(control, CTRL.SLEEPING, 1);
  while (Atomics.load(control, slot) === value) Atomics.wait(control, slot, value);
  Atomics.sub(control, CTRL.SLEEPING, 1);
}
