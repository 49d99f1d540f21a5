/** Plain-text tables, ratio checks and JSON results for the benchmark suites. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './measure.js';

export type Row = Record<string, string | number | boolean | null | undefined>;

/** Formats numbers to 3-4 significant digits for tables. */
export function fmt(v: Row[string]): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e5) return v.toExponential(2);
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Renders rows as a Markdown table (column order from the first row unless given). */
export function table(rows: readonly Row[], columns?: readonly string[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: readonly string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(cols), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n');
}

/** Measurements as table rows with the derived rates. */
export function measurementRows(group: string, ms: readonly Measurement[]): Row[] {
  return ms.map((m) => ({ group, case: m.name, 'median ms': m.ms, 'GFLOP/s': m.gflops, 'GB/s': m.gbps, 'items/s': m.itemsPerSec, samples: m.samples }));
}

/** A speed ratio with the expectation it is checked against. */
export interface RatioCheck {
  readonly name: string;
  readonly ratio: number;
  /** The ratio must be at least this. */
  readonly atLeast: number;
}

/** Ratio checks as table rows, marked met or missed. */
export function ratioRows(checks: readonly RatioCheck[]): Row[] {
  return checks.map((c) => ({ ratio: c.name, measured: Number(c.ratio.toFixed(2)), expected: `>= ${c.atLeast}`, status: c.ratio >= c.atLeast ? 'met' : 'MISSED' }));
}

/** The benchmarks/results folder. */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes a text file under benchmarks/results atomically (temp file, then rename); returns its path. */
export function writeResultText(name: string, text: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return path;
}

/** Writes a JSON result file atomically. */
export function writeResult(name: string, data: unknown): string {
  return writeResultText(name, `${JSON.stringify(data, null, 2)}\n`);
}

/** Describes the machine a result was measured on. */
export async function machine(): Promise<Row> {
  const os = await import('node:os');
  return { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, platform: `${os.platform()}-${os.arch()}`, date: new Date().toISOString() };
}
