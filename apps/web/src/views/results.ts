/**
 * Results: a `lers bench` results.json (dropped, picked, fetched, or the embedded synthetic run) as
 * the paper's table (method x target: test metric and embedding bytes, best compressed method
 * per column in bold) and plots (accuracy vs embedding bytes with the Pareto front, accuracy vs
 * latency), per dataset/backbone, with filters on groups, methods and targets.
 */
import { cellGroups, cellLabel, cellMetric, formatBytes, metricTitle, requestLatencyMs, type BenchCell, type CellGroup } from '@lers/advisor';
import { accuracyChart, type AccuracyPoint } from '../plots/accuracy.js';
import { resultsStore, type LoadedResults } from '../state.js';
import { el, message, replace } from '../ui/dom.js';
import { fileSource } from '../ui/files.js';

const targetText = (t: number | null): string => (t === null ? 'full' : `${Math.round(t * 1000) / 10}%`);
const groupKey = (g: Pick<CellGroup, 'dataset' | 'backbone'>): string => `${g.dataset}/${g.backbone}`;

/** Checkboxes over values, all checked; `onChange` gets the checked set. */
function checks(name: string, values: readonly string[], onChange: () => void): { element: HTMLElement; checked: () => Set<string> } {
  const boxes = values.map((v) => el('input', { type: 'checkbox', checked: true, value: v, name, onchange: onChange }));
  return {
    element: el('fieldset', { class: 'filter', 'data-name': `filter-${name}` }, el('legend', {}, name), ...boxes.map((b) => el('label', {}, b, b.value))),
    checked: () => new Set(boxes.filter((b) => b.checked).map((b) => b.value)),
  };
}

/** The paper's table of one group: rows methods, per target a metric column and a bytes column. */
function paperTable(cells: readonly BenchCell[], metricName: string, targets: readonly number[]): HTMLTableElement {
  const methods = [...new Set(cells.map((c) => c.method))];
  const find = (m: string, t: number): BenchCell | undefined => cells.find((c) => c.method === m && (m === 'full' ? c.target === null : c.target === t));
  const best = new Map<number, number>();
  for (const t of targets) {
    const vs = cells.filter((c) => c.method !== 'full' && c.target === t).map(cellMetric).filter((v): v is number => v !== null);
    if (vs.length > 0) best.set(t, Math.max(...vs));
  }
  const head = el('tr', {}, el('th', { rowspan: 2, scope: 'col' }, 'method'), ...targets.map((t) => el('th', { colspan: 2, scope: 'colgroup' }, `${targetText(t)} sparsity`)));
  const sub = el('tr', {}, ...targets.flatMap(() => [el('th', { scope: 'col' }, metricTitle(metricName)), el('th', { scope: 'col' }, 'bytes')]));
  const body = methods.map((m) =>
    el(
      'tr',
      { class: m === 'full' ? 'reference' : null },
      el('th', { scope: 'row' }, m === 'full' ? 'full (reference)' : m),
      ...targets.flatMap((t) => {
        const c = find(m, t);
        const v = c === undefined ? null : cellMetric(c);
        const text = v !== null ? v.toFixed(4) : c === undefined ? '' : c.status === 'unreachable' ? 'n/a' : c.status;
        const bold = m !== 'full' && v !== null && v === best.get(t);
        return [el('td', { class: bold ? 'best' : null, title: c?.message ?? null }, bold ? el('strong', {}, text) : text), el('td', {}, c?.status === 'ok' ? formatBytes(c.embeddingBytes) : '')];
      }),
    ),
  );
  return el('table', { class: 'grid paper', 'data-name': 'paper-table' }, el('thead', {}, head, sub), el('tbody', {}, ...body));
}

/** The points of a plot: ok cells with a metric and the x value. */
function points(cells: readonly BenchCell[], x: (c: BenchCell) => number | null): AccuracyPoint[] {
  const out: AccuracyPoint[] = [];
  for (const c of cells) {
    const metric = cellMetric(c);
    const v = x(c);
    if (metric !== null && v !== null && v > 0) out.push({ label: cellLabel(c), method: c.method, target: targetText(c.target), x: v, metric });
  }
  return out;
}

export function resultsView(): HTMLElement {
  const status = el('div', { 'aria-live': 'polite', 'data-name': 'results-status' });
  const filters = el('div', { class: 'filters' });
  const output = el('div', { 'data-name': 'results-output' });

  const render = (loaded: LoadedResults, chosen: { groups: Set<string>; methods: Set<string>; targets: Set<string> }): void => {
    const all = loaded.results.cells;
    const methods = [...new Set(all.map((c) => c.method))];
    const parts: HTMLElement[] = [];
    for (const g of cellGroups(all)) {
      if (!chosen.groups.has(groupKey(g))) continue;
      const cells = all.filter((c) => c.dataset === g.dataset && c.backbone === g.backbone && chosen.methods.has(c.method) && (c.target === null || chosen.targets.has(targetText(c.target))));
      const metricName = cells.find((c) => c.metric !== undefined)?.metric ?? (g.task === 'cf' ? 'ndcg@20' : 'auc');
      const targets = [...new Set(cells.filter((c) => c.target !== null).map((c) => c.target!))].sort((a, b) => a - b);
      const byBytes = points(cells, (c) => c.embeddingBytes ?? null);
      const byLatency = points(cells, (c) => (c.latency !== undefined ? safeLatency(g.task, c) : null));
      parts.push(
        el(
          'section',
          { class: 'group', 'data-group': groupKey(g) },
          el('h3', {}, `${groupKey(g)} (${g.task === 'cf' ? 'CF' : 'CTR'}, test ${metricTitle(metricName)})`),
          paperTable(cells, metricName, targets),
          el('p', { class: 'hint' }, `Bold: the best compressed method per target. n/a: the method cannot reach the target. ${cells.length} cells shown.`),
          el('div', { class: 'plots' },
            el('figure', { class: 'plot', 'data-plot': 'bytes' }, el('figcaption', {}, `${metricTitle(metricName)} vs embedding bytes (${byBytes.length} cells; the Pareto front dashed and ringed)`), byBytes.length > 0 ? accuracyChart(byBytes, 'bytes', metricName, methods) : message('info', 'no cell with a metric and bytes')),
            el('figure', { class: 'plot', 'data-plot': 'latency' }, el('figcaption', {}, `${metricTitle(metricName)} vs request latency on the bench machine (${byLatency.length} cells)`), byLatency.length > 0 ? accuracyChart(byLatency, 'latency', metricName, methods) : message('info', 'no cell with a latency')),
          ),
        ),
      );
    }
    replace(output, ...(parts.length > 0 ? parts : [message('info', 'Nothing left after the filters.')]));
  };

  const show = (loaded: LoadedResults): void => {
    const cells = loaded.results.cells;
    replace(status, message('ok', `${loaded.name}: ${cells.length} cells (${cells.filter((c) => c.status === 'ok').length} ok) in ${cellGroups(cells).length} dataset/backbone groups.`));
    const update = (): void => { render(loaded, { groups: g.checked(), methods: m.checked(), targets: t.checked() }); };
    const g = checks('groups', cellGroups(cells).map(groupKey), update);
    const m = checks('methods', [...new Set(cells.map((c) => c.method))], update);
    const t = checks('targets', [...new Set(cells.filter((c) => c.target !== null).map((c) => targetText(c.target)))], update);
    replace(filters, g.element, m.element, t.element);
    update();
  };
  resultsStore.onChange(show);

  const fail = (err: Error): void => { replace(status, message('error', err.message)); };
  return el(
    'section',
    { class: 'view', 'data-view': 'results' },
    el('h2', {}, 'Bench results'),
    el('div', { class: 'card' },
      fileSource({ name: 'results', accept: '.json,application/json', prompt: 'Drop a lers bench results.json here, pick one', urlPlaceholder: 'or a URL: https://.../results.json', onFiles: (fs) => { try { resultsStore.load(fs[0].name, fs[0].bytes); } catch (err) { fail(err as Error); } }, onError: fail }),
      el('p', {}, el('button', { type: 'button', 'data-name': 'results-embedded', onclick: () => { resultsStore.loadEmbedded().catch(fail); } }, 'Open the embedded synthetic results'), ' (`lers bench --quick` on the synthetic CF and CTR data)'),
      status,
    ),
    filters,
    output,
  );
}

/** The cell's request latency (CF total, CTR one row), or null when its record lacks the phase. */
function safeLatency(task: 'cf' | 'ctr', c: BenchCell): number | null {
  try {
    return requestLatencyMs(task, c.latency!);
  } catch {
    return null;
  }
}
