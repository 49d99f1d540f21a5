/**
 * Layout of the shared control block between the main thread and pool workers, and the chunk
 * hand-out both sides use. The main thread writes a task (function index, arguments, the row
 * boundaries of its chunks), publishes a ticket for it, bumps GENERATION and notifies. Every
 * thread, the main one included, then takes chunks off the ticket one at a time until none is
 * left and counts each finished chunk in DONE; the main thread returns once every chunk taken is
 * done. A worker that wakes late (busy machine) finds the chunks taken and goes back to sleep, so
 * the main thread never waits for a worker that has not started. Idle workers spin briefly before
 * they block, and the main thread notifies only when one is blocked (SLEEPING). A pinned task
 * (PINNED) hands out no tickets: each chunk has a claim slot instead, and every thread claims its
 * own run of chunks first (runPinnedChunks).
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
  /** 1 while the current task is pinned (runPinned): its chunks are claimed in claim slots, not off TICKET. */
  PINNED: 9,
  /** Threads of the pool, the main thread included (set once at creation). */
  THREADS: 10,
  /** Pinned tasks: thread t owns the run of chunks of thread (t + ROTATION) mod threads. */
  ROTATION: 11,
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
/** A pinned task's claim slot of chunk c is CLAIMS + c (see claimPinned). */
const CLAIMS = CTRL.BOUNDS + MAX_CHUNKS + 1;
export const CTRL_INTS = CLAIMS + MAX_CHUNKS;

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
  for (let c = takeChunk(control, generation); c >= 0; c = takeChunk(control, generation)) runCounted(control, c, run);
}

/** Runs chunk c as run(bounds[c], bounds[c + 1]) and counts it in DONE, also when `run` throws. */
function runCounted(control: Int32Array, c: number, run: (r0: number, r1: number) => void): void {
  try {
    run(control[CTRL.BOUNDS + c], control[CTRL.BOUNDS + c + 1]);
  } finally {
    Atomics.add(control, CTRL.DONE, 1);
    Atomics.notify(control, CTRL.DONE);
  }
}

/** A pinned chunk's slot while it is free to claim in task `generation`. */
function openClaim(generation: number): number {
  return (generation & TAG_MASK) << 1;
}

const CLOSED_CLAIM = -1;

/** Writes the claim slots of a pinned task `generation` with `chunks` chunks, all free. */
export function openClaims(control: Int32Array, generation: number, chunks: number): void {
  control.fill(openClaim(generation), CLAIMS, CLAIMS + chunks);
}

/**
 * Claims chunk c of pinned task `generation`: true for the one thread whose compare-exchange
 * turns the free slot into a claimed one; a thread still on an older task finds a slot of another
 * generation and claims nothing.
 */
function claimPinned(control: Int32Array, generation: number, chunk: number): boolean {
  const open = openClaim(generation);
  return Atomics.compareExchange(control, CLAIMS + chunk, open, open | 1) === open;
}

/**
 * Runs chunks of pinned task `generation` as thread `index` (the main thread is 0). Thread t owns
 * a contiguous run of the chunks (run (t + ROTATION) mod threads of `threads` equal runs) and
 * takes them first, in order, so that it computes the rows the caller meant for it and finds in
 * its own cache what it wrote in the previous task; then it takes the other runs' chunks still
 * unclaimed from the back (a late or preempted thread loses its last chunks rather than holding
 * the others up).
 * Chunk c runs as run(bounds[c], bounds[c + 1]); DONE counts each, as runChunks.
 */
export function runPinnedChunks(control: Int32Array, generation: number, index: number, run: (r0: number, r1: number) => void): void {
  const chunks = Atomics.load(control, CTRL.CHUNKS);
  const threads = Atomics.load(control, CTRL.THREADS);
  const own = (index + Atomics.load(control, CTRL.ROTATION)) % threads;
  const first = (run: number) => Math.floor((run * chunks) / threads);
  for (let c = first(own); c < first(own + 1); c++) if (claimPinned(control, generation, c)) runCounted(control, c, run);
  for (let k = 1; k < threads; k++) {
    const t = (own + k) % threads;
    // Every thread tries every chunk, so that none is left when the main thread's loop ends.
    for (let c = first(t + 1) - 1; c >= first(t); c--) if (claimPinned(control, generation, c)) runCounted(control, c, run);
  }
}

/** Closes the chunks of pinned task `generation` nobody claimed; returns how many were claimed. */
export function closePinned(control: Int32Array, generation: number): number {
  const chunks = Atomics.load(control, CTRL.CHUNKS);
  const open = openClaim(generation);
  let taken = 0;
  for (let c = 0; c < chunks; c++) if (Atomics.compareExchange(control, CLAIMS + c, open, CLOSED_CLAIM) !== open) taken++;
  return taken;
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

/** What a worker answers to its WorkerInit: ready, or why it could not start. */
export type WorkerReply = { readonly ready: number } | { readonly error: string };
