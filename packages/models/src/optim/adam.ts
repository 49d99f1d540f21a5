import type { Backend, Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { checkUniqueNames, type Optimizer } from './optimizer.js';
import { zeroGradients } from './zero-grad.js';

/** Adam hyperparameters (PyTorch defaults). */
export interface AdamOptions {
  readonly lr: number;
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-8. */
  readonly eps?: number;
  /** Default weight decay for parameters without their own (default 0); coupled L2 as torch.optim.Adam. */
  readonly weightDecay?: number;
  /** AdamW's decoupled decay instead of coupled L2 (default false). */
  readonly decoupled?: boolean;
  /**
   * Lazy Adam: parameters with row sparsity (embedding tables) update only the rows their gradient
   * touched, as TensorFlow's LazyAdam / torch SparseAdam; others update densely. Default false.
   */
  readonly lazy?: boolean;
}

/**
 * Adam with PyTorch semantics (bias-corrected, coupled weight decay), optionally lazy on embedding
 * rows. A parameter with its own `update` takes its learning rate, or a plain SGD step when its rule
 * is `sgd` (the reference's separate optimizer; its moment buffers then stay zero).
 */
export class Adam implements Optimizer {
  readonly kind = 'adam';
  readonly parameters: readonly Parameter[];
  private readonly m: Buf<'f32'>[];
  private readonly v: Buf<'f32'>[];
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly decoupled: boolean;
  private readonly lazy: boolean;
  private step_ = 0;
  /** Parameters whose gradient a lazy step already zeroed. */
  private readonly zeroed = new Set<Parameter>();

  constructor(
    private readonly backend: Backend,
    params: readonly Parameter[],
    options: AdamOptions,
  ) {
    checkUniqueNames(params);
    if (!(options.lr > 0)) throw new RangeError(`Adam: lr must be > 0, got ${options.lr}`);
    this.parameters = [...params];
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupled = options.decoupled ?? false;
    this.lazy = options.lazy ?? false;
    for (const [name, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new RangeError(`Adam: ${name} must be in [0, 1), got ${b}`);
    }
    this.m = params.map((p) => backend.alloc('f32', p.value.length));
    this.v = params.map((p) => backend.alloc('f32', p.value.length));
  }

  get stepCount(): number {
    return this.step_;
  }

  step(): void {
    this.step_++;
    const be = this.backend;
    this.parameters.forEach((p, k) => {
      if (p.update?.rule === 'sgd') {
        be.sgd(p.value, p.grad, p.update.lr, p.weightDecay ?? this.weightDecay, 0, null);
        return;
      }
      const hp = {
        lr: p.update?.lr ?? this.lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: p.weightDecay ?? this.weightDecay,
        decoupled: this.decoupled,
        step: this.step_,
      };
      const sparse = p.rowSparse;
      if (this.lazy && sparse !== undefined) {
        const rows = sparse.rows();
        if (rows.length > 0) be.adamRows(p.value, p.grad, this.m[k], this.v[k], sparse.dim, rows, hp, true);
        sparse.clear();
        this.zeroed.add(p);
      } else {
        be.adam(p.value, p.grad, this.m[k], this.v[k], hp);
      }
    });
  }

  zeroGrad(): void {
    zeroGradients(this.backend, this.parameters, this.zeroed);
    this.zeroed.clear();
  }

  stateBuffers(): Readonly<Record<string, Buf<'f32'>>> {
    const out: Record<string, Buf<'f32'>> = {};
    this.parameters.forEach((p, k) => {
      out[`${p.name}.m`] = this.m[k];
      out[`${p.name}.v`] = this.v[k];
    });
    return out;
  }

  restoreStepCount(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`Adam: bad step count ${step}`);
    this.step_ = step;
  }

  dispose(): void {
    for (const b of [...this.m, ...this.v]) this.backend.free(b);
    this.m.length = 0;
    this.v.length = 0;
  }
}
