import type { Backend, Buf, Rng } from '@lers/kernels';
import type { EmbeddingTable, Parameter } from '@lers/embeddings';
import { createTable } from '../methods/registry.js';
import { totalFeatures, type CtrDataset } from '@lers/data';
import { CtrAccumulator } from '@lers/eval';
import type { LayerContext } from '../layers/layer.js';
import { RowBuffer } from '../layers/row-buffer.js';
import type { RecommenderModel } from '../backbones/recommender-model.js';
import type { Metrics } from '../model.js';
import { EventLoopYielder } from '../train/event-loop.js';
import { batchCount, shuffledBatches, type CtrBatch } from './ctr-batches.js';

/** Which embedding method to build for the shared table, and its method-specific options. */
export interface TableSpec {
  /** A registered method name (default `full`). */
  readonly method: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Options every CTR model takes. */
export interface CtrModelOptions {
  readonly dataset: CtrDataset;
  /** The backend every kernel runs on (batches are written with `write`, logits read with `read`). */
  readonly backend: Backend;
  /** Embedding size d (default 16). */
  readonly embedDim?: number;
  /**
   * The shared embedding table over sum(fieldDims) rows: a spec for `createTable` (default
   * `{ method: 'full' }`, Xavier-uniform) or a ready table of that shape (the model takes ownership).
   */
  readonly table?: TableSpec | EmbeddingTable;
  /** Training batch size (default 2048). */
  readonly batchSize?: number;
  /** Evaluation batch size (default: the training batch size). */
  readonly evalBatchSize?: number;
  /** Seed of every initialiser (default 2023). */
  readonly seed?: number;
}

/**
 * What DeepFM and DCN-Mix share: a batch is written straight into backend buffers (global feature
 * ids and labels), its field embeddings come from one shared EmbeddingTable, the head turns them
 * into logits, and the loss is BCE with logits. Subclasses implement the head's forward and backward.
 */
export abstract class CtrModel implements RecommenderModel<CtrBatch> {
  readonly task = 'ctr' as const;
  abstract readonly backbone: 'deepfm' | 'dcnmix';
  readonly selectionMetric = 'auc';
  readonly backend: Backend;
  readonly dataset: CtrDataset;
  readonly table: EmbeddingTable;
  readonly fields: number;
  readonly embedDim: number;
  readonly batchSize: number;
  readonly evalBatchSize: number;
  private readonly ids: RowBuffer<'i32'>;
  private readonly labels: RowBuffer;
  private readonly emb: RowBuffer;
  private readonly dLogits: RowBuffer;
  private readonly loss: Buf<'f32'>;
  /** Host staging of a batch's ids and labels (grown to the largest batch). */
  private stagedIds = new Int32Array(0);
  private stagedLabels = new Float32Array(0);

  protected constructor(options: CtrModelOptions) {
    const be = options.backend;
    this.backend = be;
    this.dataset = options.dataset;
    this.fields = options.dataset.fields;
    this.embedDim = options.embedDim ?? 16;
    this.batchSize = options.batchSize ?? 2048;
    this.evalBatchSize = options.evalBatchSize ?? this.batchSize;
    if (!(this.batchSize >= 2)) throw new RangeError(`batchSize must be >= 2, got ${this.batchSize}`);
    const rows = totalFeatures(options.dataset);
    const spec = options.table ?? { method: 'full' };
    if ('lookup' in spec) {
      if (spec.rows !== rows || spec.dim !== this.embedDim) {
        throw new RangeError(`table is ${spec.rows} x ${spec.dim}, the dataset needs ${rows} x ${this.embedDim}`);
      }
      this.table = spec;
    } else {
      this.table = createTable(spec.method, { ...spec.options, rows, dim: this.embedDim, backend: be, seed: options.seed ?? 2023, name: 'embedding' });
    }
    this.ids = new RowBuffer(be, 'i32', this.fields);
    this.labels = new RowBuffer(be, 'f32', 1);
    this.emb = new RowBuffer(be, 'f32', this.fields * this.embedDim);
    this.dLogits = new RowBuffer(be, 'f32', 1);
    this.loss = be.alloc('f32', 1);
  }

  /** Logits (rows) of the batch whose ids and field embeddings (rows*fields x dim) are given. */
  protected abstract forwardLogits(ids: Buf<'i32'>, emb: Buf<'f32'>, rows: number, ctx: LayerContext): Buf<'f32'>;

  /**
   * Backward of the last training forwardLogits for the logit gradient dz: accumulates the head's
   * parameter gradients and returns the gradient of the field embeddings (rows*fields x dim).
   */
  protected abstract backwardLogits(dz: Buf<'f32'>): Buf<'f32'>;

  /** The head's own trainable parameters (the table's are added by `parameters`). */
  abstract denseParameters(): readonly Parameter[];

  /** The one shared embedding table, `embedding`. */
  embeddingTables(): Readonly<Record<string, EmbeddingTable>> {
    return { embedding: this.table };
  }

  /** Frees the head's buffers. */
  protected abstract disposeHead(): void;

  parameters(): readonly Parameter[] {
    return [...this.table.parameters(), ...this.denseParameters()];
  }

  abstract buffers(): Readonly<Record<string, Buf<'f32'>>>;

  batches(_epoch: number, rng: Rng): Iterable<CtrBatch> {
    return shuffledBatches(this.dataset.split.train, this.batchSize, rng);
  }

  batchesPerEpoch(): number {
    return batchCount(this.dataset.split.train.length, this.batchSize);
  }

  samplesIn(batch: CtrBatch): number {
    return batch.rows.length;
  }

  async trainStep(batch: CtrBatch, rng: Rng): Promise<number> {
    const rows = batch.rows.length;
    const { ids, labels } = this.load(batch.rows, true);
    const ctx: LayerContext = { training: true, seed: rng.nextU32() };
    const emb = this.emb.take(rows);
    this.table.lookup(ids, emb, ctx);
    const z = this.forwardLogits(ids, emb, rows, ctx);
    const dz = this.dLogits.take(rows);
    this.backend.bceWithLogits(z, labels, this.loss, dz);
    const dEmb = this.backwardLogits(dz);
    this.table.backward(ids, dEmb);
    return (await this.backend.read(this.loss))[0];
  }

  /**
   * Logits of `x.length / fields` rows of global feature ids (row-major, field offsets applied) in
   * inference mode (running BatchNorm statistics, no dropout), in chunks of evalBatchSize rows,
   * each chunk read back once. Ids are checked against the table by its lookup.
   */
  async logitsOf(x: Int32Array): Promise<Float32Array> {
    const F = this.fields;
    if (x.length % F !== 0) throw new RangeError(`logitsOf: ${x.length} ids is not a whole number of rows of ${F} fields`);
    const rows = x.length / F;
    const out = new Float32Array(rows);
    for (let start = 0; start < rows; start += this.evalBatchSize) {
      const n = Math.min(this.evalBatchSize, rows - start);
      const ids = this.ids.take(n);
      this.backend.write(ids, x.subarray(start * F, (start + n) * F));
      out.set(await this.backend.read(this.inferIds(ids, n)), start);
    }
    return out;
  }

  /** Logits of dataset rows `rowIds` in inference mode (running BatchNorm stats, no dropout). */
  predictLogits(rowIds: Int32Array): Promise<Float32Array> {
    return this.logitsOf(this.rowsOf(rowIds).x);
  }

  /** AUC and LogLoss (mean BCE) on a split, computed exactly by @lers/eval. */
  async evaluate(split: 'valid' | 'test'): Promise<Metrics> {
    const rowIds = this.dataset.split[split];
    if (rowIds.length === 0) return { auc: NaN, logloss: NaN };
    const acc = new CtrAccumulator({ kind: 'logits' });
    const yielder = new EventLoopYielder();
    for (let start = 0; start < rowIds.length; start += this.evalBatchSize) {
      await yielder.maybeYield();
      const chunk = rowIds.subarray(start, Math.min(start + this.evalBatchSize, rowIds.length));
      const { ids } = this.load(chunk, false);
      const z = await this.backend.read(this.inferIds(ids, chunk.length));
      acc.add(z, this.rowsOf(chunk).labels);
    }
    const m = acc.result();
    return { auc: m.auc, logloss: m.logLoss };
  }

  onEpochStart(epoch: number): void {
    this.table.onEpochStart?.(epoch);
  }

  onEpochEnd(epoch: number): void {
    this.table.onEpochEnd?.(epoch);
  }

  dispose(): void {
    this.disposeHead();
    this.table.dispose();
    for (const b of [this.ids, this.labels, this.emb, this.dLogits]) b.dispose();
    this.backend.free(this.loss);
  }

  /** Forward in inference mode over `rows` rows of ids already on the backend; returns the logits buffer. */
  private inferIds(ids: Buf<'i32'>, rows: number): Buf<'f32'> {
    const ctx: LayerContext = { training: false, seed: 0 };
    const emb = this.emb.take(rows);
    this.table.lookup(ids, emb, ctx);
    return this.forwardLogits(ids, emb, rows, ctx);
  }

  /**
   * The global ids (rows x fields) and labels of dataset rows, in host staging arrays that the
   * next call reuses.
   */
  private rowsOf(rowIds: Int32Array): { x: Int32Array; labels: Float32Array } {
    const F = this.fields;
    const n = rowIds.length;
    if (this.stagedIds.length < n * F) {
      this.stagedIds = new Int32Array(n * F);
      this.stagedLabels = new Float32Array(n);
    }
    const xs = this.stagedIds.subarray(0, n * F);
    const ys = this.stagedLabels.subarray(0, n);
    const x = this.dataset.x;
    const y = this.dataset.labels;
    for (let k = 0; k < n; k++) {
      const r = rowIds[k];
      xs.set(x.subarray(r * F, r * F + F), k * F);
      ys[k] = y[r];
    }
    return { x: xs, labels: ys };
  }

  /** Writes the rows' global ids (and, with `withLabels`, labels) into the backend's batch buffers. */
  private load(rowIds: Int32Array, withLabels: boolean): { ids: Buf<'i32'>; labels: Buf<'f32'> } {
    const staged = this.rowsOf(rowIds);
    const ids = this.ids.take(rowIds.length);
    const labels = this.labels.take(rowIds.length);
    this.backend.write(ids, staged.x);
    if (withLabels) this.backend.write(labels, staged.labels);
    return { ids, labels };
  }
}
