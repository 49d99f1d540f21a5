import { Rng, type Backend } from '@lers/kernels';
import type { CfSession } from './cf-session.js';
import type { CtrSession } from './ctr-session.js';

/** min / median / max of a phase over the timed repeats, in milliseconds. */
export interface PhaseTiming {
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

/** What to time. */
export interface ProfileOptions {
  /** Timed repeats (default 20), after `warmup` untimed ones (default 3). */
  readonly repeats?: number;
  readonly warmup?: number;
  /** CF: the requesting users, cycled (default: seeded random users). */
  readonly users?: readonly number[];
  /** CF: top-k (default 20). */
  readonly k?: number;
  /** CTR: rows per batch request (default 64; single rows are timed too). */
  readonly batch?: number;
  /** Seed of the random users / rows (default 2023). */
  readonly seed?: number;
}

/** min / median / max of samples. */
export function summarize(samples: readonly number[]): PhaseTiming {
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { minMs: s[0], medianMs: s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2, maxMs: s[s.length - 1] };
}

/**
 * The paper's edge measurement of single CF requests, phase by phase: propagation (table lookups
 * and graph propagation, the user's final row included; a gather in the cached modes), scoring (one user against every item),
 * filtering (the user's train items masked), top-k (with the read-back), and their total. Each
 * phase ends with `sync`, so queued backends are timed honestly.
 */
export async function profileCf(be: Backend, session: CfSession, o: ProfileOptions = {}): Promise<Record<string, PhaseTiming>> {
  const repeats = o.repeats ?? 20;
  const warmup = o.warmup ?? 3;
  const rng = new Rng(o.seed ?? 2023, 0x70726f66);
  const phases: Record<'propagation' | 'scoring' | 'filtering' | 'topk' | 'total', number[]> = { propagation: [], scoring: [], filtering: [], topk: [], total: [] };
  const ids = be.alloc('i32', 1);
  const rows = be.alloc('f32', session.serving.dim);
  const scores = be.alloc('f32', session.items);
  try {
    for (let r = 0; r < warmup + repeats; r++) {
      const user = o.users !== undefined && o.users.length > 0 ? session.indexOf(o.users[r % o.users.length]) : rng.nextU32() % session.users;
      be.write(ids, [user]);
      const t0 = performance.now();
      session.serving.finalUserRows([user], ids, rows);
      await be.sync();
      const t1 = performance.now();
      session.serving.scoreRows(1, rows, scores);
      await be.sync();
      const t2 = performance.now();
      session.serving.maskSeen(ids, 1, scores);
      await be.sync();
      const t3 = performance.now();
      await session.rankScores(scores, o.k ?? 20);
      const t4 = performance.now();
      if (r < warmup) continue;
      phases.propagation.push(t1 - t0);
      phases.scoring.push(t2 - t1);
      phases.filtering.push(t3 - t2);
      phases.topk.push(t4 - t3);
      phases.total.push(t4 - t0);
    }
  } finally {
    for (const b of [ids, rows, scores]) be.free(b);
  }
  return Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, summarize(v)]));
}

/** CTR request latency: batches of `batch` random valid rows, and single rows. */
export async function profileCtr(session: CtrSession, o: ProfileOptions = {}): Promise<Record<string, PhaseTiming>> {
  const repeats = o.repeats ?? 20;
  const warmup = o.warmup ?? 3;
  const rng = new Rng(o.seed ?? 2023, 0x70726f66);
  const { fields, fieldOffsets, fieldDims } = session.model.dataset;
  const rowsOf = (n: number): Int32Array => {
    const x = new Int32Array(n * fields);
    for (let i = 0; i < n; i++) for (let f = 0; f < fields; f++) x[i * fields + f] = fieldOffsets[f] + (rng.nextU32() % fieldDims[f]);
    return x;
  };
  const out: Record<string, PhaseTiming> = {};
  for (const [name, n] of [['batch', o.batch ?? 64], ['single', 1]] as const) {
    const samples: number[] = [];
    for (let r = 0; r < warmup + repeats; r++) {
      const x = rowsOf(n);
      const t0 = performance.now();
      await session.predict(x);
      if (r >= warmup) samples.push(performance.now() - t0);
    }
    out[name] = summarize(samples);
  }
  return out;
}
