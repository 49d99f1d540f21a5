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
export interface IdMaps {
  readonly users?: Int32Array;
  readonly items?: Int32Array;
  /** Text raw ids (triplets, RecBole tokens). */
  readonly userNames?: readonly string[];
  readonly itemNames?: readonly string[];
}

/** How a model names its users or items: dense indices 0..n-1, integer raw ids, or text raw ids. */
export type IdKind = 'index' | 'integer' | 'text';

/** A user or item as the model names it. */
export type Id = number | string;

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
  private readonly userIndex: Map<Id, number> | null;
  private itemIndex: Map<Id, number> | null = null;

  constructor(
    private readonly be: Backend,
    readonly serving: LightGcnServing,
    private readonly idMaps: IdMaps,
  ) {
    this.ensureRows(1);
    const users: readonly Id[] | undefined = idMaps.userNames ?? (idMaps.users !== undefined ? Array.from(idMaps.users) : undefined);
    this.userIndex = users === undefined ? null : new Map(Array.from(users, (raw, i) => [raw, i]));
  }

  get users(): number {
    return this.serving.users;
  }

  /** How requests name users and results name items. */
  get idKinds(): { readonly users: IdKind; readonly items: IdKind } {
    const kind = (names: unknown, ints: unknown): IdKind => (names !== undefined ? 'text' : ints !== undefined ? 'integer' : 'index');
    return { users: kind(this.idMaps.userNames, this.idMaps.users), items: kind(this.idMaps.itemNames, this.idMaps.items) };
  }

  get items(): number {
    return this.serving.items;
  }

  /** Top-k items of each user (users named as in the model: raw ids when it has an id map). */
  async recommendMany(users: readonly Id[], options: RecommendOptions = {}): Promise<Recommendation[]> {
    const k = options.k ?? 20;
    if (!Number.isInteger(k) || k < 1) throw new RequestError(`k must be a positive integer, got ${k}`);
    const index = users.map((u) => this.indexOf(u));
    const out: Recommendation[] = [];
    const batch = this.ensureRows(Math.min(USER_BATCH, Math.max(1, index.length)));
    const topk = this.topkFor(Math.min(k, this.items));
    // One propagation per call (propagate mode): a call of one batch has its users' rows computed
    // with it; several batches share one full propagation.
    const batches = index.length > batch;
    if (batches) this.serving.propagate();
    for (let start = 0; start < index.length; start += batch) {
      const n = Math.min(batch, index.length - start);
      const batchUsers = index.slice(start, start + n);
      this.be.write(this.ids, batchUsers);
      if (batches) this.serving.gatherFinalRows(this.ids, n, this.userRows);
      else this.serving.finalUserRows(batchUsers, this.ids, this.userRows);
      this.serving.scoreRows(n, this.userRows, this.scores);
      if (options.excludeSeen !== false) this.serving.maskSeen(this.ids, n, this.scores);
      const ranked = await topk.rank(this.scores, n, this.items, k);
      ranked.forEach((r, i) => out.push({ user: users[start + i], items: this.itemIdsOf(r.items), scores: r.scores }));
    }
    return out;
  }

  /** Scores of one user against the given items (ids as in the model), train items not masked. */
  async score(user: Id, items: readonly Id[]): Promise<Float32Array> {
    const u = this.indexOf(user);
    const columns = items.map((i) => this.itemIndexOf(i));
    this.be.write(this.ids, [u]);
    this.serving.finalUserRows([u], this.ids, this.userRows);
    this.serving.scoreRows(1, this.userRows, this.scores);
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

  /** The dense index of a user id (raw ids, integer or text, when the model has an id map). */
  indexOf(user: Id): number {
    return denseIndex(user, this.userIndex, this.users, 'user');
  }

  private itemIndexOf(item: Id): number {
    const raw: readonly Id[] | undefined = this.idMaps.itemNames ?? (this.idMaps.items !== undefined ? Array.from(this.idMaps.items) : undefined);
    this.itemIndex ??= raw === undefined ? null : new Map(Array.from(raw, (id, i) => [id, i]));
    return denseIndex(item, this.itemIndex, this.items, 'item');
  }

  private itemIdsOf(items: Int32Array): Int32Array | string[] {
    const { items: ints, itemNames: names } = this.idMaps;
    if (names !== undefined) return Array.from(items, (i) => names[i]);
    return ints === undefined ? items : items.map((i) => ints[i]);
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

/** A dense index from an id: through the id map when there is one, else the index itself (checked). */
function denseIndex(id: Id, map: Map<Id, number> | null, count: number, what: string): number {
  if (map !== null) {
    const at = map.get(id);
    if (at === undefined) throw new RequestError(`${what} ${JSON.stringify(id)} is not in the model's id map`);
    return at;
  }
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= count) throw new RequestError(`${what} ${JSON.stringify(id)} is out of range: the model has ${what}s 0..${count - 1}`);
  return id;
}
