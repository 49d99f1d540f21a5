import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { FullTable, xavierUniformBound, type EmbeddingTable } from '../src/index.js';
import { createTable, loadTable } from './definitions.js';

const ctx = { training: true };

/** Runs the suite on the reference backend and on WASM with 1 and 2 threads. */
const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-1', () => createWasmBackend({ threads: 1 })],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe.each(backends)('FullTable on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  function table(rows: number, dim: number, seed = 7): FullTable {
    return new FullTable({ rows, dim, backend: be, seed, name: 'user' });
  }

  it('initialises Xavier-uniform within the torch bound, seeded', () => {
    const t = table(300, 16);
    const v = be.view(t.weight.value);
    const b = xavierUniformBound(300, 16);
    expect(b).toBeCloseTo(Math.sqrt(6 / 316), 12);
    let max = 0;
    let sum = 0;
    for (const x of v) {
      max = Math.max(max, Math.abs(x));
      sum += x;
    }
    expect(max).toBeLessThanOrEqual(b);
    expect(max).toBeGreaterThan(0.98 * b);
    expect(Math.abs(sum / v.length)).toBeLessThan(0.02 * b);
    const again = table(300, 16);
    expect(bits(be.view(again.weight.value))).toEqual(bits(be.view(t.weight.value)));
    const other = table(300, 16, 8);
    expect(bits(be.view(other.weight.value))).not.toEqual(bits(be.view(t.weight.value)));
    for (const x of [t, again, other]) x.dispose();
  });

  it('initialises normal(0, std) on request', () => {
    const t = new FullTable({ rows: 500, dim: 20, backend: be, seed: 3, init: { kind: 'normal', std: 0.1 } });
    const v = be.view(t.weight.value);
    let s = 0;
    let s2 = 0;
    for (const x of v) {
      s += x;
      s2 += x * x;
    }
    const mean = s / v.length;
    const std = Math.sqrt(s2 / v.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(std).toBeGreaterThan(0.095);
    expect(std).toBeLessThan(0.105);
    t.dispose();
  });

  it('lookup equals the dense table rows, duplicates included', () => {
    const rows = 37;
    const dim = 12;
    const t = table(rows, dim);
    const ids = [0, 36, 5, 5, 17, 0, 1];
    const idBuf = be.upload('i32', ids);
    const out = be.alloc('f32', ids.length * dim);
    t.lookup(idBuf, out, ctx);
    const dense = be.view(t.weight.value);
    const got = be.view(out);
    ids.forEach((id, i) => {
      expect(Array.from(got.subarray(i * dim, (i + 1) * dim))).toEqual(Array.from(dense.subarray(id * dim, (id + 1) * dim)));
    });
    const all = be.alloc('f32', rows * dim);
    t.lookupAll(all, ctx);
    expect(bits(be.view(all))).toEqual(bits(be.view(t.weight.value)));
    for (const b of [idBuf, out, all]) be.free(b);
    t.dispose();
  });

  it('backward matches finite differences of a nonlinear loss', () => {
    // L = sum_i sum_j c_ij * out_ij^2 / 2 over a lookup with repeated ids.
    const rows = 9;
    const dim = 5;
    const t = table(rows, dim, 11);
    const ids = [2, 7, 2, 0, 8, 2];
    const rng = new Rng(5);
    const c = Float64Array.from({ length: ids.length * dim }, () => rng.nextFloat() + 0.5);
    const idBuf = be.upload('i32', ids);
    const out = be.alloc('f32', ids.length * dim);
    const loss = (): number => {
      t.lookup(idBuf, out, ctx);
      const o = be.view(out);
      let l = 0;
      for (let k = 0; k < o.length; k++) l += (c[k] * o[k] * o[k]) / 2;
      return l;
    };
    loss();
    const o = be.view(out);
    const dOut = be.upload('f32', Array.from(o, (x, k) => c[k] * x));
    t.backward(idBuf, dOut);
    const grad = be.view(t.weight.grad).slice();
    const h = 1e-2;
    for (let e = 0; e < rows * dim; e++) {
      const v = be.view(t.weight.value);
      const x0 = v[e];
      v[e] = x0 + h;
      const up = loss();
      be.view(t.weight.value)[e] = x0 - h;
      const down = loss();
      be.view(t.weight.value)[e] = x0;
      const fd = (up - down) / (2 * h);
      expect(Math.abs(grad[e] - fd)).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
    }
    // Rows never looked up get exactly zero gradient.
    for (const r of [1, 3, 4, 5, 6]) expect(Array.from(grad.subarray(r * dim, (r + 1) * dim))).toEqual(new Array(dim).fill(0));
    for (const b of [idBuf, out, dOut]) be.free(b);
    t.dispose();
  });

  it('duplicate ids accumulate and are tracked once as touched rows', () => {
    const dim = 4;
    const t = table(10, dim);
    const idBuf = be.upload('i32', [3, 6, 3, 3, 1]);
    const dOut = be.upload('f32', Array.from({ length: 5 * dim }, (_, k) => k + 1));
    t.backward(idBuf, dOut);
    const g = be.view(t.weight.grad);
    for (let j = 0; j < dim; j++) {
      expect(g[3 * dim + j]).toBe(1 + j + (9 + j) + (13 + j));
      expect(g[6 * dim + j]).toBe(5 + j);
      expect(g[1 * dim + j]).toBe(17 + j);
    }
    const sparse = t.weight.rowSparse!;
    expect(sparse.dim).toBe(dim);
    expect(Array.from(be.view(sparse.rows()))).toEqual([3, 6, 1]);
    t.backward(be.upload('i32', [1, 9]), be.alloc('f32', 2 * dim));
    expect(Array.from(be.view(sparse.rows()))).toEqual([3, 6, 1, 9]);
    sparse.clear();
    expect(sparse.rows().length).toBe(0);
    t.backward(be.upload('i32', [6]), be.alloc('f32', dim));
    expect(Array.from(be.view(sparse.rows()))).toEqual([6]);
    t.backwardAll(be.alloc('f32', 10 * dim));
    expect(Array.from(be.view(sparse.rows()))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    sparse.clear();
    expect(sparse.rows().length).toBe(0);
    t.dispose();
  });

  it('backwardAll adds the whole-table gradient', () => {
    const t = table(6, 3);
    const d = Array.from({ length: 18 }, (_, k) => k * 0.5 - 2);
    t.backwardAll(be.upload('f32', d));
    t.backwardAll(be.upload('f32', d));
    expect(Array.from(be.view(t.weight.grad))).toEqual(d.map((x) => 2 * x));
    t.dispose();
  });

  it('rejects out-of-range ids without writing anything', () => {
    const dim = 3;
    const t = table(5, dim);
    const out = be.alloc('f32', 2 * dim);
    for (const bad of [5, -1]) {
      const ids = be.upload('i32', [0, bad]);
      expect(() => {
        t.lookup(ids, out, ctx);
      }).toThrow(RangeError);
      expect(() => {
        t.backward(ids, be.upload('f32', new Array(2 * dim).fill(1)));
      }).toThrow(RangeError);
    }
    expect(Array.from(be.view(t.weight.grad))).toEqual(new Array(15).fill(0));
    expect(t.weight.rowSparse!.rows().length).toBe(0);
    t.dispose();
  });

  it('serialises and restores bit-exactly through the registry', async () => {
    const t = createTable('full', { rows: 23, dim: 7, backend: be, seed: 99, name: 'item', weightDecay: 1e-6 });
    const s = await t.serialize();
    expect(s.method).toBe('full');
    const back = loadTable(s, be);
    expect(back).toBeInstanceOf(FullTable);
    expect(back.rows).toBe(23);
    expect(back.dim).toBe(7);
    const [p] = back.parameters();
    expect(p.name).toBe('item.weight');
    expect(p.weightDecay).toBe(1e-6);
    expect(bits(be.view(p.value))).toEqual(bits(be.view(t.parameters()[0].value)));
    const s2 = await back.serialize();
    expect(bits(s2.sections.weight as Float32Array)).toEqual(bits(s.sections.weight as Float32Array));
    expect(s2.header).toEqual(s.header);
    t.dispose();
    back.dispose();
  });

  it('counts size: params, non-zeros and bytes', async () => {
    const t: EmbeddingTable = table(10, 8);
    expect((await t.size())).toEqual({ params: 80, nonZeros: 80, memoryBytes: 320, diskBytes: 320 });
    const v = be.view(t.parameters()[0].value);
    v.fill(0, 0, 13);
    v[40] = 0;
    expect((await t.size()).nonZeros).toBe(66);
    expect((await t.size()).params).toBe(80);
    t.dispose();
  });
});
