import { rowwiseStride } from '@lers/kernels';
import type { SerializedTable } from '../../table.js';
import { signedRange, type QuantizedTableSize } from './ptq.js';

/** Bit widths QAT trains for. */
export type QatBits = 8 | 16 | 4;

/** Size of a QAT table: the training object's real bytes plus the bytes of its serving form. */
export interface QatTableSize extends QuantizedTableSize {
  /** Bytes of the table `toPtq()` exports (NaN for a per-row scale with 16 bits, which has no serving format). */
  readonly servedBytes: number;
}

/** What a QAT table's header and sections hold, checked. */
export interface ParsedQat {
  readonly header: {
    readonly rows: number;
    readonly dim: number;
    readonly bits: QatBits;
    readonly scaleGranularity: 'table' | 'row';
    readonly rounding: 'stochastic' | 'nearest';
    readonly roundingSeed: number;
    readonly step: number;
    readonly backwardSinceForward: boolean;
    readonly name?: string;
    readonly weightDecay?: number;
  };
  readonly weight: Float32Array;
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
}

/**
 * The header and sections of a serialised QAT table (types checked; sizes are the caller's).
 * `weight`: the master values when the caller has them already (a view of a resident section).
 */
export function parseQat(serialized: SerializedTable, weightView?: Float32Array): ParsedQat {
  if (serialized.method !== 'qat') throw new TypeError(`QatTable.deserialize: method is ${serialized.method}, not qat`);
  const h = serialized.header;
  const { scale, zeroPoint } = serialized.sections;
  const weight = weightView ?? serialized.sections.weight;
  if (typeof h.rows !== 'number' || typeof h.dim !== 'number' || typeof h.step !== 'number' || typeof h.roundingSeed !== 'number') {
    throw new TypeError('qat table: header needs numeric rows, dim, step and roundingSeed');
  }
  if (!(weight instanceof Float32Array) || !(scale instanceof Float32Array) || !(zeroPoint instanceof Int32Array)) {
    throw new TypeError('qat table: sections weight, scale (Float32Array) and zeroPoint (Int32Array) are required');
  }
  if (zeroPoint.length !== scale.length) throw new RangeError(`qat table: ${scale.length} scales but ${zeroPoint.length} zero points`);
  if (h.bits !== 8 && h.bits !== 16 && h.bits !== 4) throw new RangeError(`qat table: bits must be 8, 16 or 4, got ${JSON.stringify(h.bits)}`);
  // What the kernels will take: every zero point a code of the width, every scale finite.
  const { qmin, qmax } = signedRange(h.bits);
  const badZero = zeroPoint.findIndex((z) => z < qmin || z > qmax);
  if (badZero >= 0) throw new RangeError(`qat table: zero point ${zeroPoint[badZero]} at ${badZero} is outside [${qmin}, ${qmax}] for ${h.bits} bits`);
  const badScale = scale.findIndex((v) => !Number.isFinite(v));
  if (badScale >= 0) throw new RangeError(`qat table: scale ${scale[badScale]} at ${badScale} is not finite`);
  return {
    header: {
      rows: h.rows,
      dim: h.dim,
      bits: h.bits,
      scaleGranularity: h.scaleGranularity as 'table' | 'row',
      rounding: h.rounding as 'stochastic' | 'nearest',
      roundingSeed: h.roundingSeed,
      step: h.step,
      backwardSinceForward: h.backwardSinceForward === true,
      ...(typeof h.name === 'string' ? { name: h.name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    },
    weight,
    scale,
    zeroPoint,
  };
}

/**
 * The size of a QAT table: params = rows x dim (quantization counts every element, by bit width);
 * memory and disk bytes those of the training object (fp32 master + scales); servedBytes those of
 * `toPtq()` (NaN for a per-row scale with 16 bits, which has no serving format).
 */
export function qatSize(rows: number, dim: number, bits: QatBits, granularity: 'table' | 'row', nonZeros: number): QatTableSize {
  const n = rows * dim;
  const bytes = 4 * (n + (granularity === 'row' ? rows : 1));
  let servedBytes: number;
  if (granularity === 'table' && bits !== 4) servedBytes = (n * bits) / 8 + 8;
  else if (bits === 16) servedBytes = Number.NaN;
  else servedBytes = rows * rowwiseStride(dim, bits);
  return { params: n, nonZeros, memoryBytes: bytes, diskBytes: bytes, bitWidth: bits, sparsity: 1 - bits / 32, byteSparsity: 1 - bytes / (4 * n), servedBytes };
}

/** The serialised header of a QAT table (the inverse of parseQat's header). */
export function qatHeader(h: ParsedQat['header']): Record<string, unknown> {
  const header: Record<string, unknown> = {
    rows: h.rows,
    dim: h.dim,
    name: h.name ?? 'qat',
    bits: h.bits,
    scaleGranularity: h.scaleGranularity,
    rounding: h.rounding,
    roundingSeed: h.roundingSeed,
    step: h.step,
    backwardSinceForward: h.backwardSinceForward,
  };
  if (h.weightDecay !== undefined) header.weightDecay = h.weightDecay;
  return header;
}
