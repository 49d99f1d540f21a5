/**
 * `lers worker`: takes cells of any queued run from Redis and runs them in cell threads with the
 * bench's own runner, in the run's store. A cell's outcome is recorded once (the first completion);
 * a failing cell is retried up to the run's attempts, then its error is recorded; a cell whose
 * dataset this worker cannot load, or whose baseline model is not in the store as recorded (path
 * and checksum), fails at once with the reason. A worker that dies leaves its cells' job locks to
 * expire: BullMQ's stalled-job check hands them to another worker, which resumes from the cell's
 * checkpoint in the store.
 */
import { access, constants } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Queue, Worker, type Job } from 'bullmq';
import { sha256File } from '@lers/data/node';
import type { Redis } from 'ioredis';
import { failedResult, readFinished } from '../bench/run.js';
import type { Cell } from '../bench/grid.js';
import { baselineId } from '../bench/grid.js';
import type { Io } from '../cli/io.js';
import { CellThreads } from './cell-threads.js';
import { connect, probe, redisOptions, routeErrors } from './connection.js';
import { cellJobOptions, jobIds, startsFromBaseline, type AfterBaselineData, type CellJobData, type JobData } from './flows.js';
import { redact, type RedisTarget } from './redis-url.js';
import { QUEUE_NAME, RunState, type RunMeta } from './run-state.js';

/** How a worker runs. */
export interface WorkerOptions {
  readonly target: RedisTarget;
  readonly concurrency: number;
  /** BullMQ's job lock (ms): a dead worker's cells go back to the queue about this long after it died. */
  readonly lockMs: number;
  readonly io: Io;
  /** Resolves when the worker should stop taking cells (Ctrl-C). */
  readonly stop: Promise<void>;
}

/** A cell that cannot run on this worker: recorded as failed at once, not retried. */
class CellRefused extends Error {
  override name = 'CellRefused';
}

/** Runs a worker until `stop` resolves, then lets its running cells finish. */
export async function runWorker(opts: WorkerOptions): Promise<void> {
  const { target, io } = opts;
  await probe(target);
  const say = (line: string): void => { io.info(`worker: ${redact(line, target)}`); };
  const me = `${hostname()}:${process.pid}`;
  const jobs = new JobHandler(connect(target, say, 'lers-worker'), new Queue(QUEUE_NAME, { connection: redisOptions(target) }), new CellThreads(opts.concurrency), me, io);
  routeErrors(jobs.queue, target, say);
  const worker = new Worker<JobData, string>(QUEUE_NAME, (job) => jobs.process(job), {
    connection: redisOptions(target),
    concurrency: opts.concurrency,
    lockDuration: opts.lockMs,
    stalledInterval: opts.lockMs,
    maxStalledCount: 3,
    name: me,
  });
  routeErrors(worker, target, say);
  worker.on('stalled', (jobId) => { io.info(`worker ${me}: job ${jobId} stalled (its worker stopped renewing its lock): back in the queue`); });
  io.info(`worker ${me}: listening on ${target.shown} (queue ${QUEUE_NAME}, ${opts.concurrency} cell${opts.concurrency === 1 ? '' : 's'} at a time, lock ${opts.lockMs / 1000} s)`);
  await opts.stop;
  io.info(`worker ${me}: stopping: running cells finish first (send the signal again to quit now; their cells go back to the queue after the lock expires)`);
  await worker.close();
  await jobs.close();
}

/** What a worker does with each job of a run: release a group's dependent cells, or run a cell. */
class JobHandler {
  private readonly metas = new Map<string, RunMeta | null>();

  constructor(
    private readonly redis: Redis,
    readonly queue: Queue,
    private readonly threads: CellThreads,
    private readonly me: string,
    private readonly io: Io,
  ) {}

  async process(job: Job<JobData>): Promise<string> {
    const meta = await this.metaOf(job.data);
    if (meta === null) return 'cancelled';
    if (job.name === 'after-baseline') return this.release(job as Job<AfterBaselineData>, meta);
    if (job.name === 'cell') return this.runCell(job as Job<CellJobData>, meta);
    return 'group done';
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.threads.stop();
    this.redis.disconnect();
  }

  /** The run of a job, unless it was cancelled (or cancelled and queued again: another nonce). */
  private async metaOf(data: JobData): Promise<RunMeta | null> {
    let m = this.metas.get(data.runId);
    if (m?.nonce !== data.nonce) {
      m = await new RunState(this.redis, data.runId).meta();
      this.metas.set(data.runId, m);
    }
    return m !== null && m.nonce === data.nonce ? m : null;
  }

  /** The baseline is done: its group's dependent cells join the group's flow. */
  private async release(job: Job<AfterBaselineData>, meta: RunMeta): Promise<string> {
    const parent = { id: jobIds.group(meta, job.data.group), queue: job.queueQualifiedName };
    for (const cellId of job.data.dependents) await this.queue.add('cell', { runId: meta.runId, nonce: meta.nonce, cellId } satisfies CellJobData, { ...cellJobOptions(meta, cellId, meta.attempts), parent });
    return `released ${job.data.dependents.length}`;
  }

  private async runCell(job: Job<CellJobData>, meta: RunMeta): Promise<string> {
    const { me, io } = this;
    const { cellId } = job.data;
    const state = new RunState(this.redis, meta.runId);
    const cell = meta.cells.find((c) => c.id === cellId);
    if (cell === undefined) throw new Error(`internal: run ${meta.runId} has no cell ${cellId}`);
    if ((await state.recordOf(cellId)) !== null) return 'recorded earlier';
    const attempt = job.attemptsMade + 1;
    io.info(`worker ${me}: ${cellId} (run ${meta.runId}, attempt ${attempt}/${meta.attempts})`);
    await state.started(cellId, me);
    try {
      const context = await contextOf(cell, meta, state);
      const reply = await this.threads.run({ store: meta.store, profile: meta.profile, backend: meta.backend, threads: meta.threads, cacheDir: meta.cacheDir, quiet: io.flags.quiet, label: `  [${cellId}]`, cell, context });
      if (!reply.ok && reply.stage === 'data') throw new CellRefused(`worker ${me} cannot load the dataset ${JSON.stringify(cell.settings.data)}: ${reply.message}`);
      const result = reply.ok ? reply.result : failedResult(cell, reply.message);
      if (result.status === 'failed' && attempt < meta.attempts) {
        io.info(`worker ${me}: ${cellId} failed (attempt ${attempt}/${meta.attempts}), to be retried: ${result.message ?? ''}`);
        throw new Error(result.message ?? 'failed');
      }
      // Cancelled while it ran: not recorded.
      if ((await state.meta())?.nonce !== meta.nonce) return 'cancelled';
      const first = await state.record(cellId, { result, worker: me, modelSha256: result.model !== undefined ? await sha256File(result.model) : null });
      io.info(`worker ${me}: ${cellId} ${result.status}${result.message !== undefined ? ` (${result.message})` : ''}${first ? '' : ' (recorded earlier by another worker)'}`);
      return result.status;
    } catch (err) {
      if (!(err instanceof CellRefused)) throw err;
      await state.record(cellId, { result: failedResult(cell, err.message), worker: me, modelSha256: null });
      io.info(`worker ${me}: ${cellId} failed: ${err.message}`);
      return 'failed';
    } finally {
      await state.stopped(cellId, me);
    }
  }
}

/**
 * The cells a cell starts from, checked: a dependent cell needs its baseline recorded as ok and its
 * model file in this worker's view of the store with the recorded checksum.
 */
async function contextOf(cell: Cell, meta: RunMeta, state: RunState): Promise<Cell[]> {
  try {
    await access(meta.store, constants.R_OK | constants.W_OK);
  } catch {
    throw new CellRefused(`the store ${meta.store} is not readable and writable on ${hostname()} (--store must be a directory every worker shares, at the same path)`);
  }
  if (!startsFromBaseline(cell)) return [];
  const base = meta.cells.find((c) => c.id === baselineId(cell.dataset, cell.backbone));
  if (base === undefined) throw new Error(`internal: no baseline for ${cell.id}`);
  const rec = await state.recordOf(base.id);
  if (rec === null || rec.result.status !== 'ok' || rec.result.model === undefined) {
    throw new CellRefused(`the full baseline ${base.id} is not available (${rec === null ? 'not recorded' : `${rec.result.status}${rec.result.message !== undefined ? `: ${rec.result.message}` : ''}`})`);
  }
  const local = await readFinished(meta.store, base);
  const sum = await sha256File(rec.result.model).catch(() => null);
  if (local === null || sum === null) throw new CellRefused(`the baseline's files (${rec.result.model}) are not in the store ${meta.store} on ${hostname()} (--store must be shared by every worker, at the same path)`);
  if (rec.modelSha256 !== null && sum !== rec.modelSha256) throw new CellRefused(`the baseline model ${rec.result.model} does not match its checksum (sha256 ${sum.slice(0, 12)}..., recorded ${rec.modelSha256.slice(0, 12)}...)`);
  return [base];
}
