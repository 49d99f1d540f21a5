/** A tuning trial as one line of progress text (lers tune, lers bench --tune). */
import type { TrialRecord } from '@lers/models/tuning';

/** One trial as a line of text. */
export function trialLine(t: TrialRecord, of: number): string {
  const value = t.value === null ? (t.state === 'fail' ? 'failed' : 'rejected') : t.value.toFixed(4);
  const infeasible = t.state === 'complete' && t.constraints.some((v) => v > 0) && t.value !== null ? ' (misses the target)' : '';
  const why = typeof t.attrs.rejected === 'string' ? `: ${t.attrs.rejected}` : t.error !== null ? `: ${t.error}` : '';
  return `trial ${t.number + 1}/${of}: ${value}${infeasible} ${JSON.stringify(t.params)} ${t.seconds.toFixed(1)} s${why}`;
}
