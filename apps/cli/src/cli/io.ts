/**
 * What a command writes: results on stdout (text, or JSON with --json), messages and progress on
 * stderr (nothing but errors with --quiet).
 */
import { Progress, type ProgressOptions, type ProgressSink } from './progress.js';
import type { BackendChoice } from '@lers/runtime';

/** Raw output streams (replaceable in tests). */
export interface Streams {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly stderrIsTTY: boolean;
  readonly columns?: number;
}

/** The process's streams. */
export const processStreams: Streams = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  get stderrIsTTY(): boolean {
    return process.stderr.isTTY;
  },
  get columns(): number | undefined {
    return process.stderr.columns;
  },
};

/** The global flags every command sees. */
export interface GlobalFlags {
  readonly json: boolean;
  readonly quiet: boolean;
  /** Kernel threads (default 1). */
  readonly threads: number;
  /** Seed override (null when not given). */
  readonly seed: number | null;
  /** Kernel backend, chosen as `@lers/runtime/node` chooses it (`webgpu` on Dawn; `auto`: WebGPU on a hardware adapter, else WASM SIMD). */
  readonly backend: BackendChoice;
}

/** Output helpers bound to the global flags. */
export class Io {
  constructor(
    readonly flags: GlobalFlags,
    readonly streams: Streams = processStreams,
  ) {}

  /** An informational message on stderr (suppressed by --quiet). */
  info(text: string): void {
    if (!this.flags.quiet) this.streams.stderr(`${text}\n`);
  }

  /** A warning on stderr (shown even with --quiet). */
  warn(text: string): void {
    this.streams.stderr(`lers: warning: ${text}\n`);
  }

  /** The command's result on stdout: `value` as JSON with --json, else the text. */
  result(value: unknown, text: () => string): void {
    if (this.flags.json) this.streams.stdout(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
    else {
      const t = text();
      if (t !== '') this.streams.stdout(t.endsWith('\n') ? t : `${t}\n`);
    }
  }

  /** Raw text on stdout (streaming commands). */
  out(text: string): void {
    this.streams.stdout(text);
  }

  /** A progress task on stderr (inert with --quiet). */
  progress(label: string, options: ProgressOptions): Progress {
    const sink: ProgressSink | null = this.flags.quiet
      ? null
      : { write: (t) => { this.streams.stderr(t); }, isTTY: this.streams.stderrIsTTY, columns: this.streams.columns };
    return new Progress(sink, label, options);
  }
}

/** JSON.stringify replacer: NaN/Infinity become null, typed arrays become arrays. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}
