/**
 * Layout of the shared control block between the main thread and pool workers. The main thread
 * writes a task (function index, arguments, a row range per worker), bumps GENERATION and notifies;
 * each worker runs its range, then writes that generation into its own DONE slot and notifies.
 * The main thread waits until every DONE slot holds the current generation. (A shared countdown
 * would be corrupted for good by one extra or missing decrement; a per-worker generation cannot
 * drift: a late or repeated report only ever names a past task.)
 */
export const CTRL = {
  GENERATION: 0,
  FUNCTION: 2,
  ARG_COUNT: 3,
  STOP: 4,
  /** Set by a worker whose kernel threw; the main thread raises it after the task. */
  ERROR: 5,
  /** Row ranges start here: worker w reads [RANGES + 2w, RANGES + 2w + 1]. */
  RANGES: 8,
} as const;

export const MAX_ARGS = 32;
export const MAX_THREADS = 64;
/** Worker w (1-based, as its range) reports the generation it finished in DONE + w. */
export const DONE = CTRL.RANGES + 2 * MAX_THREADS;
export const CTRL_INTS = DONE + MAX_THREADS;

/** The message that starts a worker. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  readonly args: SharedArrayBuffer;
  readonly index: number;
  readonly functions: readonly string[];
}

/** Imports every kernel module instance needs (the memory and an abort that throws). */
export function kernelImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      abort(msg: number, file: number, line: number, column: number) {
        throw new Error(`kernel abort at ${line}:${column} (msg ${msg}, file ${file})`);
      },
      seed: () => 0,
    },
  };
}
