/**
 * Layout of the shared control block between the main thread and pool workers, and the chunk
 * hand-out both sides use. The main thread writes a task (function index, arguments, the row
 * boundaries of its chunks), publishes a ticket for it, bumps GENERATION and notifies. Every
 * thread, the main one included, then takes chunks off the ticket one at a time until none is
 * left and counts each finished chunk in DONE; the main thread returns once every chunk taken is
 * done. A worker that wakes late (busy machine) finds the chunks taken and goes back to sleep, so
 * the main thread never waits for a worker that has not started. Idle workers spin briefly before
 * they block, and the main thread notifies only when one is blocked (SLEEPING).
 */
export const CTRL = {
  GENERATION: 0,
  /** (generation tag << CHUNK_BITS) | index of the next chunk to hand out. */
  TICKET: 1,
  FUNCTION: 2,
  ARG_COUNT: 3,
  STOP: 4,
  /** Set by a worker whose kernel threw; the main thread raises it after the task. */
  ERROR: 5,
  /** Chunks of the current task finished so far. */
  DONE: 6,
  /** Number of chunks of the current task. */
  CHUNKS: 7,
  /** Workers blocked in Atomics.wait on GENERATION: only then does a new task need a notify. */
  SLEEPING: 8,
  /** Chunk boundaries start here: chunk c is rows [BOUNDS + c, BOUNDS + c + 1). */
  BOUNDS: 16,
} as const;

export const MAX_ARGS = 32;
export const MAX_THREADS = 64;
const CHUNK_BITS = 10;
/** Most chunks one task may have (the ticket keeps the chunk index in its low CHUNK_BITS bits). */
export const MAX_CHUNKS = (1 << CHUNK_BITS) - 1;
/** Generations are compared modulo 2^21, so that a ticket stays a non-negative int32. */
const TAG_MASK = (1 << (31 - CHUNK_BITS)) - 1;
export const CTRL_INTS = CTRL.BOUNDS + MAX_CHUNKS + 1;

/** The ticket of task `generation` with `next` chunks handed out. */
export function ticketOf(generation: number, next: number): number {
  return ((generation & TAG_MASK) << CHUNK_BITS) | next;
}

/**
 * Takes the next chunk of task `generation`: its index, or -1 when the task has none left or has
 * been replaced by a newer one. Each chunk is handed out once, in order; a thread that got one may
 * read the task (arguments, boundaries), which stays in place until every chunk taken is done.
 */
export function takeChunk(control: Int32Array, generation: number): number {
  for (;;) {
    const ticket = Atomics.load(control, CTRL.TICKET);
    if (ticket >>> CHUNK_BITS !== (generation & TAG_MASK)) return -1;
    const next = ticket & MAX_CHUNKS;
    if (next >= Atomics.load(control, CTRL.CHUNKS)) return -1;
    if (Atomics.compareExchange(control, CTRL.TICKET, ticket, ticket + 1) === ticket) return next;
  }
}

/** Stops handing out chunks of task `generation`; returns how many were handed out. */
export function closeTicket(control: Int32Array, generation: number): number {
  for (;;) {
    const ticket = Atomics.load(control, CTRL.TICKET);
    const taken = Math.min(ticket & MAX_CHUNKS, Atomics.load(control, CTRL.CHUNKS));
    if (Atomics.compareExchange(control, CTRL.TICKET, ticket, ticketOf(generation, MAX_CHUNKS)) === ticket) return taken;
  }
}

/**
 * Runs chunks of task `generation` with `run(r0, r1)` until none is left, counting each in DONE
 * (also when `run` throws, which ends the loop and propagates).
 */
export function runChunks(control: Int32Array, generation: number, run: (r0: number, r1: number) => void): void {
  for (let c = takeChunk(control, generation); c >= 0; c = takeChunk(control, generation)) {
    try {
      run(control[CTRL.BOUNDS + c], control[CTRL.BOUNDS + c + 1]);
    } finally {
      Atomics.add(control, CTRL.DONE, 1);
      Atomics.notify(control, CTRL.DONE);
    }
  }
}

/**
 * How long a thread spins on the control block before it blocks in Atomics.wait. Kernel calls
 * come microseconds apart, while a notify that wakes a blocked thread costs the notifier about
 * 20 us on a VM (measured), as much as a small kernel: a worker that is still spinning needs none.
 */
export const SPIN_MS = 0.1;

/** Spins for up to SPIN_MS until `done()`; returns its last value. */
export function spinUntil(done: () => boolean): boolean {
  const until = performance.now() + SPIN_MS;
  for (let i = 0; ; i++) {
    if (done()) return true;
    if ((i & 63) === 63 && performance.now() > until) return false;
  }
}

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
