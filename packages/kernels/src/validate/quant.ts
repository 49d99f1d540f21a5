import { rowwiseStride, type QuantOps, type RowwiseBits } from '../ops/quant.js';
import type { Buf } from '../types.js';
import { atLeast, dims, dtypeOf, ensure, exactly } from './common.js';

const AFFINE_CODES = ['i8', 'i16'] as const;

/** Wraps a QuantOps implementation with shape, dtype and parameter checks. */
export function checkedQuant(impl: QuantOps): QuantOps {
  return {
    minMax(x, out) {
      dtypeOf('minMax', 'x', x, 'f32');
      atLeast('minMax', 'out', out, 2, 'f32');
      impl.minMax(x, out);
    },
    quantizeAffine(x, scale, zeroPoint, out) {
      dtypeOf('quantizeAffine', 'x', x, 'f32');
      exactly('quantizeAffine', 'out', out, x.length, AFFINE_CODES);
      affineParams('quantizeAffine', scale, zeroPoint, out, true);
      impl.quantizeAffine(x, scale, zeroPoint, out);
    },
    dequantizeAffine(q, scale, zeroPoint, out) {
      dtypeOf('dequantizeAffine', 'q', q, AFFINE_CODES);
      exactly('dequantizeAffine', 'out', out, q.length, 'f32');
      affineParams('dequantizeAffine', scale, zeroPoint, q);
      impl.dequantizeAffine(q, scale, zeroPoint, out);
    },
    gatherDequantAffine(q, rows, dim, scale, zeroPoint, ids, out) {
      dims('gatherDequantAffine', { rows, dim });
      exactly('gatherDequantAffine', 'q', q, rows * dim, AFFINE_CODES);
      affineParams('gatherDequantAffine', scale, zeroPoint, q);
      dtypeOf('gatherDequantAffine', 'ids', ids, 'i32');
      exactly('gatherDequantAffine', 'out', out, ids.length * dim, 'f32');
      impl.gatherDequantAffine(q, rows, dim, scale, zeroPoint, ids, out);
    },
    quantizeRowwise(x, rows, dim, bits, out) {
      rowwiseShape('quantizeRowwise', rows, dim, bits);
      exactly('quantizeRowwise', 'x', x, rows * dim, 'f32');
      exactly('quantizeRowwise', 'out', out, rows * rowwiseStride(dim, bits), 'u8');
      impl.quantizeRowwise(x, rows, dim, bits, out);
    },
    dequantizeRowwise(q, rows, dim, bits, out) {
      rowwiseShape('dequantizeRowwise', rows, dim, bits);
      exactly('dequantizeRowwise', 'q', q, rows * rowwiseStride(dim, bits), 'u8');
      exactly('dequantizeRowwise', 'out', out, rows * dim, 'f32');
      impl.dequantizeRowwise(q, rows, dim, bits, out);
    },
    gatherDequantRowwise(q, rows, dim, bits, ids, out) {
      rowwiseShape('gatherDequantRowwise', rows, dim, bits);
      exactly('gatherDequantRowwise', 'q', q, rows * rowwiseStride(dim, bits), 'u8');
      dtypeOf('gatherDequantRowwise', 'ids', ids, 'i32');
      exactly('gatherDequantRowwise', 'out', out, ids.length * dim, 'f32');
      impl.gatherDequantRowwise(q, rows, dim, bits, ids, out);
    },
    f32ToF16(x, out) {
      dtypeOf('f32ToF16', 'x', x, 'f32');
      exactly('f32ToF16', 'out', out, x.length, 'f16');
      impl.f32ToF16(x, out);
    },
    f16ToF32(x, out) {
      dtypeOf('f16ToF32', 'x', x, 'f16');
      exactly('f16ToF32', 'out', out, x.length, 'f32');
      impl.f16ToF32(x, out);
    },
    gatherF16(table, rows, dim, ids, out) {
      dims('gatherF16', { rows, dim });
      exactly('gatherF16', 'table', table, rows * dim, 'f16');
      dtypeOf('gatherF16', 'ids', ids, 'i32');
      exactly('gatherF16', 'out', out, ids.length * dim, 'f32');
      impl.gatherF16(table, rows, dim, ids, out);
    },
  };
}

/**
 * The scale must be finite as an f32 (and positive where it divides: quantizeAffine); the zero
 * point an integer within the codes' range.
 */
function affineParams(op: string, scale: number, zeroPoint: number, codes: Buf<'i8'> | Buf<'i16'>, divides = false): void {
  const s = Math.fround(scale);
  ensure(op, Number.isFinite(s) && (!divides || s > 0), `scale must be a ${divides ? 'positive ' : ''}finite f32, got ${scale}`);
  const [qmin, qmax] = codes.dtype === 'i8' ? [-128, 127] : [-32768, 32767];
  ensure(op, Number.isInteger(zeroPoint) && zeroPoint >= qmin && zeroPoint <= qmax, `zeroPoint must be an integer in [${qmin}, ${qmax}], got ${zeroPoint}`);
}

function rowwiseShape(op: string, rows: number, dim: number, bits: RowwiseBits): void {
  dims(op, { rows, dim });
  ensure(op, bits === 8 || bits === 4 || bits === 2, `bits must be 8, 4 or 2, got ${String(bits)}`);
}
