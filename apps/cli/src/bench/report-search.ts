/**
 * The parts of the bench report about how each cell was obtained: the mask search of PEP, CERP and
 * OptEmbed (capture epoch, where the search started, search and retrain seconds), the tuning
 * study behind each cell, and where a method's training recipe differs from the full baseline's.
 */
import { formatTable, type TableRow } from '@lers/eval';
import { recipeDifferences } from '@lers/models';
import { dataLabel } from '../data/datasets.js';
import { targetLabel } from './grid.js';
import { groups } from './groups.js';
import type { CellResult } from './run.js';

/**
 * A table with a row per method and a column per group x target, each cell `text(result)`; a cell
 * without a target (the full baseline) fills every target column of its group.
 */
function cellTable(results: readonly CellResult[], keep: (r: CellResult) => boolean, text: (r: CellResult) => string, statuses: readonly CellResult['status'][] = ['ok']): string {
  const kept = results.filter((r) => statuses.includes(r.status) && keep(r));
  if (kept.length === 0) return '';
  const targets = [...new Set(results.filter((r) => r.target !== null).map((r) => r.target!))].sort((a, b) => a - b);
  const columns = groups(kept).flatMap((g) => targets.map((t) => ({ key: `${g.label} ${targetLabel(t)}%`, g, t })));
  const rows: TableRow[] = [...new Set(kept.map((r) => r.method))].map((m) => {
    const row: Record<string, string> = { method: m };
    for (const c of columns) {
      const r = kept.find((x) => x.method === m && x.dataset === c.g.dataset && x.backbone === c.g.backbone && (x.target === c.t || x.target === null));
      row[c.key] = r === undefined ? '' : text(r);
    }
    return row;
  });
  return formatTable(rows, { columns: ['method', ...columns.map((c) => c.key)] });
}

/** Start sparsity of a search: the largest over its tables. */
function startSparsity(r: CellResult): number | null {
  const starts = Object.values(r.search?.start ?? {}).filter((s) => s !== null);
  return starts.length === 0 ? null : Math.max(...starts.map((s) => s.sparsity));
}

/**
 * Per search cell: the epoch at which its mask was captured (the latest over its tables; OptEmbed:
 * the supernet's best epoch) and the sparsity its search started from.
 */
export function captureTable(results: readonly CellResult[]): string {
  return cellTable(results, (r) => r.search != null, (r) => {
    const e = r.search!.captureEpoch;
    const start = startSparsity(r);
    return `${e === null ? '?' : e.toFixed(1)}${start !== null ? ` (from ${start.toFixed(2)})` : ''}`;
  });
}

/** Per search cell: seconds of the search (OptEmbed: supernet and evolutionary search) + retraining. */
export function searchSecondsTable(results: readonly CellResult[]): string {
  return cellTable(results, (r) => r.search != null, (r) => `${r.search!.searchSeconds.toFixed(0)} + ${r.search!.retrainSeconds.toFixed(0)}`);
}

/** Per tuned cell, unreachable ones included: the best trial's validation value ('-': none feasible) and feasible / total trials. */
export function tuningTable(results: readonly CellResult[]): string {
  return cellTable(
    results,
    (r) => r.tuning != null && r.kind !== 'post-training',
    (r) => {
      const t = r.tuning!;
      return `${t.best === null ? '-' : t.best.value.toFixed(4)} (${t.feasible}/${t.trials})`;
    },
    ['ok', 'unreachable'],
  );
}

/** A number as short text (4 significant digits). */
function short(v: unknown): string {
  return typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v);
}

/** One line per tuned cell with its best parameters. */
export function tunedParameters(results: readonly CellResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.status !== 'ok' || r.tuning == null || r.kind === 'post-training') continue;
    const t = r.tuning;
    const where = `${dataLabel(r.dataset)}/${r.backbone} ${r.method}${r.target !== null ? ` ${targetLabel(r.target)}%` : ''}`;
    const params = t.best === null ? 'no feasible trial: settings as given' : Object.entries(t.best.params).map(([k, v]) => `${k.replace(/^method\./, '')} ${short(v)}`).join(', ');
    lines.push(`- ${where}: ${params} (trial ${t.best === null ? '-' : t.best.number + 1} of ${t.trials}; ${t.rejected} rejected, ${t.failed} failed; ${t.seconds.toFixed(0)} s)`);
  }
  return lines.join('\n');
}

/** One line per method whose recipe differs from its group's full baseline (empty when all agree). */
export function recipeNotes(results: readonly CellResult[]): string {
  const lines = new Set<string>();
  for (const g of groups(results)) {
    const inGroup = results.filter((r) => r.status === 'ok' && r.dataset === g.dataset && r.backbone === g.backbone && r.recipe !== undefined);
    const full = inGroup.find((r) => r.method === 'full');
    if (full === undefined) continue;
    for (const r of inGroup) {
      // Tuned settings (lr, weight decay) differ by design; the rest of the recipe must not.
      const diff = recipeDifferences(full.recipe!, r.recipe!).filter((d) => r.tuning == null || !/^(lr|weightDecay) /.test(d));
      if (diff.length > 0) lines.add(`- ${g.label} ${r.method}: ${diff.join(', ')}`);
    }
  }
  return [...lines].join('\n');
}
