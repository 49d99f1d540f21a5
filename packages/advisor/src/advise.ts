/**
 * The advice: which method to ship on this device. Every candidate measured here is checked
 * against the budgets; among those that fit, the pick is the most accurate (the bench's test
 * metric), ties going to fewer bytes held, then the lower latency, then the label, so it is always
 * on the Pareto front of accuracy, memory and latency. Candidates not measured here cannot be
 * checked, so they are never picked.
 */
import type { Candidate, CandidateSet, SkippedCell } from './candidates.js';
import type { DeviceProfile } from './device-profile.js';
import { explain } from './explain.js';
import { paretoFrontBy } from './pareto.js';
import type { CellGroup } from './results.js';

/** The budgets (either may be left out: null or undefined means no limit). */
export interface Budget {
  /** Bytes the loaded model may hold on the device (`info().memoryBytes`). */
  readonly memoryBytes?: number | null;
  /** Median milliseconds per request. */
  readonly latencyMs?: number | null;
}

/** How to pick. */
export interface AdviseOptions {
  /** Metric differences up to this count as ties (default 0: only equal values tie). */
  readonly accuracyTolerance?: number;
}

/** A candidate with its measurement here and how it stands against the budgets. */
export interface AdviceRow {
  readonly candidate: Candidate;
  /** null: not measured on this device (no model file, or profiling was stopped). */
  readonly profile: DeviceProfile | null;
  readonly overMemory: boolean;
  readonly overLatency: boolean;
  /** Measured and within every budget. */
  readonly fits: boolean;
  /** Fits and no other fitting candidate is as accurate, as small and as fast with one strictly better. */
  readonly onFront: boolean;
}

/** What the advisor recommends for one group, with the table behind it. */
export interface Advice {
  readonly group: CellGroup;
  readonly metricName: string;
  readonly budget: { readonly memoryBytes: number | null; readonly latencyMs: number | null };
  /** The recommendation, or null when nothing measured fits. */
  readonly pick: AdviceRow | null;
  /** Other fitting candidates that tie with the pick on accuracy (it won on bytes, latency or name). */
  readonly tiedWith: readonly AdviceRow[];
  /** The full model's row, when the bench has one. */
  readonly reference: AdviceRow | null;
  /** Every candidate: fitting ones first, then by metric (higher first), bytes, latency. */
  readonly rows: readonly AdviceRow[];
  readonly skipped: readonly SkippedCell[];
  /** The recommendation and its trade-offs in plain sentences, with the measurements. */
  readonly explanation: readonly string[];
}

/** Profiles by cell id. */
export type ProfilesById = ReadonlyMap<string, DeviceProfile> | Readonly<Record<string, DeviceProfile>>;

function profileOf(profiles: ProfilesById, id: string): DeviceProfile | null {
  if (profiles instanceof Map) return (profiles as ReadonlyMap<string, DeviceProfile>).get(id) ?? null;
  return Object.hasOwn(profiles, id) ? (profiles as Readonly<Record<string, DeviceProfile>>)[id] : null;
}

function checkBudget(v: number | null | undefined, what: string): number | null {
  if (v === undefined || v === null) return null;
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`the ${what} budget must be a positive number, got ${v}`);
  return v;
}

/** Bytes, then latency, then the higher metric, then label: the order among (nearly) equally accurate rows. */
function cheaperFirst(a: AdviceRow, b: AdviceRow): number {
  const pa = a.profile;
  const pb = b.profile;
  if (pa !== null && pb !== null) {
    if (pa.memoryBytes !== pb.memoryBytes) return pa.memoryBytes - pb.memoryBytes;
    if (pa.latencyMs !== pb.latencyMs) return pa.latencyMs - pb.latencyMs;
  } else if (pa !== pb) return pa === null ? 1 : -1;
  if (a.candidate.metric !== b.candidate.metric) return b.candidate.metric - a.candidate.metric;
  return a.candidate.label < b.candidate.label ? -1 : a.candidate.label > b.candidate.label ? 1 : 0;
}

/** The advice for one group, given the profiles measured here (by cell id) and the budgets. */
export function advise(set: CandidateSet, profiles: ProfilesById, budget: Budget, options: AdviseOptions = {}): Advice {
  const memory = checkBudget(budget.memoryBytes, 'memory');
  const latency = checkBudget(budget.latencyMs, 'latency');
  const tolerance = options.accuracyTolerance ?? 0;
  if (!(tolerance >= 0)) throw new RangeError(`accuracyTolerance must be >= 0, got ${tolerance}`);
  const measured = set.candidates.map((candidate) => {
    const profile = profileOf(profiles, candidate.cell.id);
    const overMemory = profile !== null && memory !== null && profile.memoryBytes > memory;
    const overLatency = profile !== null && latency !== null && profile.latencyMs > latency;
    return { candidate, profile, overMemory, overLatency, fits: profile !== null && !overMemory && !overLatency };
  });
  const fitting = measured.filter((r) => r.fits);
  const front = new Set(
    paretoFrontBy(fitting, [
      { value: (r) => r.candidate.metric, better: 'higher' },
      { value: (r) => r.profile!.memoryBytes, better: 'lower' },
      { value: (r) => r.profile!.latencyMs, better: 'lower' },
    ]),
  );
  const rows: AdviceRow[] = measured.map((r) => ({ ...r, onFront: front.has(r) }));
  rows.sort((a, b) => Number(b.fits) - Number(a.fits) || b.candidate.metric - a.candidate.metric || cheaperFirst(a, b));
  const fit = rows.filter((r) => r.fits);
  let pick: AdviceRow | null = null;
  let tiedWith: AdviceRow[] = [];
  if (fit.length > 0) {
    const best = fit[0].candidate.metric;
    const tied = fit.filter((r) => r.candidate.metric >= best - tolerance).sort(cheaperFirst);
    pick = tied[0];
    tiedWith = tied.slice(1);
  }
  const reference = rows.find((r) => r.candidate.cell.method === 'full' && r.candidate.cell.target === null) ?? null;
  const base = { group: set.group, metricName: set.metricName, budget: { memoryBytes: memory, latencyMs: latency }, pick, tiedWith, reference, rows, skipped: set.skipped };
  return { ...base, explanation: explain(base) };
}
