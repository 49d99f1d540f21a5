/**
 * Ctrl-C and SIGTERM: the first signal sets a flag that long-running commands check between steps
 * (after a batch, between bench cells), so they stop at a safe point: every file is written
 * atomically (temp file + rename), so nothing half-written is left and a re-run resumes. A second
 * signal exits at once.
 */
import { InterruptedError } from './errors.js';

let received: string | null = null;
let installed = false;
const listeners: (() => void)[] = [];

/** Installs the handlers (once). */
export function installSignalHandlers(onFirst?: (signal: string) => void): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (received !== null) process.exit(130);
      received = signal;
      onFirst?.(signal);
      for (const l of listeners.splice(0)) l();
    });
  }
}

/** Throws InterruptedError when a signal was received. */
export function checkInterrupted(): void {
  if (received !== null) throw new InterruptedError(received);
}

/** The signal received so far, if any. */
export function interruptedBy(): string | null {
  return received;
}

/** Calls `fn` once on the first signal (at once when one was received already). */
export function onInterrupt(fn: () => void): void {
  if (received !== null) fn();
  else listeners.push(fn);
}

/**
 * A reader that closes stdout early (`lers methods | head -1`) makes writes fail with EPIPE; Node
 * raises that as an unhandled 'error' event with a stack trace. Exit quietly instead, with the
 * status a shell gives a process killed by SIGPIPE (128 + 13), as Unix tools do; files are
 * written atomically, so nothing is left half-written.
 */
export function installBrokenPipeHandler(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}
