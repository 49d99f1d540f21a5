import { hash2, type Backend, type Buf } from '@lers/kernels';
import { freeGradient, withLazyGradient, type Parameter } from '../../parameter.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';

/**
 * How a DHE MLP pass runs: `train` normalises with batch statistics and updates the running ones,
 * `eval` uses the running ones, `recompute` repeats a training pass without touching the running
 * statistics (momentum 0), to rebuild activations for a backward pass.
 */
export type MlpMode = 'train' | 'eval' | 'recompute';

/** Options of a DHE MLP. */
export interface DheMlpOptions {
  readonly backend: Backend;
  /** Parameter name prefix (`<name>.mlp.<l>.weight`, ...). */
  readonly name: string;
  /** Layer widths: input k, the hidden widths, output d (at least two entries). */
  readonly widths: readonly number[];
  /** Seed of the Linear layers' initial values. */
  readonly seed: number;
  /** BatchNorm running-stat momentum (PyTorch's 0.1). */
  readonly momentum: number;
  /** BatchNorm eps (PyTorch's 1e-5). */
  readonly eps: number;
  /** Weight decay of every parameter; default: the optimizer's. */
  readonly weightDecay?: number;
  /**
   * A buffer to use in place of a new one, by state name (`mlp.<l>.weight`, `.bias`, `.bn.weight`,
   * `.bn.bias`, `.bn.running_mean`, `.bn.running_var`): a model file's resident section, neither
   * initialised nor freed here; undefined (or a buffer of another length): a new, initialised one.
   */
  readonly inPlace?: (key: string, length: number) => Buf<'f32'> | undefined;
}

/** One Linear -> BatchNorm -> Mish block. */
export interface DheLayer {
  /** Input width of the Linear layer. */
  readonly inWidth: number;
  /** Output width (Linear, BN and Mish). */
  readonly outWidth: number;
  /** out x in (PyTorch's nn.Linear layout). */
  readonly weight: Parameter;
  readonly bias: Parameter;
  /** BatchNorm affine gamma and beta. */
  readonly gamma: Parameter;
  readonly beta: Parameter;
  /** BatchNorm running mean (state, not a parameter). */
  readonly runningMean: Buf<'f32'>;
  /** BatchNorm running (unbiased) variance. */
  readonly runningVar: Buf<'f32'>;
}

/** Parameters of an MLP over `widths` as the protocol counts them: per layer in*out + out (Linear) + 2 out (BN affine). */
export function mlpParamCount(widths: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < widths.length; l++) n += widths[l] * widths[l + 1] + 3 * widths[l + 1];
  return n;
}

interface LayerState extends DheLayer {
  readonly saveMean: Buf<'f32'>;
  readonly saveInvStd: Buf<'f32'>;
  /** Pre-BN (Linear output), post-BN (Mish input) and post-Mish activations of the last pass. */
  readonly z: ScratchBuffer<'f32'>;
  readonly y: ScratchBuffer<'f32'>;
  readonly a: ScratchBuffer<'f32'>;
}

/**
 * DHE's decoder: Linear -> BatchNorm1d -> Mish for every layer, the output layer included (the
 * reference code's default `use_bn = 2`), built directly on the kernels (gemm, batchNorm*,
 * mish*). Linear layers use nn.Linear's default init U(+-1/sqrt(in)) for weight and bias; BN
 * starts at gamma 1, beta 0, running mean 0, running variance 1.
 */
export class DheMlp {
  /** The Linear -> BN -> Mish blocks, input side first. */
  readonly layers: readonly DheLayer[];
  private readonly state: LayerState[];
  private readonly dA: ScratchBuffer<'f32'>;
  private readonly dY: ScratchBuffer<'f32'>;
  /** The input and row count of the last training (or recompute) pass, for backward. */
  private input: Buf<'f32'> | null = null;
  private rows = 0;
  /** Buffers given by `inPlace` (a model file's): used, never freed here. */
  private readonly borrowed = new Set<Buf<'f32'>>();

  /** Allocates and initialises the layers (seeded). */
  constructor(private readonly options: DheMlpOptions) {
    const { backend: be, widths, name } = options;
    if (widths.length < 2 || !widths.every((w) => Number.isInteger(w) && w >= 1)) throw new RangeError(`dhe: MLP widths must be >= 2 positive integers, got ${JSON.stringify(widths)}`);
    // A state buffer: the resident one given for `key`, else a new one set by `init`.
    const buffer = (key: string, n: number, init: (b: Buf<'f32'>) => void): Buf<'f32'> => {
      const given = options.inPlace?.(key, n);
      if (given !== undefined && given.length === n) {
        this.borrowed.add(given);
        return given;
      }
      const b = be.alloc('f32', n);
      init(b);
      return b;
    };
    const param = (suffix: string, shape: number[], init: (b: Buf<'f32'>) => void): Parameter => {
      const n = shape.reduce((a, b) => a * b, 1);
      return withLazyGradient(be, n, {
        name: `${name}.${suffix}`,
        value: buffer(suffix, n, init),
        shape,
        ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      });
    };
    this.state = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const inWidth = widths[l];
      const outWidth = widths[l + 1];
      const bound = 1 / Math.sqrt(inWidth);
      const weight = param(`mlp.${l}.weight`, [outWidth, inWidth], (b) => { be.fillUniform(b, -bound, bound, hash2(options.seed, 2 * l + 1)); });
      const bias = param(`mlp.${l}.bias`, [outWidth], (b) => { be.fillUniform(b, -bound, bound, hash2(options.seed, 2 * l + 2)); });
      const gamma = param(`mlp.${l}.bn.weight`, [outWidth], (b) => { be.fill(b, 1); });
      const beta = param(`mlp.${l}.bn.bias`, [outWidth], () => undefined);
      this.state.push({
        inWidth,
        outWidth,
        weight,
        bias,
        gamma,
        beta,
        runningMean: buffer(`mlp.${l}.bn.running_mean`, outWidth, () => undefined),
        runningVar: buffer(`mlp.${l}.bn.running_var`, outWidth, (b) => { be.fill(b, 1); }),
        saveMean: be.alloc('f32', outWidth),
        saveInvStd: be.alloc('f32', outWidth),
        z: new ScratchBuffer(be, 'f32'),
        y: new ScratchBuffer(be, 'f32'),
        a: new ScratchBuffer(be, 'f32'),
      });
    }
    this.layers = this.state;
    this.dA = new ScratchBuffer(be, 'f32');
    this.dY = new ScratchBuffer(be, 'f32');
  }

  /** Input width k. */
  get inWidth(): number {
    return this.options.widths[0];
  }

  /** Output width d. */
  get outWidth(): number {
    return this.options.widths[this.options.widths.length - 1];
  }

  /**
   * out (rows x d) = MLP(x) for x (rows x k). Training passes need rows >= 2 (batch statistics)
   * and keep x and the activations for `backward`; x must stay unchanged until then.
   */
  forward(x: Buf<'f32'>, rows: number, mode: MlpMode, out: Buf<'f32'>): void {
    const be = this.options.backend;
    const training = mode !== 'eval';
    if (training && rows < 2) throw new RangeError(`dhe: a training lookup needs at least 2 rows (BatchNorm batch statistics), got ${rows}`);
    let input = x;
    this.state.forEach((layer, l) => {
      const n = rows * layer.outWidth;
      const z = layer.z.take(n);
      be.gemm(false, true, rows, layer.outWidth, layer.inWidth, 1, input, layer.weight.value, 0, z);
      be.addRowVector(rows, layer.outWidth, z, layer.bias.value, z);
      const y = layer.y.take(n);
      const momentum = mode === 'recompute' ? 0 : this.options.momentum;
      be.batchNormForward(rows, layer.outWidth, z, layer.gamma.value, layer.beta.value, layer.runningMean, layer.runningVar, { training, momentum, eps: this.options.eps }, y, layer.saveMean, layer.saveInvStd);
      const a = l === this.state.length - 1 ? out : layer.a.take(n);
      be.mish(y, a);
      input = a;
    });
    this.input = training ? x : null;
    this.rows = rows;
  }

  /** Accumulates parameter gradients for dOut (rows x d) of the last training pass. */
  backward(dOut: Buf<'f32'>): void {
    const x = this.input;
    if (x === null) throw new Error('dhe: backward without a training lookup before it');
    const be = this.options.backend;
    const rows = this.rows;
    if (dOut.length !== rows * this.outWidth) throw new RangeError(`dhe: dOut must have ${rows} x ${this.outWidth} elements (the last training lookup), has ${dOut.length}`);
    let dA = dOut;
    for (let l = this.state.length - 1; l >= 0; l--) {
      const layer = this.state[l];
      const n = rows * layer.outWidth;
      const dY = this.dY.take(n);
      be.mishBackward(layer.y.take(n), dA, dY);
      // dY becomes dZ in place (batchNormBackward's dx may alias dy).
      be.batchNormBackward(rows, layer.outWidth, layer.z.take(n), dY, layer.gamma.value, layer.saveMean, layer.saveInvStd, dY, layer.gamma.grad, layer.beta.grad);
      const input = l === 0 ? x : this.state[l - 1].a.take(rows * layer.inWidth);
      be.gemm(true, false, layer.outWidth, layer.inWidth, rows, 1, dY, input, 1, layer.weight.grad);
      be.colSum(rows, layer.outWidth, dY, 1, layer.bias.grad);
      if (l > 0) {
        const dPrev = this.dA.take(rows * layer.inWidth);
        be.gemm(false, false, rows, layer.inWidth, layer.outWidth, 1, dY, layer.weight.value, 0, dPrev);
        dA = dPrev;
      }
    }
  }

  /** The trainable parameters, layer by layer (weight, bias, BN gamma, BN beta). */
  parameters(): Parameter[] {
    return this.state.flatMap((l) => [l.weight, l.bias, l.gamma, l.beta]);
  }

  /** Parameter count (see mlpParamCount). */
  paramCount(): number {
    return mlpParamCount(this.options.widths);
  }

  /** Elements of the BatchNorm running statistics (2 per output column of every layer). */
  runningStatCount(): number {
    return this.state.reduce((n, l) => n + 2 * l.outWidth, 0);
  }

  /** Frees every buffer. */
  dispose(): void {
    const be = this.options.backend;
    for (const l of this.state) {
      for (const p of [l.weight, l.bias, l.gamma, l.beta]) {
        if (!this.borrowed.has(p.value)) be.free(p.value);
        freeGradient(be, p);
      }
      for (const b of [l.runningMean, l.runningVar, l.saveMean, l.saveInvStd]) if (!this.borrowed.has(b)) be.free(b);
      l.z.dispose();
      l.y.dispose();
      l.a.dispose();
    }
    this.dA.dispose();
    this.dY.dispose();
    this.input = null;
  }
}
