import type { Buf } from '../types.js';

/** Bit widths of the row-wise (FBGEMM-style) format. */
export type RowwiseBits = 8 | 4 | 2;

/**
 * Quantization kernels.
 *
 * Row-wise format (industry practice, FBGEMM/TorchRec style): each row of `dim` values is stored as
 * `ceil(dim * bits / 8)` bytes of codes (4-bit: element 2j in the low nibble of byte j; 2-bit:
 * element 4j in the lowest two bits), then at the next 4-byte boundary an f32 `scale` and an f32
 * `bias` (= row min), the row padded to a multiple of 16 bytes (see `rowwiseStride`). A code c
 * decodes to c * scale + bias; scale = (max - min) / (2^bits - 1).
 *
 * Per-tensor affine format (the paper's form): scale = (max - min) / (qmax - qmin),
 * zeroPoint = clamp(round(qmin - min / scale), qmin, qmax), q = clamp(round(w / scale + zeroPoint)),
 * w' = (q - zeroPoint) * scale.
 */
export interface QuantOps {
  /** out[0] = min(x), out[1] = max(x) (0, 0 for an empty buffer). */
  minMax(x: Buf<'f32'>, out: Buf<'f32'>): void;
  quantizeAffine(x: Buf<'f32'>, scale: number, zeroPoint: number, out: Buf<'i8'> | Buf<'i16'>): void;
  dequantizeAffine(q: Buf<'i8'> | Buf<'i16'>, scale: number, zeroPoint: number, out: Buf<'f32'>): void;
  /** Fused gather + dequantize of rows of an affine-quantized rows x dim table. */
  gatherDequantAffine(q: Buf<'i8'> | Buf<'i16'>, rows: number, dim: number, scale: number, zeroPoint: number, ids: Buf<'i32'>, out: Buf<'f32'>): void;
  /** Quantizes an rows x dim f32 table into the row-wise format (out has rows * rowwiseStride bytes). */
  quantizeRowwise(x: Buf<'f32'>, rows: number, dim: number, bits: RowwiseBits, out: Buf<'u8'>): void;
  dequantizeRowwise(q: Buf<'u8'>, rows: number, dim: number, bits: RowwiseBits, out: Buf<'f32'>): void;
  /** Fused gather + dequantize: out[i, :] = decode(row ids[i]); ids checked as in gather. */
  gatherDequantRowwise(q: Buf<'u8'>, rows: number, dim: number, bits: RowwiseBits, ids: Buf<'i32'>, out: Buf<'f32'>): void;
  /** IEEE half conversion, round to nearest even; overflow to +-Infinity, NaN kept. */
  f32ToF16(x: Buf<'f32'>, out: Buf<'f16'>): void;
  f16ToF32(x: Buf<'f16'>, out: Buf<'f32'>): void;
  /** Fused gather + widen of rows of an fp16 rows x dim table. */
  gatherF16(table: Buf<'f16'>, rows: number, dim: number, ids: Buf<'i32'>, out: Buf<'f32'>): void;
}

/** Bytes of one row in the row-wise format: codes, then f32 scale and bias, padded to 16. */
export function rowwiseStride(dim: number, bits: RowwiseBits): number {
  return align(align(Math.ceil((dim * bits) / 8), 4) + 8, 16);
}

/** Byte offset of the f32 scale within a row-wise row (the bias follows 4 bytes later). */
export function rowwiseScaleOffset(dim: number, bits: RowwiseBits): number {
  return align(Math.ceil((dim * bits) / 8), 4);
}

function align(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
