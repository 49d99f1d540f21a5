/**
 * Entry point of a pool worker (Node worker_threads or a browser module Worker). It instantiates
 * the kernel module over the shared memory, reports ready, then blocks on the control block and
 * takes chunks of each task posted until told to stop. Workers never allocate WASM memory.
 */
import { CTRL, kernelImports, runChunks, runPinnedChunks, spinUntil, type WorkerInit } from './protocol.js';

type Kernel = (...args: number[]) => unknown;

interface Port {
  post(message: unknown): void;
  onMessage(handler: (message: WorkerInit) => void): void;
}

async function connect(): Promise<Port> {
  if (typeof process !== 'undefined' && process.versions?.node) {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) throw new Error('threads/worker: not started as a worker');
    return {
      post: (m) => { parentPort.postMessage(m); },
      onMessage: (h) => parentPort.once('message', h),
    };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown): void; onmessage: ((e: MessageEvent<WorkerInit>) => void) | null };
  return {
    post: (m) => { scope.postMessage(m); },
    onMessage: (h) => {
      scope.onmessage = (e) => { h(e.data); };
    },
  };
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

const port = await connect();
port.onMessage((init) => {
  void WebAssembly.instantiate(init.module, kernelImports(init.memory)).then((instance) => {
    const kernels = init.functions.map((name) => instance.exports[name] as Kernel);
    port.post({ ready: init.index });
    serve(init, kernels);
  });
});
