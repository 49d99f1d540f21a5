import type { Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { CrossNetMix, type GateActivation } from '../layers/cross-mix.js';
import { SeedSequence, type InitScheme } from '../layers/init.js';
import type { LayerContext } from '../layers/layer.js';
import { buildMlp } from '../layers/mlp.js';
import type { Sequential } from '../layers/sequential.js';
import { CtrModel, type CtrModelOptions } from './ctr-model.js';

/** DCN-Mix's settings (defaults: the benchmark's DCN-Mix). */
export interface DcnMixOptions extends CtrModelOptions {
  /** Cross layers (default 3). */
  readonly crossLayers?: number;
  /** Experts per cross layer (default 4). */
  readonly experts?: number;
  /** Rank of each expert (default 64). */
  readonly rank?: number;
  /** Gate activation (default `identity`, the benchmark code's; see GateActivation). */
  readonly gate?: GateActivation;
  /** Initialiser of the cross network (default `kaiming-normal`). */
  readonly crossInit?: InitScheme;
  /** DNN hidden widths after the cross network (default [400, 400, 400]). */
  readonly hidden?: readonly number[];
  /** Dropout after each hidden ReLU (default 0.5). */
  readonly dropout?: number;
  /** BatchNorm after each hidden Linear (default true). */
  readonly batchNorm?: boolean;
  /** Initialiser of the DNN's Linear layers (default `torch-linear`). */
  readonly dnnInit?: InitScheme;
}

/**
 * DCN-Mix in the stacked structure of the benchmark's code: x0 = concat_f e_f -> cross network of
 * mixtures of low-rank experts -> DNN (Linear -> BN -> ReLU -> Dropout per hidden layer) -> Linear
 * to the logit; BCE with logits.
 */
export class DcnMix extends CtrModel {
  readonly backbone = 'dcnmix' as const;
  readonly cross: CrossNetMix;
  readonly dnn: Sequential;

  /** A DCN-Mix over `options.dataset` (see DcnMixOptions for the defaults). */
  constructor(options: DcnMixOptions) {
    super(options);
    const seeds = new SeedSequence(options.seed ?? 2023);
    const width = this.fields * this.embedDim;
    this.cross = new CrossNetMix(this.backend, 'cross_head', width, {
      layers: options.crossLayers ?? 3,
      experts: options.experts ?? 4,
      rank: options.rank ?? 64,
      gate: options.gate ?? 'identity',
      init: options.crossInit ?? 'kaiming-normal',
      seed: seeds.take(),
    });
    this.dnn = buildMlp(this.backend, {
      name: 'dnn',
      inFeatures: width,
      hidden: options.hidden ?? [400, 400, 400],
      dropout: options.dropout ?? 0.5,
      batchNorm: options.batchNorm ?? true,
      init: options.dnnInit ?? 'torch-linear',
      seed: seeds.take(),
    });
  }

  protected forwardLogits(_ids: Buf<'i32'>, emb: Buf<'f32'>, _rows: number, ctx: LayerContext): Buf<'f32'> {
    return this.dnn.forward(this.cross.forward(emb, ctx), ctx);
  }

  protected backwardLogits(dz: Buf<'f32'>): Buf<'f32'> {
    return this.cross.backward(this.dnn.backward(dz));
  }

  denseParameters(): readonly Parameter[] {
    return [...this.cross.parameters(), ...this.dnn.parameters()];
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return this.dnn.buffers();
  }

  protected disposeHead(): void {
    this.cross.dispose();
    this.dnn.dispose();
  }
}
