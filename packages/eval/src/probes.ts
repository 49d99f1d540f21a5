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
  /** Peak resident set size of the process so far (process.resourceUsage().maxRSS). */
  readonly maxRssBytes: number | null;
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

/** Current memory of the process in Node (typeof process !== 'undefined'); all nulls elsewhere. */
export function memorySnapshot(): MemorySnapshot {
  if (typeof process === 'undefined' || typeof process.memoryUsage !== 'function') {
    return { rssBytes: null, maxRssBytes: null, heapUsedBytes: null, heapTotalBytes: null, arrayBuffersBytes: null };
  }
  const m = process.memoryUsage();
  const maxRssKb = typeof process.resourceUsage === 'function' ? process.resourceUsage().maxRSS : null;
  return {
    rssBytes: m.rss,
    maxRssBytes: maxRssKb === null ? null : maxRssKb * 1024,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    arrayBuffersBytes: m.arrayBuffers,
  };
}
