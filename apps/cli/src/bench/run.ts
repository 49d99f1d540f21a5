/**
 * Running the grid: every cell trains (or compresses), evaluates and profiles one model, and
 * writes one result file atomically (`cells/<id>.json`, temp file + rename), so an interrupted
 * bench loses at most the cell in progress, and a re-run skips finished cells (same settings hash).
 * A cell in progress holds `cells/<id>.lock` (with its pid): parallel bench processes on the same
 * folder split the grid, and a lock whose process is gone is taken over. Training cells keep a
 * checkpoint in `work/`, so even the interrupted cell resumes from its last epoch.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Backend } from '@lers/kernels';
import { canonicalJson, type JsonObject } from '@lers/data';
import { settingsDigest } from '../config/digest.js';
import { writeAll, writeFileAtomic } from '@lers/data/node';
import { checkTrainable, compressModel, evaluateBoth, flatMetrics, loadModel, planTables, saveModel, settingsOf, tableSizes, trainFromSettings, trainingRecipe, type Metrics, type SearchReport, type SizeInfo, type TrainingRecipe, type TrainSettings } from '@lers/models';
import { applyParams, METHOD_PARAM, StudyMismatchError, tuneRun, tuningSpace, type Params, type TuningSummary } from '@lers/models/tuning';
import { Recommender, type BackendKind, type PhaseTiming } from '@lers/runtime/node';
import { exitCodeOf, InterruptedError, messageOf, UsageError } from '../cli/errors.js';
import type { Io } from '../cli/io.js';
import { openModelFile, writeModel } from '../cli/model-files.js';
import { checkInterrupted } from '../cli/signals.js';
import { trainProgress } from '../cli/train-progress.js';
import { trialLine } from '../cli/trial-line.js';
import { writeTrained } from '../commands/train.js';
import { prepareData, preparedInfo, type PreparedData } from '../data/prepare.js';
import { baselineId, type BenchProfile, type Cell } from './grid.js';

/** A cell's outcome (the content of its result file). */
export interface CellResult {
  readonly id: string;
  readonly hash: string;
  readonly dataset: string;
  readonly backbone: string;
  readonly method: string;
  readonly kind: string;
  readonly target: number | null;
  /** ok; unreachable (the budget solver cannot meet the target: deterministic, kept); failed and
   * unavailable are reported but not kept, so a re-run tries them again. */
  readonly status: 'ok' | 'unreachable' | 'failed' | 'unavailable' | 'elsewhere';
  readonly message?: string;
  /** The selection metric (ndcg@20 or auc). */
  readonly metric?: string;
  readonly valid?: Metrics | null;
  readonly test?: Metrics | null;
  readonly params?: number;
  readonly fullParams?: number;
  readonly sparsity?: number;
  readonly embeddingBytes?: number;
  readonly fileBytes?: number;
  readonly trainSeconds?: number;
  /** The training recipe (clip, negatives, epochs, optimiser); post-training cells: their baseline's. */
  readonly recipe?: TrainingRecipe;
  /** Search-then-retrain cells: capture step and epoch per table, the start of the search, search and retrain seconds. */
  readonly search?: SearchReport | null;
  /** With --tune: the study behind the cell's settings (trials, feasible, rejected, best parameters, seconds). */
  readonly tuning?: TuningSummary | null;
  readonly kMin?: number | null;
  readonly latency?: Readonly<Record<string, PhaseTiming>>;
  readonly loadMs?: number;
  readonly seconds: number;
  readonly model?: string;
  readonly settings?: JsonObject;
  readonly finishedAt: string;
}

/** What identifies a cell in its result. */
export function cellIdentity(cell: Cell): Pick<CellResult, 'id' | 'hash' | 'dataset' | 'backbone' | 'method' | 'kind' | 'target'> {
  return { id: cell.id, hash: cell.hash, dataset: cell.dataset, backbone: cell.backbone, method: cell.method, kind: cell.kind, target: cell.target };
}

/** The result of a cell that failed before it ran (no timings). */
export function failedResult(cell: Cell, message: string): CellResult {
  return { ...cellIdentity(cell), status: 'failed', message, seconds: 0, finishedAt: new Date().toISOString() };
}

/** Writes JSON atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const bytes = new TextEncoder().encode(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
}

/** A finished cell's result file, when it is complete and matches the hash. */
export async function readFinished(dir: string, cell: Pick<Cell, 'id' | 'hash'> & Partial<Pick<Cell, 'tune' | 'settings'>>): Promise<CellResult | null> {
  let r: CellResult;
  try {
    r = JSON.parse(await readFile(join(dir, 'cells', `${cell.id}.json`), 'utf8')) as CellResult;
  } catch {
    return null;
  }
  if (r.hash !== cell.hash || (r.status !== 'ok' && r.status !== 'unreachable')) return null;
  // The hash covers the tuning options, not the space lers resolves from them: a cell tuned over
  // another space than today's (a changed spaces.ts) is re-run, and so is a tuned cell that does not
  // say its space (an unreachable one written before those kept their tuning); its study resumes.
  const now = cell.tune !== undefined && cell.settings !== undefined ? cellSpace({ tune: cell.tune, settings: cell.settings }) : null;
  if (now !== null && (r.tuning?.space === undefined || canonicalJson(r.tuning.space) !== canonicalJson(now))) return null;
  return r;
}

/**
 * Where a cell's training keeps its checkpoint: named by the cell and the settings it trains (its
 * tuned ones included), so that a cell tuned again to other settings never resumes the checkpoint
 * of the settings it had before (the pipeline would refuse it as another configuration's).
 */
export function workCheckpoint(workDir: string, cell: Pick<Cell, 'id' | 'hash'>, trained: TrainSettings): string {
  return join(workDir, `${cell.id}.${cell.hash}.${settingsDigest(trained as unknown as JsonObject, 8)}.ckpt`);
}

/** The search space of a cell tuned on its own, as lers resolves it today (null: not tuned on its own). */
export function cellSpace(cell: Pick<Cell, 'tune' | 'settings'>): JsonObject | null {
  if (cell.tune === null) return null;
  return JSON.parse(JSON.stringify(tuningSpace(cell.settings.method, cell.settings.backbone, cell.tune.space).space)) as JsonObject;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock file at `path` is held by another live process. */
async function heldByOther(path: string): Promise<boolean> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid);
}

/** Takes a cell's lock (false when a live process holds it); a dead holder's lock is taken over. */
async function lock(path: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await heldByOther(path)) return false;
      await rm(path, { force: true });
    }
  }
  return false;
}

/** How a BenchRunner shares its folder. */
export interface BenchRunnerOptions {
  /**
   * Lock files per cell (default true): parallel bench processes on one machine split the grid.
   * Off for queue workers, whose job lock is the queue's (a pid means nothing on another machine).
   */
  readonly fileLocks?: boolean;
}

/** Runs cells on one backend; datasets are loaded once and shared by the cells. */
export class BenchRunner {
  private readonly data = new Map<string, Promise<PreparedData>>();
  private readonly cellsDir: string;
  private readonly modelsDir: string;
  private readonly workDir: string;
  private readonly tuneDir: string;
  private readonly byId = new Map<string, Cell>();
  private readonly done = new Map<string, CellResult>();

  constructor(
    private readonly be: Backend,
    readonly dir: string,
    private readonly io: Io,
    private readonly profile: BenchProfile,
    private readonly cacheDir?: string,
    private readonly options: BenchRunnerOptions = {},
  ) {
    this.cellsDir = join(dir, 'cells');
    this.modelsDir = join(dir, 'models');
    this.workDir = join(dir, 'work');
    this.tuneDir = join(dir, 'tune');
  }

  /** Runs (or skips) every cell; returns their results in grid order. */
  async run(cells: readonly Cell[]): Promise<CellResult[]> {
    await this.makeDirs();
    for (const c of cells) this.byId.set(c.id, c);
    const out: CellResult[] = [];
    let index = 0;
    for (const cell of cells) {
      index++;
      checkInterrupted();
      out.push(await this.cell(cell, `[${index}/${cells.length}]`));
    }
    return out;
  }

  /**
   * Runs (or skips, when finished) one cell, as `run` would: `context` holds the cells it may start
   * from (its baseline). A queue worker runs each cell of a queued run through here.
   */
  async runCell(cell: Cell, context: readonly Cell[] = []): Promise<CellResult> {
    await this.makeDirs();
    for (const c of [...context, cell]) this.byId.set(c.id, c);
    return this.cell(cell, '[cell]');
  }

  /** Loads the cell's dataset (kept for the cells after it); throws what loading it throws. */
  async checkData(cell: Cell): Promise<void> {
    await this.prepared(cell.settings);
  }

  private async makeDirs(): Promise<void> {
    for (const d of [this.cellsDir, this.modelsDir, this.workDir]) await mkdir(d, { recursive: true });
  }

  private async cell(cell: Cell, tag: string): Promise<CellResult> {
    const known = this.done.get(cell.id);
    if (known !== undefined) return known;
    const finished = await readFinished(this.dir, cell);
    const lockPath = join(this.cellsDir, `${cell.id}.lock`);
    if (finished !== null) {
      // A process killed between writing the result and releasing the lock leaves a stale lock.
      if (this.locking && !(await heldByOther(lockPath))) await rm(lockPath, { force: true });
      this.io.info(`${tag} ${cell.id}: done earlier (${finished.status}), skipped`);
      this.done.set(cell.id, finished);
      return finished;
    }
    if (this.locking && !(await lock(lockPath))) {
      this.io.info(`${tag} ${cell.id}: running in another bench process, skipped`);
      return { ...this.base(cell), status: 'elsewhere', seconds: 0, finishedAt: new Date().toISOString() };
    }
    const t0 = performance.now();
    let result: CellResult;
    try {
      this.io.info(`${tag} ${cell.id}`);
      result = await this.execute(cell, tag, t0);
      if (result.status === 'ok' || result.status === 'unreachable') await writeJsonAtomic(join(this.cellsDir, `${cell.id}.json`), result);
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      const message = messageOf(err);
      // Not available here: a method that needs what this machine or backend lacks (a host backend for its host-side loops).
      const status = (err instanceof UsageError && /not available/.test(message)) || (err instanceof Error && err.name === 'HostBackendRequiredError') ? 'unavailable' : 'failed';
      if (status === 'failed' && exitCodeOf(err) !== 1) this.io.warn(`${cell.id} failed: ${message}`);
      result = { ...this.base(cell), status, message, seconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString() };
    } finally {
      if (this.locking) await rm(lockPath, { force: true });
    }
    this.done.set(cell.id, result);
    const summary = result.status === 'ok' ? `${result.metric} ${result.test?.[result.metric!]?.toFixed(4) ?? '-'}, ${result.embeddingBytes} bytes, ${result.seconds.toFixed(1)} s` : `${result.status}: ${result.message ?? ''}`;
    this.io.info(`${tag} ${cell.id}: ${summary}`);
    return result;
  }

  private get locking(): boolean {
    return this.options.fileLocks ?? true;
  }

  private base(cell: Cell): Pick<CellResult, 'id' | 'hash' | 'dataset' | 'backbone' | 'method' | 'kind' | 'target'> {
    return cellIdentity(cell);
  }

  private prepared(s: TrainSettings): Promise<PreparedData> {
    const key = JSON.stringify([s.data, s.dataOptions]);
    let p = this.data.get(key);
    if (p === undefined) {
      p = prepareData(s, this.io, this.cacheDir);
      this.data.set(key, p);
    }
    return p;
  }

  private async execute(cell: Cell, tag: string, t0: number): Promise<CellResult> {
    return cell.kind === 'post-training' ? this.executePost(cell, t0) : this.executeTrained(cell, tag, t0);
  }

  /** The result of a cell whose target `err` says is out of reach (null: `err` says something else); it keeps the cell's tuning, if any. */
  private unreachable(cell: Cell, err: unknown, t0: number, tuning: TuningSummary | null = null): CellResult | null {
    // BudgetError, a mask search that stops short of the target (deterministic for the settings), or a
    // method's own statement that the target is out of its range (OptEmbed at 1 dim per row).
    if (err instanceof Error && (err.name === 'BudgetError' || err.name === 'TargetNotReachedError' || /cannot be reached|cannot reach/.test(err.message))) {
      return { ...this.base(cell), status: 'unreachable', message: err.message, seconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString(), ...(tuning !== null ? { tuning } : {}) };
    }
    return null;
  }

  private async executeTrained(cell: Cell, tag: string, t0: number): Promise<CellResult> {
    checkTrainable(cell.settings);
    const data = await this.prepared(cell.settings);
    const { settings: s, summary: tuning } = await this.tuned(cell, data, tag);
    let plans;
    try {
      plans = planTables(s, data.dataset);
    } catch (err) {
      const u = this.unreachable(cell, err, t0, tuning);
      if (u !== null) return u;
      throw err;
    }
    const ckpt = workCheckpoint(this.workDir, cell, s);
    const modelPath = join(this.modelsDir, `${cell.id}.lers`);
    let outcome;
    try {
      outcome = await trainFromSettings(this.be, data.dataset, s, { ...trainProgress(this.io, `  ${tag} train`), checkpoint: ckpt, plans });
    } catch (err) {
      const u = this.unreachable(cell, err, t0, tuning);
      if (u !== null) return u;
      throw err;
    }
    let sizes: SizeInfo;
    try {
      sizes = await tableSizes(outcome.model.embeddingTables());
      await writeTrained(modelPath, outcome, s, data, { benchCell: cell.id, benchHash: cell.hash, ...(tuning !== null ? { tuning } : {}) });
    } finally {
      outcome.model.dispose();
    }
    await rm(ckpt, { force: true, recursive: true });
    return this.finish(cell, t0, modelPath, sizes, outcome.result.bestValid, outcome.result.test, outcome.result.trainSeconds, null, s, { recipe: outcome.recipe, search: outcome.search, tuning });
  }

  /** The settings of a cell that takes the tuned baseline's backbone settings (its method's own options stay). */
  private async inherited(cell: Cell): Promise<{ settings: TrainSettings; summary: TuningSummary | null }> {
    const base = await this.baseline(cell);
    const best = base.tuning?.best ?? null;
    if (best === null) return { settings: cell.settings, summary: base.tuning ?? null };
    const backboneParams = Object.fromEntries(Object.entries(best.params).filter(([k]) => !k.startsWith(METHOD_PARAM))) as Params;
    return { settings: applyParams(cell.settings, backboneParams), summary: base.tuning ?? null };
  }

  /** The cell's settings after its tuning (the study in `tune/`, resumed by a re-run), or as given. */
  private async tuned(cell: Cell, data: PreparedData, tag: string): Promise<{ settings: TrainSettings; summary: TuningSummary | null }> {
    if (cell.inheritTuned) return this.inherited(cell);
    if (cell.tune === null) return { settings: cell.settings, summary: null };
    await mkdir(this.tuneDir, { recursive: true });
    const study = join(this.tuneDir, `${cell.id}.${cell.hash}.study.json`);
    const progress = trainProgress(null, '');
    const run = () =>
      tuneRun(this.be, data.dataset, cell.settings, cell.tune!, study, {
        ...progress,
        isAbort: (e) => e instanceof InterruptedError,
        onTrial: (t) => {
          this.io.info(`  ${tag} tune ${trialLine(t, cell.tune!.trials)}`);
        },
      });
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run();
    } catch (err) {
      if (!(err instanceof StudyMismatchError)) throw err;
      // A study of another space (lers's spaces changed since): kept aside, not resumed, not lost.
      const aside = `${study}.replaced-${Date.now()}`;
      await rename(study, aside);
      this.io.info(`  ${tag} ${messageOf(err)}: that study is kept as ${aside}; a new one starts`);
      r = await run();
    }
    const best = r.summary.best;
    this.io.info(`  ${tag} tuned: ${best === null ? 'no feasible trial, settings as given' : `trial ${best.number + 1}, valid ${best.value.toFixed(4)}, ${JSON.stringify(best.params)}`}`);
    return { settings: r.settings, summary: r.summary };
  }

  /** The finished full baseline of a cell's dataset x backbone (run first when needed). */
  private async baseline(cell: Cell): Promise<CellResult & { model: string }> {
    const baseId = baselineId(cell.dataset, cell.backbone);
    const baseCell = this.byId.get(baseId);
    if (baseCell === undefined) throw new Error(`internal: no baseline cell ${baseId}`);
    const base = await this.cell(baseCell, '  (baseline)');
    if (base.status !== 'ok' || base.model === undefined) throw new Error(`the full baseline ${baseId} is not available (${base.status}${base.message !== undefined ? `: ${base.message}` : ''})`);
    return { ...base, model: base.model };
  }

  private async executePost(cell: Cell, t0: number): Promise<CellResult> {
    const baseId = baselineId(cell.dataset, cell.backbone);
    const baseCell = this.byId.get(baseId)!;
    const base = await this.baseline(cell);
    let file;
    try {
      file = await openModelFile(base.model);
    } catch {
      // The baseline's result is there but its model file is gone: train it again.
      this.done.delete(baseId);
      await rm(join(this.cellsDir, `${baseId}.json`), { force: true });
      const again = await this.cell(baseCell, '  (baseline)');
      if (again.status !== 'ok' || again.model === undefined) throw new Error(`the full baseline ${baseId} failed`);
      file = await openModelFile(again.model);
    }
    const stored = settingsOf(file.header);
    const data = await this.prepared(stored);
    const { model: full } = loadModel(file, this.be, data.dataset, base.model);
    const modelPath = join(this.modelsDir, `${cell.id}.lers`);
    try {
      const s: TrainSettings = { ...stored, method: cell.method, target: cell.target, methodOptions: cell.settings.methodOptions, budgetTolerance: cell.settings.budgetTolerance };
      let c;
      try {
        c = await compressModel(this.be, full, data.dataset, s, { method: cell.method, target: cell.target, options: s.methodOptions, kMin: 'auto', tolerance: s.budgetTolerance });
      } catch (err) {
        const u = this.unreachable(cell, err, t0);
        if (u !== null) return u;
        throw err;
      }
      try {
        const m = await evaluateBoth(c.model);
        const contents = await saveModel(c.model, {
          settings: s,
          config: s as unknown as JsonObject,
          method: { name: cell.method, target: cell.target, options: c.options },
          dataset: preparedInfo(data),
          metrics: flatMetrics(m.valid, m.test),
          extra: { compressedFrom: base.model, kMin: c.kMin, benchCell: cell.id, benchHash: cell.hash },
        });
        await writeModel(modelPath, contents);
        const sizes = await tableSizes(c.model.embeddingTables(), c.options);
        return await this.finish(cell, t0, modelPath, sizes, m.valid, m.test, 0, c.kMin, s, { recipe: trainingRecipe(stored), search: null, tuning: base.tuning ?? null });
      } finally {
        c.model.dispose();
      }
    } finally {
      full.dispose();
    }
  }

  private async finish(
    cell: Cell,
    t0: number,
    modelPath: string,
    sizes: SizeInfo,
    valid: Metrics | null,
    test: Metrics | null,
    trainSeconds: number,
    kMin: number | null,
    s: TrainSettings,
    about: Pick<CellResult, 'recipe' | 'search' | 'tuning'>,
  ): Promise<CellResult> {
    const p = await profileCell(modelPath, this.be.kind, this.be.threads, { repeats: this.profile.profileRepeats, warmup: 2, k: 20, batch: 64, seed: s.seed });
    return {
      ...this.base(cell),
      status: 'ok',
      metric: s.task === 'cf' ? `ndcg@${s.ks.includes(20) ? 20 : s.ks[0]}` : 'auc',
      valid,
      test,
      params: sizes.params,
      fullParams: sizes.fullParams,
      sparsity: sizes.sparsity,
      // What the compressed model serves with (QAT: its quantized codes, not the fp32 master).
      embeddingBytes: sizes.servedBytes,
      fileBytes: p.fileBytes,
      trainSeconds,
      ...about,
      kMin,
      latency: p.latency,
      loadMs: p.loadMs,
      seconds: (performance.now() - t0) / 1000,
      model: modelPath,
      settings: s as unknown as JsonObject,
      finishedAt: new Date().toISOString(),
    };
  }
}

/**
 * A cell's serving profile: the model file loaded through the runtime (propagating per request,
 * the paper's edge setting) on its own backend of the bench's kind and threads, then the
 * phase-by-phase request latency.
 */
async function profileCell(path: string, backend: BackendKind, threads: number, options: { repeats: number; warmup: number; k: number; batch: number; seed: number }): Promise<{ fileBytes: number; loadMs: number; latency: Record<string, PhaseTiming> }> {
  const t0 = performance.now();
  const rec = await Recommender.load(path, { backend, threads, serving: 'propagate' });
  const loadMs = performance.now() - t0;
  try {
    return { fileBytes: (await stat(path)).size, loadMs, latency: await rec.profile(options) };
  } finally {
    rec.dispose();
  }
}
