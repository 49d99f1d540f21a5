/**
 * Bench reports: the paper's layout (rows: methods; columns: dataset x target, each with the test
 * metric and the embedding bytes; best compressed method per column in bold; the full model as
 * the reference row), an accuracy-vs-bytes Pareto summary per dataset, CSV and JSON.
 */
import { formatBytes, paretoFront, type ParetoPoint } from '@lers/advisor';
import { formatTable, toCsv, type TableRow } from '@lers/eval';
import type { CellResult } from './run.js';
import { targetLabel } from './grid.js';
import { groups } from './groups.js';
import { dataLabel } from '../data/datasets.js';
import { captureTable, recipeNotes, searchSecondsTable, tunedParameters, tuningTable } from './report-search.js';

function metricOf(r: CellResult): number | null {
  if (r.status !== 'ok' || r.metric === undefined) return null;
  const v = r.test?.[r.metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The cell text when it has no number: n/a (unreachable), failed, ... */
function statusText(r: CellResult | undefined): string {
  if (r === undefined) return '';
  if (r.status === 'unreachable') return 'n/a';
  if (r.status === 'elsewhere') return '(running)';
  if (r.status === 'unavailable') return 'unavail.';
  return r.status;
}

/**
 * One Markdown table in the paper's layout over the given groups (one task: one metric). Rows:
 * methods (full first, as the reference); for each group x target, a metric column and a bytes
 * column. The best compressed method per metric column is bold; ties are all bold.
 */
export function paperTable(results: readonly CellResult[], groupFilter?: (g: { dataset: string; backbone: string }) => boolean): string {
  const gs = groups(results).filter((g) => groupFilter?.(g) ?? true);
  if (gs.length === 0) return '';
  const inGroups = results.filter((r) => gs.some((g) => g.dataset === r.dataset && g.backbone === r.backbone));
  const targets = [...new Set(inGroups.filter((r) => r.target !== null).map((r) => r.target!))].sort((a, b) => a - b);
  const methods = [...new Set(inGroups.map((r) => r.method))];
  const metric = inGroups.find((r) => r.metric !== undefined)?.metric ?? 'metric';
  const columns: { key: string; group: { dataset: string; backbone: string }; target: number; what: 'metric' | 'bytes' }[] = [];
  for (const g of gs) {
    for (const t of targets) {
      const label = `${dataLabel(g.dataset)}/${g.backbone} ${targetLabel(t)}%`;
      columns.push({ key: `${label} ${metric}`, group: g, target: t, what: 'metric' }, { key: `${label} bytes`, group: g, target: t, what: 'bytes' });
    }
  }
  const find = (method: string, g: { dataset: string; backbone: string }, t: number): CellResult | undefined =>
    inGroups.find((r) => r.method === method && r.dataset === g.dataset && r.backbone === g.backbone && (method === 'full' ? r.target === null : r.target === t));
  const best = new Map<string, number>();
  for (const c of columns) {
    if (c.what !== 'metric') continue;
    let b = -Infinity;
    for (const m of methods) {
      if (m === 'full') continue;
      const v = metricOf(find(m, c.group, c.target) ?? ({ status: 'failed' } as CellResult));
      if (v !== null && v > b) b = v;
    }
    best.set(c.key, b);
  }
  const rows: TableRow[] = methods.map((m) => {
    const row: Record<string, string> = { method: m === 'full' ? 'full (reference)' : m };
    for (const c of columns) {
      const r = find(m, c.group, c.target);
      if (c.what === 'bytes') {
        row[c.key] = r?.status === 'ok' ? formatBytes(r.embeddingBytes) : '';
        continue;
      }
      const v = r === undefined ? null : metricOf(r);
      if (v === null) row[c.key] = statusText(r);
      else row[c.key] = m !== 'full' && v === best.get(c.key) ? `**${v.toFixed(4)}**` : v.toFixed(4);
    }
    return row;
  });
  return formatTable(rows, { columns: ['method', ...columns.map((c) => c.key)] });
}

/**
 * Seconds each cell took (training or compression, evaluation, profiling; a pipeline method's
 * cell covers its whole pipeline: search, supernet, evolutionary search and retraining) in the
 * paper table's layout: rows methods, a column per dataset/backbone x target.
 */
export function timeTable(results: readonly CellResult[]): string {
  const gs = groups(results);
  const targets = [...new Set(results.filter((r) => r.target !== null).map((r) => r.target!))].sort((a, b) => a - b);
  const methods = [...new Set(results.map((r) => r.method))];
  const columns = gs.flatMap((g) => targets.map((t) => ({ key: `${g.label} ${targetLabel(t)}%`, g, t })));
  const rows: TableRow[] = methods.map((m) => {
    const row: Record<string, string> = { method: m === 'full' ? 'full (reference)' : m };
    for (const c of columns) {
      const r = results.find((x) => x.method === m && x.dataset === c.g.dataset && x.backbone === c.g.backbone && (m === 'full' ? x.target === null : x.target === c.t));
      row[c.key] = r?.status === 'ok' ? r.seconds.toFixed(1) : '';
    }
    return row;
  });
  return formatTable(rows, { columns: ['method', ...columns.map((c) => c.key)] });
}

/** Pareto summary per dataset x backbone (Markdown). */
export function paretoSummary(results: readonly CellResult[]): string {
  const parts: string[] = [];
  for (const g of groups(results)) {
    const rs = results.filter((r) => r.dataset === g.dataset && r.backbone === g.backbone);
    const points: ParetoPoint[] = [];
    for (const r of rs) {
      const v = metricOf(r);
      if (v !== null && r.embeddingBytes !== undefined) points.push({ method: r.method, target: r.target, bytes: r.embeddingBytes, metric: v });
    }
    if (points.length === 0) continue;
    const metric = rs.find((r) => r.metric !== undefined)?.metric ?? 'metric';
    const front = paretoFront(points);
    parts.push(
      `- ${g.label} (${metric} vs embedding bytes): ${front.map((p) => `${p.method}${p.target !== null ? `@${targetLabel(p.target)}%` : ''} ${formatBytes(p.bytes)} ${p.metric.toFixed(4)}`).join(' < ')}`,
    );
  }
  return parts.join('\n');
}

/** One CSV row per cell. */
export function resultsCsv(results: readonly CellResult[]): string {
  const metricKeys = [...new Set(results.flatMap((r) => [...Object.keys(r.valid ?? {}).map((k) => `valid.${k}`), ...Object.keys(r.test ?? {}).map((k) => `test.${k}`)]))];
  const latencyKeys = [...new Set(results.flatMap((r) => Object.keys(r.latency ?? {})))];
  const rows: TableRow[] = results.map((r) => {
    const row: Record<string, string | number | null> = {
      dataset: r.dataset,
      backbone: r.backbone,
      method: r.method,
      target: r.target,
      status: r.status,
      metric: r.metric ?? null,
      params: r.params ?? null,
      sparsity: r.sparsity ?? null,
      embeddingBytes: r.embeddingBytes ?? null,
      fileBytes: r.fileBytes ?? null,
      kMin: r.kMin ?? null,
      trainSeconds: r.trainSeconds ?? null,
      captureEpoch: r.search?.captureEpoch ?? null,
      searchSeconds: r.search?.searchSeconds ?? null,
      retrainSeconds: r.search?.retrainSeconds ?? null,
      clipGradNorm: r.recipe?.clipGradNorm ?? null,
      negatives: r.recipe?.negatives ?? null,
      tuneTrials: r.tuning?.trials ?? null,
      tuneFeasible: r.tuning?.feasible ?? null,
      tuneSeconds: r.tuning?.seconds ?? null,
      cellSeconds: r.seconds,
      loadMs: r.loadMs ?? null,
    };
    for (const k of metricKeys) {
      const [split, name] = [k.slice(0, k.indexOf('.')), k.slice(k.indexOf('.') + 1)];
      row[k] = (split === 'valid' ? r.valid : r.test)?.[name] ?? null;
    }
    for (const k of latencyKeys) row[`latency.${k}.medianMs`] = r.latency?.[k]?.medianMs ?? null;
    row.message = r.message ?? null;
    return row;
  });
  return toCsv(rows);
}

/** The Markdown report: a table per task, then the Pareto summary. */
export function markdownReport(results: readonly CellResult[], title: string): string {
  const cf = paperTable(results, (g) => g.backbone === 'lightgcn');
  const ctr = paperTable(results, (g) => g.backbone !== 'lightgcn');
  const parts = [`# ${title}`, ''];
  parts.push('Test metric (best validation epoch) and embedding bytes as served (index and scale overhead included) per dataset/backbone x target sparsity; **bold**: best compressed method per column; n/a: the method cannot reach the target (budget solver, or a mask search that stopped short of it).', '');
  if (cf !== '') parts.push('## CF (NDCG@20)', '', cf);
  if (ctr !== '') parts.push('## CTR (AUC)', '', ctr);
  const pareto = paretoSummary(results);
  if (pareto !== '') parts.push('## Accuracy vs bytes: Pareto front per dataset', '', pareto, '');
  if (results.some((r) => r.status === 'ok')) parts.push('## Seconds per cell (whole pipeline for PEP, OptEmbed, CERP; tuning excluded)', '', timeTable(results), '');
  const capture = captureTable(results);
  if (capture !== '') {
    parts.push('## Mask search: capture epoch (from the sparsity at step 0)', '', 'Epochs of training before the mask was captured (the latest over the tables; OptEmbed: the supernet epoch its masks come from), and the sparsity the search started from.', '', capture, '');
    parts.push('## Mask search: search + retrain seconds', '', searchSecondsTable(results), '');
  }
  const tuning = tuningTable(results);
  if (tuning !== '') parts.push('## Tuning: best validation value (feasible / trials)', '', tuning, '', tunedParameters(results), '');
  const recipe = recipeNotes(results);
  parts.push('## Training recipe', '', recipe === '' ? 'Every method trained with the full baseline\'s recipe (epochs, optimiser, clipping, negatives, Xavier-uniform tables).' : `Differences from the full baseline's recipe (tuned learning rates and weight decays aside):\n\n${recipe}`, '');
  return parts.join('\n');
}
