import type { Backend, Buf, Rng } from '@lers/kernels';
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
 * exceeds maxNorm (PyTorch's clip_grad_norm_); resolves to the norm before clipping. `sums` holds
 * one element per parameter (their squared norms, read back once).
 */
export async function clipGradNorm(backend: Backend, params: readonly Parameter[], maxNorm: number, sums: Buf<'f32'>): Promise<number> {
  if (sums.length < params.length) throw new RangeError(`clipGradNorm: sums has ${sums.length} elements for ${params.length} parameters`);
  params.forEach((p, i) => {
    backend.sumSquares(p.grad, backend.slice(sums, i, 1));
  });
  const squares = await backend.read(sums);
  let total = 0;
  for (let i = 0; i < params.length; i++) total += squares[i];
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
  /** Per-parameter squared gradient norms for clipping (null without clipping). */
  private readonly sums: Buf<'f32'> | null;

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
    this.sums = clip !== undefined ? inner.backend.alloc('f32', Math.max(1, inner.parameters().length)) : null;
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

  async trainStep(batch: B, rng: Rng): Promise<number> {
    const loss = await this.inner.trainStep(batch, rng);
    if (this.sums !== null) await clipGradNorm(this.backend, this.inner.parameters(), this.hooks.clipGradNorm!, this.sums);
    return loss;
  }

  evaluate(split: 'valid' | 'test'): Promise<Metrics> {
    return this.inner.evaluate(split);
  }

  /** Frees the wrapper's scratch (not the inner model, which its stage owns). */
  dispose(): void {
    if (this.sums !== null) this.backend.free(this.sums);
  }
}
