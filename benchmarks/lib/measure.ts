/**
 * Timing with tinybench: every case of a group runs in the same process and the same run, so
 * ratios between them are meaningful. Reports the median latency and derived rates.
 */
import { Bench } from 'tinybench';

/** Work done by one call, for the derived rates. */
export interface Work {
  /** Floating-point operations per call (GFLOP/s column). */
  readonly flops?: number;
  /** Bytes touched per call (GB/s column). */
  readonly bytes?: number;
  /** Items per call (items/s column), e.g. rows looked up. */
  readonly items?: number;
}

/** One benchmark case: a name, the function to time, and its work. */
export interface Case {
  readonly name: string;
  readonly fn: () => unknown;
  readonly work?: Work;
}

/** A measured case. */
export interface Measurement {
  readonly name: string;
  /** Median latency in milliseconds. */
  readonly ms: number;
  readonly samples: number;
  readonly gflops?: number;
  readonly gbps?: number;
  readonly itemsPerSec?: number;
}

/** Measures every case with a time budget per case (ms). */
export async function measure(cases: readonly Case[], budgetMs: number): Promise<Measurement[]> {
  const bench = new Bench({ time: budgetMs, warmupTime: Math.min(100, budgetMs / 2), iterations: 3, warmupIterations: 2 });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();
  return cases.map((c, i) => {
    const result = bench.tasks[i].result;
    if (result.state === 'errored') throw result.error;
    if (result.state !== 'completed') throw new Error(`benchmark ${c.name} did not complete (${result.state})`);
    const ms = result.latency.p50;
    const seconds = ms / 1000;
    return {
      name: c.name,
      ms,
      samples: result.latency.samplesCount,
      ...(c.work?.flops !== undefined ? { gflops: c.work.flops / seconds / 1e9 } : {}),
      ...(c.work?.bytes !== undefined ? { gbps: c.work.bytes / seconds / 1e9 } : {}),
      ...(c.work?.items !== undefined ? { itemsPerSec: c.work.items / seconds } : {}),
    };
  });
}
