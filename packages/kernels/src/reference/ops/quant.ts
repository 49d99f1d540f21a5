import { rowwiseScaleOffset, rowwiseStride, type QuantOps, type RowwiseBits } from '../../ops/quant.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { ReferenceCore } from '../core.js';
import { roundHalfEven } from '../../math/round.js';

const fround = Math.fround;

/**
 * Plain TypeScript quantization kernels. Encoders mirror the f32 arithmetic of the contract step by
 * step (each f32 operation is an f64 operation followed by fround, which is exact for one +, -, *
 * or / of f32 values) and round half to even, so the codes are the bit-exact oracle. The fp16
 * conversion is computed arithmetically, independently of the bit tricks of the WASM path.
 */
export function referenceQuant(core: ReferenceCore): QuantOps {
  const f32 = (b: Buf<'f32'>) => core.data(b);
  const checkIds = (op: string, ids: Int32Array, rows: number) => {
    for (let i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= rows) throw idOutOfRange(op, i, ids[i], rows);
  };
  return {
    minMax(x, out) {
      const X = f32(x);
      let mn = X.length > 0 ? X[0] : 0;
      let mx = mn;
      for (const v of X) {
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
      f32(out)[0] = mn;
      f32(out)[1] = mx;
    },
    quantizeAffine(x, scale, zeroPoint, out) {
      const X = f32(x), Q = core.data(out);
      const [qmin, qmax] = out.dtype === 'i8' ? [-128, 127] : [-32768, 32767];
      const s = fround(scale);
      for (let i = 0; i < X.length; i++) {
        const q = roundHalfEven(fround(fround(X[i] / s) + zeroPoint));
        Q[i] = Number.isNaN(q) ? 0 : Math.min(qmax, Math.max(qmin, q));
      }
    },
    dequantizeAffine(q, scale, zeroPoint, out) {
      const Q = core.data(q), O = f32(out);
      const s = fround(scale);
      for (let i = 0; i < Q.length; i++) O[i] = (Q[i] - zeroPoint) * s;
    },
    gatherDequantAffine(q, rows, dim, scale, zeroPoint, ids, out) {
      const Q = core.data(q), I = core.data(ids), O = f32(out);
      checkIds('gatherDequantAffine', I, rows);
      const s = fround(scale);
      for (let i = 0; i < I.length; i++) {
        for (let c = 0; c < dim; c++) O[i * dim + c] = (Q[I[i] * dim + c] - zeroPoint) * s;
      }
    },
    quantizeRowwise(x, rows, dim, bits, out) {
      const X = f32(x), Q = core.data(out);
      const stride = rowwiseStride(dim, bits);
      const bytes = new DataView(Q.buffer, Q.byteOffset, Q.byteLength);
      const levels = 2 ** bits - 1;
      for (let r = 0; r < rows; r++) {
        const base = r * stride;
        Q.fill(0, base, base + stride);
        let mn = 0;
        let mx = 0;
        for (let c = 0; c < dim; c++) {
          const v = X[r * dim + c];
          mn = c === 0 ? v : Math.min(mn, v);
          mx = c === 0 ? v : Math.max(mx, v);
        }
        const scale = fround(fround(mx - mn) / levels);
        if (scale !== 0) {
          for (let c = 0; c < dim; c++) {
            let q = roundHalfEven(fround(fround(X[r * dim + c] - mn) / scale));
            if (!(q > 0)) q = 0;
            if (q > levels) q = levels;
            const bit = c * bits;
            Q[base + Math.floor(bit / 8)] |= q << (bit % 8);
          }
        }
        bytes.setFloat32(base + rowwiseScaleOffset(dim, bits), scale, true);
        bytes.setFloat32(base + rowwiseScaleOffset(dim, bits) + 4, mn, true);
      }
    },
    dequantizeRowwise(q, rows, dim, bits, out) {
      const Q = core.data(q), O = f32(out);
      for (let r = 0; r < rows; r++) decodeRow(Q, r, dim, bits, O, r * dim);
    },
    gatherDequantRowwise(q, rows, dim, bits, ids, out) {
      const Q = core.data(q), I = core.data(ids), O = f32(out);
      checkIds('gatherDequantRowwise', I, rows);
      for (let i = 0; i < I.length; i++) decodeRow(Q, I[i], dim, bits, O, i * dim);
    },
    f32ToF16(x, out) {
      const X = f32(x), O = core.data(out);
      for (let i = 0; i < X.length; i++) O[i] = halfBits(X[i]);
    },
    f16ToF32(x, out) {
      const X = core.data(x), O = f32(out);
      for (let i = 0; i < X.length; i++) O[i] = halfValue(X[i]);
    },
    gatherF16(table, rows, dim, ids, out) {
      const T = core.data(table), I = core.data(ids), O = f32(out);
      checkIds('gatherF16', I, rows);
      for (let i = 0; i < I.length; i++) {
        for (let c = 0; c < dim; c++) O[i * dim + c] = halfValue(T[I[i] * dim + c]);
      }
    },
  };
}

/** Decodes row `row` of a row-wise table into out[at .. at + dim). */
function decodeRow(q: Uint8Array, row: number, dim: number, bits: RowwiseBits, out: Float32Array, at: number): void {
  const base = row * rowwiseStride(dim, bits);
  const bytes = new DataView(q.buffer, q.byteOffset, q.byteLength);
  const scale = bytes.getFloat32(base + rowwiseScaleOffset(dim, bits), true);
  const bias = bytes.getFloat32(base + rowwiseScaleOffset(dim, bits) + 4, true);
  for (let c = 0; c < dim; c++) {
    const bit = c * bits;
    const code = (q[base + Math.floor(bit / 8)] >> (bit % 8)) & (2 ** bits - 1);
    out[at + c] = code * scale + bias;
  }
}

/** IEEE half bits of v (an f32 value), round to nearest even. */
function halfBits(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (Number.isNaN(v)) return 0x7e00;
  if (a >= 65520) return sign | 0x7c00; // 65520 is the midpoint between 65504 and 2^16: ties go up (even).
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 = the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; // guard against log2 rounding up near powers of two
  if (2 ** (e + 1) <= a) e += 1;
  const mantissa = roundHalfEven((a / 2 ** e - 1) * 1024);
  // A mantissa that rounds up to 1024 carries into the exponent, which the sum below does.
  return sign | (((e + 15) << 10) + mantissa);
}

/** The value of IEEE half bits h. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}
