/** Progress of a queued run, as lines on stderr: totals, then what each worker has done and is running. */
import type { CellRecord, RunSnapshot } from './run-state.js';

/** Counts of a run's cells. */
export interface RunCounts {
  readonly total: number;
  readonly queued: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
}

/** A recorded cell that did not produce a result to keep. */
export function isFailure(rec: CellRecord): boolean {
  return rec.result.status === 'failed' || rec.result.status === 'unavailable';
}

/** The counts of a snapshot of `total` cells. */
export function countsOf(total: number, s: RunSnapshot): RunCounts {
  let failed = 0;
  for (const r of s.records.values()) if (isFailure(r)) failed++;
  const running = [...s.active.keys()].filter((id) => !s.records.has(id)).length;
  return { total, queued: Math.max(0, total - s.records.size - running), running, done: s.records.size - failed, failed };
}

/** One line: totals and, per worker, cells done and the cells it runs now. */
export function progressLine(runId: string, total: number, s: RunSnapshot): string {
  const c = countsOf(total, s);
  const workers = new Map<string, { done: number; failed: number; running: string[] }>();
  const of = (w: string) => {
    let e = workers.get(w);
    if (e === undefined) workers.set(w, (e = { done: 0, failed: 0, running: [] }));
    return e;
  };
  for (const r of s.records.values()) {
    const e = of(r.worker);
    if (isFailure(r)) e.failed++;
    else e.done++;
  }
  for (const [id, a] of s.active) if (!s.records.has(id)) of(a.worker).running.push(id);
  const per = [...workers].sort(([a], [b]) => a.localeCompare(b)).map(([w, e]) => `${w} ${e.done} done${e.failed > 0 ? `, ${e.failed} failed` : ''}${e.running.length > 0 ? `, running ${e.running.join(' ')}` : ''}`);
  return `queue run ${runId}: ${c.done}/${c.total} done, ${c.failed} failed, ${c.running} running, ${c.queued} queued${per.length > 0 ? ` | ${per.join('; ')}` : ''}`;
}

/** The line of a newly recorded cell. */
export function recordLine(id: string, rec: CellRecord): string {
  const r = rec.result;
  const what = r.status === 'ok' ? `ok, ${r.metric} ${r.test?.[r.metric!]?.toFixed(4) ?? '-'}, ${r.embeddingBytes} bytes, ${r.seconds.toFixed(1)} s` : `${r.status}${r.message !== undefined ? `: ${r.message}` : ''}`;
  return `  ${id}: ${what} (${rec.worker})`;
}
