/**
 * A queued bench run's state in Redis, next to BullMQ's own keys: the run's description (its
 * cells, profile, backend, store, attempts), each cell's recorded result (set once: the first
 * completion wins, so a cell re-run after a stall is recorded once), the cells running now and on
 * which worker, and how many times each cell was started.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { canonicalJson } from '@lers/data';
import type { BackendChoice } from '@lers/runtime';
import type { Cell, ProfileName } from '../bench/grid.js';
import type { CellResult } from '../bench/run.js';

/** BullMQ's queue of every run's jobs (workers listen to it). */
export const QUEUE_NAME = 'lers-bench';
const PREFIX = 'lers:bench';

/** What a run is: the grid and how every worker runs it. */
export interface RunMeta {
  readonly runId: string;
  /** Random per creation: a job of a cancelled (and re-created) run carries another one and is dropped. */
  readonly nonce: string;
  readonly profile: ProfileName;
  readonly backend: BackendChoice;
  readonly threads: number;
  /** The directory every worker reads and writes models and cell files in (the same path on every machine). */
  readonly store: string;
  readonly cacheDir: string | null;
  /** Runs of a failing cell before its error is recorded. */
  readonly attempts: number;
  readonly cells: readonly Cell[];
  readonly createdAt: string;
}

/** A cell's recorded outcome. */
export interface CellRecord {
  readonly result: CellResult;
  /** The worker that recorded it (host:pid). */
  readonly worker: string;
  /** sha256 of the cell's model file in the store (checked by the cells that start from it). */
  readonly modelSha256: string | null;
}

/** A running cell. */
export interface ActiveCell {
  readonly worker: string;
  readonly since: string;
}

/** A run's state at one moment. */
export interface RunSnapshot {
  readonly records: ReadonlyMap<string, CellRecord>;
  readonly active: ReadonlyMap<string, ActiveCell>;
  readonly starts: ReadonlyMap<string, number>;
}

/** The id of a run: the same grid (cells and their hashes) on the same profile and backend attaches to the same run. */
export function runIdOf(cells: readonly Cell[], profile: ProfileName, backend: BackendChoice, threads: number): string {
  const material = canonicalJson({ cells: cells.map((c) => [c.id, c.hash]), profile, backend, threads });
  return createHash('sha256').update(material).digest('hex').slice(0, 12);
}

/** A fresh nonce. */
export function newNonce(): string {
  return randomBytes(8).toString('hex');
}

function parseMap<T>(raw: Record<string, string>): Map<string, T> {
  return new Map(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as T]));
}

/** One run's keys. */
export class RunState {
  private readonly key: (part: string) => string;

  constructor(
    private readonly redis: Redis,
    readonly runId: string,
  ) {
    this.key = (part) => `${PREFIX}:${runId}:${part}`;
  }

  /** Every run id known to this Redis. */
  static async runIds(redis: Redis): Promise<string[]> {
    return (await redis.smembers(`${PREFIX}:runs`)).sort();
  }

  /** Creates the run (true) unless it exists (false: attach to it). */
  async create(meta: RunMeta): Promise<boolean> {
    const created = await this.redis.set(this.key('meta'), JSON.stringify(meta), 'NX');
    if (created === null) return false;
    await this.redis.sadd(`${PREFIX}:runs`, this.runId);
    return true;
  }

  /** The run's description, or null when there is no such run. */
  async meta(): Promise<RunMeta | null> {
    const raw = await this.redis.get(this.key('meta'));
    return raw === null ? null : (JSON.parse(raw) as RunMeta);
  }

  /** Marks that the run's jobs are all queued. */
  async markQueued(): Promise<void> {
    await this.redis.set(this.key('queued'), '1');
  }

  /** True once the run's jobs are all queued. */
  async isQueued(): Promise<boolean> {
    return (await this.redis.exists(this.key('queued'))) === 1;
  }

  /** Records a cell's outcome unless one is recorded already (idempotent completion); true when this call recorded it. */
  async record(cellId: string, rec: CellRecord): Promise<boolean> {
    return (await this.redis.hsetnx(this.key('results'), cellId, JSON.stringify(rec))) === 1;
  }

  /** A cell's recorded outcome. */
  async recordOf(cellId: string): Promise<CellRecord | null> {
    const raw = await this.redis.hget(this.key('results'), cellId);
    return raw === null ? null : (JSON.parse(raw) as CellRecord);
  }

  /** A worker starts a cell. */
  async started(cellId: string, worker: string): Promise<void> {
    await this.redis.multi().hincrby(this.key('starts'), cellId, 1).hset(this.key('active'), cellId, JSON.stringify({ worker, since: new Date().toISOString() } satisfies ActiveCell)).exec();
  }

  /** A worker is done with a cell (recorded, or handed back for a retry). */
  async stopped(cellId: string, worker: string): Promise<void> {
    const raw = await this.redis.hget(this.key('active'), cellId);
    if (raw !== null && (JSON.parse(raw) as ActiveCell).worker === worker) await this.redis.hdel(this.key('active'), cellId);
  }

  /** Records, running cells and start counts. */
  async snapshot(): Promise<RunSnapshot> {
    const [records, active, starts] = await Promise.all([this.redis.hgetall(this.key('results')), this.redis.hgetall(this.key('active')), this.redis.hgetall(this.key('starts'))]);
    return {
      records: parseMap<CellRecord>(records),
      active: parseMap<ActiveCell>(active),
      starts: new Map(Object.entries(starts).map(([k, v]) => [k, Number(v)])),
    };
  }

  /** Deletes the run's state (its meta first, so that workers drop its remaining jobs). */
  async remove(): Promise<void> {
    await this.redis.del(this.key('meta'));
    await this.redis.del(this.key('queued'), this.key('results'), this.key('active'), this.key('starts'));
    await this.redis.srem(`${PREFIX}:runs`, this.runId);
  }
}
