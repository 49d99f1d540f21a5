/**
 * `lers bench --queue`: the grid queued as BullMQ flows, progress read back from Redis until every
 * cell is recorded, and the results in grid order (the command writes results.{json,csv,md} as a
 * local run does). The same grid on the same profile and backend is the same run: running the
 * command again (after Ctrl-C, or from another machine) attaches to it. `runStatus` and
 * `cancelRun` read and remove a run. A run that finished with failed cells is queued again by the
 * next attach, as a local re-run retries its failed cells.
 */
import { mkdir } from 'node:fs/promises';
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { failedResult, type CellResult } from '../bench/run.js';
import { InterruptedError, UsageError } from '../cli/errors.js';
import type { Io } from '../cli/io.js';
import { interruptedBy } from '../cli/signals.js';
import { connect, probe, redisOptions, routeErrors } from './connection.js';
import { jobIds, runFlows, type JobData, groupOf } from './flows.js';
import { countsOf, isFailure, progressLine, recordLine, type RunCounts } from './progress.js';
import { redact, type RedisTarget } from './redis-url.js';
import { newNonce, QUEUE_NAME, runIdOf, RunState, type RunMeta } from './run-state.js';

/** A queued run as the coordinator asks for it. */
export interface QueueRunOptions extends Pick<RunMeta, 'cells' | 'profile' | 'backend' | 'threads' | 'store' | 'cacheDir' | 'attempts'> {
  readonly target: RedisTarget;
  readonly io: Io;
  readonly pollMs?: number;
}

/** What the coordinator got back. */
export interface QueueRunOutcome {
  readonly runId: string;
  readonly attached: boolean;
  readonly store: string;
  /** Every cell's result, in grid order. */
  readonly results: CellResult[];
  /** How many times each cell was started (more than once: a worker died or it was retried). */
  readonly starts: Readonly<Record<string, number>>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Opens the connections of a command (after a fail-fast probe). */
async function open(target: RedisTarget, io: Io): Promise<{ redis: Redis; say: (l: string) => void; queue: () => Queue }> {
  await probe(target);
  const say = (line: string): void => { io.info(`queue: ${redact(line, target)}`); };
  const queue = (): Queue => {
    const q = new Queue(QUEUE_NAME, { connection: redisOptions(target) });
    routeErrors(q, target, say);
    return q;
  };
  return { redis: connect(target, say, 'lers-bench'), say, queue };
}

/** Queues the grid (or attaches to its run) and waits until every cell is recorded. */
export async function runOnQueue(o: QueueRunOptions): Promise<QueueRunOutcome> {
  const { redis, say, queue: openQueue } = await open(o.target, o.io);
  const queue = openQueue();
  try {
    const runId = runIdOf(o.cells, o.profile, o.backend, o.threads);
    const state = new RunState(redis, runId);
    const wanted = (): RunMeta => ({ runId, nonce: newNonce(), profile: o.profile, backend: o.backend, threads: o.threads, store: o.store, cacheDir: o.cacheDir, attempts: o.attempts, cells: o.cells, createdAt: new Date().toISOString() });
    let attached = !(await state.create(wanted()));
    let meta = await state.meta();
    if (meta === null) throw new UsageError(`run ${runId} was removed while attaching; run the command again`);
    const before = await state.snapshot();
    const failed = [...before.records.values()].filter(isFailure).length;
    if (attached && before.records.size === meta.cells.length && failed > 0) {
      // As a local re-run retries the cells that failed: queue the run again; its finished cells are read from the store.
      say(`run ${runId} finished with ${failed} failed cell(s): queuing it again (finished cells are read from the store ${meta.store})`);
      await removeRun(state, queue, meta);
      attached = !(await state.create(wanted()));
      meta = (await state.meta())!;
    }
    if (!attached) await mkdir(meta.store, { recursive: true });
    if (attached) {
      say(`attached to run ${runId} (queued ${meta.createdAt}, store ${meta.store})`);
      if (meta.store !== o.store) say(`the run keeps its store ${meta.store} (not ${o.store})`);
    } else say(`run ${runId}: ${o.cells.length} cells in ${new Set(o.cells.map(groupOf)).size} flow(s), store ${meta.store}, ${meta.attempts} attempt(s) per cell`);
    if (!(await state.isQueued())) {
      const producer = new FlowProducer({ connection: redisOptions(o.target) });
      routeErrors(producer, o.target, say);
      try {
        await producer.addBulk(runFlows({ runId, nonce: meta.nonce }, meta.cells, meta.attempts));
      } finally {
        await producer.close();
      }
      await state.markQueued();
    }
    const results = await waitForRun(state, queue, meta, o.io, say, o.pollMs ?? 500);
    const snap = await state.snapshot();
    return { runId, attached, store: meta.store, results, starts: Object.fromEntries(snap.starts) };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Polls the run's state until every cell is recorded, printing progress; Ctrl-C detaches. */
async function waitForRun(state: RunState, queue: Queue, meta: RunMeta, io: Io, say: (l: string) => void, pollMs: number): Promise<CellResult[]> {
  const total = meta.cells.length;
  const seen = new Set<string>();
  let lastLine = '';
  let lastFailedCheck = 0;
  for (;;) {
    if (interruptedBy() !== null) {
      say(`detached from run ${meta.runId}: the workers go on; run the same command again to attach, or --cancel to stop it`);
      throw new InterruptedError(interruptedBy()!);
    }
    const snap = await state.snapshot();
    for (const [id, rec] of snap.records) {
      if (seen.has(id)) continue;
      seen.add(id);
      io.info(recordLine(id, rec));
    }
    const line = progressLine(meta.runId, total, snap);
    if (line !== lastLine) io.info((lastLine = line));
    if (meta.cells.every((c) => snap.records.has(c.id))) return meta.cells.map((c) => snap.records.get(c.id)!.result);
    if (performance.now() - lastFailedCheck > 2000) {
      lastFailedCheck = performance.now();
      await recordQueueFailures(state, queue, meta, snap.records);
    }
    await sleep(pollMs);
  }
}

/** Cells whose job BullMQ failed for good without a recorded outcome (e.g. stalled too often): recorded with BullMQ's reason. */
async function recordQueueFailures(state: RunState, queue: Queue, meta: RunMeta, records: ReadonlyMap<string, unknown>): Promise<void> {
  for (const cell of meta.cells) {
    if (records.has(cell.id)) continue;
    const job = await queue.getJob(jobIds.cell(meta, cell.id));
    if (job === undefined || (job.data as JobData).nonce !== meta.nonce) continue;
    if ((await job.getState()) !== 'failed') continue;
    await state.record(cell.id, {
      result: failedResult(cell, `the queue gave up on it: ${job.failedReason}`),
      worker: 'queue',
      modelSha256: null,
    });
  }
}

/** Removes a run: its state first (workers drop its jobs as they reach them), then its jobs. */
async function removeRun(state: RunState, queue: Queue, meta: RunMeta): Promise<void> {
  await state.remove();
  const groups = [...new Set(meta.cells.map(groupOf))];
  const ids = [...groups.map((g) => jobIds.group(meta, g)), ...groups.map((g) => jobIds.after(meta, g)), ...meta.cells.map((c) => jobIds.cell(meta, c.id))];
  for (const id of ids) {
    // A job running now is locked by its worker: it stays until that worker drops it.
    await queue.remove(id, { removeChildren: true }).catch(() => 0);
  }
}

/** A run's status (or, with no such run, the runs this Redis knows). */
export interface RunStatus {
  readonly runId: string;
  readonly exists: boolean;
  readonly counts: RunCounts | null;
  readonly line: string | null;
  /** How many times each cell was started (more than once: its worker died, or it failed and was retried). */
  readonly starts: Readonly<Record<string, number>>;
  readonly known: readonly string[];
}

/** The status of the grid's run. */
export async function runStatus(target: RedisTarget, runId: string, io: Io): Promise<RunStatus> {
  const { redis } = await open(target, io);
  try {
    const state = new RunState(redis, runId);
    const meta = await state.meta();
    if (meta === null) return { runId, exists: false, counts: null, line: null, starts: {}, known: await RunState.runIds(redis) };
    const snap = await state.snapshot();
    return { runId, exists: true, counts: countsOf(meta.cells.length, snap), line: progressLine(runId, meta.cells.length, snap), starts: Object.fromEntries(snap.starts), known: await RunState.runIds(redis) };
  } finally {
    redis.disconnect();
  }
}

/**
 * Cancels the grid's run: its state goes first (workers drop its jobs as they reach them, and a
 * cell running now is not recorded), then its jobs. Files already in the store stay. Returns false
 * when there is no such run.
 */
export async function cancelRun(target: RedisTarget, runId: string, io: Io): Promise<boolean> {
  const { redis, queue: openQueue } = await open(target, io);
  const queue = openQueue();
  try {
    const state = new RunState(redis, runId);
    const meta = await state.meta();
    if (meta === null) return false;
    await removeRun(state, queue, meta);
    return true;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
