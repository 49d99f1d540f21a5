/**
 * What the advisor needs to know about a model on this device: the bytes it holds once loaded and
 * the latency of one request, measured through `@lers/runtime` (`info().memoryBytes`, `profile()`).
 */
import type { PhaseTiming, ProfileOptions, Recommender } from '@lers/runtime';

/** A model measured on this device. */
export interface DeviceProfile {
  /** Bytes held on the backend (`info().memoryBytes`: tables, graph, dense layers), read after the profiled requests so buffers allocated on first use count. */
  readonly memoryBytes: number;
  /** Median milliseconds of one request (CF: a user's top-k with propagation; CTR: one row). */
  readonly latencyMs: number;
  /** Every timed phase (CF: propagation, scoring, filtering, topk, total; CTR: batch, single). */
  readonly phases: Readonly<Record<string, PhaseTiming>>;
  /** What ran: backend kind, threads and why (the runtime's `reason`). */
  readonly backend: string;
  readonly threads: number;
  readonly reason: string;
}

/**
 * How the advisor loads a model to measure it: LightGCN propagates per request (the paper's edge
 * setting, where the compressed tables are what is held; a cached model holds full-size final
 * embeddings whatever the method).
 */
export const PROFILE_LOAD_OPTIONS = { serving: 'propagate' } as const;

/** Short profiling defaults: a few seconds for a whole bench grid of small models. */
export const QUICK_PROFILE: ProfileOptions = { repeats: 10, warmup: 2, k: 20, batch: 64, seed: 2023 };

/** The per-request latency of a profile's phases: CF `total`, CTR `single` (medians). */
export function requestLatencyMs(task: 'cf' | 'ctr', phases: Readonly<Record<string, PhaseTiming>>): number {
  const t = task === 'cf' ? phases.total : phases.single;
  if (t === undefined) throw new RangeError(`a ${task} profile needs the phase ${task === 'cf' ? 'total' : 'single'}; got ${Object.keys(phases).join(', ') || 'none'}`);
  return t.medianMs;
}

/** Measures a loaded model (load it with PROFILE_LOAD_OPTIONS): its request latency, then the memory it holds after serving them. */
export async function measureRecommender(rec: Recommender, options: ProfileOptions = QUICK_PROFILE): Promise<DeviceProfile> {
  const phases = await rec.profile(options);
  const info = rec.info();
  return { memoryBytes: info.memoryBytes, latencyMs: requestLatencyMs(info.task, phases), phases, backend: info.backend.kind, threads: info.backend.threads, reason: info.backend.reason };
}
