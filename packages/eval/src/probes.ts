/**
 * Tiny efficiency probes that run in Node and in browsers: wall-clock timing over repeats with
 * performance.now(), and a memory snapshot that is filled in Node (process.memoryUsage) and null elsewhere.
 */
import { check } from './errors.js';

/** Timing of repeated runs, in milliseconds. */
export interface Timing {
  /** Fastest run. */
  readonly minMs: number;
  /** Median run (mean of the middle two for an even count). */
  readonly medianMs: number;
  /** Slowest run. */
  readonly maxMs: number;
  /** Every run, in order. */
  readonly samplesMs: readonly number[];
}

/** Memory in bytes; every field is null outside Node. */
export interface MemorySnapshot {
  /** Resident set size now. */
  readonly rssBytes: number | null;
  /** Peak resident set size of this process so far; `maxRssSource` says how it was read. */
  readonly maxRssBytes: number | null;
  /** Where maxRssBytes came from (see `peakRss`). */
  readonly maxRssSource: PeakRssSource | null;
  /** V8 heap in use. */
  readonly heapUsedBytes: number | null;
  /** V8 heap reserved. */
  readonly heapTotalBytes: number | null;
  /** Memory of ArrayBuffers (typed arrays, WASM memories) outside the V8 heap. */
  readonly arrayBuffersBytes: number | null;
}

function summarize(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  return { minMs: sorted[0], medianMs: median, maxMs: sorted[sorted.length - 1], samplesMs: samples };
}

function checkRepeats(repeats: number, warmup: number): void {
  check(Number.isInteger(repeats) && repeats >= 1, () => `repeats must be a positive integer, got ${repeats}`);
  check(Number.isInteger(warmup) && warmup >= 0, () => `warmup must be a non-negative integer, got ${warmup}`);
}

/** Runs fn `warmup` untimed times, then `repeats` timed times; returns min/median/max ms. */
export function timeIt(fn: () => unknown, repeats = 5, warmup = 0): Timing {
  checkRepeats(repeats, warmup);
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/** timeIt for async fns: each run is awaited before the clock stops. */
export async function timeItAsync(fn: () => Promise<unknown>, repeats = 5, warmup = 0): Promise<Timing> {
  checkRepeats(repeats, warmup);
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/**
 * Where a peak RSS was read: `VmHWM` is Linux's high-water mark of this process's own memory
 * (/proc/self/status); `maxRSS` is getrusage's, used where there is no /proc (macOS, Windows).
 */
export type PeakRssSource = 'VmHWM' | 'maxRSS';

/** The kernel's line `VmHWM:   1234 kB` in /proc/self/status, in bytes; null when absent. */
export function parseVmHwm(status: string): number | null {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return m === null ? null : Number(m[1]) * 1024;
}

/** /proc/self/status, or null where it cannot be read (not Linux, no node:fs). */
function procStatus(): string | null {
  // getBuiltinModule keeps this file importable in browsers (no static node:fs import); Node >= 20.16.
  const fs = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  if (fs === undefined || process.platform !== 'linux') return null;
  try {
    return fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    return null;
  }
}

/**
 * Peak RSS of this process in Node, null elsewhere. On Linux it reads VmHWM, not getrusage's maxRSS:
 * Linux carries a process's high-water mark across exec, so a child spawned by a large parent
 * reports the parent's RSS as its own maxRSS (a benchmark child of a 213 MiB runner read 213 MiB).
 */
export function peakRss(): { bytes: number; source: PeakRssSource } | null {
  if (typeof process === 'undefined' || typeof process.resourceUsage !== 'function') return null;
  const status = procStatus();
  const hwm = status === null ? null : parseVmHwm(status);
  return hwm !== null ? { bytes: hwm, source: 'VmHWM' } : { bytes: process.resourceUsage().maxRSS * 1024, source: 'maxRSS' };
}

/** Current memory of the process in Node (typeof process !== 'undefined'); all nulls elsewhere. */
export function memorySnapshot(): MemorySnapshot {
  if (typeof process === 'undefined' || typeof process.memoryUsage !== 'function') {
    return { rssBytes: null, maxRssBytes: null, maxRssSource: null, heapUsedBytes: null, heapTotalBytes: null, arrayBuffersBytes: null };
  }
  const m = process.memoryUsage();
  const peak = peakRss();
  return {
    rssBytes: m.rss,
    maxRssBytes: peak?.bytes ?? null,
    maxRssSource: peak?.source ?? null,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    arrayBuffersBytes: m.arrayBuffers,
  };
}
