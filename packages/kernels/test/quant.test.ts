import { beforeAll, describe, expect, it } from 'vitest';
import { rowwiseScaleOffset, rowwiseStride, type HostBackend, type RowwiseBits } from '../src/index.js';
import { AWKWARD_LENGTHS, expectClose, getBackends, randomFloats, randomInts, UNDER_TEST, type Backends } from './harness.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

const BITS: readonly RowwiseBits[] = [8, 4, 2];

/** Quantizes x on `be` into a buffer pre-filled with garbage; returns a copy of the bytes. */
function quantizeRows(be: HostBackend, x: Float32Array, rows: number, dim: number, bits: RowwiseBits): Uint8Array {
  const xb = be.upload('f32', x);
  const out = be.alloc('u8', rows * rowwiseStride(dim, bits));
  be.view(out).fill(0xab); // every byte, padding included, must be written
  be.quantizeRowwise(xb, rows, dim, bits, out);
  const bytes = be.view(out).slice();
  be.free(xb);
  be.free(out);
  return bytes;
}

function dequantizeRows(be: HostBackend, q: Uint8Array, rows: number, dim: number, bits: RowwiseBits): Float32Array {
  const qb = be.upload('u8', q);
  const out = be.alloc('f32', rows * dim);
  be.dequantizeRowwise(qb, rows, dim, bits, out);
  const values = be.view(out).slice();
  be.free(qb);
  be.free(out);
  return values;
}

function gatherRows(be: HostBackend, q: Uint8Array, rows: number, dim: number, bits: RowwiseBits, ids: Int32Array): Float32Array {
  const qb = be.upload('u8', q);
  const ib = be.upload('i32', ids);
  const out = be.alloc('f32', ids.length * dim);
  be.gatherDequantRowwise(qb, rows, dim, bits, ib, out);
  const values = be.view(out).slice();
  be.free(qb);
  be.free(ib);
  be.free(out);
  return values;
}

/** Element-by-element identity (Object.is: NaN equals NaN, -0 differs from 0); fast on large arrays. */
function expectIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`${label} [${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** A table with some constant rows and a wide spread of magnitudes. */
function tableValues(rows: number, dim: number, seed: number): Float32Array {
  const x = randomFloats(rows * dim, seed, -3, 3);
  for (let r = 0; r < rows; r += 5) x.fill(0.625 * r, r * dim, (r + 1) * dim); // constant rows
  for (let r = 3; r < rows; r += 7) for (let c = 0; c < dim; c++) x[r * dim + c] *= 1e-3;
  return x;
}

function scaleAndBias(q: Uint8Array, row: number, dim: number, bits: RowwiseBits): [number, number] {
  const view = new DataView(q.buffer, q.byteOffset, q.byteLength);
  const at = row * rowwiseStride(dim, bits) + rowwiseScaleOffset(dim, bits);
  return [view.getFloat32(at, true), view.getFloat32(at + 4, true)];
}

describe('row-wise quantization', () => {
  const shapes: [number, number][] = [[0, 4], [3, 0], [1, 1], [2, 3], [4, 5], [3, 15], [5, 16], [6, 17], [7, 31], [3, 32], [4, 33], [9, 64], [5, 100]];
  for (const name of UNDER_TEST) {
    for (const bits of BITS) {
      it(`${name} int${bits}: bytes identical to the reference, decode within tolerance`, () => {
        for (const [rows, dim] of shapes) {
          const x = tableValues(rows, dim, rows * 131 + dim);
          const want = quantizeRows(B.reference, x, rows, dim, bits);
          const got = quantizeRows(B[name], x, rows, dim, bits);
          expectIdentical(got, want, `${rows}x${dim}`);
          expectClose(dequantizeRows(B[name], got, rows, dim, bits), dequantizeRows(B.reference, want, rows, dim, bits), 1e-6, 1e-6, `${name} ${rows}x${dim}`);
        }
      });
    }
  }

  it('decodes every value to within half a step of the original; constant rows exactly', () => {
    const rows = 40, dim = 37;
    const x = tableValues(rows, dim, 3);
    for (const bits of BITS) {
      const q = quantizeRows(B.wasm, x, rows, dim, bits);
      const y = dequantizeRows(B.wasm, q, rows, dim, bits);
      for (let r = 0; r < rows; r++) {
        const [scale, bias] = scaleAndBias(q, r, dim, bits);
        const row = x.subarray(r * dim, (r + 1) * dim);
        expect(bias).toBe(Math.min(...row));
        if (r % 5 === 0) expect(scale).toBe(0);
        for (let c = 0; c < dim; c++) {
          const err = Math.abs(y[r * dim + c] - x[r * dim + c]);
          expect(err, `int${bits} [${r}, ${c}]`).toBeLessThanOrEqual(scale / 2 + 1e-6 * Math.abs(x[r * dim + c]) + 1e-7);
          if (scale === 0) expect(y[r * dim + c]).toBe(x[r * dim + c]);
        }
      }
    }
  });

  it('hand-computed rows: layout, nibble order, ties to even', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      // int8, scale 1: 2.5 -> 2 and 3.5 -> 4 (half to even); scale at byte 4, bias at 8, stride 16.
      expect([...quantizeRows(be, new Float32Array([0, 2.5, 3.5, 255]), 1, 4, 8)], name).toEqual([0, 2, 4, 255, 0, 0, 0x80, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0]);
      // int4, scale 1: codes 0, 1, 2, 15, 8 (7.5 -> 8); element 2j in the low nibble of byte j.
      expect([...quantizeRows(be, new Float32Array([0, 1, 2, 15, 7.5]), 1, 5, 4)], name).toEqual([0x10, 0xf2, 0x08, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0]);
      // int2, bias 1, scale 1: codes 0, 1, 2, 3, 2 (1.5 -> 2), 2 (2.5 -> 2); element 4j in the lowest bits.
      expect([...quantizeRows(be, new Float32Array([1, 2, 3, 4, 2.5, 3.5]), 1, 6, 2)], name).toEqual([0xe4, 0x0a, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0, 0]);
      // A constant row: scale 0, codes 0, bias the value.
      expect([...quantizeRows(be, new Float32Array([-2, -2, -2]), 1, 3, 8)], name).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0]);
      expect([...dequantizeRows(be, new Uint8Array([0x10, 0xf2, 0x08, 0, 0, 0, 0, 0x3f, 0, 0, 0x80, 0xbf, 0, 0, 0, 0]), 1, 5, 4)], name).toEqual([-1, -0.5, 0, 6.5, 3]);
    }
  });

  for (const name of UNDER_TEST) {
    for (const bits of BITS) {
      it(`${name} int${bits} gatherDequantRowwise matches the reference and dequantizeRowwise`, () => {
        for (const [rows, dim] of [[1, 1], [5, 3], [17, 16], [9, 33], [50, 64], [3, 100]] as const) {
          const q = quantizeRows(B.reference, tableValues(rows, dim, dim), rows, dim, bits);
          for (const n of [0, 1, 7, 300]) {
            const ids = randomInts(n, rows, n + dim);
            const got = gatherRows(B[name], q, rows, dim, bits, ids);
            expectClose(got, gatherRows(B.reference, q, rows, dim, bits, ids), 1e-6, 1e-6, `${name} ${rows}x${dim} n=${n}`);
            const full = dequantizeRows(B[name], q, rows, dim, bits);
            for (let i = 0; i < n; i++) expectIdentical(got.subarray(i * dim, (i + 1) * dim), full.subarray(ids[i] * dim, (ids[i] + 1) * dim), `row ${i}`);
          }
        }
      });
    }
  }

  it('gives identical bytes and values with 1 and 2 threads on a large table', () => {
    const rows = 3000, dim = 64;
    const x = tableValues(rows, dim, 77);
    const ids = randomInts(5000, rows, 78);
    for (const bits of BITS) {
      const one = quantizeRows(B.wasm, x, rows, dim, bits);
      expectIdentical(quantizeRows(B.threaded, x, rows, dim, bits), one, `int${bits} bytes`);
      expectIdentical(dequantizeRows(B.threaded, one, rows, dim, bits), dequantizeRows(B.wasm, one, rows, dim, bits), `int${bits} dequantize`);
      expectIdentical(gatherRows(B.threaded, one, rows, dim, bits, ids), gatherRows(B.wasm, one, rows, dim, bits, ids), `int${bits} gather`);
    }
  });

  it('rejects out-of-range ids before writing, and bad shapes', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const q = be.alloc('u8', 4 * rowwiseStride(8, 4));
      const out = be.upload('f32', new Float32Array(3 * 8).fill(7));
      expect(() => { be.gatherDequantRowwise(q, 4, 8, 4, be.upload('i32', [0, 3, 4]), out); }, name).toThrow(/gatherDequantRowwise: id 4 at position 2/);
      expect(() => { be.gatherDequantRowwise(q, 4, 8, 4, be.upload('i32', [-1, 0, 0]), out); }, name).toThrow(/id -1 at position 0/);
      expect([...be.view(out)].every((v) => v === 7), name).toBe(true);
      expect(() => { be.quantizeRowwise(be.alloc('f32', 32), 4, 8, 8, be.alloc('u8', 10)); }, name).toThrow(/quantizeRowwise: out must have 64 elements/);
      expect(() => { be.dequantizeRowwise(q, 4, 8, 3 as RowwiseBits, out); }, name).toThrow(/bits must be 8, 4 or 2/);
    }
  });
});

describe('affine quantization', () => {
  for (const name of UNDER_TEST) {
    for (const dtype of ['i8', 'i16'] as const) {
      it(`${name} ${dtype}: codes identical to the reference on awkward lengths`, () => {
        const [scale, zp] = dtype === 'i8' ? [0.013, -7] : [0.0001, 123];
        for (const n of AWKWARD_LENGTHS) {
          const x = randomFloats(n, n + 5, -4, 4); // beyond the representable range: clamps
          const run = (be: HostBackend) => {
            const xb = be.upload('f32', x);
            const q = be.alloc(dtype, n);
            be.quantizeAffine(xb, scale, zp, q);
            const out = be.alloc('f32', n);
            be.dequantizeAffine(q, scale, zp, out);
            return { codes: Array.from(be.view(q)), values: be.view(out).slice() };
          };
          const got = run(B[name]);
          const want = run(B.reference);
          expect(got.codes, `n=${n}`).toEqual(want.codes);
          expectClose(got.values, want.values, 1e-6, 0, `${name} n=${n}`);
        }
      });
    }
  }

  it('hand-computed codes: ties to even, clamping, zero point', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const x = be.upload('f32', [0, 0.25, 0.75, -1, 100, -100, 1.25]);
      const q = be.alloc('i8', 7);
      be.quantizeAffine(x, 0.5, 3, q);
      expect([...be.view(q)], name).toEqual([3, 4, 4, 1, 127, -128, 6]);
      const out = be.alloc('f32', 7);
      be.dequantizeAffine(q, 0.5, 3, out);
      expect([...be.view(out)], name).toEqual([0, 0.5, 0.5, -1, 62, -65.5, 1.5]);
      const q16 = be.alloc('i16', 7);
      be.quantizeAffine(x, 0.001, -5, q16);
      expect([...be.view(q16)], name).toEqual([-5, 245, 745, -1005, 32767, -32768, 1245]);
    }
  });

  for (const name of UNDER_TEST) {
    it(`${name} gatherDequantAffine matches the reference (i8 and i16)`, () => {
      for (const dtype of ['i8', 'i16'] as const) {
        for (const [rows, dim, n] of [[4, 3, 0], [1, 1, 1], [7, 3, 10], [20, 17, 33], [100, 64, 2000]] as const) {
          const codes = randomInts(rows * dim, dtype === 'i8' ? 256 : 65536, rows).map((v) => v - (dtype === 'i8' ? 128 : 32768));
          const ids = randomInts(n, rows, dim);
          const run = (be: HostBackend) => {
            const out = be.alloc('f32', n * dim);
            be.gatherDequantAffine(be.upload(dtype, codes), rows, dim, 0.02, 5, be.upload('i32', ids), out);
            return be.view(out).slice();
          };
          expectClose(run(B[name]), run(B.reference), 1e-6, 0, `${name} ${dtype} ${rows}x${dim}`);
        }
      }
    });
  }

  it('rejects bad parameters and ids', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const x = be.alloc('f32', 4);
      expect(() => { be.quantizeAffine(x, 0, 0, be.alloc('i8', 4)); }, name).toThrow(/scale must be a positive finite/);
      expect(() => { be.quantizeAffine(x, 1, 200, be.alloc('i8', 4)); }, name).toThrow(/zeroPoint must be an integer in \[-128, 127\]/);
      expect(() => { be.quantizeAffine(x, 1, 0, be.alloc('i8', 3)); }, name).toThrow(/out must have 4 elements/);
      expect(() => { be.gatherDequantAffine(be.alloc('i16', 8), 4, 2, 1, 0, be.upload('i32', [1, 9]), be.alloc('f32', 4)); }, name).toThrow(/id 9 at position 1/);
    }
  });
});

describe('minMax', () => {
  for (const name of UNDER_TEST) {
    it(`${name} awkward lengths`, () => {
      for (const n of AWKWARD_LENGTHS) {
        const run = (be: HostBackend) => {
          const out = be.upload('f32', [9, 9]);
          be.minMax(be.upload('f32', randomFloats(n, n, -5, 3)), out);
          return [...be.view(out)];
        };
        expect(run(B[name]), `n=${n}`).toEqual(run(B.reference));
      }
    });
  }

  it('hand-computed values; empty gives 0, 0', () => {
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const be = B[name];
      const out = be.upload('f32', [9, 9]);
      be.minMax(be.alloc('f32', 0), out);
      expect([...be.view(out)], name).toEqual([0, 0]);
      be.minMax(be.upload('f32', [3, -1, 8, 2, 2, 7, -4, 0, 5]), out);
      expect([...be.view(out)], name).toEqual([-4, 8]);
    }
  });
});

describe('fp16', () => {
  const toHalf = (be: HostBackend, values: ArrayLike<number>) => {
    const out = be.alloc('f16', values.length);
    be.f32ToF16(be.upload('f32', values), out);
    return be.view(out).slice();
  };
  const toFloat = (be: HostBackend, halves: ArrayLike<number>) => {
    const out = be.alloc('f32', halves.length);
    be.f16ToF32(be.upload('f16', halves), out);
    return be.view(out).slice();
  };
  const isNanHalf = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

  it('hand-computed bit patterns', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [65504, 0x7bff], [65520, 0x7c00], [65519.99609375, 0x7bff], [2 ** -24, 0x0001], [-0, 0x8000], [0, 0],
      [2 ** -25, 0], [2 ** -25 * 1.5, 0x0001], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400], [-2, 0xc000], [Infinity, 0x7c00],
      [-Infinity, 0xfc00], [1e10, 0x7c00], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [0.1, 0x2e66], [1e-8, 0],
    ];
    for (const name of ['reference', ...UNDER_TEST] as const) {
      const got = toHalf(B[name], cases.map(([v]) => v));
      expect([...got].map((h) => h.toString(16)), name).toEqual(cases.map(([, h]) => h.toString(16)));
      expect(isNanHalf(toHalf(B[name], [NaN])[0]), name).toBe(true);
      const back = toFloat(B[name], [0x3c00, 0x7bff, 0x7c00, 0xfc00, 0x0001, 0x8000, 0x03ff, 0x0400, 0x7e00, 0xc000]);
      expect([...back], name).toEqual([1, 65504, Infinity, -Infinity, 2 ** -24, -0, 1023 * 2 ** -24, 2 ** -14, NaN, -2]);
    }
  });

  it('every half widens like the reference and round-trips', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    for (const name of UNDER_TEST) {
      const wide = toFloat(B[name], all);
      expectIdentical(wide, toFloat(B.reference, all), name);
      const back = toHalf(B[name], wide);
      for (let h = 0; h < 65536; h++) {
        if (isNanHalf(h)) expect(isNanHalf(back[h]), `${name} ${h}`).toBe(true);
        else if (back[h] !== h) expect.fail(`${name}: half ${h.toString(16)} round-trips to ${back[h].toString(16)}`);
      }
    }
  });

  it('narrows random f32 bit patterns and exact midpoints like the reference', () => {
    const bits = new Uint32Array(randomInts(50_003, 2 ** 31, 9).buffer);
    for (let i = 0; i < bits.length; i += 2) bits[i] = (bits[i] | 0x80000000) >>> 0; // both signs
    const values = new Float32Array(bits.buffer);
    // Midpoints between neighbouring halves (exact in f32) exercise ties to even, subnormals included.
    const mids: number[] = [];
    for (let h = 0; h < 0x7bff; h += 7) mids.push((halfValueOf(h) + halfValueOf(h + 1)) / 2);
    const inputs = [...values, ...mids];
    const want = toHalf(B.reference, inputs);
    for (const name of UNDER_TEST) {
      const got = toHalf(B[name], inputs);
      for (let i = 0; i < inputs.length; i++) {
        if (isNanHalf(want[i])) expect(isNanHalf(got[i])).toBe(true);
        else if (got[i] !== want[i]) expect.fail(`${name}: ${inputs[i]} -> ${got[i].toString(16)}, expected ${want[i].toString(16)}`);
      }
    }
  });

  for (const name of UNDER_TEST) {
    it(`${name} gatherF16 matches the reference`, () => {
      for (const [rows, dim, n] of [[3, 2, 0], [1, 1, 1], [5, 3, 9], [30, 17, 40], [200, 64, 3000]] as const) {
        const table = randomInts(rows * dim, 0x7c00, rows).map((v, i) => (i % 2 ? v | 0x8000 : v));
        const ids = randomInts(n, rows, dim);
        const run = (be: HostBackend) => {
          const out = be.alloc('f32', n * dim);
          be.gatherF16(be.upload('f16', table), rows, dim, be.upload('i32', ids), out);
          return be.view(out).slice();
        };
        expectIdentical(run(B[name]), run(B.reference), `${rows}x${dim}`);
      }
      expect(() => { B[name].gatherF16(B[name].alloc('f16', 4), 2, 2, B[name].upload('i32', [2]), B[name].alloc('f32', 2)); }).toThrow(/gatherF16: id 2 at position 0/);
    });
  }
});

/** The value of half bits h (finite, non-negative). */
function halfValueOf(h: number): number {
  const e = h >> 10;
  const m = h & 0x3ff;
  return e === 0 ? m * 2 ** -24 : 2 ** (e - 15) * (1 + m / 1024);
}
