import type { Buf } from '../types.js';

/**
 * Elementwise activations, their backward passes, and losses. Backward passes write dx and may
 * alias dy. "y" arguments are the forward outputs where the derivative is cheaper from them.
 */
export interface ActivationOps {
  relu(x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** dx = dy * [x > 0]. */
  reluBackward(x: Buf<'f32'>, dy: Buf<'f32'>, dx: Buf<'f32'>): void;
  sigmoid(x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** dx = dy * y * (1 - y), y = sigmoid(x). */
  sigmoidBackward(y: Buf<'f32'>, dy: Buf<'f32'>, dx: Buf<'f32'>): void;
  tanh(x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** dx = dy * (1 - y^2), y = tanh(x). */
  tanhBackward(y: Buf<'f32'>, dy: Buf<'f32'>, dx: Buf<'f32'>): void;
  /** mish(x) = x * tanh(softplus(x)). */
  mish(x: Buf<'f32'>, out: Buf<'f32'>): void;
  mishBackward(x: Buf<'f32'>, dy: Buf<'f32'>, dx: Buf<'f32'>): void;
  /** softplus(x) = log(1 + e^x), computed without overflow. */
  softplus(x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** dx = dy * sigmoid(x). */
  softplusBackward(x: Buf<'f32'>, dy: Buf<'f32'>, dx: Buf<'f32'>): void;
  /** logSigmoid(x) = -softplus(-x). */
  logSigmoid(x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** dx = dy * sigmoid(-x). */
  logSigmoidBackward(x: Buf<'f32'>, dy: Buf<'f32'>, dx: Buf<'f32'>): void;
  /**
   * Mean binary cross-entropy with logits: loss[0] = mean_i [softplus(z_i) - y_i z_i] (stable form).
   * If dz is given, dz_i = (sigmoid(z_i) - y_i) / n. Labels are 0/1 (soft labels allowed).
   * An empty batch gives loss 0.
   */
  bceWithLogits(z: Buf<'f32'>, y: Buf<'f32'>, loss: Buf<'f32'>, dz: Buf<'f32'> | null): void;
  /** Row-wise softmax of an rows x cols matrix (max-subtracted). out may alias x. */
  softmax(rows: number, cols: number, x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** dx = y * (dy - sum_c(dy * y)) per row, y = softmax output. */
  softmaxBackward(rows: number, cols: number, y: Buf<'f32'>, dy: Buf<'f32'>, dx: Buf<'f32'>): void;
  /**
   * out[r] = log sum_c exp(x[r, c]) (max-subtracted; the shift is 0 when the row max is not
   * finite, so a row of -inf, or an empty row, gives -inf).
   */
  logSumExp(rows: number, cols: number, x: Buf<'f32'>, out: Buf<'f32'>): void;
}
