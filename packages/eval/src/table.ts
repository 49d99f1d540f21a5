/**
 * Result tables: Markdown with aligned columns and optional best-per-column marking, and CSV with
 * RFC 4180 quoting. Rows are plain records (e.g. one per method x dataset x target); columns default
 * to the union of the rows' keys in first-seen order, and a missing, null or undefined cell is empty.
 */
import { check } from './errors.js';

/** One table row: column name to text or number; null or undefined is an empty cell. */
export type TableRow = Readonly<Record<string, string | number | null | undefined>>;

/** Which way a metric improves: 'higher' (Recall, NDCG, AUC) or 'lower' (LogLoss, time, memory). */
export type Direction = 'higher' | 'lower';

/** Options of formatTable. */
export interface TableOptions {
  /** Columns and their order; default: every key of the rows in first-seen order. */
  readonly columns?: readonly string[];
  /** Decimals of non-integer numbers, for all columns or per column (default 4). */
  readonly digits?: number | Readonly<Record<string, number>>;
  /** Metric columns whose best value is marked, with the direction that is better. */
  readonly best?: Readonly<Record<string, Direction>>;
  /** How the best is marked: 'bold' (**x**, default) or 'star' (x*). */
  readonly mark?: 'bold' | 'star';
  /** Find the best within groups of rows that agree on these columns (e.g. ['dataset', 'target']). */
  readonly groupBy?: string | readonly string[];
}

/** Options of toCsv. */
export interface CsvOptions {
  /** Columns and their order; default: every key of the rows in first-seen order. */
  readonly columns?: readonly string[];
  /** Line ending, '\n' by default ('\r\n' for strict RFC 4180). */
  readonly eol?: string;
}

function columnsOf(rows: readonly TableRow[], columns: readonly string[] | undefined): string[] {
  if (columns !== undefined) return [...columns];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function escapeMd(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * Markdown table with padded, aligned columns (numeric columns right-aligned). Non-integer numbers
 * get `digits` decimals; a column of integers only prints them as they are. Best values (compared
 * raw, before rounding; ties all marked; NaN ignored) are marked per column, within groupBy groups.
 * The result ends with a newline.
 */
export function formatTable(rows: readonly TableRow[], opts: TableOptions = {}): string {
  const cols = columnsOf(rows, opts.columns);
  check(cols.length > 0, 'formatTable: no columns');
  const digitsOf = (c: string): number => {
    const d = opts.digits;
    const v = typeof d === 'number' ? d : (d?.[c] ?? 4);
    check(Number.isInteger(v) && v >= 0 && v <= 100, () => `formatTable: bad digits ${v} for column ${c}`);
    return v;
  };
  const blank = (v: TableRow[string]): v is null | undefined => v === undefined || v === null;
  const numeric = cols.map(
    (c) => rows.some((r) => typeof r[c] === 'number') && rows.every((r) => blank(r[c]) || typeof r[c] === 'number'),
  );
  const integral = cols.map((c) => rows.every((r) => typeof r[c] !== 'number' || Number.isInteger(r[c])));

  const bestMarked = cols.map(() => new Set<number>());
  const groupCols = opts.groupBy === undefined ? [] : typeof opts.groupBy === 'string' ? [opts.groupBy] : opts.groupBy;
  for (const [ci, c] of cols.entries()) {
    const dir = opts.best?.[c];
    if (dir === undefined) continue;
    const bestByGroup = new Map<string, number>();
    const keyOf = (r: TableRow): string => JSON.stringify(groupCols.map((g) => r[g] ?? null));
    for (const r of rows) {
      const v = r[c];
      if (typeof v !== 'number' || Number.isNaN(v)) continue;
      const key = keyOf(r);
      const cur = bestByGroup.get(key);
      if (cur === undefined || (dir === 'higher' ? v > cur : v < cur)) bestByGroup.set(key, v);
    }
    for (const [ri, r] of rows.entries()) {
      const v = r[c];
      if (typeof v === 'number' && v === bestByGroup.get(keyOf(r))) bestMarked[ci].add(ri);
    }
  }

  const cell = (r: TableRow, ri: number, ci: number): string => {
    const c = cols[ci];
    const v = r[c];
    if (blank(v)) return '';
    let s: string;
    if (typeof v === 'number') s = integral[ci] || !Number.isFinite(v) ? String(v) : v.toFixed(digitsOf(c));
    else s = escapeMd(v);
    if (bestMarked[ci].has(ri)) s = opts.mark === 'star' ? `${s}*` : `**${s}**`;
    return s;
  };
  const header = cols.map(escapeMd);
  const body = rows.map((r, ri) => cols.map((_, ci) => cell(r, ri, ci)));
  const width = cols.map((_, ci) => Math.max(3, header[ci].length, ...body.map((b) => b[ci].length)));
  const pad = (s: string, ci: number): string => (numeric[ci] ? s.padStart(width[ci]) : s.padEnd(width[ci]));
  const line = (cells: readonly string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const sep = `| ${width.map((w, ci) => (numeric[ci] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), sep, ...body.map(line)].join('\n') + '\n';
}

function csvField(v: string | number | null | undefined): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV with a header row; fields containing a comma, quote, line break or edge whitespace are quoted
 * (quotes doubled). Numbers print at full precision. The result ends with `eol`.
 */
export function toCsv(rows: readonly TableRow[], opts: CsvOptions = {}): string {
  const cols = columnsOf(rows, opts.columns);
  check(cols.length > 0, 'toCsv: no columns');
  const eol = opts.eol ?? '\n';
  const lines = [cols.map(csvField).join(','), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(','))];
  return lines.join(eol) + eol;
}
