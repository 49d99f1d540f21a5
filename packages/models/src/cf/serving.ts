import { BYTES_PER_ELEMENT, isHostBackend, requireHostBackend, rowwiseStride, type Backend, type Buf, type Csr } from '@lers/kernels';
import { buildNormalizedBipartite, fillNormalizedBipartite, type CsrMatrix } from '@lers/data';
import type { EmbeddingTable } from '@lers/embeddings';

/**
 * How a LightGCN serves requests. `propagate`: the paper's edge setting, memory is the tables and
 * the graph, and every request propagates (2L sparse products over all nodes; on host backends a
 * request of up to 64 users computes the user side's last layer for its own rows only).
 * `cached`: propagated once at load, the fp32 final embeddings kept (tables and graph freed).
 * `cached-int8`: the same, quantized row-wise to int8 (about a quarter of the fp32 cache),
 * dequantized while scoring.
 */
export type CfServingMode = 'propagate' | 'cached' | 'cached-int8';
export const CF_SERVING_MODES: readonly CfServingMode[] = ['propagate', 'cached', 'cached-int8'];

/** What `LightGcnServing` is made from. */
export interface LightGcnServingOptions {
  readonly backend: Backend;
  /** The user and item tables (users x dim, items x dim); the serving form owns them from now on. */
  readonly user: EmbeddingTable;
  readonly item: EmbeddingTable;
  readonly layers: number;
  /**
   * The train graph (users x items, ascending columns, checked by the caller), for propagation and
   * for masking seen items: on the host, or already in the memory of a host backend (`owned`: this
   * form frees it on dispose; otherwise it is used in place, e.g. a model file's resident sections,
   * and the cached modes copy it once propagated, so the caller may free it after construction).
   * From backend memory, the normalized graph is built there too, with no host copy.
   */
  readonly graph: { readonly host: CsrMatrix } | { readonly indptr: Buf<'i32'>; readonly indices: Buf<'i32'>; readonly owned: boolean };
  readonly mode: CfServingMode;
}

/** Items dequantized per step when scoring from the int8 cache. */
const INT8_ITEM_CHUNK = 2048;

/**
 * Propagate mode, host backends: requests of at most this many users compute the user side's last
 * layer for their own rows only (one small product per user; above this, one full product costs less).
 */
const ROW_LAST_LAYER_MAX = 64;

/** The users of a request whose final rows the last layer writes (propagate mode's row path). */
interface LastLayerRows {
  readonly users: ArrayLike<number>;
  readonly ids: Buf<'i32'>;
  readonly out: Buf<'f32'>;
}

/**
 * LightGCN's serving form: final embeddings E = mean_l A^l E0 by Horner steps y <- E0 + A y on the
 * two blocks of the normalized bipartite adjacency (users from items, items from users: the same
 * sums, term by term, as the training model's symmetric product, so the same bits), scores of a
 * user against every item, the user's train items masked, top-k. Each phase is its own method so
 * a profile can time them. Buffers: the item side is updated in place (its product reads only the
 * user side), the user side alternates between two buffers.
 */
export class LightGcnServing {
  readonly users: number;
  readonly items: number;
  readonly dim: number;
  readonly layers: number;
  readonly mode: CfServingMode;
  private readonly be: Backend;
  /** User rows of the normalized adjacency (users x items), also the mask of seen items (maskSeen reads its indices). */
  private userRows: Csr;
  /** Whether the train graph's indptr and indices are ours (freed by dispose). */
  private ownedGraph: boolean;
  private itemRows: Csr | null;
  private tables: { user: EmbeddingTable; item: EmbeddingTable } | null;
  /** E0 per side with no layers, when a table does not store its rows densely (filled by lookupAll). */
  private e0User: Buf<'f32'> | null = null;
  private e0Item: Buf<'f32'> | null = null;
  private readonly userBufs: Buf<'f32'>[] = [];
  private itemBuf: Buf<'f32'> | null = null;
  /** The final embeddings' current location (fp32), or the int8 cache. */
  private finalUser: Buf<'f32'> | null = null;
  private finalItem: Buf<'f32'> | null = null;
  private int8: { user: Buf<'u8'>; item: Buf<'u8'>; chunk: Buf<'f32'> } | null = null;
  /** Every buffer this form allocated and still holds (not the tables' or the file's). */
  private readonly owned = new Set<Buf>();

  constructor(o: LightGcnServingOptions) {
    const be = o.backend;
    this.be = be;
    this.users = o.user.rows;
    this.items = o.item.rows;
    this.dim = o.user.dim;
    this.layers = o.layers;
    this.mode = o.mode;
    if (o.item.dim !== this.dim) throw new RangeError(`LightGCN serving: user and item tables differ in dim (${this.dim}, ${o.item.dim})`);
    if (!Number.isInteger(o.layers) || o.layers < 0) throw new RangeError(`LightGCN serving: layers must be an integer >= 0, got ${o.layers}`);
    const graph = 'host' in o.graph ? this.uploadGraph(o.graph.host) : this.buildGraphInPlace(o.graph.indptr, o.graph.indices);
    this.ownedGraph = 'host' in o.graph || o.graph.owned;
    this.userRows = graph.userRows;
    this.itemRows = graph.itemRows;
    this.tables = { user: o.user, item: o.item };
    if (o.mode !== 'propagate') {
      this.propagate();
      this.keepCache();
    } else this.allocatePropagation();
  }

  /** The normalized graph from a host train graph, built on the host and uploaded. */
  private uploadGraph(train: CsrMatrix): { userRows: Csr; itemRows: Csr } {
    const be = this.be;
    const { userRows, itemRows } = buildNormalizedBipartite(train, this.users, this.items);
    return {
      userRows: { rows: this.users, cols: this.items, indptr: be.upload('i32', userRows.indptr), indices: be.upload('i32', userRows.indices), values: be.upload('f32', userRows.values) },
      itemRows: be.uploadCsr(itemRows),
    };
  }

  /**
   * The normalized graph from a train graph in a host backend's memory, written straight into
   * buffers of that backend (no host arrays: loading a model touches no memory it does not keep).
   */
  private buildGraphInPlace(indptr: Buf<'i32'>, indices: Buf<'i32'>): { userRows: Csr; itemRows: Csr } {
    const be = requireHostBackend(this.be, 'building a LightGCN graph held in backend memory');
    const nnz = indices.length;
    const userValues = be.alloc('f32', nnz);
    const itemIndptr = be.alloc('i32', this.items + 1);
    const itemIndices = be.alloc('i32', nnz);
    const itemValues = be.alloc('f32', nnz);
    // Views are taken after the last allocation (memory growth would detach earlier ones).
    const train = { rows: this.users, cols: this.items, indptr: be.view(indptr), indices: be.view(indices) };
    fillNormalizedBipartite(train, this.users, this.items, { userValues: be.view(userValues), itemIndptr: be.view(itemIndptr), itemIndices: be.view(itemIndices), itemValues: be.view(itemValues) });
    return {
      userRows: { rows: this.users, cols: this.items, indptr, indices, values: userValues },
      itemRows: { rows: this.items, cols: this.users, indptr: itemIndptr, indices: itemIndices, values: itemValues },
    };
  }

  /** The propagation buffers, made at construction so that a load's memory is known when it returns. */
  private allocatePropagation(): void {
    const d = this.dim;
    const dense = (side: 'user' | 'item'): boolean => this.tables![side].denseValues !== undefined;
    if (this.layers === 0) {
      if (!dense('user')) this.e0User = this.alloc('f32', this.users * d);
      if (!dense('item')) this.e0Item = this.alloc('f32', this.items * d);
      return;
    }
    this.userBufs[1] = this.alloc('f32', this.users * d);
    if (this.layers > 1 || !dense('user')) this.userBufs[0] = this.alloc('f32', this.users * d);
    this.itemBuf = this.alloc('f32', this.items * d);
  }

  /**
   * Phase 1 of a request: the final embeddings of `users` (the same ids also in `ids` on the
   * backend) into `out` (users.length x dim), with the items' final embeddings ready to score. The
   * cached modes gather them (dequantized for int8). Propagate mode propagates; on a host backend
   * a request of at most ROW_LAST_LAYER_MAX users has the user side's last layer computed for its
   * own rows only: the scores need no other user's final row, so that saves one of the 2L sparse
   * products (the same sums in the same order: the same bits as a full propagation).
   */
  finalUserRows(users: ArrayLike<number>, ids: Buf<'i32'>, out: Buf<'f32'>): void {
    const be = this.be;
    const count = users.length;
    if (this.tables !== null && this.layers > 0 && count <= ROW_LAST_LAYER_MAX && isHostBackend(be)) {
      for (let i = 0; i < count; i++) {
        const u = users[i];
        if (!Number.isInteger(u) || u < 0 || u >= this.users) throw new RangeError(`LightGCN serving: user ${u} is out of range [0, ${this.users})`);
      }
      this.propagateLayers({ users, ids: be.slice(ids, 0, count), out: be.slice(out, 0, count * this.dim) });
      return;
    }
    this.propagate();
    this.gatherFinalRows(ids, count, out);
  }

  /**
   * The final embeddings of the `count` users in `ids` into `out`, from the cache or from the last
   * full propagate() (several batches of one request share one propagation).
   */
  gatherFinalRows(ids: Buf<'i32'>, count: number, out: Buf<'f32'>): void {
    const be = this.be;
    const d = this.dim;
    const idsUsed = be.slice(ids, 0, count);
    const rows = be.slice(out, 0, count * d);
    if (this.int8 !== null) be.gatherDequantRowwise(this.int8.user, this.users, d, 8, idsUsed, rows);
    else if (this.finalUser !== null) be.gather(this.finalUser, this.users, d, idsUsed, rows);
    else throw new Error('LightGCN serving: no final user embeddings to gather (propagate mode: call propagate() first)');
  }

  /**
   * Table lookups and propagation over all nodes (a no-op for the cached modes, whose final
   * embeddings are kept). Each layer is y_s = A y_(s-1) + E0 (the last one scaled by 1 / (L + 1):
   * the mean of the layers). A dense table's E0 is its own rows, read in place. A compressed
   * table's E0 is not held between layers: its rows are looked up into the layer's output buffer,
   * which the product then adds to, so that serving one needs no memory beyond the full model's
   * buffers (the price: a lookup of all rows per layer instead of one per request).
   */
  propagate(): void {
    this.propagateLayers(null);
  }

  /** propagate(), or with `lastRows` the user side's last layer for those users' rows only (into lastRows.out). */
  private propagateLayers(lastRows: LastLayerRows | null): void {
    if (this.tables === null || this.itemRows === null) return;
    const { user, item } = this.tables;
    const itemRows = this.itemRows;
    const L = this.layers;
    if (L === 0) {
      this.finalUser = this.egoRows('user');
      this.finalItem = this.egoRows('item');
      return;
    }
    const be = this.be;
    const d = this.dim;
    const userE0 = user.denseValues?.();
    const itemE0 = item.denseValues?.();
    const userBuf = (k: number): Buf<'f32'> => (this.userBufs[k] ??= this.alloc('f32', this.users * d));
    const itemBuf = (this.itemBuf ??= this.alloc('f32', this.items * d));
    const lookup = (table: EmbeddingTable, out: Buf<'f32'>): Buf<'f32'> => {
      table.lookupAll(out, { training: false });
      return out;
    };
    // The item product reads only the user side, so it may overwrite the item side in place (at
    // layer 1 a compressed item table's E0 is already there); it runs after the user side has read it.
    const itemLayer = (s: number, w: number, yUser: Buf<'f32'>): void => {
      if (itemE0 !== undefined) be.spmm(itemRows, yUser, d, w, w, itemBuf, itemE0);
      else be.spmm(itemRows, yUser, d, w, w, s === 1 ? itemBuf : lookup(item, itemBuf));
    };
    let yUser = userE0 ?? lookup(user, userBuf(0));
    let yItem = itemE0 ?? lookup(item, itemBuf);
    for (let s = 1; s <= L; s++) {
      const w = s === L ? 1 / (L + 1) : 1;
      if (s === L && lastRows !== null) {
        this.lastLayerUserRows(lastRows, yItem, w, userE0);
        itemLayer(s, w, yUser);
        this.finalUser = null;
        this.finalItem = itemBuf;
        return;
      }
      const nextUser = userBuf(s % 2);
      if (userE0 !== undefined) be.spmm(this.userRows, yItem, d, w, w, nextUser, userE0);
      else {
        // At layer 1, E0 is in yUser already: a copy is cheaper than a second lookup.
        if (s === 1) be.copy(yUser, nextUser);
        else lookup(user, nextUser);
        be.spmm(this.userRows, yItem, d, w, w, nextUser);
      }
      itemLayer(s, w, yUser);
      yUser = nextUser;
      yItem = itemBuf;
    }
    this.finalUser = yUser;
    this.finalItem = yItem;
  }

  /**
   * The last layer's user rows of a request: row i of `r.out` = w (A[u_i, :] yItem + E0[u_i, :]),
   * one product over user u_i's row of the adjacency (a one-row view of it: offsets stay absolute).
   */
  private lastLayerUserRows(r: LastLayerRows, yItem: Buf<'f32'>, w: number, userE0: Buf<'f32'> | undefined): void {
    const be = this.be;
    const d = this.dim;
    // A compressed table's E0 rows, looked up into the output (the product then adds to them).
    if (userE0 === undefined) this.tables!.user.lookup(r.ids, r.out, { training: false });
    const { indptr, indices, values } = this.userRows;
    for (let i = 0; i < r.users.length; i++) {
      const u = r.users[i];
      const row: Csr = { rows: 1, cols: this.items, indptr: be.slice(indptr, u, 2), indices, values };
      const out = be.slice(r.out, i * d, d);
      be.spmm(row, yItem, d, w, w, out, userE0 === undefined ? undefined : be.slice(userE0, u * d, d));
    }
  }

  /** Phase 2: scores (count x items) of `count` users' final rows (from finalUserRows) against every item. */
  scoreRows(count: number, userRows: Buf<'f32'>, out: Buf<'f32'>): void {
    const be = this.be;
    const d = this.dim;
    const rows = be.slice(userRows, 0, count * d);
    if (this.int8 !== null) {
      const { item, chunk } = this.int8;
      const stride = rowwiseStride(d, 8);
      for (let start = 0; start < this.items; start += INT8_ITEM_CHUNK) {
        const n = Math.min(INT8_ITEM_CHUNK, this.items - start);
        const block = be.slice(chunk, 0, n * d);
        be.dequantizeRowwise(be.slice(item, start * stride, n * stride), n, d, 8, block);
        for (let r = 0; r < count; r++) be.scores(1, n, d, be.slice(rows, r * d, d), block, be.slice(out, r * this.items + start, n));
      }
      return;
    }
    if (this.finalItem === null) throw new Error('LightGCN serving: scoreRows before finalUserRows (the items\' final embeddings are not computed)');
    be.scores(count, this.items, d, rows, this.finalItem, be.slice(out, 0, count * this.items));
  }

  /** Phase 3: each user's train items set to -Infinity in its scores row. */
  maskSeen(userIds: Buf<'i32'>, count: number, scores: Buf<'f32'>): void {
    this.be.maskSeen(this.be.slice(scores, 0, count * this.items), this.items, this.be.slice(userIds, 0, count), this.userRows);
  }

  /**
   * Bytes this serving form holds on the backend besides the tables: the graph (its resident part
   * counted too), the final-embedding cache and the propagation buffers.
   */
  memoryBytes(): number {
    let total = 0;
    const add = (b: Buf): void => {
      total += b.length * BYTES_PER_ELEMENT[b.dtype];
    };
    for (const b of [this.userRows.indptr, this.userRows.indices, this.userRows.values, ...this.owned]) add(b);
    if (this.itemRows !== null) for (const b of [this.itemRows.indptr, this.itemRows.indices, this.itemRows.values]) add(b);
    return total;
  }

  /** True while the tables are held (propagate mode). */
  get holdsTables(): boolean {
    return this.tables !== null;
  }

  dispose(): void {
    const be = this.be;
    this.releasePropagation();
    be.free(this.userRows.values);
    if (this.ownedGraph) {
      be.free(this.userRows.indptr);
      be.free(this.userRows.indices);
    }
    for (const b of this.owned) be.free(b);
    this.owned.clear();
    this.finalUser = this.finalItem = null;
    this.int8 = null;
  }

  /** A buffer of ours (freed by dispose or when propagation is released). */
  private alloc<D extends 'f32' | 'u8'>(dtype: D, length: number): Buf<D> {
    const b = this.be.alloc(dtype, length);
    this.owned.add(b);
    return b;
  }

  private free(b: Buf): void {
    if (this.owned.delete(b)) this.be.free(b);
  }

  /** E0 of one side: the table's dense rows in place, or its lookupAll into a buffer of ours. */
  private egoRows(side: 'user' | 'item'): Buf<'f32'> {
    const table = this.tables![side];
    const dense = table.denseValues?.();
    if (dense !== undefined) return dense;
    const key = side === 'user' ? 'e0User' : 'e0Item';
    const buf = (this[key] ??= this.alloc('f32', table.rows * this.dim));
    table.lookupAll(buf, { training: false });
    return buf;
  }

  /** After the one propagation of a cached mode: keep the final embeddings (or their int8 form), free the rest. */
  private keepCache(): void {
    const be = this.be;
    const d = this.dim;
    // With no layers the final embeddings may be a table's own rows: copy them out before the tables go.
    const own = (b: Buf<'f32'>): Buf<'f32'> => {
      if (this.owned.has(b)) return b;
      const c = this.alloc('f32', b.length);
      be.copy(b, c);
      return c;
    };
    const user = own(this.finalUser!);
    const item = own(this.finalItem!);
    this.finalUser = user;
    this.finalItem = item;
    this.releasePropagation(user, item);
    this.ownGraph();
    if (this.mode === 'cached-int8') {
      const stride = rowwiseStride(d, 8);
      const qUser = this.alloc('u8', this.users * stride);
      const qItem = this.alloc('u8', this.items * stride);
      be.quantizeRowwise(user, this.users, d, 8, qUser);
      be.quantizeRowwise(item, this.items, d, 8, qItem);
      this.free(user);
      this.free(item);
      this.finalUser = this.finalItem = null;
      this.int8 = { user: qUser, item: qItem, chunk: this.alloc('f32', Math.min(INT8_ITEM_CHUNK, this.items) * d) };
    }
  }

  /**
   * Copies a graph we do not own into buffers of ours (after the propagation buffers are freed, so
   * that the copies reuse their memory instead of growing it).
   */
  private ownGraph(): void {
    if (this.ownedGraph) return;
    const be = this.be;
    const indptr = be.alloc('i32', this.userRows.indptr.length);
    const indices = be.alloc('i32', this.userRows.indices.length);
    be.copy(this.userRows.indptr, indptr);
    be.copy(this.userRows.indices, indices);
    this.userRows = { ...this.userRows, indptr, indices };
    this.ownedGraph = true;
  }

  /** Frees the tables, the item-side adjacency and the propagation buffers, except `keep`. */
  private releasePropagation(...keep: Buf<'f32'>[]): void {
    if (this.itemRows !== null) this.be.freeCsr(this.itemRows);
    this.itemRows = null;
    for (const b of [...this.userBufs, this.itemBuf, this.e0User, this.e0Item]) if (b !== null && b !== undefined && !keep.includes(b)) this.free(b);
    this.userBufs.length = 0;
    this.itemBuf = this.e0User = this.e0Item = null;
    if (this.tables !== null) {
      this.tables.user.dispose();
      this.tables.item.dispose();
      this.tables = null;
    }
  }
}
