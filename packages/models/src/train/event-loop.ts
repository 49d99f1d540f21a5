/**
 * Training and evaluation run synchronous kernels, and `await` on a resolved promise only drains
 * microtasks, so without a real yield the host's event loop never turns during a run: Node
 * delivers no signal (the CLI's Ctrl-C waited for a whole tuning trial, 100 s on ml-1m) and a
 * browser page or worker handles no message. A macrotask yield every so often lets them in; it
 * changes no result.
 */

/** How long training or evaluation may hold the event loop before it yields (ms). */
export const YIELD_EVERY_MS = 100;

type Schedule = (fn: () => void) => unknown;
const host = globalThis as { setImmediate?: Schedule; setTimeout?: (fn: () => void, ms: number) => unknown };
// setImmediate (Node) runs after the loop's I/O poll, where signals arrive; setTimeout elsewhere.
const schedule: Schedule = host.setImmediate ?? ((fn) => host.setTimeout!(fn, 0));

/** Yields to the event loop when `everyMs` have passed since its last yield. */
export class EventLoopYielder {
  private last = performance.now();
  constructor(private readonly everyMs = YIELD_EVERY_MS) {}

  /** Resolves at once, or after one macrotask when the interval has passed. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.last < this.everyMs) return;
    await new Promise<void>((resolve) => schedule(resolve));
    this.last = performance.now();
  }
}
