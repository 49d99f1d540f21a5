/**
 * Method x target tables for the READMEs from `lers bench` results files (method-table-*.json):
 * the test metric and served embedding bytes per method and target, the full model as the
 * reference row, and where the grid was tuned, its budget.
 */
import { formatTable, type TableRow } from '@lers/eval';
import { DEFAULT_STARTUP_TRIALS } from '@lers/models/tuning';
import type { ResultsFolder } from './sources.js';

interface Cell {
  readonly dataset: string;
  readonly backbone: string;
  readonly method: string;
  readonly target: number | null;
  readonly status: string;
  readonly metric?: string;
  readonly test?: Readonly<Record<string, number>> | null;
  readonly embeddingBytes?: number;
  readonly search?: { readonly captureEpoch: number | null } | null;
}

interface BenchFile {
  readonly tune?: { readonly options: { readonly trials: number; readonly trialEpochs: number | null; readonly startupTrials?: number }; readonly methods: readonly string[] | null } | null;
  readonly cells: readonly Cell[];
}

/** Bytes as KB / MB (as the bench report prints them). */
function bytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1048576) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1048576).toFixed(2)} MB`;
}

/** The cells of one backbone in a bench results file. */
function cellsOf(r: ResultsFolder, file: string, backbone?: string): Cell[] {
  const raw = r.file(file).cells;
  if (!Array.isArray(raw)) throw new Error(`${file}: not a lers bench results file (no cells)`);
  const all = raw as readonly Cell[];
  const cells = all.filter((c) => backbone === undefined || c.backbone === backbone);
  if (cells.length === 0) throw new Error(`${file}: no cells${backbone !== undefined ? ` of ${backbone}` : ''}`);
  return cells;
}

/** A cell as "metric / bytes" (n/a when unreachable; the status otherwise); with `capture`, the capture epoch of a search. */
function cellText(c: Cell | undefined, capture: boolean): string {
  if (c === undefined) return '';
  if (c.status === 'unreachable') return 'n/a';
  if (c.status !== 'ok' || c.metric === undefined) return c.status;
  const v = c.test?.[c.metric];
  if (typeof v !== 'number') return 'no test metric';
  const epoch = capture && c.search?.captureEpoch != null ? `, mask at epoch ${c.search.captureEpoch.toFixed(1)}` : '';
  return `${v.toFixed(4)} / ${bytes(c.embeddingBytes ?? 0)}${epoch}`;
}

/**
 * A method table (rows: methods, full first; columns: targets) of one backbone in `file`. With
 * `capture`, search cells add the epoch at which their masks were captured.
 */
export function methodTable(r: ResultsFolder, file: string, options: { backbone?: string; capture?: boolean } = {}): string {
  const cells = cellsOf(r, file, options.backbone);
  const targets = [...new Set(cells.filter((c) => c.target !== null).map((c) => c.target!))].sort((a, b) => a - b);
  const methods = [...new Set(cells.map((c) => c.method))];
  const rows: TableRow[] = methods.map((m) => {
    const row: Record<string, string> = { method: m === 'full' ? 'full (reference)' : m };
    for (const t of targets) row[`${Math.round(t * 1000) / 10}%`] = cellText(cells.find((c) => c.method === m && (m === 'full' ? c.target === null : c.target === t)), options.capture === true);
    return row;
  });
  return formatTable(rows, { columns: ['method', ...targets.map((t) => `${Math.round(t * 1000) / 10}%`)] });
}

/** The mask-search methods, whose cells carry a search report since the search-start check. */
const SEARCH_METHODS = new Set(['pep', 'cerp', 'optembed']);

/**
 * A warning when a file's search cells have no search report: that grid ran before the
 * search-start check, so nothing shows their masks were not captured from the initial weights
 * (lastfm's PEP started above every initial weight and was captured at step 0).
 */
function provenanceNote(f: BenchFile): string {
  const unchecked = [...new Set(f.cells.filter((c) => SEARCH_METHODS.has(c.method) && c.status === 'ok' && c.search === undefined).map((c) => c.method))];
  if (unchecked.length === 0) return '';
  return ` **Run before the mask-search start check: the ${unchecked.join(', ')} rows may hold masks captured from the initial weights (not a measurement of those methods); the commands in benchmarks/results/README.md re-run them with the check.**`;
}

/** One sentence on how a bench file's grid was tuned (its `tune` field), and a warning when its searches went unchecked. */
export function tuningNote(r: ResultsFolder, file: string): string {
  const f = r.file(file) as unknown as BenchFile;
  return tuningSentence(f) + provenanceNote(f);
}

function tuningSentence(f: BenchFile): string {
  const t = f.tune ?? null;
  if (t === null) return 'Not tuned (settings as given).';
  const methods = t.methods === null ? 'every trained method' : t.methods.join(', ');
  const epochs = t.options.trialEpochs === null ? 'the cell\'s epochs' : `${t.options.trialEpochs} epochs per trial`;
  const startup = t.options.startupTrials ?? DEFAULT_STARTUP_TRIALS;
  const how = t.options.trials <= startup
    ? `Tuned by ${t.options.trials} trials per cell, all among TPE's ${startup} random start-up trials (a seeded random search),`
    : `Tuned with TPE: ${t.options.trials} trials per cell (the first ${startup} random),`;
  return `${how} for ${methods} (${epochs}; validation only); the other trained methods take the tuned full model's learning rate.`;
}
