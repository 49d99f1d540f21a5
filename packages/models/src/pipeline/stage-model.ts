import { isHostBackend, type Backend, type Buf, type Rng } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import type { Metrics, Model } from '../model.js';

/** Per-step additions a stage makes to plain training, without touching the loop. */
export interface StepHooks {
  /** Scale all gradients after each step's backward so that their global L2 norm is at most this (torch clip_grad_norm_). */
  readonly clipGradNorm?: number;
  /** Checked before every batch; true ends the stage's training there (e.g. every mask is captured). */
  readonly stopWhen?: () => boolean;
}

/** Thrown out of the loop when a stage's `stopWhen` holds; the stage runner catches it. */
export class StageStop extends Error {
  constructor() {
    super('stage finished early');
    this.name = 'StageStop';
  }
}

/**
 * Scales every gradient by maxNorm / (norm + 1e-6) when the global L2 norm of all gradients
 * exceeds maxNorm (PyTorch's clip_grad_norm_); returns the norm before clipping.
 */
export function clipGradNorm(backend: Backend, params: readonly Parameter[], maxNorm: number, scalar: Buf<'f32'>): number {
  if (!isHostBackend(backend)) throw new Error('gradient clipping reads the norm through a host view; use a host backend');
  let total = 0;
  for (const p of params) {
    backend.sumSquares(p.grad, scalar);
    total += backend.view(scalar)[0];
  }
  const norm = Math.sqrt(total);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const p of params) backend.scale(coef, p.grad, p.grad);
  return norm;
}

/**
 * A model as `train` sees it during a stage: the inner model plus the stage's step hooks
 * (gradient clipping after each trainStep, an early stop checked before each batch). Everything
 * else is delegated, so checkpoints and metrics are the inner model's.
 */
export class StageModel<B> implements Model<B> {
  readonly task: 'cf' | 'ctr';
  readonly backend: Backend;
  readonly selectionMetric: string;
  readonly batchesPerEpoch?: () => number;
  readonly samplesIn?: (batch: B) => number;
  readonly onEpochStart?: (epoch: number) => void;
  readonly onEpochEnd?: (epoch: number) => void;
  private readonly scalar: Buf<'f32'> | null;

  constructor(
    readonly inner: Model<B>,
    private readonly hooks: StepHooks = {},
  ) {
    this.task = inner.task;
    this.backend = inner.backend;
    this.selectionMetric = inner.selectionMetric;
    if (inner.batchesPerEpoch) this.batchesPerEpoch = () => inner.batchesPerEpoch!();
    if (inner.samplesIn) this.samplesIn = (b) => inner.samplesIn!(b);
    if (inner.onEpochStart) this.onEpochStart = (e) => { inner.onEpochStart!(e); };
    if (inner.onEpochEnd) this.onEpochEnd = (e) => { inner.onEpochEnd!(e); };
    const clip = hooks.clipGradNorm;
    if (clip !== undefined && !(clip > 0)) throw new RangeError(`clipGradNorm must be > 0, got ${clip}`);
    this.scalar = clip !== undefined ? inner.backend.alloc('f32', 1) : null;
  }

  parameters(): readonly Parameter[] {
    return this.inner.parameters();
  }

  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return this.inner.buffers();
  }

  *batches(epoch: number, rng: Rng): Iterable<B> {
    const stop = this.hooks.stopWhen;
    for (const b of this.inner.batches(epoch, rng)) {
      if (stop?.()) throw new StageStop();
      yield b;
    }
  }

  trainStep(batch: B, rng: Rng): number {
    const loss = this.inner.trainStep(batch, rng);
    if (this.scalar !== null) clipGradNorm(this.backend, this.inner.parameters(), this.hooks.clipGradNorm!, this.scalar);
    return loss;
  }

  evaluate(split: 'valid' | 'test'): Metrics {
    return this.inner.evaluate(split);
  }

  /** Frees the wrapper's scratch (not the inner model, which its stage owns). */
  dispose(): void {
    if (this.scalar !== null) this.backend.free(this.scalar);
  }
}
