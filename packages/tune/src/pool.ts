import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TuneError } from './errors.js';
import type { Params } from './space.js';
import type { TrialOutcome } from './trial.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

// From src/ (tests) and dist/ alike, the built worker entry.
const WORKER_MAIN = fileURLToPath(new URL('../dist/worker-main.js', import.meta.url));

/** Options of a ProcessPool. */
export interface ProcessPoolOptions {
  /** The objective module: a path (relative to the working directory) or a file: URL. */
  readonly module: string;
  /** Its exported objective, (params, { number }) -> outcome (default `objective`). */
  readonly exportName?: string;
  /** Worker processes (>= 1). */
  readonly workers: number;
  /** Node flags of the workers (default: this process's). */
  readonly execArgv?: readonly string[];
}

interface Job {
  readonly request: WorkerRequest;
  readonly resolve: (outcome: TrialOutcome) => void;
  readonly reject: (err: Error) => void;
}

interface Worker {
  readonly child: ChildProcess;
  job: Job | null;
  /** Replies received (a worker that dies before its first reply may be failing to start). */
  replies: number;
  gone: boolean;
}

/** Workers that die before their first reply, per worker slot, before the pool gives up. */
const MAX_FAILED_STARTS = 3;

/**
 * A pool of child processes, each evaluating one trial at a time with an objective module they
 * import once (so a module can keep a loaded dataset between trials). `evaluate` is a Study
 * objective: it queues when every worker is busy. A worker that dies fails its trial with the
 * exit code or signal and is replaced for the next one.
 */
export class ProcessPool {
  readonly workers: number;
  private readonly moduleUrl: string;
  private readonly exportName: string;
  private readonly execArgv: readonly string[] | undefined;
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private failedStarts = 0;
  private broken: Error | null = null;

  constructor(options: ProcessPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new TuneError(`process pool: workers must be an integer >= 1, got ${options.workers}`);
    this.workers = options.workers;
    this.moduleUrl = options.module.startsWith('file:') ? options.module : pathToFileURL(isAbsolute(options.module) ? options.module : resolve(options.module)).href;
    this.exportName = options.exportName ?? 'objective';
    this.execArgv = options.execArgv;
    if (!existsSync(WORKER_MAIN)) throw new TuneError(`process pool: ${WORKER_MAIN} is missing; build @lers/tune first (pnpm build)`);
    for (let i = 0; i < options.workers; i++) this.idle.push(this.spawn());
  }

  /** The process ids of the live workers (for monitoring). */
  get pids(): number[] {
    return [...this.all].map((w) => w.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Evaluates one trial in a worker process. */
  readonly evaluate = (params: Params, number: number): Promise<TrialOutcome> => {
    if (this.closed) return Promise.reject(new TuneError('process pool: closed'));
    if (this.broken !== null) return Promise.reject(this.broken);
    return new Promise<TrialOutcome>((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, module: this.moduleUrl, exportName: this.exportName, params, number }, resolve, reject });
      this.dispatch();
    });
  };

  /** Stops the workers (after their current trials' replies, which are dropped if they come later). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new TuneError('process pool: closed before the trial started'));
    await Promise.all(
      [...this.all].map(
        (w) =>
          new Promise<void>((done) => {
            if (w.child.exitCode !== null || w.child.signalCode !== null) {
              done();
              return;
            }
            w.child.once('exit', () => {
              done();
            });
            if (w.child.connected) w.child.disconnect();
            else w.child.kill();
          }),
      ),
    );
  }

  private spawn(): Worker {
    const child = fork(WORKER_MAIN, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...(this.execArgv !== undefined ? { execArgv: [...this.execArgv] } : {}) });
    const worker: Worker = { child, job: null, replies: 0, gone: false };
    this.all.add(worker);
    child.on('message', (reply: WorkerReply) => {
      const job = worker.job;
      if (job === null || reply.id !== job.request.id) return;
      worker.job = null;
      worker.replies++;
      if (reply.ok) job.resolve(reply.outcome);
      else job.reject(new Error(reply.error));
      this.idle.push(worker);
      this.dispatch();
    });
    child.on('exit', (code, signal) => {
      this.retire(worker, signal !== null ? `signal ${signal}` : `code ${code}`);
    });
    child.on('error', (err) => {
      this.retire(worker, err.message);
    });
    return worker;
  }

  /** Forgets a dead worker, fails its trial and, unless closing (or crashing at start), replaces it. */
  private retire(worker: Worker, why: string): void {
    if (worker.gone) return;
    worker.gone = true;
    this.all.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    const job = worker.job;
    worker.job = null;
    if (job !== null) job.reject(new Error(`worker process exited (${why}) during trial ${job.request.number}`));
    if (this.closed) return;
    if (worker.replies === 0 && ++this.failedStarts >= MAX_FAILED_STARTS * this.workers) {
      this.broken = new TuneError(`process pool: ${this.failedStarts} worker processes exited before finishing a trial (last: ${why}); giving up`);
      for (const queued of this.queue.splice(0)) queued.reject(this.broken);
      return;
    }
    this.idle.push(this.spawn());
    this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const worker = this.idle.shift()!;
      const job = this.queue.shift()!;
      worker.job = job;
      worker.child.send(job.request);
    }
  }
}
