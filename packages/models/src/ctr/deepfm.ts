import type { Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { totalFeatures } from '@lers/data';
import { initTensor, SeedSequence, type InitScheme } from '../layers/init.js';
import type { LayerContext } from '../layers/layer.js';
import { buildMlp } from '../layers/mlp.js';
import { createParameter, freeParameter } from '../layers/parameters.js';
import { RowBuffer } from '../layers/row-buffer.js';
import type { Sequential } from '../layers/sequential.js';
import { CtrModel, type CtrModelOptions } from './ctr-model.js';
import { FieldIndex } from './field-index.js';
import { FmInteraction } from './fm.js';

/** DeepFM's settings (defaults: the benchmark's Criteo DeepFM). */
export interface DeepFmOptions extends CtrModelOptions {
  /** DNN hidden widths (default [400, 400, 400]). */
  readonly hidden?: readonly number[];
  /** Dropout after each hidden ReLU (default 0.5). */
  readonly dropout?: number;
  /** BatchNorm after each hidden Linear (default true). */
  readonly batchNorm?: boolean;
  /** Initialiser of the DNN's Linear layers (default `torch-linear`, nn.Linear's). */
  readonly dnnInit?: InitScheme;
  /**
   * Initialiser of the first-order weights (sum(fieldDims) x 1). Default N(0, 1): the reference
   * code keeps them in an nn.EmbeddingBag, whose default init is the standard normal.
   */
  readonly firstOrderInit?: InitScheme;
}

/**
 * DeepFM: logit = w0 + sum_f w[x_f] + 1/2 sum_d [(sum_f e_f)^2 - sum_f e_f^2] + DNN(concat_f e_f),
 * with first-order weights w in their own uncompressed sum(fieldDims) x 1 tensor, field embeddings
 * e_f from the shared (possibly compressed) table, and the DNN Linear -> BN -> ReLU -> Dropout per
 * hidden layer, then Linear to 1. Trained with BCE on the logit.
 */
export class DeepFm extends CtrModel {
  readonly backbone = 'deepfm' as const;
  /** The global bias w0. */
  readonly bias: Parameter;
  /** First-order weights, one per feature. */
  readonly linear: Parameter;
  readonly dnn: Sequential;
  private readonly fm: FmInteraction;
  private readonly index: FieldIndex;
  private readonly logits: RowBuffer;
  private readonly linearOut: RowBuffer;
  private readonly dEmb: RowBuffer;
  private lastIds: Buf<'i32'> | null = null;

  /** A DeepFM over `options.dataset` (see DeepFmOptions for the defaults). */
  constructor(options: DeepFmOptions) {
    super(options);
    const be = this.backend;
    const seeds = new SeedSequence(options.seed ?? 2023);
    const features = totalFeatures(options.dataset);
    this.bias = createParameter(be, 'bias', [1]);
    this.linear = createParameter(be, 'linear.weight', [features, 1]);
    initTensor(be, this.linear.value, this.linear.shape, options.firstOrderInit ?? { normal: 1 }, seeds.take());
    const width = this.fields * this.embedDim;
    this.dnn = buildMlp(be, {
      name: 'dnn',
      inFeatures: width,
      hidden: options.hidden ?? [400, 400, 400],
      dropout: options.dropout ?? 0.5,
      batchNorm: options.batchNorm ?? true,
      init: options.dnnInit ?? 'torch-linear',
      seed: seeds.take(),
    });
    this.index = new FieldIndex(be, this.fields);
    this.fm = new FmInteraction(be, this.fields, this.embedDim, this.index);
    this.logits = new RowBuffer(be, 'f32', 1);
    this.linearOut = new RowBuffer(be, 'f32', 1);
    this.dEmb = new RowBuffer(be, 'f32', width);
  }

  protected forwardLogits(ids: Buf<'i32'>, emb: Buf<'f32'>, rows: number, ctx: LayerContext): Buf<'f32'> {
    const be = this.backend;
    const features = this.linear.value.length;
    const z = this.logits.take(rows);
    const lin = this.linearOut.take(rows);
    be.embeddingBag(this.linear.value, features, 1, ids, this.index.bagOffsets(rows), 'sum', lin);
    const fm = this.fm.forward(emb, rows, ctx.training);
    const deep = this.dnn.forward(emb, ctx);
    be.add(deep, lin, z);
    be.add(z, fm, z);
    be.addRowVector(rows, 1, z, this.bias.value, z);
    this.lastIds = ctx.training ? ids : null;
    return z;
  }

  protected backwardLogits(dz: Buf<'f32'>): Buf<'f32'> {
    const ids = this.lastIds;
    if (ids === null) throw new Error('DeepFm: backward without a training forward');
    const be = this.backend;
    const rows = dz.length;
    be.colSum(rows, 1, dz, 1, this.bias.grad);
    be.embeddingBagBackward(dz, ids, this.index.bagOffsets(rows), 'sum', this.linear.grad, this.linear.value.length, 1);
    const dEmb = this.dEmb.take(rows);
    this.fm.backward(dz, dEmb);
    be.add(dEmb, this.dnn.backward(dz), dEmb);
    return dEmb;
  }

  denseParameters(): readonly Parameter[] {
    return [this.bias, this.linear, ...this.dnn.parameters()];
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return this.dnn.buffers();
  }

  protected disposeHead(): void {
    freeParameter(this.backend, this.bias);
    freeParameter(this.backend, this.linear);
    this.dnn.dispose();
    this.fm.dispose();
    this.index.dispose();
    for (const b of [this.logits, this.linearOut, this.dEmb]) b.dispose();
    this.lastIds = null;
  }
}
