import type { Buf } from '../types.js';

/** Adam hyperparameters; `step` is the 1-based step count used for bias correction. */
export interface AdamParams {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** PyTorch Adam semantics: grad += weightDecay * param (coupled L2), unless `decoupled` (AdamW). */
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly step: number;
}

/** BatchNorm1d over an rows x cols batch (statistics per column). */
export interface BatchNormParams {
  readonly training: boolean;
  /** Running-stat momentum as in PyTorch: run = (1 - momentum) * run + momentum * batch. */
  readonly momentum: number;
  readonly eps: number;
}

/**
 * Optimizers and training layers. Parameter gradients are *accumulated* (+=) so that several
 * contributions can be summed; the training loop zeroes them.
 */
export interface TrainingOps {
  /** Dense Adam step over all elements (PyTorch semantics, bias-corrected). */
  adam(param: Buf<'f32'>, grad: Buf<'f32'>, m: Buf<'f32'>, v: Buf<'f32'>, p: AdamParams): void;
  /**
   * Lazy Adam over the listed rows only (unique row ids of a rows x dim table): m, v and param are
   * updated for those rows, untouched rows keep their moments; then those grad rows are zeroed
   * when zeroGrad is true. Bias correction uses the global step. An id outside [0, rows) throws a
   * RangeError before anything is written; a repeated id is updated once per occurrence, in order.
   */
  adamRows(param: Buf<'f32'>, grad: Buf<'f32'>, m: Buf<'f32'>, v: Buf<'f32'>, dim: number, rowIds: Buf<'i32'>, p: AdamParams, zeroGrad: boolean): void;
  /**
   * SGD: g = grad + weightDecay * param; with momentum: vel = momentum * vel + g, step on vel
   * (PyTorch semantics with a zero-initialised velocity). velocity is required when momentum != 0
   * and ignored when momentum = 0.
   */
  sgd(param: Buf<'f32'>, grad: Buf<'f32'>, lr: number, weightDecay: number, momentum: number, velocity: Buf<'f32'> | null): void;
  /**
   * BatchNorm forward. Training: normalise with the batch mean and biased variance, save mean and
   * 1/sqrt(var + eps) for backward, update running stats (unbiased variance, as PyTorch).
   * Inference: normalise with the running stats (saveMean/saveInvStd untouched). Training needs
   * rows >= 2 (as PyTorch). out may alias x.
   */
  batchNormForward(rows: number, cols: number, x: Buf<'f32'>, gamma: Buf<'f32'>, beta: Buf<'f32'>, runMean: Buf<'f32'>, runVar: Buf<'f32'>, p: BatchNormParams, out: Buf<'f32'>, saveMean: Buf<'f32'>, saveInvStd: Buf<'f32'>): void;
  /** BatchNorm backward (training mode): dx overwritten (may alias x or dy), dGamma and dBeta accumulated. */
  batchNormBackward(rows: number, cols: number, x: Buf<'f32'>, dy: Buf<'f32'>, gamma: Buf<'f32'>, saveMean: Buf<'f32'>, saveInvStd: Buf<'f32'>, dx: Buf<'f32'>, dGamma: Buf<'f32'>, dBeta: Buf<'f32'>): void;
  /**
   * Inverted dropout with a counter-based seeded mask: keep_i = u(hash2(seed, i)) >= p,
   * out = x * keep / (1 - p); mask[i] = keep_i. Independent of thread partitioning. p is in [0, 1]:
   * p = 0 keeps everything, p = 1 drops everything (out = 0, mask = 0). out may alias x.
   */
  dropout(x: Buf<'f32'>, p: number, seed: number, out: Buf<'f32'>, mask: Buf<'u8'>): void;
  /** dx = dy / (1 - p) where mask != 0, else 0 (so p = 1 gives dx = 0). dx may alias dy. */
  dropoutBackward(dy: Buf<'f32'>, mask: Buf<'u8'>, p: number, dx: Buf<'f32'>): void;
}
