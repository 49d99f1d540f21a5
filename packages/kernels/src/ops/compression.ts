import type { Buf } from '../types.js';

/** How QR combines the remainder and quotient rows. */
export type QrOp = 'mult' | 'add' | 'concat';

/** Granularity of a PEP/CERP soft threshold s. */
export type ThresholdGranularity = 'element' | 'row' | 'dim' | 'global';

/**
 * Tensor-train shape of an N x d table: rows factor as prod(p) >= N, dims as prod(q) = d,
 * ranks has K + 1 entries with ranks[0] = ranks[K] = 1. Core k is stored row-major as
 * [ranks[k], p[k], q[k], ranks[k+1]]. Row x's digits are mixed-radix over p with the first core
 * most significant; output column j's digits likewise over q.
 */
export interface TtShape {
  readonly p: readonly number[];
  readonly q: readonly number[];
  readonly ranks: readonly number[];
}

/** Primitives of the compression methods (QR, TT-Rec, DHE, PEP/CERP, MagPrune). */
export interface CompressionOps {
  /**
   * QR lookup: out[i] = op(R[ids[i] mod m], Q[floor(ids[i] / m)]); R is m x partDim, Q is
   * qRows x partDim; out is ids.length x partDim (mult, add) or x 2*partDim (concat: R part first).
   * ids must be < m * qRows.
   */
  qrCombine(op: QrOp, r: Buf<'f32'>, m: number, q: Buf<'f32'>, qRows: number, partDim: number, ids: Buf<'i32'>, out: Buf<'f32'>): void;
  /** Backward of qrCombine: accumulates into dR and dQ (duplicate ids accumulate). */
  qrCombineBackward(op: QrOp, r: Buf<'f32'>, m: number, q: Buf<'f32'>, qRows: number, partDim: number, ids: Buf<'i32'>, dOut: Buf<'f32'>, dR: Buf<'f32'>, dQ: Buf<'f32'>): void;
  /** Reconstructs the rows ids of a TT table into out (ids.length x prod(q)); ids < prod(p). */
  ttRows(shape: TtShape, cores: readonly Buf<'f32'>[], ids: Buf<'i32'>, out: Buf<'f32'>): void;
  /** Backward of ttRows: accumulates into dCores (same layout as cores). */
  ttRowsBackward(shape: TtShape, cores: readonly Buf<'f32'>[], ids: Buf<'i32'>, dOut: Buf<'f32'>, dCores: readonly Buf<'f32'>[]): void;
  /**
   * DHE dense hash encoding: out[i, j] = 2 h / (m - 1) - 1 with h = ((a[j] x + b[j]) mod p[j]) mod m,
   * x = ids[i] (>= 0), exact integer arithmetic (a, b < p < 2^31). out is ids.length x k, k = a.length.
   */
  dheEncode(ids: Buf<'i32'>, a: Buf<'u32'>, b: Buf<'u32'>, p: Buf<'u32'>, m: number, out: Buf<'f32'>): void;
  /** out = sign(w) * relu(|w| - sigmoid(s)) with s broadcast by granularity over a rows x dim w. */
  softThreshold(w: Buf<'f32'>, s: Buf<'f32'>, rows: number, dim: number, granularity: ThresholdGranularity, out: Buf<'f32'>): void;
  /**
   * Backward of softThreshold: dW = dOut * [|w| > sigmoid(s)] (overwritten);
   * dS += sum over broadcast of -dOut * sign(w) * [|w| > sigmoid(s)] * sigmoid'(s) (accumulated).
   */
  softThresholdBackward(w: Buf<'f32'>, s: Buf<'f32'>, rows: number, dim: number, granularity: ThresholdGranularity, dOut: Buf<'f32'>, dW: Buf<'f32'>, dS: Buf<'f32'>): void;
  /** out[0] = the k-th smallest |x_i| (1-based k in [1, n]); expected linear time; x is not modified. */
  kthSmallestAbs(x: Buf<'f32'>, k: number, out: Buf<'f32'>): void;
}
