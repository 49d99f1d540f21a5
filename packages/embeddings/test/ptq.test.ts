import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, rowwiseScaleOffset, rowwiseStride, type HostBackend } from '@lers/kernels';
import { affineParams, FullTable, PTQ_FORMATS, PtqTable, type DenseValues, type EmbeddingTable, type PtqFormat } from '../src/index.js';
import { BudgetError } from '../src/budget/index.js';
import { createTable, loadTable, solveBudget } from './definitions.js';

const evalCtx = { training: false };
const fround = Math.fround;

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-1', () => createWasmBackend({ threads: 1 })],
];

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * 40 x 64 values: normal-ish rows of varying spread, plus a constant row (2) and an all-zero row
 * (5) to hit the degenerate row-wise scales; one large outlier stretches the per-tensor range.
 */
function testDense(): DenseValues {
  const rows = 40;
  const dim = 64;
  const rng = new Rng(31);
  const values = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const spread = 0.01 + 0.2 * rng.nextFloat();
    for (let c = 0; c < dim; c++) values[r * dim + c] = r === 2 ? 0.125 : r === 5 ? 0 : spread * rng.nextNormal();
  }
  values[7 * dim + 3] = 1.5;
  return { rows, dim, values };
}

const ROWWISE_BITS: Partial<Record<PtqFormat, 8 | 4 | 2>> = { 'rowwise-int8': 8, 'rowwise-int4': 4, 'rowwise-int2': 2 };

describe.each(backends)('ptq on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  function dense(t: EmbeddingTable): Float32Array {
    const out = be.alloc('f32', t.rows * t.dim);
    t.lookupAll(out, evalCtx);
    const v = be.view(out).slice();
    be.free(out);
    return v;
  }

  function lookupRows(t: EmbeddingTable, ids: number[]): Float32Array {
    const idBuf = be.upload('i32', ids);
    const out = be.alloc('f32', ids.length * t.dim);
    try {
      t.lookup(idBuf, out, evalCtx);
      return be.view(out).slice();
    } finally {
      be.free(idBuf);
      be.free(out);
    }
  }

  const d = testDense();

  it.each(PTQ_FORMATS)('%s: lookup equals the rows of the dequantized table, duplicates included', (format) => {
    const t = PtqTable.quantize(d, format, be);
    const all = dense(t);
    const ids = [39, 2, 5, 5, 0, 7];
    const got = lookupRows(t, ids);
    ids.forEach((id, i) => {
      expect(bits(got.subarray(i * 64, (i + 1) * 64))).toEqual(bits(all.subarray(id * 64, (id + 1) * 64)));
    });
    t.dispose();
  });

  it('fp16: relative error at most 2^-11 (absolute 2^-25 below the normal range)', () => {
    const t = PtqTable.quantize(d, 'fp16', be);
    const all = dense(t);
    d.values.forEach((w, k) => {
      expect(Math.abs(all[k] - w)).toBeLessThanOrEqual(Math.max(Math.abs(w) * 2 ** -11, 2 ** -25));
    });
    t.dispose();
  });

  it.each(['int8', 'int16'] as const)('%s per-tensor: min-max parameters, exact decode of the codes, |w - w\'| <= scale / 2', async (format) => {
    const b = format === 'int8' ? 8 : 16;
    const [qmin, qmax] = b === 8 ? [-128, 127] : [-32768, 32767];
    const t = PtqTable.quantize(d, format, be);
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of d.values) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    const { scale, zeroPoint } = t.affine!;
    expect(scale).toBeCloseTo((mx - mn) / (qmax - qmin), 7);
    expect(zeroPoint).toBe(Math.round(qmin - mn / scale));
    const codes = (await t.serialize()).sections.codes as Int8Array | Int16Array;
    const all = dense(t);
    d.values.forEach((w, k) => {
      expect(all[k]).toBe(fround((codes[k] - zeroPoint) * scale));
      // scale / 2, plus the f32 pipeline: w / scale is rounded to 24 bits at up to (qmax - qmin) codes, the result to f32.
      expect(Math.abs(all[k] - w)).toBeLessThanOrEqual(scale / 2 + scale * (qmax - qmin) * 2 ** -23 + 2 ** -24 * Math.abs(w));
    });
    t.dispose();
  });

  it.each(['rowwise-int8', 'rowwise-int4', 'rowwise-int2'] as const)('%s: per-row scale and bias, |w - w\'| <= scale_r / 2', async (format) => {
    const b = ROWWISE_BITS[format]!;
    const t = PtqTable.quantize(d, format, be);
    const bytes = (await t.serialize()).sections.codes as Uint8Array;
    const stride = rowwiseStride(64, b);
    expect(bytes.length).toBe(40 * stride);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const all = dense(t);
    for (let r = 0; r < 40; r++) {
      const row = d.values.subarray(r * 64, (r + 1) * 64);
      const scale = view.getFloat32(r * stride + rowwiseScaleOffset(64, b), true);
      const bias = view.getFloat32(r * stride + rowwiseScaleOffset(64, b) + 4, true);
      expect(bias).toBe(Math.min(...row));
      expect(scale).toBeCloseTo((Math.max(...row) - Math.min(...row)) / (2 ** b - 1), 7);
      for (let c = 0; c < 64; c++) {
        const code = (bytes[r * stride + ((c * b) >> 3)] >> ((c * b) & 7)) & (2 ** b - 1);
        const k = r * 64 + c;
        expect(Math.abs(all[k] - (code * scale + bias))).toBeLessThanOrEqual(2 ** -23 * (Math.abs(bias) + 2 ** b * scale));
        expect(Math.abs(all[k] - row[c])).toBeLessThanOrEqual((scale / 2) * (1 + 1e-5) + 2 ** -24 * Math.abs(row[c]));
      }
    }
    // The constant and the zero row come back exactly.
    expect(Array.from(all.subarray(2 * 64, 3 * 64))).toEqual(new Array(64).fill(0.125));
    expect(Array.from(all.subarray(5 * 64, 6 * 64))).toEqual(new Array(64).fill(0));
    t.dispose();
  });

  it('size: full element count, bit width and real bytes per format', async () => {
    const n = 40 * 64;
    const expected: Record<PtqFormat, [number, number]> = {
      fp16: [16, 2 * n],
      int8: [8, n + 8],
      int16: [16, 2 * n + 8],
      'rowwise-int8': [8, 40 * 80], // 64 code bytes + scale + bias = 72, padded to 80
      'rowwise-int4': [4, 40 * 48], // 32 + 8 = 40 -> 48
      'rowwise-int2': [2, 40 * 32], // 16 + 8 = 24 -> 32
    };
    for (const format of PTQ_FORMATS) {
      const t = PtqTable.quantize(d, format, be);
      const s = (await t.size());
      const [bitWidth, bytes] = expected[format];
      expect(s.params).toBe(n);
      expect(s.bitWidth).toBe(bitWidth);
      expect(s.sparsity).toBe(1 - bitWidth / 32);
      expect(s.memoryBytes).toBe(bytes);
      expect(s.diskBytes).toBe(bytes);
      expect(s.byteSparsity).toBeCloseTo(1 - bytes / (4 * n), 12);
      // Row 5 is zeros; row 2 is constant 0.125 and survives every format.
      expect(s.nonZeros).toBeLessThanOrEqual(n - 64);
      expect(s.nonZeros).toBeGreaterThan(n - 64 - (format === 'rowwise-int2' ? 1000 : 200));
      t.dispose();
    }
  });

  it('budget: quantization reaches 1 - bits / 32; other targets name the closest', () => {
    const req = (sparsity: number, options?: Record<string, unknown>) => solveBudget({ method: 'ptq', rows: 1000, dim: 64, sparsity, ...(options ? { options } : {}) });
    expect(req(0.5).options).toEqual({ format: 'fp16' });
    expect(req(0.5, { format: 'int16' }).sparsity).toBe(0.5);
    expect(req(0.75).options).toEqual({ format: 'int8' });
    expect(req(0.875).options).toEqual({ format: 'rowwise-int4' });
    expect(req(0.9375).options).toEqual({ format: 'rowwise-int2' });
    expect(() => req(0.8)).toThrow(BudgetError);
    expect(() => req(0.8)).toThrow(/closest achievable sparsity is 0\.750000/);
    expect(() => req(0.95)).toThrow(/closest achievable sparsity is 0\.937500/);
  });

  it('serialises and restores every format bit-exactly through the registry', async () => {
    const full = new FullTable({ rows: 40, dim: 64, backend: be, seed: 4 });
    be.write(full.weight.value, d.values);
    for (const format of PTQ_FORMATS) {
      const t = createTable('ptq', { rows: 40, dim: 64, backend: be, seed: 0, source: full, format, name: 'item' });
      expect(bits(dense(t))).toEqual(bits(dense(PtqTable.quantize(d, format, be))));
      const s = await t.serialize();
      const back = loadTable(s, be);
      expect(back).toBeInstanceOf(PtqTable);
      expect(bits(dense(back))).toEqual(bits(dense(t)));
      const s2 = await back.serialize();
      expect(s2.header).toEqual(s.header);
      expect(Array.from(s2.sections.codes)).toEqual(Array.from(s.sections.codes));
      t.dispose();
      back.dispose();
    }
    expect(() => createTable('ptq', { rows: 40, dim: 64, backend: be, seed: 0, format: 'int3' })).toThrow(/format must be one of/);
    full.dispose();
  });

  it('rejects out-of-range ids in every format; frozen', () => {
    for (const format of PTQ_FORMATS) {
      const t = PtqTable.quantize(d, format, be);
      expect(() => lookupRows(t, [0, 40])).toThrow(/id 40 at position 1 is out of range \[0, 40\)/);
      expect(() => lookupRows(t, [-3])).toThrow(RangeError);
      expect(t.parameters()).toEqual([]);
      t.dispose();
    }
  });
});

describe('affineParams', () => {
  it('widens the range to include 0, so a positive table keeps its resolution and 0 is exact', () => {
    const { scale, zeroPoint } = affineParams(1, 2, 8);
    expect(scale).toBe(fround(2 / 255));
    expect(zeroPoint).toBe(-128);
    expect(affineParams(0, 0, 16)).toEqual({ scale: 1, zeroPoint: -32768 });
    const sym = affineParams(-1, 1, 8);
    expect(Math.abs(sym.zeroPoint)).toBeLessThanOrEqual(1); // -128 + 127.5, up to the f32 rounding of the scale
  });
});
