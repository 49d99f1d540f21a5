import { beforeAll, describe, expect, it } from 'vitest';
import type { HostBackend } from '../src/index.js';
import { expectClose, getBackends, randomFloats, randomInts, UNDER_TEST, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

const ALL = ['reference', ...UNDER_TEST] as const;

/** Random bag offsets over n ids: `bags` bags (some empty), rising from 0 to n. bags = 0 needs n = 0. */
function randomOffsets(bags: number, n: number, seed: number): Int32Array {
  if (bags === 0) return Int32Array.from([0]);
  const cuts = [...randomInts(bags - 1, n + 1, seed)].sort((a, b) => a - b);
  return Int32Array.from([0, ...cuts, n]);
}

/** f64 forward of embeddingBag, for finite differences. */
function bagForward64(table: Float64Array, dim: number, ids: Int32Array, offsets: Int32Array, mode: 'sum' | 'mean'): Float64Array {
  const bags = offsets.length - 1;
  const out = new Float64Array(bags * dim);
  for (let b = 0; b < bags; b++) {
    const count = offsets[b + 1] - offsets[b];
    for (let i = offsets[b]; i < offsets[b + 1]; i++) {
      for (let d = 0; d < dim; d++) out[b * dim + d] += table[ids[i] * dim + d] / (mode === 'mean' ? count : 1);
    }
  }
  return out;
}

function runGather(be: HostBackend, rows: number, dim: number, n: number, seed: number): Float32Array {
  const table = be.upload('f32', randomFloats(rows * dim, seed));
  const ids = be.upload('i32', randomInts(n, rows, seed + 1));
  const out = be.upload('f32', randomFloats(n * dim, seed + 2));
  be.gather(table, rows, dim, ids, out);
  const result = be.view(out).slice();
  be.free(table);
  be.free(ids);
  be.free(out);
  return result;
}

function runScatterAdd(be: HostBackend, rows: number, dim: number, n: number, alpha: number, seed: number): Float32Array {
  const table = be.upload('f32', randomFloats(rows * dim, seed));
  const ids = be.upload('i32', randomInts(n, rows, seed + 1));
  const src = be.upload('f32', randomFloats(n * dim, seed + 2));
  be.scatterAdd(src, ids, alpha, table, rows, dim);
  const result = be.view(table).slice();
  be.free(table);
  be.free(ids);
  be.free(src);
  return result;
}

function runBag(be: HostBackend, rows: number, dim: number, n: number, bags: number, mode: 'sum' | 'mean', seed: number): { out: Float32Array; dTable: Float32Array } {
  const table = be.upload('f32', randomFloats(rows * dim, seed));
  const ids = be.upload('i32', randomInts(n, rows, seed + 1));
  const offsets = be.upload('i32', randomOffsets(bags, n, seed + 2));
  const out = be.upload('f32', randomFloats(bags * dim, seed + 3));
  be.embeddingBag(table, rows, dim, ids, offsets, mode, out);
  const dTable = be.upload('f32', randomFloats(rows * dim, seed + 4));
  be.embeddingBagBackward(out, ids, offsets, mode, dTable, rows, dim);
  const result = { out: be.view(out).slice(), dTable: be.view(dTable).slice() };
  for (const b of [table, ids, offsets, out, dTable]) be.free(b);
  return result;
}

// [rows, dim, n]: empty, single, SIMD tails, dims 16 and 64, bulk-copied rows (dim >= 256).
const SHAPES: [number, number, number][] = [
  [1, 1, 0], [1, 1, 1], [5, 3, 7], [10, 4, 9], [7, 17, 20], [100, 16, 333], [100, 64, 1000], [30, 257, 41], [20, 1001, 13],
];

describe('randomOffsets', () => {
  it('rises from 0 to n with the requested number of bags', () => {
    const o = randomOffsets(6, 10, 3);
    expect(o.length).toBe(7);
    expect(o[0]).toBe(0);
    expect(o[6]).toBe(10);
    for (let b = 0; b < 6; b++) expect(o[b + 1]).toBeGreaterThanOrEqual(o[b]);
  });
});

describe('gather', () => {
  for (const name of UNDER_TEST) {
    for (const [rows, dim, n] of SHAPES) {
      it(`${name} rows=${rows} dim=${dim} n=${n} copies rows exactly`, () => {
        expectBitExact(runGather(B[name], rows, dim, n, rows + dim), runGather(B.reference, rows, dim, n, rows + dim), name);
      });
    }
  }

  it('hand-computed rows, duplicates included', () => {
    for (const name of ALL) {
      const be = B[name];
      const table = be.upload('f32', [1, 2, 3, 4, 5, 6]);
      const ids = be.upload('i32', [2, 0, 2]);
      const out = be.alloc('f32', 6);
      be.gather(table, 3, 2, ids, out);
      expect([...be.view(out)], name).toEqual([5, 6, 1, 2, 5, 6]);
    }
  });

  it('is identical with 1 and 2 threads on a large batch', () => {
    expectBitExact(runGather(B.threaded, 5000, 64, 20_000, 9), runGather(B.wasm, 5000, 64, 20_000, 9), 'threads');
  });

  it('rejects an out-of-range id with its position and value, writing nothing', () => {
    for (const name of ALL) {
      for (const bad of [5, -1]) {
        const be = B[name];
        const table = be.upload('f32', randomFloats(10, 1));
        const ids = be.upload('i32', [0, 4, bad, 1]);
        const out = be.upload('f32', [7, 7, 7, 7, 7, 7, 7, 7]);
        expect(() => { be.gather(table, 5, 2, ids, out); }, name).toThrow(new RegExp(`gather: id ${bad} at position 2 is out of range \\[0, 5\\)`));
        expect([...be.view(out)], name).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
      }
    }
  });

  it('rejects mismatched shapes and dtypes', () => {
    const be = B.wasm;
    const table = be.alloc('f32', 10);
    const ids = be.alloc('i32', 3);
    expect(() => { be.gather(table, 5, 2, ids, be.alloc('f32', 5)); }).toThrow(/gather: out must have 6 elements/);
    expect(() => { be.gather(table, 4, 2, ids, be.alloc('f32', 6)); }).toThrow(/gather: table must have 8 elements/);
    expect(() => { be.gather(table, 5, 2, be.alloc('f32', 3) as never, be.alloc('f32', 6)); }).toThrow(/gather: ids must be i32/);
  });
});

describe('scatterAdd', () => {
  for (const name of UNDER_TEST) {
    for (const [rows, dim, n] of SHAPES) {
      it(`${name} rows=${rows} dim=${dim} n=${n} (duplicate ids)`, () => {
        for (const alpha of [1, -0.5]) {
          const want = runScatterAdd(B.reference, rows, dim, n, alpha, rows * 7 + dim);
          const got = runScatterAdd(B[name], rows, dim, n, alpha, rows * 7 + dim);
          expectClose(got, want, 1e-5, 1e-5 * Math.max(1, n / rows), name);
        }
      });
    }
  }

  it('hand-computed: duplicates accumulate', () => {
    for (const name of ALL) {
      const be = B[name];
      const table = be.upload('f32', [1, 1, 1, 1, 1, 1]);
      const ids = be.upload('i32', [1, 1, 0]);
      const src = be.upload('f32', [1, 2, 10, 20, 100, 200]);
      be.scatterAdd(src, ids, 2, table, 3, 2);
      expect([...be.view(table)], name).toEqual([201, 401, 23, 45, 1, 1]);
    }
  });

  it('is identical with 1 and 2 threads (partitioned by destination row)', () => {
    // 2 * 20000 * 64 flops of work: well above the pool threshold; few rows, so many duplicates.
    expectBitExact(runScatterAdd(B.threaded, 301, 64, 20_000, 0.3, 4), runScatterAdd(B.wasm, 301, 64, 20_000, 0.3, 4), 'threads');
  });

  it('is the gradient of gather (finite differences of sum(w * gather(table)))', () => {
    const rows = 6, dim = 5, n = 9;
    const table = randomFloats(rows * dim, 31);
    const idsHost = randomInts(n, rows, 32);
    const w = randomFloats(n * dim, 33);
    const loss = (t: Float64Array) => {
      let s = 0;
      for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) s += w[i * dim + d] * t[idsHost[i] * dim + d];
      return s;
    };
    for (const name of UNDER_TEST) {
      const be = B[name];
      const grad = be.alloc('f32', rows * dim);
      be.scatterAdd(be.upload('f32', w), be.upload('i32', idsHost), 1, grad, rows, dim);
      const g = be.view(grad);
      const h = 1e-3;
      for (let e = 0; e < rows * dim; e++) {
        const plus = Float64Array.from(table), minus = Float64Array.from(table);
        plus[e] += h;
        minus[e] -= h;
        expect(Math.abs(g[e] - (loss(plus) - loss(minus)) / (2 * h)), `${name} [${e}]`).toBeLessThan(1e-5);
      }
    }
  });

  it('rejects a bad id without touching the table', () => {
    for (const name of ALL) {
      const be = B[name];
      const table = be.upload('f32', [1, 2, 3, 4]);
      const ids = be.upload('i32', [0, 2]);
      const src = be.upload('f32', [5, 5, 5, 5]);
      expect(() => { be.scatterAdd(src, ids, 1, table, 2, 2); }, name).toThrow(/scatterAdd: id 2 at position 1 is out of range \[0, 2\)/);
      expect([...be.view(table)], name).toEqual([1, 2, 3, 4]);
    }
  });
});

describe('embeddingBag and its backward', () => {
  // [rows, dim, n, bags]
  const bagShapes: [number, number, number, number][] = [
    [1, 1, 0, 0], [1, 1, 0, 3], [1, 1, 1, 1], [5, 3, 7, 4], [9, 4, 30, 8], [12, 17, 50, 20], [100, 64, 500, 64], [40, 300, 90, 11],
  ];
  for (const name of UNDER_TEST) {
    for (const [rows, dim, n, bags] of bagShapes) {
      for (const mode of ['sum', 'mean'] as const) {
        it(`${name} ${mode} rows=${rows} dim=${dim} n=${n} bags=${bags}`, () => {
          const want = runBag(B.reference, rows, dim, n, bags, mode, n + bags);
          const got = runBag(B[name], rows, dim, n, bags, mode, n + bags);
          expectClose(got.out, want.out, 1e-5, 1e-5 * Math.max(1, n / Math.max(1, bags)), `${name} out`);
          expectClose(got.dTable, want.dTable, 1e-5, 1e-5 * Math.max(1, n), `${name} dTable`);
        });
      }
    }
  }

  it('hand-computed bags: sum, mean, and an empty bag giving zeros', () => {
    for (const name of ALL) {
      const be = B[name];
      const table = be.upload('f32', [1, 2, 3, 4, 5, 6]);
      const ids = be.upload('i32', [0, 2, 1]);
      const offsets = be.upload('i32', [0, 2, 2, 3]);
      const out = be.upload('f32', [9, 9, 9, 9, 9, 9]);
      be.embeddingBag(table, 3, 2, ids, offsets, 'sum', out);
      expect([...be.view(out)], name).toEqual([6, 8, 0, 0, 3, 4]);
      be.embeddingBag(table, 3, 2, ids, offsets, 'mean', out);
      expect([...be.view(out)], name).toEqual([3, 4, 0, 0, 3, 4]);
      const dTable = be.alloc('f32', 6);
      be.embeddingBagBackward(be.upload('f32', [2, 4, 100, 100, 1, 1]), ids, offsets, 'mean', dTable, 3, 2);
      expect([...be.view(dTable)], name).toEqual([1, 2, 1, 1, 1, 2]);
    }
  });

  it('backward matches finite differences of the f64 forward', () => {
    const rows = 7, dim = 6, n = 15;
    const table = Float64Array.from(randomFloats(rows * dim, 41));
    const idsHost = randomInts(n, rows, 42);
    const offsetsHost = Int32Array.from([0, 4, 4, 9, 15]);
    const w = randomFloats(4 * dim, 43);
    for (const mode of ['sum', 'mean'] as const) {
      const loss = (t: Float64Array) => bagForward64(t, dim, idsHost, offsetsHost, mode).reduce((s, v, i) => s + v * w[i], 0);
      for (const name of UNDER_TEST) {
        const be = B[name];
        const dTable = be.alloc('f32', rows * dim);
        be.embeddingBagBackward(be.upload('f32', w), be.upload('i32', idsHost), be.upload('i32', offsetsHost), mode, dTable, rows, dim);
        const g = be.view(dTable);
        const h = 1e-3;
        for (let e = 0; e < rows * dim; e++) {
          const plus = Float64Array.from(table), minus = Float64Array.from(table);
          plus[e] += h;
          minus[e] -= h;
          expect(Math.abs(g[e] - (loss(plus) - loss(minus)) / (2 * h)), `${name} ${mode} [${e}]`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('is identical with 1 and 2 threads on large inputs', () => {
    for (const mode of ['sum', 'mean'] as const) {
      const one = runBag(B.wasm, 500, 64, 20_000, 2000, mode, 5);
      const two = runBag(B.threaded, 500, 64, 20_000, 2000, mode, 5);
      expectBitExact(two.out, one.out, `${mode} out`);
      expectBitExact(two.dTable, one.dTable, `${mode} dTable`);
    }
  });

  it('rejects offsets that do not rise from 0 to ids.length, and bad ids, writing nothing', () => {
    const cases: [number[], RegExp][] = [
      [[1, 2, 3], /offsets\[0\] = 1 breaks that/],
      [[0, 2, 1, 3], /offsets\[2\] = 1 breaks that/],
      [[0, 2, 2], /offsets\[2\] = 2 breaks that/],
      [[0, 4], /offsets\[1\] = 4 breaks that/],
    ];
    for (const name of ALL) {
      const be = B[name];
      const table = be.upload('f32', [1, 2, 3, 4]);
      const ids = be.upload('i32', [0, 1, 1]);
      for (const [offs, msg] of cases) {
        const offsets = be.upload('i32', offs);
        const out = be.upload('f32', new Array<number>((offs.length - 1) * 2).fill(7));
        expect(() => { be.embeddingBag(table, 2, 2, ids, offsets, 'sum', out); }, `${name} ${offs.join()}`).toThrow(msg);
        expect(() => { be.embeddingBagBackward(out, ids, offsets, 'sum', table, 2, 2); }, `${name} ${offs.join()}`).toThrow(/embeddingBagBackward: offsets must rise/);
        expect(be.view(out).every((v) => v === 7), name).toBe(true);
      }
      const offsets = be.upload('i32', [0, 3]);
      const out = be.upload('f32', [7, 7]);
      expect(() => { be.embeddingBag(table, 2, 2, be.upload('i32', [0, 3, 1]), offsets, 'mean', out); }, name).toThrow(/embeddingBag: id 3 at position 1/);
      expect([...be.view(out)], name).toEqual([7, 7]);
      expect(() => { be.embeddingBagBackward(out, be.upload('i32', [0, -2, 1]), offsets, 'mean', table, 2, 2); }, name).toThrow(/embeddingBagBackward: id -2 at position 1/);
      expect([...be.view(table)], name).toEqual([1, 2, 3, 4]);
    }
  });

  it('rejects a bad mode and mismatched shapes', () => {
    const be = B.wasm;
    const table = be.alloc('f32', 4);
    const ids = be.alloc('i32', 2);
    const offsets = be.upload('i32', [0, 1, 2]);
    expect(() => { be.embeddingBag(table, 2, 2, ids, offsets, 'max' as never, be.alloc('f32', 4)); }).toThrow(/mode must be 'sum' or 'mean'/);
    expect(() => { be.embeddingBag(table, 2, 2, ids, offsets, 'sum', be.alloc('f32', 2)); }).toThrow(/embeddingBag: out must have 4 elements/);
    expect(() => { be.embeddingBag(table, 2, 2, ids, be.alloc('i32', 0), 'sum', be.alloc('f32', 0)); }).toThrow(/offsets needs bags \+ 1 entries/);
    expect(() => { be.embeddingBagBackward(be.alloc('f32', 3), ids, offsets, 'sum', table, 2, 2); }).toThrow(/embeddingBagBackward: dOut must have 4 elements/);
  });
});
