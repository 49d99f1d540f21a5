import { describe, expect, it } from 'vitest';
import { rowwiseStride, type Backend, type RowwiseBits } from '@lers/kernels';
import { backendsOrNull, GPU_NAMES, matchesReference, randomFloats, randomInts } from './gpu.js';

const B = await backendsOrNull();
const BITS: readonly RowwiseBits[] = [8, 4, 2];
/** Decoding rounds code * scale and + bias separately in f32 (the reference once in f64). */
const DECODE = { rtol: 1e-6, atol: 1e-6 };

/** Values with constant rows, tiny rows, ties at half codes, NaN, infinities and -0. */
function tableValues(rows: number, dim: number, seed: number): Float32Array {
  const x = randomFloats(rows * dim, seed, -3, 3);
  for (let r = 0; r < rows; r += 5) x.fill(0.625 * r, r * dim, (r + 1) * dim);
  for (let r = 3; r < rows; r += 7) for (let c = 0; c < dim; c++) x[r * dim + c] *= 1e-3;
  return x;
}

describe.skipIf(!B)('quantization kernels against the reference', () => {
  it('minMax (exact, NaN and -0 as Math.min/max, empty gives 0, 0)', async () => {
    const cases = [new Float32Array(0), Float32Array.of(-0, 0), Float32Array.of(0, -0), randomFloats(5000, 1), Float32Array.of(1, NaN, 2), Float32Array.of(-Infinity, 3, Infinity)];
    for (const x of cases) {
      await matchesReference(B!, `minMax ${x.length}`, (be) => {
        const out = be.alloc('f32', 2);
        be.minMax(be.upload('f32', x), out);
        return [out];
      }, 'exact');
    }
  });

  it('affine i8/i16: codes identical (software-rounded division, ties to even, clamping, NaN to 0), dequantized exact', async () => {
    for (const dtype of ['i8', 'i16'] as const) {
      const [scale, zp] = dtype === 'i8' ? [0.013, -7] : [0.0001, 123];
      for (const n of [0, 1, 3, 5, 1001, 5003]) {
        const x = randomFloats(n, n + 5, -4, 4);
        if (n > 4) x.set([NaN, Infinity, -Infinity, 0.5 * Math.fround(scale)]);
        await matchesReference(B!, `affine ${dtype} n=${n}`, (be: Backend) => {
          const q = be.alloc(dtype, n), out = be.alloc('f32', n);
          be.quantizeAffine(be.upload('f32', x), scale, zp, q);
          be.dequantizeAffine(q, scale, zp, out);
          return [q, out];
        }, 'exact');
      }
      const codes = randomInts(20 * 17, dtype === 'i8' ? 256 : 65536, 3).map((v) => v - (dtype === 'i8' ? 128 : 32768));
      const ids = randomInts(33, 20, 4);
      await matchesReference(B!, `gatherDequantAffine ${dtype}`, (be) => {
        const out = be.alloc('f32', 33 * 17);
        be.gatherDequantAffine(be.upload(dtype, codes), 20, 17, 0.02, 5, be.upload('i32', ids), out);
        return [out];
      }, 'exact');
    }
  });

  it('row-wise int8/int4/int2: bytes identical (padding written), decode and fused gather within f32 rounding', async () => {
    for (const [rows, dim] of [[1, 1], [4, 3], [20, 17], [9, 64], [30, 5]]) {
      const x = tableValues(rows, dim, rows * dim);
      const ids = randomInts(25, rows, dim);
      for (const bits of BITS) {
        const stride = rowwiseStride(dim, bits);
        await matchesReference(B!, `rowwise int${bits} ${rows}x${dim}`, (be) => {
          const q = be.upload('u8', new Uint8Array(rows * stride).fill(0xab));
          be.quantizeRowwise(be.upload('f32', x), rows, dim, bits, q);
          const deq = be.alloc('f32', rows * dim), g = be.alloc('f32', 25 * dim);
          be.dequantizeRowwise(q, rows, dim, bits, deq);
          be.gatherDequantRowwise(q, rows, dim, bits, be.upload('i32', ids), g);
          return [q, deq, g];
        }, ['exact', DECODE, DECODE]);
      }
    }
  });

  it('fp16: round to nearest even, subnormals, overflow, NaN (exact both ways), fused gather', async () => {
    const special = [0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e-8, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14, 2 ** -14 - 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, NaN, Infinity, -Infinity, 0.1, 1e5];
    const x = Float32Array.from([...special, ...randomFloats(3000, 2, -70000, 70000), ...randomFloats(1000, 3, -1e-4, 1e-4)]);
    const ids = randomInts(40, 30, 4);
    await matchesReference(B!, 'fp16', (be) => {
      const h = be.alloc('f16', x.length), back = be.alloc('f32', x.length), g = be.alloc('f32', 40 * 7);
      be.f32ToF16(be.upload('f32', x), h);
      be.f16ToF32(h, back);
      be.gatherF16(be.slice(h, 0, 30 * 7), 30, 7, be.upload('i32', ids), g);
      return [h, back, g];
    }, 'exact');
  });

  it('a row-wise table whose slice starts off a word boundary decodes the same', async () => {
    const [rows, dim] = [6, 5];
    const stride = rowwiseStride(dim, 8);
    const x = tableValues(rows, dim, 9);
    for (const name of GPU_NAMES) {
      const be = B![name];
      const q = be.alloc('u8', rows * stride);
      be.quantizeRowwise(be.upload('f32', x), rows, dim, 8, q);
      const bytes = await be.read(q);
      const shifted = be.upload('u8', [1, 2, 3, ...bytes]);
      const a = be.alloc('f32', rows * dim), b = be.alloc('f32', rows * dim);
      be.dequantizeRowwise(q, rows, dim, 8, a);
      be.dequantizeRowwise(be.slice(shifted, 3, rows * stride), rows, dim, 8, b);
      expect(Array.from(await be.read(b)), name).toEqual(Array.from(await be.read(a)));
    }
  });
});
