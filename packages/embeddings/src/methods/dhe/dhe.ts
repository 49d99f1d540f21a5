import { isHostBackend, type Backend, type Buf } from '@lers/kernels';
import { solveWith } from '../../budget/solve.js';
import { solveDhe } from './budget.js';
import { checkTableShape } from '../full/full.js';
import type { Parameter } from '../../parameter.js';
import type { CreateTableOptions, MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { DHE_DEFAULT_K, DHE_DEFAULT_RANGE, drawDheHashes, type DheHashes } from './dhe-hash.js';
import { DheMlp, type DheMlpOptions, type MlpMode } from './dhe-mlp.js';
import { checkKnownIds, checkRowsLength, countNonZeros } from '../common/host-access.js';
import { booleanOption, closedRangeOption, openRangeOption, positiveIntArrayOption, positiveIntOption } from '../common/option-values.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';

/** Hidden widths used when neither `hidden` nor `sparsity` is given (the protocol's CF ~50% setting). */
export const DHE_DEFAULT_HIDDEN: readonly number[] = [512, 512, 512];
/** Rows per MLP pass in lookupAll (BatchNorm statistics are per chunk in training). */
export const DHE_DEFAULT_CHUNK_ROWS = 16384;

/** Options of a DHE table (createTable('dhe', ...) takes the same names). */
export interface DheTableOptions extends CreateTableOptions {
  /** Number of hash functions = MLP input width (default 1024). */
  readonly k?: number;
  /** Hash range m (default 10^6). */
  readonly hashRange?: number;
  /** Hidden widths (default [512, 512, 512]; [] = a single Linear k -> d block); or give `sparsity`. */
  readonly hidden?: readonly number[];
  /** Target sparsity: equal hidden widths solved by the budget solver at depth `depth`. */
  readonly sparsity?: number;
  /** Number of hidden layers the solver uses with `sparsity` (default 3). */
  readonly depth?: number;
  /** Keep the N x k encodings in memory (faster training; counted in memoryBytes, not params). */
  readonly cacheHashes?: boolean;
  /** Rows per MLP pass in lookupAll (default 16384, at least 2). */
  readonly chunkRows?: number;
  /** BatchNorm running-stat momentum (default 0.1, PyTorch's). */
  readonly bnMomentum?: number;
  /** BatchNorm eps (default 1e-5). */
  readonly bnEps?: number;
  /** Explicit hash parameters (restoring, or sharing hashes between tables); default drawn from `seed`. */
  readonly hashes?: DheHashes;
  /** MLP state used in place (restoring from a model file in backend memory); see DheMlpOptions. */
  readonly inPlace?: DheMlpOptions['inPlace'];
}

/**
 * Deep hash embedding: no table. Row x is encoded by k universal hashes
 * h_j(x) = ((a_j x + b_j) mod p_j) mod m as 2 h / (m - 1) - 1 in [-1, 1] (dheEncode kernel), then
 * decoded by an MLP of Linear -> BatchNorm -> Mish blocks for every layer, the output layer
 * included: our reading of the protocol's "output layer included" is the reference code's
 * default (use_bn = 2), whose last block maps to d and is also followed by BatchNorm and Mish.
 * Params = Linear weights and biases + BN gamma and beta (running statistics are state, not
 * parameters, but are counted in the bytes).
 *
 * BatchNorm makes training outputs depend on the batch: `lookup` in training normalises over its
 * ids; `lookupAll` runs chunks of `chunkRows` rows (one chunk when N < 2 chunkRows, i.e. the
 * reference's full-table batch). `backward` refers to the last training lookup; `backwardAll`
 * to the last training lookupAll (its activations are recomputed chunk by chunk, without
 * touching the running statistics, unless there was a single chunk and nothing ran since).
 * In evaluation, outputs use the running statistics and lookup(ids) equals lookupAll's rows.
 */
export class DheTable implements EmbeddingTable {
  readonly method = 'dhe';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** Number of hashes (the MLP's input width). */
  readonly k: number;
  /** Hash range m. */
  readonly hashRange: number;
  /** Hidden widths of the MLP. */
  readonly hidden: readonly number[];
  /** The k universal hashes (a, b, p). */
  readonly hashes: DheHashes;
  /** The decoder (its layers expose weights and running statistics). */
  readonly mlp: DheMlp;
  /** Rows per MLP pass in lookupAll. */
  readonly chunkRows: number;
  private readonly name: string;
  private readonly options: { readonly momentum: number; readonly eps: number };
  private readonly hashBufs: [Buf<'u32'>, Buf<'u32'>, Buf<'u32'>];
  /** N x k encodings when cacheHashes is set. */
  private readonly encodings: Buf<'f32'> | null;
  private readonly enc: ScratchBuffer<'f32'>;
  private readonly scratchOut: ScratchBuffer<'f32'>;
  private allIds: Buf<'i32'> | null = null;
  /** The last lookupAll was a training pass (backwardAll refers to it). */
  private allTrained = false;
  /** ... with a single chunk whose activations are still in the MLP. */
  private allLive = false;
  private disposed = false;

  /** A new table: hashes and MLP drawn from `options.seed` (hidden widths solved when `sparsity` is given). */
  constructor(options: DheTableOptions) {
    checkTableShape('dhe', options.rows, options.dim);
    const o = options as unknown as Readonly<Record<string, unknown>>;
    this.k = positiveIntOption('dhe', o, 'k') ?? DHE_DEFAULT_K;
    this.hashRange = positiveIntOption('dhe', o, 'hashRange') ?? DHE_DEFAULT_RANGE;
    if (this.hashRange < 2) throw new RangeError(`dhe: option hashRange must be >= 2, got ${this.hashRange}`);
    let hidden = positiveIntArrayOption('dhe', o, 'hidden');
    const sparsity = openRangeOption('dhe', o, 'sparsity', 0, 1);
    if (hidden === undefined && sparsity !== undefined) {
      const depth = positiveIntOption('dhe', o, 'depth');
      hidden = solveWith(solveDhe, { method: 'dhe', rows: options.rows, dim: options.dim, sparsity, options: { k: this.k, ...(depth !== undefined ? { depth } : {}) } }).options.hidden as number[];
    }
    this.hidden = hidden ?? [...DHE_DEFAULT_HIDDEN];
    this.chunkRows = positiveIntOption('dhe', o, 'chunkRows') ?? DHE_DEFAULT_CHUNK_ROWS;
    if (this.chunkRows < 2) throw new RangeError(`dhe: option chunkRows must be >= 2 (BatchNorm needs 2 rows), got ${this.chunkRows}`);
    this.options = { momentum: closedRangeOption('dhe', o, 'bnMomentum', 0, 1) ?? 0.1, eps: openRangeOption('dhe', o, 'bnEps', 0, Infinity) ?? 1e-5 };
    this.rows = options.rows;
    this.dim = options.dim;
    this.backend = options.backend;
    this.name = options.name ?? 'dhe';
    this.hashes = options.hashes ?? drawDheHashes(this.k, options.seed, this.hashRange);
    checkHashes(this.hashes, this.k, this.hashRange);
    const be = options.backend;
    this.hashBufs = [be.upload('u32', this.hashes.a), be.upload('u32', this.hashes.b), be.upload('u32', this.hashes.p)];
    this.mlp = new DheMlp({
      backend: be,
      name: this.name,
      widths: [this.k, ...this.hidden, options.dim],
      seed: options.seed,
      momentum: this.options.momentum,
      eps: this.options.eps,
      ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      ...(options.inPlace !== undefined ? { inPlace: options.inPlace } : {}),
    });
    this.enc = new ScratchBuffer(be, 'f32');
    this.scratchOut = new ScratchBuffer(be, 'f32');
    if (booleanOption('dhe', o, 'cacheHashes') === true) {
      this.encodings = be.alloc('f32', options.rows * this.k);
      be.dheEncode(this.everyId(), ...this.hashBufs, this.hashRange, this.encodings);
    } else {
      this.encodings = null;
    }
  }

  /** Restores a table serialised by `serialize()` (bit-exact, running statistics included). */
  static deserialize(serialized: SerializedTable, backend: Backend): DheTable {
    if (serialized.method !== 'dhe') throw new TypeError(`DheTable.deserialize: method is ${serialized.method}, not dhe`);
    const h = serialized.header;
    const { rows, dim, k, hashRange, hidden, chunkRows, bnMomentum, bnEps, cacheHashes } = h;
    if (typeof rows !== 'number' || typeof dim !== 'number' || typeof k !== 'number' || typeof hashRange !== 'number' || !Array.isArray(hidden) ||
        typeof chunkRows !== 'number' || typeof bnMomentum !== 'number' || typeof bnEps !== 'number' || typeof cacheHashes !== 'boolean') {
      throw new TypeError('dhe table: header needs rows, dim, k, hashRange, hidden, chunkRows, bnMomentum, bnEps and cacheHashes');
    }
    const { hashA, hashB, hashP } = serialized.sections;
    if (!(hashA instanceof Uint32Array) || !(hashB instanceof Uint32Array) || !(hashP instanceof Uint32Array)) {
      throw new TypeError('dhe table: sections "hashA", "hashB" and "hashP" must be Uint32Arrays');
    }
    // A file in this backend's memory: the MLP's state is used where it lies (DheMlp checks the lengths).
    const resident = isHostBackend(backend) ? serialized.resident : undefined;
    const inPlace = resident === undefined ? undefined : (key: string): Buf<'f32'> | undefined => {
      const r = resident[key];
      return r?.dtype === 'f32' ? (r as Buf<'f32'>) : undefined;
    };
    const table = new DheTable({
      rows,
      dim,
      backend,
      seed: 0,
      k,
      hashRange,
      hidden: hidden as number[],
      chunkRows,
      bnMomentum,
      bnEps,
      cacheHashes,
      hashes: { a: hashA, b: hashB, p: hashP },
      ...(inPlace !== undefined ? { inPlace } : {}),
      ...(typeof h.name === 'string' ? { name: h.name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    });
    try {
      for (const [key, buf] of table.stateEntries()) {
        if (buf === resident?.[key]) continue;
        const v = serialized.sections[key];
        if (!(v instanceof Float32Array) || v.length !== buf.length) throw new TypeError(`dhe table: section "${key}" must be a Float32Array of ${buf.length} values`);
        backend.write(buf, v);
      }
    } catch (e) {
      table.dispose();
      throw e;
    }
    return table;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    const be = this.backend;
    checkKnownIds(be, 'dhe.lookup', ids, this.rows);
    checkRowsLength('dhe.lookup', 'out', out.length, ids.length, this.dim);
    this.allLive = false;
    if (ids.length === 0) return;
    const enc = this.enc.take(ids.length * this.k);
    if (this.encodings !== null) be.gather(this.encodings, this.rows, this.k, ids, enc);
    else be.dheEncode(ids, ...this.hashBufs, this.hashRange, enc);
    this.mlp.forward(enc, ids.length, ctx.training ? 'train' : 'eval', out);
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkKnownIds(this.backend, 'dhe.backward', ids, this.rows);
    checkRowsLength('dhe.backward', 'dOut', dOut.length, ids.length, this.dim);
    if (ids.length === 0) return;
    this.mlp.backward(dOut);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('dhe.lookupAll', 'out', out.length, this.rows, this.dim);
    const mode: MlpMode = ctx.training ? 'train' : 'eval';
    const chunks = chunkBounds(this.rows, this.chunkRows);
    for (const [start, count] of chunks) this.mlp.forward(this.encodeRange(start, count), count, mode, this.backend.slice(out, start * this.dim, count * this.dim));
    this.allTrained = ctx.training;
    this.allLive = ctx.training && chunks.length === 1;
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('dhe.backwardAll', 'dOut', dOut.length, this.rows, this.dim);
    if (!this.allTrained) throw new Error('dhe: backwardAll without a training lookupAll before it');
    const be = this.backend;
    for (const [start, count] of chunkBounds(this.rows, this.chunkRows)) {
      if (!this.allLive) this.mlp.forward(this.encodeRange(start, count), count, 'recompute', this.scratchOut.take(count * this.dim));
      this.mlp.backward(be.slice(dOut, start * this.dim, count * this.dim));
    }
  }

  parameters(): readonly Parameter[] {
    return this.mlp.parameters();
  }

  /**
   * Params: the MLP (weights, biases, BN affine). Memory: those plus the BN running statistics,
   * the hash parameters (3k u32) and the cached encodings (N x k fp32) when enabled. Disk: the
   * same without the encodings cache (it is rebuilt on load).
   */
  async size(): Promise<TableSize> {
    const nonZeros = await countNonZeros(this.backend, this.parameters().map((p) => p.value));
    const params = this.mlp.paramCount();
    const disk = 4 * (params + this.mlp.runningStatCount() + 3 * this.k);
    return { params, nonZeros, memoryBytes: disk + (this.encodings === null ? 0 : 4 * this.encodings.length), diskBytes: disk };
  }

  async serialize(): Promise<SerializedTable> {
    const header: Record<string, unknown> = {
      rows: this.rows,
      dim: this.dim,
      k: this.k,
      hashRange: this.hashRange,
      hidden: [...this.hidden],
      chunkRows: this.chunkRows,
      bnMomentum: this.options.momentum,
      bnEps: this.options.eps,
      cacheHashes: this.encodings !== null,
      name: this.name,
    };
    const decay = this.parameters()[0].weightDecay;
    if (decay !== undefined) header.weightDecay = decay;
    const sections: Record<string, Float32Array | Uint32Array> = { hashA: this.hashes.a.slice(), hashB: this.hashes.b.slice(), hashP: this.hashes.p.slice() };
    for (const [key, buf] of this.stateEntries()) sections[key] = await this.backend.read(buf);
    return { method: 'dhe', header, sections };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const be = this.backend;
    this.mlp.dispose();
    for (const b of this.hashBufs) be.free(b);
    if (this.encodings !== null) be.free(this.encodings);
    if (this.allIds !== null) be.free(this.allIds);
    this.enc.dispose();
    this.scratchOut.dispose();
  }

  /** Every stored float of the MLP by section name: parameters and running statistics. */
  private stateEntries(): [string, Buf<'f32'>][] {
    return this.mlp.layers.flatMap((l, i): [string, Buf<'f32'>][] => [
      [`mlp.${i}.weight`, l.weight.value],
      [`mlp.${i}.bias`, l.bias.value],
      [`mlp.${i}.bn.weight`, l.gamma.value],
      [`mlp.${i}.bn.bias`, l.beta.value],
      [`mlp.${i}.bn.running_mean`, l.runningMean],
      [`mlp.${i}.bn.running_var`, l.runningVar],
    ]);
  }

  /** Encodings of rows [start, start + count): a slice of the cache, or computed into scratch. */
  private encodeRange(start: number, count: number): Buf<'f32'> {
    const be = this.backend;
    if (this.encodings !== null) return be.slice(this.encodings, start * this.k, count * this.k);
    const enc = this.enc.take(count * this.k);
    be.dheEncode(be.slice(this.everyId(), start, count), ...this.hashBufs, this.hashRange, enc);
    return enc;
  }

  private everyId(): Buf<'i32'> {
    if (this.allIds === null) this.allIds = this.backend.upload('i32', Int32Array.from({ length: this.rows }, (_, i) => i));
    return this.allIds;
  }
}

/** Splits N rows into floor(N / c) near-equal chunks (one when N < 2c): every chunk has >= c rows, or all N. */
export function chunkBounds(rows: number, chunkRows: number): [number, number][] {
  const n = Math.max(1, Math.floor(rows / chunkRows));
  const base = Math.floor(rows / n);
  const extra = rows % n;
  const chunks: [number, number][] = [];
  let start = 0;
  for (let c = 0; c < n; c++) {
    const count = base + (c < extra ? 1 : 0);
    chunks.push([start, count]);
    start += count;
  }
  return chunks;
}

function checkHashes(h: DheHashes, k: number, range: number): void {
  if (h.a.length !== k || h.b.length !== k || h.p.length !== k) throw new RangeError(`dhe: hashes need ${k} entries of a, b and p`);
  for (let j = 0; j < k; j++) {
    if (!(h.p[j] > range && h.p[j] < 2 ** 31 && h.a[j] >= 1 && h.a[j] < h.p[j] && h.b[j] < h.p[j])) {
      throw new RangeError(`dhe: hash ${j} needs m < p < 2^31, 1 <= a < p and b < p, got a=${h.a[j]}, b=${h.b[j]}, p=${h.p[j]}`);
    }
  }
}

/** The registry entry of `dhe`. */
export const dheMethod: MethodDefinition = {
  name: 'dhe',
  kind: 'trained',
  summary: 'deep hash embedding: k universal hashes of the id through an MLP, no table at all',
  servedAs: 'the hash parameters and the MLP, evaluated per lookup',
  budget: solveDhe,
  create: (options: TableOptions) => new DheTable(options),
  load: (serialized, backend) => DheTable.deserialize(serialized, backend),
};
