/** The latency split of one request on this device (medians of the profiled phases), as a bar chart. */
import * as Plot from '@observablehq/plot';
import type { PhaseTiming } from '@lers/runtime';

const CF_PHASES = ['propagation', 'scoring', 'filtering', 'topk'];

/** CF: one stacked bar of propagation / scoring / filtering / top-k; CTR: a bar per request kind. */
export function latencyChart(phases: Readonly<Record<string, PhaseTiming>>, task: 'cf' | 'ctr'): HTMLElement | SVGSVGElement {
  const rows = task === 'cf'
    ? CF_PHASES.filter((p) => p in phases).map((p) => ({ request: 'one top-k request', phase: p, ms: phases[p].medianMs }))
    : Object.entries(phases).map(([p, t]) => ({ request: p === 'batch' ? 'a batch of rows' : 'one row', phase: p, ms: t.medianMs }));
  return Plot.plot({
    width: 520,
    height: task === 'cf' ? 110 : 130,
    marginLeft: 120,
    x: { label: 'median milliseconds →', grid: true },
    y: { label: null },
    color: { legend: true, label: 'phase', domain: task === 'cf' ? CF_PHASES : ['batch', 'single'], scheme: 'tableau10' },
    marks: [Plot.barX(rows, Plot.stackX({ x: 'ms', y: 'request', fill: 'phase', title: (d: { phase: string; ms: number }) => `${d.phase}: ${d.ms.toFixed(3)} ms`, ariaDescription: 'latency phases' })), Plot.ruleX([0])],
  });
}
