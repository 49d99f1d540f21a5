import { hash2, isHostBackend, type Backend, type Buf, type TtShape } from '@lers/kernels';
import { solveWith } from '../../budget/solve.js';
import { solveTtrec } from './budget.js';
import { ttShapeChoice } from './budget.js';
import { checkTableShape } from '../full/full.js';
import { freeGradient, withLazyGradient, type Parameter } from '../../parameter.js';
import type { CreateTableOptions, MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { TouchedRows } from '../full/touched-rows.js';
import { checkIdsInRange, checkKnownIds, checkRowsLength, countNonZeros, requireHostIds } from '../common/host-access.js';
import { openRangeOption, positiveIntArrayOption } from '../common/option-values.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';
import { TtLfuCache } from './tt-cache.js';
import { ttCacheRows, ttCoreSize, ttParamCount, ttShape } from './tt-shape.js';

/** Inner rank used when neither `ranks` nor `sparsity` is given. */
export const TT_DEFAULT_RANK = 16;

/** Options of a TT-Rec table (createTable('ttrec', ...) takes the same names). */
export interface TtRecTableOptions extends CreateTableOptions {
  /** Inner ranks r_1..r_{K-1} (e.g. [96, 80]) or one rank for all; default 16, or give `sparsity`. */
  readonly ranks?: readonly number[] | number;
  /** Number of cores K in [2, 4] (default 3). */
  readonly cores?: number;
  /** Row factors p (prod >= rows; default: balanced around N^(1/K), least padding). */
  readonly pShape?: readonly number[];
  /** Dim factors q (prod = dim; default: the most balanced, 64 -> [4, 4, 4]). */
  readonly qShape?: readonly number[];
  /** Target sparsity: the ranks are chosen by the budget solver (cache counted). */
  readonly sparsity?: number;
  /** Enables the LFU cache of hot rows at TT-Rec's default size, 10% of the rows. */
  readonly cache?: boolean;
  /** Cache size as a fraction of the rows (0 disables; implies `cache`). */
  readonly cacheFraction?: number;
  /** Exact number of cached rows (overrides cacheFraction; used when restoring). */
  readonly cacheRows?: number;
}

/**
 * TT-Rec: the N x d table as a tensor train. Rows factor as p_1..p_K >= N (the padded rows are
 * never addressed), dims as q_1..q_K = d, core k is r_k x p_k x q_k x r_{k+1}; a row is the chained
 * product of its cores' slices (ttRows kernel), backward accumulates into every core.
 *
 * Init: i.i.d. Gaussian cores with variances chosen so that a reconstructed entry has Xavier-
 * uniform's variance 2 / (N + d): var(core 1) = V^(1/K), var(core k) = V^(1/K) / r_{k-1} after it,
 * so that the sum over the prod(r) rank paths has variance V. (TT-Rec samples Gaussian cores
 * scaled by N; this keeps its Gaussian form at the protocol's Xavier scale.)
 *
 * Optional LFU cache: `cacheRows` full d-dim rows, counted in the parameters from the start.
 * During the first epoch training lookups are counted; at its end (onEpochEnd, or fillCache())
 * the most looked-up rows move to the cache, initialised with their TT values; from then on they
 * are trainable rows served from the cache and no longer reach the cores. lookupAll does not
 * count (every row would count once): a model that propagates the whole table (LightGCN) reports
 * the rows its loss reads through countReads instead: the batch's users, positives and negatives,
 * the rows the benchmark's LightGCN looks up through its tables (for its L2 term).
 */
export class TtRecTable implements EmbeddingTable {
  readonly method = 'ttrec';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly shape: TtShape;
  /** The K cores, `<name>.core<k>`, each r_k x p_k x q_k x r_{k+1}. */
  readonly cores: readonly Parameter[];
  /** The cache rows (cacheRows x dim), `<name>.cache`, or null without a cache. */
  readonly cache: Parameter | null;
  private readonly name: string;
  private readonly lfu: TtLfuCache | null;
  private readonly cacheTouched: TouchedRows | null;
  private readonly coreValues: Buf<'f32'>[];
  /** The cores' gradients (allocated on first use: a table that only serves has none). */
  private get coreGrads(): Buf<'f32'>[] {
    return this.cores.map((c) => c.grad);
  }
  private readonly split: ScratchBuffer<'i32'>[];
  private readonly rowsA: ScratchBuffer<'f32'>;
  private readonly rowsB: ScratchBuffer<'f32'>;
  private allIds: Buf<'i32'> | null = null;
  /** After filling: the ids served by the cores, and the cached ids in slot order. */
  private coreIds: Buf<'i32'> | null = null;
  private cachedIdBuf: Buf<'i32'> | null = null;
  /** False when the cores and cache are a model file's resident sections (the file's, not freed here). */
  private readonly ownsValues: boolean;
  private disposed = false;

  /**
   * A new table initialised from `options.seed` (ranks solved when only `sparsity` is given), or,
   * with `values`, over those cores and cache rows used in place (not owned: a model file's
   * sections in backend memory; their lengths are checked before anything is allocated).
   */
  constructor(options: TtRecTableOptions, values?: { readonly cores: readonly Buf<'f32'>[]; readonly cache: Buf<'f32'> | null }) {
    checkTableShape('ttrec', options.rows, options.dim);
    const o = options as unknown as Readonly<Record<string, unknown>>;
    const choice = ttShapeChoice(options.rows, options.dim, o);
    const cores = choice.p.length;
    let inner: number[] | undefined;
    if (typeof options.ranks === 'number') inner = positiveIntArrayOption('ttrec', { ranks: new Array<unknown>(cores - 1).fill(options.ranks) }, 'ranks');
    else inner = positiveIntArrayOption('ttrec', o, 'ranks', cores - 1);
    const sparsity = openRangeOption('ttrec', o, 'sparsity', 0, 1);
    if (inner === undefined && sparsity !== undefined) {
      const solved = solveWith(solveTtrec, { method: 'ttrec', rows: options.rows, dim: options.dim, sparsity, options: { pShape: choice.p, qShape: choice.q, cacheFraction: choice.cacheFraction } });
      inner = solved.options.ranks as number[];
    }
    this.rows = options.rows;
    this.dim = options.dim;
    this.backend = options.backend;
    this.name = options.name ?? 'ttrec';
    this.shape = ttShape(choice.p, choice.q, inner ?? new Array<number>(cores - 1).fill(TT_DEFAULT_RANK));
    const be = options.backend;
    const decay = options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {};
    const variance = 2 / (options.rows + options.dim);
    const exactRows = o.cacheRows;
    if (exactRows !== undefined && (typeof exactRows !== 'number' || !Number.isInteger(exactRows) || exactRows < 0 || exactRows > options.rows)) {
      throw new RangeError(`ttrec: option cacheRows must be an integer in [0, ${options.rows}], got ${JSON.stringify(exactRows)}`);
    }
    const cacheRows = exactRows ?? ttCacheRows(options.rows, choice.cacheFraction);
    if (values !== undefined) {
      const want = this.shape.p.map((_, k) => ttCoreSize(this.shape, k));
      if (values.cores.length !== cores || values.cores.some((c, k) => c.length !== want[k])) throw new RangeError(`ttrec table: the cores must have ${want.join(', ')} values`);
      if ((values.cache?.length ?? 0) !== cacheRows * options.dim) throw new RangeError(`ttrec table: the cache must have ${cacheRows * options.dim} values`);
    }
    this.ownsValues = values === undefined;
    this.cores = this.shape.p.map((p, k) => {
      const n = ttCoreSize(this.shape, k);
      const given = values?.cores[k];
      const value = given ?? be.alloc('f32', n);
      const std = Math.sqrt(Math.pow(variance, 1 / cores) / this.shape.ranks[k]);
      if (given === undefined) be.fillNormal(value, 0, std, hash2(options.seed, k + 1));
      return withLazyGradient(be, n, { name: `${this.name}.core${k}`, value, shape: [this.shape.ranks[k], p, this.shape.q[k], this.shape.ranks[k + 1]], ...decay });
    });
    this.coreValues = this.cores.map((c) => c.value);
    if (cacheRows > 0) {
      this.lfu = new TtLfuCache(options.rows, cacheRows);
      this.cacheTouched = new TouchedRows(be, cacheRows, options.dim);
      const n = cacheRows * options.dim;
      this.cache = withLazyGradient(be, n, { name: `${this.name}.cache`, value: values?.cache ?? be.alloc('f32', n), shape: [cacheRows, options.dim], rowSparse: this.cacheTouched, ...decay });
    } else {
      this.lfu = null;
      this.cacheTouched = null;
      this.cache = null;
    }
    this.split = [0, 1, 2, 3].map(() => new ScratchBuffer(be, 'i32'));
    this.rowsA = new ScratchBuffer(be, 'f32');
    this.rowsB = new ScratchBuffer(be, 'f32');
  }

  /** Restores a table serialised by `serialize()` (bit-exact, cache state included). */
  static deserialize(serialized: SerializedTable, backend: Backend): TtRecTable {
    if (serialized.method !== 'ttrec') throw new TypeError(`TtRecTable.deserialize: method is ${serialized.method}, not ttrec`);
    const h = serialized.header;
    const { rows, dim, p, q, ranks, cacheRows, filled } = h;
    if (typeof rows !== 'number' || typeof dim !== 'number' || typeof cacheRows !== 'number' || typeof filled !== 'boolean' || !Array.isArray(p) || !Array.isArray(q) || !Array.isArray(ranks)) {
      throw new TypeError('ttrec table: header needs rows, dim, p, q, ranks, cacheRows and filled');
    }
    const options: TtRecTableOptions = {
      rows,
      dim,
      backend,
      seed: 0,
      pShape: p as number[],
      qShape: q as number[],
      ranks: ranks as number[],
      cacheRows,
      ...(typeof h.name === 'string' ? { name: h.name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    };
    // A file in this backend's memory: the cores and the cache rows are used where they lie.
    const r = serialized.resident;
    const residentCores = r === undefined ? [] : (p as unknown[]).map((_, k) => r[`core${k}`]);
    const residentCache = r?.cache ?? null;
    const inPlace = r !== undefined && residentCores.every((c) => c?.dtype === 'f32') && (residentCache === null || residentCache.dtype === 'f32');
    const table = inPlace ? new TtRecTable(options, { cores: residentCores as Buf<'f32'>[], cache: residentCache as Buf<'f32'> | null }) : new TtRecTable(options);
    try {
      const f32 = (key: string, length: number): Float32Array => {
        const v = serialized.sections[key];
        if (!(v instanceof Float32Array) || v.length !== length) throw new TypeError(`ttrec table: section "${key}" must be a Float32Array of ${length} values`);
        return v;
      };
      if (!inPlace) table.cores.forEach((c, k) => { backend.write(c.value, f32(`core${k}`, c.value.length)); });
      if (table.cache !== null && table.lfu !== null) {
        if (!inPlace) backend.write(table.cache.value, f32('cache', table.cache.value.length));
        if (filled) {
          const ids = serialized.sections.cachedIds;
          if (!(ids instanceof Int32Array)) throw new TypeError('ttrec table: a filled cache needs an Int32Array section "cachedIds"');
          table.lfu.assign(ids);
          table.uploadCacheIds(ids);
        } else {
          const counts = serialized.sections.counts;
          if (!(counts instanceof Uint32Array)) throw new TypeError('ttrec table: a warming-up cache needs a Uint32Array section "counts"');
          table.lfu.setCounts(counts);
        }
      }
    } catch (e) {
      table.dispose();
      throw e;
    }
    return table;
  }

  /** Rows held by the cache (0 without a cache). */
  get cacheRows(): number {
    return this.lfu?.capacity ?? 0;
  }

  /** True once the cache holds its hot rows. */
  get cacheFilled(): boolean {
    return this.lfu?.filled ?? false;
  }

  /** The cached row ids in slot order (after filling). */
  cachedIds(): Int32Array {
    if (this.lfu === null) throw new Error('ttrec: this table has no cache');
    return this.lfu.cachedIds.slice();
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    const be = this.backend;
    checkKnownIds(be, 'ttrec.lookup', ids, this.rows);
    checkRowsLength('ttrec.lookup', 'out', out.length, ids.length, this.dim);
    const lfu = this.lfu;
    if (lfu === null || !lfu.filled) {
      if (lfu !== null && ctx.training) lfu.count(requireHostIds(be, ids, 'ttrec (its LFU cache counts training lookups)'));
      be.ttRows(this.shape, this.coreValues, ids, out);
      return;
    }
    const [ttIds, ttPos, slots, cachePos] = this.splitIds(ids);
    const d = this.dim;
    be.fill(out, 0);
    // Each position is written by exactly one scatter, into zeros: the rows land unchanged.
    if (ttIds.length > 0) {
      const tmp = this.rowsA.take(ttIds.length * d);
      be.ttRows(this.shape, this.coreValues, ttIds, tmp);
      be.scatterAdd(tmp, ttPos, 1, out, ids.length, d);
    }
    if (slots.length > 0) {
      const tmp = this.rowsB.take(slots.length * d);
      be.gather(this.cache!.value, lfu.capacity, d, slots, tmp);
      be.scatterAdd(tmp, cachePos, 1, out, ids.length, d);
    }
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    const be = this.backend;
    checkKnownIds(be, 'ttrec.backward', ids, this.rows);
    checkRowsLength('ttrec.backward', 'dOut', dOut.length, ids.length, this.dim);
    const lfu = this.lfu;
    if (lfu === null || !lfu.filled) {
      be.ttRowsBackward(this.shape, this.coreValues, ids, dOut, this.coreGrads);
      return;
    }
    const [ttIds, ttPos, slots, cachePos] = this.splitIds(ids);
    const d = this.dim;
    if (ttIds.length > 0) {
      const tmp = this.rowsA.take(ttIds.length * d);
      be.gather(dOut, ids.length, d, ttPos, tmp);
      be.ttRowsBackward(this.shape, this.coreValues, ttIds, tmp, this.coreGrads);
    }
    if (slots.length > 0) {
      const tmp = this.rowsB.take(slots.length * d);
      be.gather(dOut, ids.length, d, cachePos, tmp);
      be.scatterAdd(tmp, slots, 1, this.cache!.grad, lfu.capacity, d);
      this.cacheTouched!.addIds(slots);
    }
  }

  /** Counts training reads of a model that takes every row through lookupAll (a no-op once filled or without a cache). */
  countReads(ids: Int32Array): void {
    if (this.lfu === null || this.lfu.filled) return;
    checkIdsInRange('ttrec.countReads', ids, this.rows);
    this.lfu.count(ids);
  }

  lookupAll(out: Buf<'f32'>, _ctx: LookupContext): void {
    checkRowsLength('ttrec.lookupAll', 'out', out.length, this.rows, this.dim);
    const be = this.backend;
    const d = this.dim;
    if (!this.lfu?.filled) {
      be.ttRows(this.shape, this.coreValues, this.everyId(), out);
      return;
    }
    if (isHostBackend(be)) {
      // Every row from the cores, then the cached rows overwritten with the cache (host copies:
      // no N x d temporary).
      be.ttRows(this.shape, this.coreValues, this.everyId(), out);
      const ids = this.lfu.cachedIds;
      const cache = be.view(this.cache!.value);
      const o = be.view(out);
      for (let s = 0; s < ids.length; s++) o.set(cache.subarray(s * d, (s + 1) * d), ids[s] * d);
      return;
    }
    // Without views: the core rows and the cache rows each scattered into zeros (every row once).
    be.fill(out, 0);
    const coreIds = this.coreIds!;
    if (coreIds.length > 0) {
      const tmp = this.rowsA.take(coreIds.length * d);
      be.ttRows(this.shape, this.coreValues, coreIds, tmp);
      be.scatterAdd(tmp, coreIds, 1, out, this.rows, d);
    }
    be.scatterAdd(this.cache!.value, this.cachedIdBuf!, 1, out, this.rows, d);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('ttrec.backwardAll', 'dOut', dOut.length, this.rows, this.dim);
    const be = this.backend;
    const lfu = this.lfu;
    if (lfu === null || !lfu.filled) {
      be.ttRowsBackward(this.shape, this.coreValues, this.everyId(), dOut, this.coreGrads);
      return;
    }
    const d = this.dim;
    const coreIds = this.coreIds!;
    if (coreIds.length > 0) {
      const tmp = this.rowsA.take(coreIds.length * d);
      be.gather(dOut, this.rows, d, coreIds, tmp);
      be.ttRowsBackward(this.shape, this.coreValues, coreIds, tmp, this.coreGrads);
    }
    const tmp = this.rowsB.take(lfu.capacity * d);
    be.gather(dOut, this.rows, d, this.cachedIdBuf!, tmp);
    be.axpy(1, tmp, this.cache!.grad);
    this.cacheTouched!.markAll();
  }

  /**
   * Moves the most looked-up rows (counted since creation) into the cache, initialised with
   * their current TT values. Called by onEpochEnd after the first epoch; a no-op once filled.
   */
  fillCache(): void {
    const lfu = this.lfu;
    if (lfu === null || lfu.filled) return;
    const ids = lfu.select();
    this.uploadCacheIds(ids);
    if (ids.length > 0) this.backend.ttRows(this.shape, this.coreValues, this.cachedIdBuf!, this.cache!.value);
  }

  /** Fills the cache at the end of the first epoch (TT-Rec's warm-up). */
  onEpochEnd(_epoch: number): void {
    this.fillCache();
  }

  parameters(): readonly Parameter[] {
    return this.cache === null ? this.cores : [...this.cores, this.cache];
  }

  /**
   * Params: the cores plus the cache rows. Memory: those fp32 values plus the cache bookkeeping
   * (warm-up counts, then the row -> slot map and the cached ids). Disk: the values plus the
   * cached ids (or the counts before filling).
   */
  async size(): Promise<TableSize> {
    const nonZeros = await countNonZeros(this.backend, this.parameters().map((p) => p.value));
    const params = ttParamCount(this.shape) + this.cacheRows * this.dim;
    const lfu = this.lfu;
    const diskIndex = lfu === null ? 0 : 4 * (lfu.filled ? lfu.capacity : this.rows);
    return { params, nonZeros, memoryBytes: 4 * params + (lfu?.bytes ?? 0), diskBytes: 4 * params + diskIndex };
  }

  async serialize(): Promise<SerializedTable> {
    const header: Record<string, unknown> = {
      rows: this.rows,
      dim: this.dim,
      p: [...this.shape.p],
      q: [...this.shape.q],
      ranks: this.shape.ranks.slice(1, -1),
      cacheRows: this.cacheRows,
      filled: this.cacheFilled,
      name: this.name,
    };
    if (this.cores[0].weightDecay !== undefined) header.weightDecay = this.cores[0].weightDecay;
    const sections: Record<string, Float32Array | Int32Array | Uint32Array> = {};
    for (let k = 0; k < this.cores.length; k++) sections[`core${k}`] = await this.backend.read(this.cores[k].value);
    if (this.cache !== null && this.lfu !== null) {
      sections.cache = await this.backend.read(this.cache.value);
      if (this.lfu.filled) sections.cachedIds = this.lfu.cachedIds.slice();
      else sections.counts = this.lfu.warmupCounts!.slice();
    }
    return { method: 'ttrec', header, sections };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const be = this.backend;
    for (const p of this.parameters()) {
      if (this.ownsValues) be.free(p.value);
      freeGradient(be, p);
    }
    this.cacheTouched?.dispose();
    for (const s of this.split) s.dispose();
    this.rowsA.dispose();
    this.rowsB.dispose();
    for (const b of [this.allIds, this.coreIds, this.cachedIdBuf]) if (b !== null) be.free(b);
  }

  /** Splits a batch into (core ids, their positions, cache slots, their positions) on the backend. */
  private splitIds(ids: Buf<'i32'>): [Buf<'i32'>, Buf<'i32'>, Buf<'i32'>, Buf<'i32'>] {
    const be = this.backend;
    const bufs = this.split.map((s) => s.take(ids.length));
    // Views only after every allocation (an allocation may move WASM memory).
    const idView = requireHostIds(be, ids, 'ttrec with a filled cache (it splits ids between cores and cache on the host)');
    let nt: number;
    let nc: number;
    if (isHostBackend(be)) {
      [nt, nc] = this.lfu!.split(idView, be.view(bufs[0]), be.view(bufs[1]), be.view(bufs[2]), be.view(bufs[3]));
    } else {
      const host = bufs.map(() => new Int32Array(ids.length));
      [nt, nc] = this.lfu!.split(idView, host[0], host[1], host[2], host[3]);
      host.forEach((h, k) => {
        be.write(bufs[k], h.subarray(0, k < 2 ? nt : nc));
      });
    }
    return [be.slice(bufs[0], 0, nt), be.slice(bufs[1], 0, nt), be.slice(bufs[2], 0, nc), be.slice(bufs[3], 0, nc)];
  }

  private uploadCacheIds(cached: Int32Array): void {
    const be = this.backend;
    this.cachedIdBuf = be.upload('i32', cached);
    const core = new Int32Array(this.rows - cached.length);
    let n = 0;
    let s = 0;
    for (let id = 0; id < this.rows; id++) {
      if (s < cached.length && cached[s] === id) s++;
      else core[n++] = id;
    }
    this.coreIds = be.upload('i32', core);
  }

  private everyId(): Buf<'i32'> {
    if (this.allIds === null) this.allIds = this.backend.upload('i32', Int32Array.from({ length: this.rows }, (_, i) => i));
    return this.allIds;
  }
}

/** The registry entry of `ttrec`. */
export const ttrecMethod: MethodDefinition = {
  name: 'ttrec',
  kind: 'trained',
  summary: 'tensor-train cores (TT-Rec), optionally with an LFU cache of hot rows',
  servedAs: 'the fp32 cores (and cache rows), a row a chained product',
  budget: solveTtrec,
  create: (options: TableOptions) => new TtRecTable(options),
  load: (serialized, backend) => TtRecTable.deserialize(serialized, backend),
};
