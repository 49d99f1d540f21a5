/**
 * The paper's plots: test accuracy against embedding bytes or request latency, one dot per bench
 * cell (colour: method; symbol: target sparsity), the Pareto front drawn as a step line through
 * ringed points. Observable Plot renders them as SVG with axes, units and legends.
 */
import * as Plot from '@observablehq/plot';
import { metricTitle, paretoFrontBy } from '@lers/advisor';
import { byteTick, byteTicks, msTick, msTicks } from './axes.js';

/** One cell on a plot. */
export interface AccuracyPoint {
  readonly label: string;
  readonly method: string;
  /** "50%", "80%", "95%" or "full". */
  readonly target: string;
  readonly x: number;
  readonly metric: number;
}

/** What is on the x axis. */
export type AccuracyAxis = 'bytes' | 'latency';

/** Every method, in the bench's order, gets the same colour in every plot. */
export function methodColors(methods: readonly string[]): { domain: string[]; range: string[] } {
  // ColorBrewer "Paired" (12 colours) with the full model in black.
  const paired = ['#a6cee3', '#1f78b4', '#b2df8a', '#33a02c', '#fb9a99', '#e31a1c', '#fdbf6f', '#ff7f00', '#cab2d6', '#6a3d9a', '#b15928', '#8c8c00'];
  const domain = [...methods];
  let i = 0;
  return { domain, range: domain.map((m) => (m === 'full' ? '#000000' : paired[i++ % paired.length])) };
}

/** An accuracy plot of `points`; `methods` fixes the colour of each method across plots. */
export function accuracyChart(points: readonly AccuracyPoint[], axis: AccuracyAxis, metricName: string, methods: readonly string[]): HTMLElement | SVGSVGElement {
  const front = paretoFrontBy(points, [
    { value: (p) => p.x, better: 'lower' },
    { value: (p) => p.metric, better: 'higher' },
  ]).sort((a, b) => a.x - b.x);
  const xs = points.map((p) => p.x);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  const x =
    axis === 'bytes'
      ? { type: 'log' as const, label: 'embedding bytes as served (log scale) →', ticks: byteTicks(min, max), tickFormat: byteTick }
      : { type: 'log' as const, label: 'median latency per request on the bench machine (log scale) →', ticks: msTicks(min, max), tickFormat: msTick };
  const title = (p: AccuracyPoint): string => `${p.label}\n${metricTitle(metricName)} ${p.metric.toFixed(4)}\n${axis === 'bytes' ? byteTick(p.x) : `${p.x.toFixed(3)} ms`}`;
  return Plot.plot({
    width: 620,
    height: 340,
    marginLeft: 56,
    marginRight: 20,
    x: { ...x, nice: false, insetLeft: 12, insetRight: 12 },
    y: { label: `↑ test ${metricTitle(metricName)}`, grid: true, nice: true },
    color: { legend: true, label: 'method', ...methodColors(methods) },
    symbol: { legend: true, label: 'target sparsity', domain: ['full', '50%', '80%', '95%'], range: ['star', 'circle', 'triangle', 'square'] },
    marks: [
      Plot.line(front, { x: 'x', y: 'metric', curve: 'step-after', stroke: '#555', strokeDasharray: '4,3', ariaDescription: 'pareto front' }),
      Plot.dot(front, { x: 'x', y: 'metric', r: 9, stroke: '#555', strokeWidth: 1, ariaDescription: 'pareto points' }),
      Plot.dot(points, { x: 'x', y: 'metric', stroke: 'method', fill: 'method', fillOpacity: 0.35, symbol: 'target', r: 5, strokeWidth: 1.6, title, ariaDescription: 'bench cells' }),
      // Names of the front's points where they have room (the bytes plane spreads them; latencies bunch up).
      ...(axis === 'bytes' ? [Plot.text(front, { x: 'x', y: 'metric', text: 'label', dy: -14, fontSize: 10, fill: '#333', stroke: 'white', strokeWidth: 3, paintOrder: 'stroke', ariaDescription: 'pareto labels' })] : []),
    ],
  });
}
