/** Plain-text tables, ratio checks and JSON results for the benchmark suites. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
  /**
   * Why this check only reports (a miss does not fail `pnpm bench`): a ratio that is not stable on
   * a shared 2-core VM, or a target not met yet. Absent: the check gates.
   */
  readonly reportOnly?: string;
}

/**
 * Why a 1-vs-2-thread speed-up only reports: it needs the VM's second CPU to be a free core of its
 * own, which on the shared 2-core VM comes and goes within minutes (lib/core-sharing.ts).
 */
export const SECOND_CORE = 'a 2-thread speed-up needs the second CPU free, which the shared 2-core VM gives only at times (quick runs: GEMM 1t/2t 0.87-1.9)';

/** Why a time against a peer process only reports: the peer runs in its own process, not interleaved with ours. */
export const PEER_PROCESS = 'the peer runs in its own process at another time: machine load differs between the two sides';

/** Whether a check's ratio reaches its expectation. */
export function checkMet(c: RatioCheck): boolean {
  return c.ratio >= c.atLeast;
}

/** The gating checks that missed (what makes `pnpm bench` exit non-zero). */
export function gateFailures(checks: readonly RatioCheck[]): RatioCheck[] {
  return checks.filter((c) => c.reportOnly === undefined && !checkMet(c));
}

/** Ratio checks as table rows, marked met or missed, and whether each gates (or why it only reports). */
export function ratioRows(checks: readonly RatioCheck[]): Row[] {
  return checks.map((c) => ({
    ratio: c.name,
    measured: Number(c.ratio.toFixed(2)),
    expected: `>= ${c.atLeast}`,
    status: checkMet(c) ? 'met' : c.reportOnly === undefined ? 'MISSED' : 'missed',
    gate: c.reportOnly === undefined ? 'gate' : `report only: ${c.reportOnly}`,
  }));
}

/** The committed results folder (benchmarks/results), written only when asked (--record). */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
/** The default output folder of a run (benchmarks/out, git-ignored). */
export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** Where a run writes its results, and the arguments left once the output flags are taken out. */
export interface OutputArgs {
  readonly dir: string;
  readonly record: boolean;
  readonly rest: string[];
}

/**
 * Takes `--record` (write into the committed benchmarks/results) and `--out DIR` (another folder;
 * default benchmarks/out) out of argv; the two together are an error (one destination per run).
 */
export function outputArgs(argv: readonly string[]): OutputArgs {
  let record = false;
  let out: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--record') record = true;
    else if (a === '--out') out = argv[++i] ?? '';
    else if (a.startsWith('--out=')) out = a.slice(6);
    else rest.push(a);
  }
  if (out === '') throw new Error('--out needs a folder');
  if (record && out !== null) throw new Error('--record writes benchmarks/results; it cannot be combined with --out');
  // pnpm runs the script in benchmarks/: a relative --out is taken from where pnpm was invoked.
  const from = process.env.INIT_CWD ?? process.cwd();
  return { dir: record ? RESULTS_DIR : out !== null ? resolve(from, out) : OUT_DIR, record, rest };
}

/** Writes a text file `name` under `dir` atomically (temp file, then rename); returns its path. */
export function writeResultText(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return path;
}

/** Writes a JSON result file atomically. */
export function writeResult(dir: string, name: string, data: unknown): string {
  return writeResultText(dir, name, `${JSON.stringify(data, null, 2)}\n`);
}

/** Describes the machine a result was measured on. */
export async function machine(): Promise<Row> {
  const os = await import('node:os');
  return { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, platform: `${os.platform()}-${os.arch()}`, date: new Date().toISOString() };
}
