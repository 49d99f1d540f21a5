import type { Backend, Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { checkUniqueNames, type Optimizer } from './optimizer.js';
import { zeroGradients } from './zero-grad.js';

/** SGD hyperparameters (PyTorch semantics). */
export interface SgdOptions {
  readonly lr: number;
  /** Default 0 (no velocity buffers). */
  readonly momentum?: number;
  /** Default weight decay for parameters without their own (default 0), added to the gradient. */
  readonly weightDecay?: number;
}

/**
 * Plain SGD, optionally with momentum, as torch.optim.SGD (dampening 0, no Nesterov). A parameter
 * with its own `update` takes its learning rate (and no momentum when its rule is `sgd`).
 */
export class Sgd implements Optimizer {
  readonly kind = 'sgd';
  readonly parameters: readonly Parameter[];
  private readonly velocity: (Buf<'f32'> | null)[];
  private readonly lr: number;
  private readonly momentum: number;
  private readonly weightDecay: number;
  private step_ = 0;

  constructor(
    private readonly backend: Backend,
    params: readonly Parameter[],
    options: SgdOptions,
  ) {
    checkUniqueNames(params);
    if (!(options.lr > 0)) throw new RangeError(`SGD: lr must be > 0, got ${options.lr}`);
    this.parameters = [...params];
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.momentum >= 0)) throw new RangeError(`SGD: momentum must be >= 0, got ${this.momentum}`);
    this.velocity = params.map((p) => (this.momentum !== 0 ? backend.alloc('f32', p.value.length) : null));
  }

  get stepCount(): number {
    return this.step_;
  }

  step(): void {
    this.step_++;
    this.parameters.forEach((p, k) => {
      const plain = p.update?.rule === 'sgd';
      this.backend.sgd(p.value, p.grad, p.update?.lr ?? this.lr, p.weightDecay ?? this.weightDecay, plain ? 0 : this.momentum, plain ? null : this.velocity[k]);
    });
  }

  zeroGrad(): void {
    zeroGradients(this.backend, this.parameters);
  }

  stateBuffers(): Readonly<Record<string, Buf<'f32'>>> {
    const out: Record<string, Buf<'f32'>> = {};
    this.parameters.forEach((p, k) => {
      const vel = this.velocity[k];
      if (vel !== null) out[`${p.name}.velocity`] = vel;
    });
    return out;
  }

  restoreStepCount(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`SGD: bad step count ${step}`);
    this.step_ = step;
  }

  dispose(): void {
    for (const b of this.velocity) if (b !== null) this.backend.free(b);
    this.velocity.length = 0;
  }
}
