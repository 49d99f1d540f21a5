/** What every command action gets: the global flags, output helpers and a backend on demand. */
import type { Command } from 'commander';
import { createBackend, type HostBackend } from '@lers/kernels';
import { UsageError } from './errors.js';
import { Io, processStreams, type GlobalFlags, type Streams } from './io.js';

/** Parses a positive integer flag value. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses a non-negative integer flag value. */
export function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be an integer >= 0, got ${JSON.stringify(value)}`);
  return n;
}

/** The global flags of a command (from its options and its parents'). */
export function globalFlags(cmd: Command): GlobalFlags {
  const o = cmd.optsWithGlobals<{ json?: boolean; quiet?: boolean; threads?: string; seed?: string; backend?: string }>();
  const backend = o.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'wasm-scalar' && backend !== 'reference') throw new UsageError(`--backend must be wasm, wasm-scalar or reference, got ${JSON.stringify(backend)}`);
  const threads = o.threads === undefined ? 1 : positiveInt(o.threads, '--threads');
  if (backend !== 'wasm' && threads > 1) throw new UsageError(`--threads ${threads} needs --backend wasm (the ${backend} backend is single-threaded)`);
  return {
    json: o.json === true,
    quiet: o.quiet === true,
    threads,
    seed: o.seed === undefined ? null : nonNegativeInt(o.seed, '--seed'),
    backend,
  };
}

/** A command's context. */
export class Context {
  readonly flags: GlobalFlags;
  readonly io: Io;

  constructor(cmd: Command, streams: Streams = processStreams) {
    this.flags = globalFlags(cmd);
    this.io = new Io(this.flags, streams);
  }

  /** Runs `fn` with a kernels backend of the global flags, disposing it afterwards. */
  async withBackend<T>(fn: (be: HostBackend) => Promise<T>): Promise<T> {
    const be = await createBackend({ kind: this.flags.backend, threads: this.flags.threads });
    try {
      return await fn(be);
    } finally {
      be.dispose();
    }
  }
}
