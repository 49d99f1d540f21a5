/**
 * Reading a `lers bench` results.json: `{ profile, grid, seconds, cells: [...] }`, one cell per
 * dataset x backbone x method x target (the CLI's `CellResult`). Only the fields the advisor and
 * the web app read are typed here; a malformed file is an AdviceInputError naming the file, the
 * cell and the value.
 */
import type { JsonObject } from '@lers/data';
import { BACKBONES, taskOfBackbone, type BackboneName } from '@lers/models';
import type { PhaseTiming } from '@lers/runtime';
import { AdviceInputError } from './errors.js';

/** One cell of a bench run, as results.json stores it. */
export interface BenchCell {
  readonly id: string;
  readonly dataset: string;
  readonly backbone: BackboneName;
  readonly method: string;
  readonly kind?: string;
  /** Target sparsity; null for the uncompressed baseline. */
  readonly target: number | null;
  /** ok, unreachable (the budget solver cannot meet the target), failed, unavailable, elsewhere. */
  readonly status: string;
  readonly message?: string;
  /** The selection metric's name (ndcg@20 or auc) and the test metrics. */
  readonly metric?: string;
  readonly test?: Readonly<Record<string, number>> | null;
  readonly valid?: Readonly<Record<string, number>> | null;
  readonly params?: number;
  readonly sparsity?: number;
  /** Embedding bytes as served (index and scale overhead included). */
  readonly embeddingBytes?: number;
  readonly fileBytes?: number;
  /** Request latency on the bench machine, by phase (CF: propagation ... total; CTR: batch, single). */
  readonly latency?: Readonly<Record<string, PhaseTiming>>;
  /** Where the bench wrote the cell's model file. */
  readonly model?: string;
  readonly settings?: JsonObject;
}

/** A bench run's results. */
export interface BenchResults {
  readonly profile: string | null;
  readonly cells: readonly BenchCell[];
}

/** A (dataset, backbone) group of cells: one table of the paper, one advice. */
export interface CellGroup {
  readonly dataset: string;
  readonly backbone: BackboneName;
  readonly task: 'cf' | 'ctr';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(cell: Record<string, unknown>, key: string, where: string, check: (v: unknown) => v is T, what: string, optional: boolean): T | undefined {
  const v = cell[key];
  if (v === undefined && optional) return undefined;
  if (!check(v)) throw new AdviceInputError(`${where}.${key} must be ${what}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isTarget = (v: unknown): v is number | null => v === null || (isNumber(v) && v > 0 && v < 1);
const isBackbone = (v: unknown): v is BackboneName => typeof v === 'string' && (BACKBONES as readonly string[]).includes(v);
const isMetrics = (v: unknown): v is Record<string, number> | null => v === null || (isObject(v) && Object.values(v).every((x) => x === null || typeof x === 'number'));
const isLatency = (v: unknown): v is Record<string, PhaseTiming> => isObject(v) && Object.values(v).every((t) => isObject(t) && isNumber(t.medianMs));

/** Checks one cell (`where` names it in errors). */
function checkCell(raw: unknown, where: string): BenchCell {
  if (!isObject(raw)) throw new AdviceInputError(`${where} must be an object, got ${JSON.stringify(raw)}`);
  const str = (k: string): string => field(raw, k, where, isString, 'a non-empty string', false)!;
  const backbone = field(raw, 'backbone', where, isBackbone, `one of ${BACKBONES.join(', ')}`, false)!;
  const target = field(raw, 'target', where, isTarget, 'a sparsity in (0, 1) or null', false)!;
  const num = (k: string): number | undefined => field(raw, k, where, isNumber, 'a finite number', true);
  const settings = field(raw, 'settings', where, isObject, 'an object', true) as JsonObject | undefined;
  return {
    id: str('id'),
    dataset: str('dataset'),
    backbone,
    method: str('method'),
    target,
    status: str('status'),
    ...(typeof raw.kind === 'string' ? { kind: raw.kind } : {}),
    ...(typeof raw.message === 'string' ? { message: raw.message } : {}),
    ...(raw.metric !== undefined ? { metric: field(raw, 'metric', where, isString, 'a metric name', false)! } : {}),
    ...(raw.test !== undefined ? { test: field(raw, 'test', where, isMetrics, 'an object of numbers', false)! } : {}),
    ...(raw.valid !== undefined ? { valid: field(raw, 'valid', where, isMetrics, 'an object of numbers', false)! } : {}),
    ...(num('params') !== undefined ? { params: num('params')! } : {}),
    ...(num('sparsity') !== undefined ? { sparsity: num('sparsity')! } : {}),
    ...(num('embeddingBytes') !== undefined ? { embeddingBytes: num('embeddingBytes')! } : {}),
    ...(num('fileBytes') !== undefined ? { fileBytes: num('fileBytes')! } : {}),
    ...(raw.latency !== undefined ? { latency: field(raw, 'latency', where, isLatency, 'phase timings ({ medianMs, ... } each)', false)! } : {}),
    ...(typeof raw.model === 'string' ? { model: raw.model } : {}),
    ...(settings !== undefined ? { settings } : {}),
  };
}

/**
 * Parses a results.json (its text or the parsed value); `file` names it in errors. Throws an
 * AdviceInputError for text that is not JSON, a value without a `cells` list, or a malformed cell.
 */
export function parseBenchResults(input: unknown, file = 'results.json'): BenchResults {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new AdviceInputError(`${file}: not JSON (${(err as Error).message})`);
    }
  }
  if (!isObject(value) || !Array.isArray(value.cells)) throw new AdviceInputError(`${file}: not a lers bench results file (no "cells" list; \`lers bench\` writes one to <out>/results.json)`);
  const cells = value.cells.map((c, i) => checkCell(c, `${file}: cells[${i}]`));
  return { profile: typeof value.profile === 'string' ? value.profile : null, cells };
}

/** The task of a cell: its settings' when recorded, else its backbone's. */
export function taskOfCell(cell: BenchCell): 'cf' | 'ctr' {
  const t = cell.settings?.task;
  return t === 'cf' || t === 'ctr' ? t : taskOfBackbone(cell.backbone);
}

/** The (dataset, backbone) groups of the cells, in first-seen order. */
export function cellGroups(cells: readonly BenchCell[]): CellGroup[] {
  const seen = new Map<string, CellGroup>();
  for (const c of cells) {
    const key = `${c.dataset}\u0000${c.backbone}`;
    if (!seen.has(key)) seen.set(key, { dataset: c.dataset, backbone: c.backbone, task: taskOfCell(c) });
  }
  return [...seen.values()];
}

/** The test value of a cell's selection metric, or null when it has none (not ok, no metric). */
export function cellMetric(cell: BenchCell): number | null {
  if (cell.status !== 'ok' || cell.metric === undefined) return null;
  const v = cell.test?.[cell.metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** "qr@80%" or "full". */
export function cellLabel(cell: Pick<BenchCell, 'method' | 'target'>): string {
  return cell.target === null ? cell.method : `${cell.method}@${Math.round(cell.target * 1000) / 10}%`;
}
