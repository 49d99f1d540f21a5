import { Rng } from '@lers/kernels';
import { configDifference, resolveStudyConfig, type ResolvedStudyConfig, type StudyConfig } from './config.js';
import { StudyMismatchError, TuneError } from './errors.js';
import { suggest } from './sampler.js';
import { compileSpace, toExternal, type Domain, type Params } from './space.js';
import { readStudyFile, writeStudyFile } from './study-file.js';
import { isFeasible, recordFailure, recordOutcome, type TrialOutcome, type TrialRecord } from './trial.js';

/** Evaluates one trial (its parameters and number); throwing records a failed trial. */
export type Objective = (params: Params, number: number) => TrialOutcome | Promise<TrialOutcome>;

/** Options of Study.optimize. */
export interface OptimizeOptions {
  /** Finished trials the study holds when done; those already in a resumed study file count. */
  readonly nTrials: number;
  readonly objective: Objective;
  /**
   * Trials evaluated at once (default 1). A trial starts only once every trial below its batch is
   * finished (see StudyConfig.batchSize), so more than batchSize gains nothing.
   */
  readonly concurrency?: number;
  /** Called after each trial is recorded (and saved). */
  readonly onTrial?: (trial: TrialRecord) => void;
  /**
   * Errors that stop the study instead of failing the trial (e.g. the user's Ctrl-C): the trial is
   * not recorded, so a resumed study runs it again, and optimize rejects with the error.
   */
  readonly isAbort?: (err: unknown) => boolean;
}

/**
 * A hyperparameter study: a search space, a direction, a seed and the finished trials, kept in a
 * study file when opened on one. Trial k's parameters depend only on the seed, k and the trials
 * numbered below k's batch, so a study gives the same trials whether it runs sequentially or in
 * parallel, and whether or not it was killed and resumed (given a deterministic objective).
 */
export class Study {
  readonly config: ResolvedStudyConfig;
  /** The study file, or null for a study in memory. */
  readonly file: string | null;
  private readonly domains: Domain[];
  private readonly finished = new Map<number, TrialRecord>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(config: ResolvedStudyConfig, file: string | null, trials: readonly TrialRecord[]) {
    this.config = config;
    this.file = file;
    this.domains = compileSpace(config.space);
    for (const t of trials) this.finished.set(t.number, t);
  }

  /** A new study in memory. */
  static create(config: StudyConfig): Study {
    return new Study(resolveStudyConfig(config), null, []);
  }

  /**
   * The study kept in `file`: resumed when the file exists (its config must equal `config`, or a
   * StudyMismatchError names the first differing field), else new (the file is written with the
   * first trial).
   */
  static async open(file: string, config: StudyConfig): Promise<Study> {
    const asked = resolveStudyConfig(config);
    const stored = await readStudyFile(file);
    if (stored === null) return new Study(asked, file, []);
    const diff = configDifference(stored.config, asked);
    if (diff !== null) throw new StudyMismatchError(file, diff.field, diff.stored, diff.asked);
    return new Study(stored.config, file, stored.trials);
  }

  /** The finished trials in trial-number order. */
  get trials(): TrialRecord[] {
    return [...this.finished.values()].sort((a, b) => a.number - b.number);
  }

  /** The best feasible complete trial (the lowest number among equals), or null. */
  best(): TrialRecord | null {
    const sign = this.config.direction === 'minimize' ? 1 : -1;
    let best: TrialRecord | null = null;
    for (const t of this.trials) if (isFeasible(t) && (best === null || sign * (t.value! - best.value!) < 0)) best = t;
    return best;
  }

  /** The first trial number of trial `number`'s batch: it learns from the trials below it. */
  batchStart(number: number): number {
    return number - (number % this.config.batchSize);
  }

  /** True when every trial trial `number` learns from is finished. */
  canAsk(number: number): boolean {
    const start = this.batchStart(number);
    for (let k = 0; k < start; k++) if (!this.finished.has(k)) return false;
    return true;
  }

  /** Trial `number`'s parameters (the same every time it is asked). */
  ask(number: number): Params {
    if (!Number.isInteger(number) || number < 0) throw new TuneError(`study: trial numbers are integers >= 0, got ${number}`);
    if (!this.canAsk(number)) throw new TuneError(`study: trial ${number} learns from trials 0..${this.batchStart(number) - 1}, which are not all finished`);
    const history = this.trials.filter((t) => t.number < this.batchStart(number));
    const x = suggest(this.domains, history, this.config.direction, this.config.sampler, new Rng(this.config.seed, number));
    return Object.fromEntries(this.domains.map((d, j) => [d.name, toExternal(d, x[j])]));
  }

  /** Records a finished trial and, for a study on a file, saves the file before resolving. */
  async tell(trial: TrialRecord): Promise<void> {
    if (this.finished.has(trial.number)) throw new TuneError(`study: trial ${trial.number} is already finished`);
    this.finished.set(trial.number, trial);
    const file = this.file;
    if (file === null) return;
    const trials = this.trials;
    // Saves run one after another, each writing everything recorded so far.
    this.saving = this.saving.then(() => writeStudyFile(file, this.config, trials));
    await this.saving;
  }

  /** Evaluates trial `number` with `objective` and records it (an error that `isAbort` accepts is rethrown, unrecorded). */
  async run(number: number, objective: Objective, isAbort?: (err: unknown) => boolean): Promise<TrialRecord> {
    const params = this.ask(number);
    const t0 = performance.now();
    let record: TrialRecord;
    try {
      const outcome = await objective(params, number);
      record = recordOutcome(number, params, outcome, (performance.now() - t0) / 1000);
    } catch (err) {
      if (isAbort?.(err) === true) throw err;
      record = recordFailure(number, params, err, (performance.now() - t0) / 1000);
    }
    await this.tell(record);
    return record;
  }

  /**
   * Runs the unfinished trials among 0..nTrials-1 in number order, up to `concurrency` at once,
   * each once the trials it learns from are finished; returns the best trial.
   */
  async optimize(options: OptimizeOptions): Promise<TrialRecord | null> {
    const { nTrials, objective } = options;
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(nTrials) || nTrials < 0) throw new TuneError(`study: nTrials must be an integer >= 0, got ${nTrials}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new TuneError(`study: concurrency must be an integer >= 1, got ${concurrency}`);
    const pending = Array.from({ length: nTrials }, (_, k) => k).filter((k) => !this.finished.has(k));
    const running = new Map<number, Promise<void>>();
    // Written from the trials' callbacks: an object, so that the loop sees the updates.
    const stop: { failure: Error | null } = { failure: null };
    while (stop.failure === null && (pending.length > 0 || running.size > 0)) {
      while (running.size < concurrency && pending.length > 0 && this.canAsk(pending[0])) {
        const k = pending.shift()!;
        const done = this.run(k, objective, options.isAbort).then(
          (t) => {
            running.delete(k);
            try {
              options.onTrial?.(t);
            } catch (err) {
              stop.failure ??= asError(err);
            }
          },
          (err: unknown) => {
            running.delete(k);
            stop.failure ??= asError(err);
          },
        );
        running.set(k, done);
      }
      if (running.size === 0) {
        if (stop.failure === null && pending.length > 0) throw new TuneError(`study: trial ${pending[0]} cannot start (internal error)`);
        break;
      }
      await Promise.race(running.values());
    }
    await Promise.all(running.values());
    if (stop.failure !== null) throw stop.failure;
    return this.best();
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
