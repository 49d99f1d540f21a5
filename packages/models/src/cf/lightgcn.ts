import type { Backend, Buf, Csr, Rng } from '@lers/kernels';
import { buildNormalizedAdjacency, type CfDataset } from '@lers/data';
import type { EmbeddingTable, Parameter } from '@lers/embeddings';
import type { RecommenderModel } from '../backbones/recommender-model.js';
import type { Metrics } from '../model.js';
import { createBprLoss, type BprObjective } from './bpr.js';
import { resolveLightGcnConfig, type LightGcnConfig, type ResolvedLightGcnConfig } from './config.js';
import { EgoL2 } from './ego-l2.js';
import { InfoNceLoss } from './infonce.js';
import { lightGcnTables, type LightGcnTables } from './lightgcn-tables.js';
import { PairSampler } from './pair-sampler.js';
import { Propagation } from './propagation.js';
import { FullRankingEvaluator, rankingMetricsByName, uploadBinaryCsr } from './ranking-eval.js';

/** A LightGCN batch: the ids live in the model's reused buffers; this handle says which fill it is. */
export interface LightGcnBatch {
  readonly epoch: number;
  /** Fill number; only the latest batch can be trained on (the buffers hold only it). */
  readonly seq: number;
  /** (user, positive) pairs in the batch (each with `config.negatives` negatives). */
  readonly size: number;
}

/** The loss terms of the last training step (unweighted), for logging. */
export interface LightGcnLossParts {
  readonly bpr: number;
  readonly l2: number;
  readonly cl: number;
}

const TRAIN = { training: true };
const EVAL = { training: false };

/**
 * LightGCN (He et al. 2020) with the SGL-WA contrastive term, over any embedding table method:
 * E = mean_{l=0..L} A^l E0 on the symmetric normalized user-item adjacency (users first, then
 * items), BPR on uniform negatives per train pair (one by default; `negatives`), L2 on the batch's
 * ego embeddings, optional InfoNCE over the batch's unique users and unique positive items (one
 * softmax over both, as the benchmark; or one per side, as SGL: `clSoftmax`). The backward is hand-written: the gradient of the final embeddings is
 * scattered into a node table, propagated back with the same
 * SpMM (A is symmetric) and handed to the tables through backwardAll.
 */
export class LightGcn implements RecommenderModel<LightGcnBatch> {
  readonly task = 'cf' as const;
  readonly backbone = 'lightgcn' as const;
  readonly selectionMetric: string;
  readonly config: ResolvedLightGcnConfig;
  readonly userTable: EmbeddingTable;
  readonly itemTable: EmbeddingTable;
  readonly users: number;
  readonly items: number;
  /** users + items. */
  readonly nodes: number;

  private readonly propagation: Propagation;
  private readonly sampler: PairSampler;
  private readonly bpr: BprObjective;
  private readonly egoL2: EgoL2;
  private readonly infoNce: InfoNceLoss | null;
  private readonly evaluator: FullRankingEvaluator;
  private readonly trainMask: Csr;
  private readonly validMask: Csr;
  /** Node tables (nodes x dim, users then items): ego, final, their gradients. */
  private readonly e0: Buf<'f32'>;
  private readonly eFinal: Buf<'f32'>;
  private readonly dFinal: Buf<'f32'>;
  private readonly dE0: Buf<'f32'>;
  /** Batch ids, (2 + n) x batch: users, then positives (node ids), then n negatives per pair (node ids, pair-major). */
  private readonly ids: Buf<'i32'>;
  /** The host copy of the batch ids, written here and then to `ids`. */
  private readonly hostIds: Int32Array;
  /**
   * The step's loss sums, read back once per step: [sum of BPR terms, sum of ego squares], then
   * the InfoNCE terms (2 per contrasted node, see InfoNceLoss.run).
   */
  private readonly lossSums: Buf<'f32'>;
  /** Gathered rows for the ids: final, their gradient, ego. */
  private readonly rows: Buf<'f32'>;
  private readonly dRows: Buf<'f32'>;
  private readonly egoRows: Buf<'f32'>;
  /** InfoNCE node ids (unique users then unique positives), their rows and gradient. */
  private readonly clIds: Buf<'i32'> | null;
  private readonly hostClIds: Int32Array;
  private readonly clRows: Buf<'f32'> | null;
  private readonly dClRows: Buf<'f32'> | null;
  private readonly clMark: Uint32Array;
  private clStamp = 0;
  private clCount = 0;
  /** How many of the clCount InfoNCE ids are users (they come first). */
  private clUserCount = 0;
  private seq = 0;
  private lastParts: LightGcnLossParts = { bpr: NaN, l2: NaN, cl: NaN };

  private constructor(
    readonly backend: Backend,
    readonly dataset: CfDataset,
    config: LightGcnConfig,
    ready?: LightGcnTables,
  ) {
    const c = resolveLightGcnConfig(config);
    this.config = c;
    this.selectionMetric = `ndcg@${c.selectK}`;
    const be = backend;
    this.users = dataset.users;
    this.items = dataset.items;
    this.nodes = dataset.users + dataset.items;
    const d = c.dim;
    const n = this.nodes * d;
    const B = c.batchSize;
    const tables = lightGcnTables(be, this.users, this.items, c, ready);
    this.userTable = tables.user;
    this.itemTable = tables.item;
    this.propagation = new Propagation(be, buildNormalizedAdjacency(dataset.train, this.users, this.items), c.layers, d);
    this.sampler = new PairSampler(dataset.train, this.items);
    this.bpr = createBprLoss(be, B, d, c.negatives);
    this.egoL2 = new EgoL2(be);
    this.e0 = be.alloc('f32', n);
    this.eFinal = be.alloc('f32', n);
    this.dFinal = be.alloc('f32', n);
    this.dE0 = be.alloc('f32', n);
    const perPair = 2 + c.negatives;
    this.ids = be.alloc('i32', perPair * B);
    this.hostIds = new Int32Array(perPair * B);
    const clMax = Math.min(B, this.users) + Math.min(B, this.items);
    const withCl = c.clWeight > 0;
    this.lossSums = be.alloc('f32', 2 + (withCl ? 2 * clMax : 0));
    this.rows = be.alloc('f32', perPair * B * d);
    this.dRows = be.alloc('f32', perPair * B * d);
    this.egoRows = be.alloc('f32', perPair * B * d);
    const clRowsMax = c.clSoftmax === 'joint' ? clMax : Math.max(Math.min(B, this.users), Math.min(B, this.items));
    this.infoNce = withCl ? new InfoNceLoss(be, clRowsMax, d, c.clTemperature) : null;
    this.clIds = withCl ? be.alloc('i32', clMax) : null;
    this.hostClIds = new Int32Array(withCl ? clMax : 0);
    this.clRows = withCl ? be.alloc('f32', clMax * d) : null;
    this.dClRows = withCl ? be.alloc('f32', clMax * d) : null;
    this.clMark = new Uint32Array(withCl ? this.nodes : 0);
    this.trainMask = uploadBinaryCsr(be, dataset.train);
    this.validMask = uploadBinaryCsr(be, dataset.valid);
    this.evaluator = new FullRankingEvaluator(be, this.users, this.items, d, c.ks, c.evalBatchUsers);
  }

  /** A LightGCN for `dataset` on a backend; tables seeded by `config.seed`. */
  static create(backend: Backend, dataset: CfDataset, config: LightGcnConfig = {}): LightGcn {
    return new LightGcn(backend, dataset, config);
  }

  /**
   * A LightGCN around existing tables instead of `config.table` (restored from a model file, or
   * sized per side by a budget solver): `user` must be users x dim and `item` items x dim (dim
   * defaults to the tables'). The model takes ownership: `dispose` frees them.
   */
  static fromTables(backend: Backend, dataset: CfDataset, tables: LightGcnTables, config: Omit<LightGcnConfig, 'table'> = {}): LightGcn {
    const table = { method: tables.user.method };
    return new LightGcn(backend, dataset, { ...config, dim: config.dim ?? tables.user.dim, table }, tables);
  }

  parameters(): readonly Parameter[] {
    return [...this.userTable.parameters(), ...this.itemTable.parameters()];
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return {};
  }

  /** The `user` and `item` tables. */
  embeddingTables(): Readonly<Record<string, EmbeddingTable>> {
    return { user: this.userTable, item: this.itemTable };
  }

  /** LightGCN has no parameters besides its tables. */
  denseParameters(): readonly Parameter[] {
    return [];
  }

  batchesPerEpoch(): number {
    return Math.ceil(this.sampler.size / this.config.batchSize);
  }

  samplesIn(batch: LightGcnBatch): number {
    return batch.size;
  }

  /** Shuffles the train pairs and yields batches; each batch's ids are written when it is yielded. */
  *batches(epoch: number, rng: Rng): Generator<LightGcnBatch> {
    this.sampler.shuffle(rng);
    const B = this.config.batchSize;
    for (let start = 0; start < this.sampler.size; start += B) {
      const size = Math.min(B, this.sampler.size - start);
      this.fillBatch(start, size, rng);
      yield { epoch, seq: ++this.seq, size };
    }
  }

  /** The batch's user, positive item and negative item ids (pair k's j-th negative at k n + j), as host copies. */
  batchIds(batch: LightGcnBatch): { users: Int32Array; positives: Int32Array; negatives: Int32Array } {
    this.checkCurrent(batch);
    const b = batch.size;
    const v = this.hostIds;
    const U = this.users;
    return {
      users: v.slice(0, b),
      positives: v.slice(b, 2 * b).map((x) => x - U),
      negatives: v.slice(2 * b, (2 + this.config.negatives) * b).map((x) => x - U),
    };
  }

  /** Forward + backward of the batch; accumulates the tables' gradients; resolves to the total loss. */
  async trainStep(batch: LightGcnBatch, _rng: Rng): Promise<number> {
    this.checkCurrent(batch);
    this.countTableReads(batch.size);
    const be = this.backend;
    const c = this.config;
    const d = c.dim;
    const b = batch.size;
    const N = this.nodes;
    const gathered = (2 + c.negatives) * b;
    this.embedAll(TRAIN);

    const ids = be.slice(this.ids, 0, gathered);
    const rows = be.slice(this.rows, 0, gathered * d);
    const dRows = be.slice(this.dRows, 0, gathered * d);
    be.gather(this.eFinal, N, d, ids, rows);
    this.bpr.run(b, rows, dRows, be.slice(this.lossSums, 0, 1));
    be.fill(this.dFinal, 0);
    be.scatterAdd(dRows, ids, 1, this.dFinal, N, d);

    // InfoNCE's terms follow the two sums in lossSums: [2, 2 + 2m) joint; per side, the users' then the items'.
    const clParts: number[] = [];
    if (this.infoNce !== null && this.clIds !== null && this.clRows !== null && this.dClRows !== null) {
      const m = this.clCount;
      const clIds = be.slice(this.clIds, 0, m);
      const clRows = be.slice(this.clRows, 0, m * d);
      const dClRows = be.slice(this.dClRows, 0, m * d);
      be.gather(this.eFinal, N, d, clIds, clRows);
      // The benchmark's form: one softmax over users and items together (a user is also pushed
      // away from its positive items); SGL's: users and items among themselves, never each other.
      const parts = c.clSoftmax === 'joint' ? [m] : [this.clUserCount, m - this.clUserCount];
      let row = 0;
      for (const rows of parts) {
        const terms = be.slice(this.lossSums, 2 + 2 * row, 2 * rows);
        this.infoNce.run(rows, be.slice(clRows, row * d, rows * d), be.slice(dClRows, row * d, rows * d), terms);
        clParts.push(rows);
        row += rows;
      }
      be.scatterAdd(dClRows, clIds, c.clWeight, this.dFinal, N, d);
    }

    this.propagation.apply(this.dFinal, this.dE0);
    if (c.l2 > 0) {
      const ego = be.slice(this.egoRows, 0, gathered * d);
      be.gather(this.e0, N, d, ids, ego);
      this.egoL2.sumSquares(ego, be.slice(this.lossSums, 1, 1));
      this.egoL2.backward(b, c.l2, ego, ids, this.dE0, N, d);
    }
    this.userTable.backwardAll(be.slice(this.dE0, 0, this.users * d));
    this.itemTable.backwardAll(be.slice(this.dE0, this.users * d, this.items * d));
    // The step's one read-back; the means are taken on the host, in f64.
    const clRead = clParts.reduce((sum, rows) => sum + 2 * rows, 0);
    const sums = await be.read(clRead > 0 ? be.slice(this.lossSums, 0, 2 + clRead) : this.lossSums);
    const bpr = sums[0] / b;
    let cl = 0;
    let at = 2;
    for (const rows of clParts) {
      cl += InfoNceLoss.lossOf(sums.subarray(at, at + 2 * rows), rows);
      at += 2 * rows;
    }
    const l2 = c.l2 > 0 ? sums[1] / (2 * b) : 0;
    this.lastParts = { bpr, l2, cl };
    return bpr + c.l2 * l2 + c.clWeight * cl;
  }

  /** The unweighted loss terms of the last trainStep. */
  lossParts(): LightGcnLossParts {
    return this.lastParts;
  }

  /**
   * Full-ranking metrics on a split: recall@K (hits/|T|), recallT@K (hits/min(|T|,K)), ndcg@K,
   * precision@K, hitrate@K for every K, and `users` (users evaluated). Train items are masked;
   * valid items too when ranking test with `maskValidOnTest`.
   */
  async evaluate(split: 'valid' | 'test'): Promise<Metrics> {
    const e = this.finalEmbeddings();
    const d = this.config.dim;
    const be = this.backend;
    const masks = split === 'test' && this.config.maskValidOnTest ? [this.trainMask, this.validMask] : [this.trainMask];
    const result = await this.evaluator.evaluate(be.slice(e, 0, this.users * d), be.slice(e, this.users * d, this.items * d), this.dataset[split], masks);
    return rankingMetricsByName(result);
  }

  /**
   * The propagated embeddings (users then items, nodes x dim) in inference mode, as a buffer that
   * the next call of any method overwrites (copy it to keep it).
   */
  finalEmbeddings(): Buf<'f32'> {
    this.embedAll(EVAL);
    return this.eFinal;
  }

  onEpochStart(epoch: number): void {
    this.userTable.onEpochStart?.(epoch);
    this.itemTable.onEpochStart?.(epoch);
  }

  onEpochEnd(epoch: number): void {
    this.userTable.onEpochEnd?.(epoch);
    this.itemTable.onEpochEnd?.(epoch);
  }

  dispose(): void {
    const be = this.backend;
    for (const b of [this.e0, this.eFinal, this.dFinal, this.dE0, this.ids, this.lossSums, this.rows, this.dRows, this.egoRows, this.clIds, this.clRows, this.dClRows]) {
      if (b !== null) be.free(b);
    }
    for (const m of [this.trainMask, this.validMask]) be.freeCsr(m);
    this.propagation.dispose();
    this.bpr.dispose();
    this.infoNce?.dispose();
    this.evaluator.dispose();
    this.userTable.dispose();
    this.itemTable.dispose();
  }

  /** E0 = [user table; item table], eFinal = mean_l A^l E0. */
  private embedAll(ctx: { training: boolean }): void {
    const be = this.backend;
    const d = this.config.dim;
    this.userTable.lookupAll(be.slice(this.e0, 0, this.users * d), ctx);
    this.itemTable.lookupAll(be.slice(this.e0, this.users * d, this.items * d), ctx);
    this.propagation.apply(this.e0, this.eFinal);
  }

  /** Writes the ids of pairs order[start .. start+size) with fresh negatives into the id buffer. */
  private fillBatch(start: number, size: number, rng: Rng): void {
    const s = this.sampler;
    const U = this.users;
    const n = this.config.negatives;
    const v = this.hostIds;
    for (let k = 0; k < size; k++) {
      const pair = s.order[start + k];
      const u = s.pairUser[pair];
      v[k] = u;
      v[size + k] = U + s.pairItem[pair];
      s.negatives(u, rng, n, v, 2 * size + k * n, U);
    }
    this.backend.write(this.ids, v.subarray(0, (2 + n) * size));
    if (this.clIds !== null) this.collectUnique(v, size);
  }

  /**
   * Tells tables that keep access statistics (TT-Rec's LFU cache) which rows this step's loss
   * reads: the batch's users, and its positive and negative items (every occurrence).
   */
  private countTableReads(b: number): void {
    const v = this.hostIds;
    this.userTable.countReads?.(v.slice(0, b));
    if (this.itemTable.countReads !== undefined) {
      const U = this.users;
      this.itemTable.countReads(v.slice(b, (2 + this.config.negatives) * b).map((x) => x - U));
    }
  }

  /** InfoNCE ids: the batch's unique users, then its unique positive items (node ids), first-seen order. */
  private collectUnique(v: Int32Array, size: number): void {
    const out = this.hostClIds;
    const mark = this.clMark;
    if (++this.clStamp === 0xffffffff) {
      mark.fill(0);
      this.clStamp = 1;
    }
    const stamp = this.clStamp;
    let m = 0;
    for (let k = 0; k < 2 * size; k++) {
      if (k === size) this.clUserCount = m;
      const node = v[k];
      if (mark[node] !== stamp) {
        mark[node] = stamp;
        out[m++] = node;
      }
    }
    this.clCount = m;
    this.backend.write(this.clIds!, out.subarray(0, m));
  }

  private checkCurrent(batch: LightGcnBatch): void {
    if (batch.seq !== this.seq) throw new Error(`LightGCN: batch ${batch.seq} is stale (the buffers hold batch ${this.seq}); train each batch before drawing the next`);
  }
}
