/** The advice in plain sentences: the pick, what it costs against the full model, the trade-offs, what was left out. */
import type { Advice, AdviceRow } from './advise.js';
import { formatBytes, formatMs } from './units.js';

type Unexplained = Omit<Advice, 'explanation'>;

/** "ndcg@20" -> "NDCG@20", "auc" -> "AUC". */
export function metricTitle(name: string): string {
  return name.replace(/^[a-z]+/, (s) => s.toUpperCase());
}

const pct = (x: number): string => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
/** An accuracy share to a tenth of a percent (99.7%: rounding it to 100% would hide the cost). */
const share = (x: number): string => `${(100 * x).toFixed(1)}%`;
const signed = (x: number): string => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(4)}`;

function budgetsText(a: Unexplained): string {
  const parts: string[] = [];
  if (a.budget.memoryBytes !== null) parts.push(`${formatBytes(a.budget.memoryBytes)} of memory`);
  if (a.budget.latencyMs !== null) parts.push(`${formatMs(a.budget.latencyMs)} per request`);
  return parts.length === 0 ? 'no budget' : `the budget (${parts.join(', ')})`;
}

/** "NDCG@20 0.1520, 212.0 KB held, 3.1 ms per request". */
function measures(a: Unexplained, r: AdviceRow): string {
  const m = `${metricTitle(a.metricName)} ${r.candidate.metric.toFixed(4)}`;
  return r.profile === null ? `${m}, not measured here` : `${m}, ${formatBytes(r.profile.memoryBytes)} held, ${formatMs(r.profile.latencyMs)} per request`;
}

function headline(a: Unexplained, pick: AdviceRow): string {
  const p = pick.profile!;
  const where = `${p.backend}, ${p.threads} thread${p.threads > 1 ? 's' : ''}`;
  const none = a.budget.memoryBytes === null && a.budget.latencyMs === null;
  if (pick === a.reference) return `Ship the full model: ${none ? 'with no budget given it is the most accurate' : `it fits ${budgetsText(a)} on this device`} (${measures(a, pick)} on ${where}), so compression buys nothing here.`;
  return `Ship ${pick.candidate.label}: the most accurate method ${none ? 'measured on this device (no budget given)' : `that fits ${budgetsText(a)} on this device`} (${measures(a, pick)} on ${where}).`;
}

function againstFull(a: Unexplained, pick: AdviceRow): string | null {
  const ref = a.reference;
  if (ref === null || ref === pick) return null;
  const m = metricTitle(a.metricName);
  if (ref.profile === null || pick.profile === null) return `Against the full model (${m} ${ref.candidate.metric.toFixed(4)}): it keeps ${share(pick.candidate.metric / ref.candidate.metric)} of the accuracy.`;
  const over: string[] = [];
  if (ref.overMemory) over.push(`over the memory budget by ${formatBytes(ref.profile.memoryBytes - a.budget.memoryBytes!)}`);
  if (ref.overLatency) over.push(`over the latency budget by ${formatMs(ref.profile.latencyMs - a.budget.latencyMs!)}`);
  return (
    `Against the full model (${measures(a, ref)}${over.length > 0 ? `; ${over.join(' and ')}` : ''}): it keeps ${share(pick.candidate.metric / ref.candidate.metric)} of the accuracy ` +
    `with ${pct(pick.profile.memoryBytes / ref.profile.memoryBytes)} of the memory and ${(pick.profile.latencyMs / ref.profile.latencyMs).toFixed(2)}x the latency.`
  );
}

function ties(a: Unexplained, pick: AdviceRow): string | null {
  if (a.tiedWith.length === 0) return null;
  const other = a.tiedWith[0];
  const why =
    pick.profile!.memoryBytes < other.profile!.memoryBytes ? 'it holds fewer bytes' : pick.profile!.latencyMs < other.profile!.latencyMs ? 'it answers faster with the same bytes' : pick.candidate.metric > other.candidate.metric ? 'it is slightly more accurate at the same cost' : 'it comes first by name (same accuracy, bytes and latency)';
  return `${a.tiedWith.map((r) => r.candidate.label).join(', ')} ${a.tiedWith.length > 1 ? 'tie' : 'ties'} with it on ${metricTitle(a.metricName)} (${a.tiedWith.map((r) => r.candidate.metric.toFixed(4)).join(', ')}); ${pick.candidate.label} was picked because ${why}.`;
}

function tradeOffs(a: Unexplained, pick: AdviceRow): string[] {
  const out: string[] = [];
  const fit = a.rows.filter((r) => r.fits && r !== pick);
  const p = pick.profile!;
  const m = metricTitle(a.metricName);
  const smallest = [...fit].sort((x, y) => x.profile!.memoryBytes - y.profile!.memoryBytes || y.candidate.metric - x.candidate.metric)[0];
  if (smallest !== undefined && smallest.profile!.memoryBytes < p.memoryBytes) {
    out.push(`For less memory: ${smallest.candidate.label} holds ${formatBytes(smallest.profile!.memoryBytes)} (${pct(1 - smallest.profile!.memoryBytes / p.memoryBytes)} less) at ${m} ${smallest.candidate.metric.toFixed(4)} (${signed(smallest.candidate.metric - pick.candidate.metric)}).`);
  }
  const fastest = [...fit].sort((x, y) => x.profile!.latencyMs - y.profile!.latencyMs || y.candidate.metric - x.candidate.metric)[0];
  if (fastest !== undefined && fastest !== smallest && fastest.profile!.latencyMs < p.latencyMs) {
    out.push(`For lower latency: ${fastest.candidate.label} answers in ${formatMs(fastest.profile!.latencyMs)} (${(p.latencyMs / fastest.profile!.latencyMs).toFixed(2)}x faster) at ${m} ${fastest.candidate.metric.toFixed(4)} (${signed(fastest.candidate.metric - pick.candidate.metric)}).`);
  }
  const better = a.rows.find((r) => !r.fits && r.profile !== null && r.candidate.metric > pick.candidate.metric);
  if (better !== undefined) out.push(`More accurate but over the budget: ${better.candidate.label} (${measures(a, better)}).`);
  return out;
}

/** Without a fit: the least each budget would have to be to admit something measured. */
function noFit(a: Unexplained): string[] {
  const measured = a.rows.filter((r) => r.profile !== null);
  if (measured.length === 0) return ['No candidate was measured on this device (no model file, or the profiling was stopped), so none can be checked against the budget.'];
  const out: string[] = [];
  const m = metricTitle(a.metricName);
  if (a.budget.memoryBytes !== null) {
    const pool = measured.filter((r) => !r.overLatency);
    const least = [...pool].sort((x, y) => x.profile!.memoryBytes - y.profile!.memoryBytes || y.candidate.metric - x.candidate.metric)[0];
    if (least !== undefined) out.push(`The least memory held${a.budget.latencyMs !== null ? ' within the latency budget' : ''} is ${formatBytes(least.profile!.memoryBytes)} (${least.candidate.label}, ${m} ${least.candidate.metric.toFixed(4)}): ${formatBytes(least.profile!.memoryBytes - a.budget.memoryBytes)} over; a memory budget of ${formatBytes(least.profile!.memoryBytes)} would admit it.`);
  }
  if (a.budget.latencyMs !== null) {
    const pool = measured.filter((r) => !r.overMemory);
    const least = [...pool].sort((x, y) => x.profile!.latencyMs - y.profile!.latencyMs || y.candidate.metric - x.candidate.metric)[0];
    if (least !== undefined) out.push(`The fastest${a.budget.memoryBytes !== null ? ' within the memory budget' : ''} is ${least.candidate.label} at ${formatMs(least.profile!.latencyMs)} per request (${m} ${least.candidate.metric.toFixed(4)}): a latency budget of ${formatMs(least.profile!.latencyMs)} would admit it.`);
  }
  if (out.length === 0) {
    const smallest = [...measured].sort((x, y) => x.profile!.memoryBytes - y.profile!.memoryBytes)[0];
    out.push(`Every measured method is over both budgets; the smallest, ${smallest.candidate.label}, needs ${formatBytes(smallest.profile!.memoryBytes)} and ${formatMs(smallest.profile!.latencyMs)} per request.`);
  }
  return out;
}

function counts(a: Unexplained): string {
  const n = a.rows.length;
  const fit = a.rows.filter((r) => r.fits).length;
  const unmeasured = a.rows.filter((r) => r.profile === null).length;
  const parts = [`${fit} fit`];
  if (a.budget.memoryBytes !== null) parts.push(`${a.rows.filter((r) => r.overMemory).length} over the memory budget`);
  if (a.budget.latencyMs !== null) parts.push(`${a.rows.filter((r) => r.overLatency).length} over the latency budget`);
  if (unmeasured > 0) parts.push(`${unmeasured} not measured on this device`);
  const skipped = a.skipped.length > 0 ? `; ${a.skipped.length} bench cell${a.skipped.length > 1 ? 's' : ''} without a result (${[...new Set(a.skipped.map((s) => s.cell.status))].join(', ')})` : '';
  return `${n} candidate${n === 1 ? '' : 's'} from the bench on ${a.group.dataset}/${a.group.backbone}: ${parts.join(', ')}${skipped}. Accuracy is the bench's test ${metricTitle(a.metricName)}; memory and latency were measured here.`;
}

/** The sentences of an advice, most important first. */
export function explain(a: Unexplained): string[] {
  const lines: string[] = [];
  if (a.pick === null) {
    lines.push(`No method fits ${budgetsText(a)} on this device.`, ...noFit(a));
  } else {
    lines.push(headline(a, a.pick));
    for (const l of [againstFull(a, a.pick), ties(a, a.pick)]) if (l !== null) lines.push(l);
    lines.push(...tradeOffs(a, a.pick));
  }
  lines.push(counts(a));
  return lines;
}
