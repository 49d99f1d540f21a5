/**
 * Interleaved timing: the cases of a group take turns, one batch of calls each per round (the
 * order reversed every other round), so that a change in machine load (the shared 2-core VM runs
 * other jobs) falls on every case alike, and a ratio between two cases is read round by round
 * (pairedRatio). Timing each case for its whole budget one after the other (as tinybench does)
 * let a neighbour's burst land on one side of a ratio only.
 */
import { median } from './stats.js';

/** Work done by one call, for the derived rates. */
export interface Work {
  /** Floating-point operations per call (GFLOP/s column). */
  readonly flops?: number;
  /** Bytes touched per call (GB/s column). */
  readonly bytes?: number;
  /** Items per call (items/s column), e.g. rows looked up. */
  readonly items?: number;
}

/** One benchmark case: a name, the function to time (awaited when it returns a promise), and its work. */
export interface Case {
  readonly name: string;
  readonly fn: () => unknown;
  readonly work?: Work;
}

/** A measured case. */
export interface Measurement {
  readonly name: string;
  /** Median over rounds of the mean call time within a round, in milliseconds. */
  readonly ms: number;
  /** Calls timed (over all rounds). */
  readonly samples: number;
  /** Mean call time (ms) in each round, in round order (the same rounds for every case of a group). */
  readonly rounds: readonly number[];
  readonly gflops?: number;
  readonly gbps?: number;
  readonly itemsPerSec?: number;
}

/** A round's batch of one case lasts about this long (ms), so that timer resolution does not matter. */
const BATCH_MS = 4;
/** At least this many rounds, whatever the budget. */
const MIN_ROUNDS = 7;

/** Whether fn's result is a promise (its calls are then awaited one by one). */
function isAsync(result: unknown): boolean {
  return typeof (result as { then?: unknown } | null)?.then === 'function';
}

/**
 * One round of a case: calls until BATCH_MS have passed (the clock read after each call, ~50 ns);
 * returns the mean ms per call and the calls made. A batch size fixed from a calibration call broke
 * when that call hit a pause: a 30 us case then ran 1-2 calls a round, each after the other case had
 * taken the caches, and read 4-7x its warm time.
 */
async function timeRound(fn: () => unknown, awaited: boolean): Promise<{ perCall: number; calls: number }> {
  const t0 = performance.now();
  let calls = 0;
  let t = t0;
  do {
    if (awaited) await fn();
    else fn();
    calls++;
    t = performance.now();
  } while (t - t0 < BATCH_MS);
  return { perCall: (t - t0) / calls, calls };
}

/**
 * Measures the cases of one group interleaved: a warm-up call each, then rounds
 * (calls for about BATCH_MS per case, the order reversed every other round) until every case
 * has had about `budgetMs`, at least MIN_ROUNDS rounds, and at most twice the group's budget in
 * all after those (a slow case, one call a round, does not hold the others for its full budget).
 */
export async function measure(cases: readonly Case[], budgetMs: number): Promise<Measurement[]> {
  // A warm-up call each (compilation, first-touch page faults).
  const awaited: boolean[] = [];
  for (const c of cases) {
    const first = c.fn();
    awaited.push(isAsync(first));
    if (isAsync(first)) await first;
  }
  const rounds = cases.map(() => [] as number[]);
  const calls = cases.map(() => 0);
  const spent = cases.map(() => 0);
  const cap = performance.now() + 2 * budgetMs * cases.length;
  for (let round = 0; round < MIN_ROUNDS || (spent.some((s) => s < budgetMs) && performance.now() < cap); round++) {
    const order = cases.map((_, i) => (round % 2 === 0 ? i : cases.length - 1 - i));
    for (const i of order) {
      const r = await timeRound(cases[i].fn, awaited[i]);
      rounds[i].push(r.perCall);
      calls[i] += r.calls;
      spent[i] += r.perCall * r.calls;
    }
    // Let pending work (worker messages, timers) run between rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return cases.map((c, i) => {
    const ms = median(rounds[i]);
    const seconds = ms / 1000;
    return {
      name: c.name,
      ms,
      samples: calls[i],
      rounds: rounds[i],
      ...(c.work?.flops !== undefined ? { gflops: c.work.flops / seconds / 1e9 } : {}),
      ...(c.work?.bytes !== undefined ? { gbps: c.work.bytes / seconds / 1e9 } : {}),
      ...(c.work?.items !== undefined ? { itemsPerSec: c.work.items / seconds } : {}),
    };
  });
}

/**
 * numerator's time / denominator's time, the median of the per-round ratios of two cases measured
 * in the same `measure` call (throws if their rounds differ: they were not interleaved).
 */
export function pairedRatio(numerator: Measurement, denominator: Measurement): number {
  if (numerator.rounds.length !== denominator.rounds.length || numerator.rounds.length === 0) {
    throw new Error(`${numerator.name} and ${denominator.name} were not measured in the same rounds`);
  }
  return median(numerator.rounds.map((t, i) => t / denominator.rounds[i]));
}
