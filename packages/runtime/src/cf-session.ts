import type { Backend, Buf } from '@lers/kernels';
import type { LightGcnServing } from '@lers/models';
import { RequestError } from './errors.js';
import { TopKBuffers, type Recommendation } from './top-k.js';

/** Options of a recommendation request. */
export interface RecommendOptions {
  /** How many items (default 20). */
  readonly k?: number;
  /** Leave out the user's train items (default true). */
  readonly excludeSeen?: boolean;
}

/** Users scored together per kernel batch by `recommendMany`. */
const USER_BATCH = 64;

/** Id maps of a model trained on raw ids (the model's users and items are then named by them). */
interface IdMaps {
  readonly users?: Int32Array;
  readonly items?: Int32Array;
}

/**
 * CF requests on a LightGCN serving form: ids mapped, users scored in batches (one propagation
 * per call in propagate mode, one read-back per batch), seen items masked, top-k.
 */
export class CfSession {
  /** Per-batch buffers, grown to the largest batch asked so far (one user: one row of scores). */
  private capacity = 0;
  private ids!: Buf<'i32'>;
  private userRows!: Buf<'f32'>;
  private scores!: Buf<'f32'>;
  private topk: TopKBuffers | null = null;
  private readonly userIndex: Map<number, number> | null;

  constructor(
    private readonly be: Backend,
    readonly serving: LightGcnServing,
    private readonly idMaps: IdMaps,
  ) {
    this.ensureRows(1);
    this.userIndex = idMaps.users === undefined ? null : new Map(Array.from(idMaps.users, (raw, i) => [raw, i]));
  }

  get users(): number {
    return this.serving.users;
  }

  get items(): number {
    return this.serving.items;
  }

  /** Top-k items of each user (users named as in the model: raw ids when it has an id map). */
  async recommendMany(users: readonly number[], options: RecommendOptions = {}): Promise<Recommendation[]> {
    const k = options.k ?? 20;
    if (!Number.isInteger(k) || k < 1) throw new RequestError(`k must be a positive integer, got ${k}`);
    const index = users.map((u) => this.indexOf(u));
    const out: Recommendation[] = [];
    this.serving.propagate();
    const batch = this.ensureRows(Math.min(USER_BATCH, Math.max(1, index.length)));
    const topk = this.topkFor(Math.min(k, this.items));
    for (let start = 0; start < index.length; start += batch) {
      const n = Math.min(batch, index.length - start);
      this.be.write(this.ids, index.slice(start, start + n));
      this.serving.score(this.ids, n, this.userRows, this.scores);
      if (options.excludeSeen !== false) this.serving.maskSeen(this.ids, n, this.scores);
      const ranked = await topk.rank(this.scores, n, this.items, k);
      ranked.forEach((r, i) => out.push({ user: users[start + i], items: this.itemIdsOf(r.items), scores: r.scores }));
    }
    return out;
  }

  /** Scores of one user against the given items (ids as in the model), train items not masked. */
  async score(user: number, items: readonly number[]): Promise<Float32Array> {
    const u = this.indexOf(user);
    const columns = items.map((i) => this.itemIndexOf(i));
    this.serving.propagate();
    this.be.write(this.ids, [u]);
    this.serving.score(this.ids, 1, this.userRows, this.scores);
    const row = await this.be.read(this.be.slice(this.scores, 0, this.items));
    return Float32Array.from(columns, (c) => row[c]);
  }

  /** Ranks one row of scores (items long) and reads it back (the top-k phase of a request). */
  async rankScores(scores: Buf<'f32'>, k: number): Promise<{ items: Int32Array; scores: Float32Array }> {
    const [r] = await this.topkFor(Math.min(k, this.items)).rank(scores, 1, this.items, k);
    return r;
  }

  dispose(): void {
    for (const b of [this.ids, this.userRows, this.scores]) this.be.free(b);
    this.topk?.dispose();
    this.serving.dispose();
  }

  /** The dense index of a user id (raw ids when the model has an id map). */
  indexOf(user: number): number {
    if (this.userIndex !== null) {
      const at = this.userIndex.get(user);
      if (at === undefined) throw new RequestError(`user ${user} is not in the model's id map`);
      return at;
    }
    if (!Number.isInteger(user) || user < 0 || user >= this.users) throw new RequestError(`user ${user} is out of range: the model has users 0..${this.users - 1}`);
    return user;
  }

  private itemIndexOf(item: number): number {
    const map = this.idMaps.items;
    const at = map === undefined ? item : map.indexOf(item);
    if (!Number.isInteger(at) || at < 0 || at >= this.items) throw new RequestError(map === undefined ? `item ${item} is out of range: the model has items 0..${this.items - 1}` : `item ${item} is not in the model's id map`);
    return at;
  }

  private itemIdsOf(items: Int32Array): Int32Array {
    const map = this.idMaps.items;
    return map === undefined ? items : items.map((i) => map[i]);
  }

  private topkFor(k: number): TopKBuffers {
    if (this.topk === null || this.topk.k < Math.min(k, 100) || this.topk.rows < this.capacity) {
      this.topk?.dispose();
      this.topk = new TopKBuffers(this.be, this.capacity, Math.min(Math.max(k, 20), 100));
    }
    return this.topk;
  }

  /** Makes the per-batch buffers hold at least `rows` users; returns the capacity. */
  private ensureRows(rows: number): number {
    if (rows <= this.capacity) return this.capacity;
    if (this.capacity > 0) for (const b of [this.ids, this.userRows, this.scores]) this.be.free(b);
    this.ids = this.be.alloc('i32', rows);
    this.userRows = this.be.alloc('f32', rows * this.serving.dim);
    this.scores = this.be.alloc('f32', rows * this.serving.items);
    this.capacity = rows;
    return rows;
  }
}
