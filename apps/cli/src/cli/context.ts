/** What every command action gets: the global flags, output helpers and a backend on demand. */
import type { Command } from 'commander';
import type { Backend } from '@lers/kernels';
import { BACKEND_CHOICES, chooseBackend, Recommender, type BackendChoice, type CfServingMode } from '@lers/runtime/node';
import { UsageError } from './errors.js';
import { Io, processStreams, type GlobalFlags, type Streams } from './io.js';
import { fileError } from './model-files.js';

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
  const backend = (o.backend ?? 'wasm') as BackendChoice;
  if (!BACKEND_CHOICES.includes(backend)) throw new UsageError(`--backend must be ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(backend)}`);
  const threads = o.threads === undefined ? 1 : positiveInt(o.threads, '--threads');
  if ((backend === 'wasm-scalar' || backend === 'reference') && threads > 1) throw new UsageError(`--threads ${threads} needs --backend wasm (the ${backend} backend is single-threaded)`);
  return {
    json: o.json === true,
    quiet: o.quiet === true,
    threads,
    seed: o.seed === undefined ? null : nonNegativeInt(o.seed, '--seed'),
    backend,
  };
}

/** What ran a command's kernels, as its --json output reports it. */
export interface BackendUsed {
  readonly kind: string;
  readonly threads: number;
  /** What was asked, what runs and why (auto's pick included). */
  readonly reason: string;
  /** WebGPU: the adapter; null on the other backends. */
  readonly adapter: string | null;
}

/** A command's context. */
export class Context {
  readonly flags: GlobalFlags;
  readonly io: Io;
  /** The backend of the last withBackend / loadRecommender (null before either, and for work queued to other machines). */
  backendUsed: BackendUsed | null = null;

  constructor(cmd: Command, streams: Streams = processStreams) {
    this.flags = globalFlags(cmd);
    this.io = new Io(this.flags, streams);
  }

  /** Runs `fn` with the backend of the global flags (chosen as the runtime chooses), disposing it afterwards. */
  async withBackend<T>(fn: (be: Backend) => Promise<T>): Promise<T> {
    const chosen = await chooseBackend({ backend: this.flags.backend, threads: this.flags.threads });
    this.reportBackend(chosen);
    try {
      return await fn(chosen.backend);
    } finally {
      chosen.backend.dispose();
    }
  }

  /**
   * Loads a model for serving on the backend of the global flags (the caller disposes it); a model
   * of another task than `task` is a usage error naming the command that serves it.
   */
  async loadRecommender(path: string, task: 'cf' | 'ctr' | null, serving?: CfServingMode, memoryLimit?: number): Promise<Recommender> {
    let rec: Recommender;
    try {
      rec = await Recommender.load(path, { backend: this.flags.backend, threads: this.flags.threads, ...(serving !== undefined ? { serving } : {}), ...(memoryLimit !== undefined ? { memoryLimit } : {}) });
    } catch (err) {
      throw fileError(err, path);
    }
    this.reportBackend(rec.info().backend);
    if (task !== null && rec.task !== task) {
      rec.dispose();
      throw new UsageError(`${path} is a ${rec.task} model: ${task === 'cf' ? 'recommend needs a cf model (use `lers predict` for ctr)' : 'predict needs a ctr model (use `lers recommend` for cf)'}`);
    }
    return rec;
  }

  /**
   * Keeps what runs for the --json output and says it on stderr when it may not be what was asked:
   * a warning when the thread count differs, else the backend and why with `--backend auto` or `webgpu`.
   */
  private reportBackend(chosen: BackendUsed): void {
    this.backendUsed = { kind: chosen.kind, threads: chosen.threads, reason: chosen.reason, adapter: chosen.adapter };
    if (chosen.threads !== this.flags.threads) this.io.warn(chosen.reason);
    else if (this.flags.backend === 'auto' || chosen.kind === 'webgpu') this.io.info(`backend: ${chosen.kind} (${chosen.reason})`);
  }
}
