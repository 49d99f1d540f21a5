import { beforeAll, describe, expect, it } from 'vitest';
import type { HostBackend } from '../src/index.js';
import { randomSparseCsr } from './csr-helpers.js';
import { expectClose, getBackends, randomFloats, randomInts, UNDER_TEST, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

const ALL = ['reference', ...UNDER_TEST] as const;

function runScores(be: HostBackend, users: number, items: number, dim: number, seed: number): Float32Array {
  const u = be.upload('f32', randomFloats(users * dim, seed));
  const it = be.upload('f32', randomFloats(items * dim, seed + 1));
  const out = be.upload('f32', randomFloats(users * items, seed + 2));
  be.scores(users, items, dim, u, it, out);
  const result = be.view(out).slice();
  for (const b of [u, it, out]) be.free(b);
  return result;
}

function runTopk(be: HostBackend, rows: number, cols: number, x: Float32Array, k: number): { idx: Int32Array; val: Float32Array } {
  const xb = be.upload('f32', x);
  const idx = be.upload('i32', new Int32Array(rows * k).fill(-7));
  const val = be.alloc('f32', rows * k);
  be.topk(rows, cols, xb, k, idx, val);
  const result = { idx: be.view(idx).slice(), val: be.view(val).slice() };
  for (const b of [xb, idx, val]) be.free(b);
  return result;
}

/** Scores with many ties (values on a coarse grid), some -Infinity and NaN entries. */
function tiedScores(n: number, seed: number): Float32Array {
  const x = randomFloats(n, seed).map((v) => Math.round(v * 8) / 8);
  const special = randomInts(Math.ceil(n / 10), n, seed + 1);
  special.forEach((at, i) => (x[at] = i % 2 === 0 ? -Infinity : NaN));
  return x;
}

describe('scores', () => {
  const shapes: [number, number, number][] = [
    [0, 3, 4], [1, 1, 1], [1, 5, 0], [2, 4, 4], [3, 5, 7], [5, 17, 3], [7, 9, 64], [16, 130, 64], [9, 33, 65],
  ];
  for (const name of UNDER_TEST) {
    for (const [users, items, dim] of shapes) {
      it(`${name} ${users} users x ${items} items, dim ${dim}`, () => {
        const want = runScores(B.reference, users, items, dim, users + items);
        expectClose(runScores(B[name], users, items, dim, users + items), want, 1e-5, 1e-6 * Math.max(1, dim), name);
      });
    }
  }

  it('hand-computed scores', () => {
    for (const name of ALL) {
      const be = B[name];
      const u = be.upload('f32', [1, 2, 0, -1]);
      const items = be.upload('f32', [1, 1, 2, 0, 0, 3]);
      const out = be.upload('f32', [NaN, NaN, NaN, NaN, NaN, NaN]);
      be.scores(2, 3, 2, u, items, out);
      expect([...be.view(out)], name).toEqual([3, 2, 6, -1, 0, -3]);
    }
  });

  it('is identical with 1 and 2 threads, with an item split that is not a multiple of 4', () => {
    // 4003 items split as [0, 2001) and [2001, 4003); dim 67 exercises the dim % 4 tail too.
    for (const [users, items, dim] of [[33, 4003, 67], [100, 4003, 64]]) {
      expectBitExact(runScores(B.threaded, users, items, dim, 3), runScores(B.wasm, users, items, dim, 3), `threads ${users}x${items}x${dim}`);
    }
  });

  it('rejects mismatched shapes and aliasing', () => {
    const be = B.wasm;
    const u = be.alloc('f32', 6);
    const items = be.alloc('f32', 9);
    expect(() => { be.scores(2, 3, 3, u, items, be.alloc('f32', 5)); }).toThrow(/scores: out must have 6 elements/);
    expect(() => { be.scores(2, 4, 3, u, items, be.alloc('f32', 8)); }).toThrow(/scores: I must have 12 elements/);
    expect(() => { be.scores(3, 3, 3, items, items, items); }).toThrow(/scores: out must not alias U or I/);
  });
});

describe('maskSeen', () => {
  it('matches the reference on random interactions', () => {
    const seenHost = randomSparseCsr(50, 300, 12, 1);
    const userIdsHost = randomInts(20, 50, 2);
    const run = (be: HostBackend) => {
      const seen = be.uploadCsr(seenHost);
      const scores = be.upload('f32', randomFloats(20 * 300, 3));
      be.maskSeen(scores, 300, be.upload('i32', userIdsHost), seen);
      return be.view(scores).slice();
    };
    const want = run(B.reference);
    expect(want.filter((v) => v === -Infinity).length).toBeGreaterThan(100);
    for (const name of UNDER_TEST) expectBitExact(run(B[name]), want, name);
  });

  it('hand-computed mask, a user twice and a user with no items', () => {
    for (const name of ALL) {
      const be = B[name];
      const seen = be.uploadCsr({ rows: 3, cols: 3, indptr: [0, 2, 2, 3], indices: [0, 2, 1], values: [1, 1, 1] });
      const scores = be.upload('f32', [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      be.maskSeen(scores, 3, be.upload('i32', [2, 0, 1]), seen);
      expect([...be.view(scores)], name).toEqual([1, -Infinity, 3, -Infinity, 5, -Infinity, 7, 8, 9]);
    }
  });

  it('rejects a bad user id before writing, and a seen matrix of the wrong width', () => {
    for (const name of ALL) {
      const be = B[name];
      const seen = be.uploadCsr({ rows: 2, cols: 2, indptr: [0, 1, 2], indices: [0, 1], values: [1, 1] });
      const scores = be.upload('f32', [1, 2, 3, 4]);
      expect(() => { be.maskSeen(scores, 2, be.upload('i32', [0, 2]), seen); }, name).toThrow(/maskSeen: id 2 at position 1 is out of range \[0, 2\)/);
      expect([...be.view(scores)], name).toEqual([1, 2, 3, 4]);
      expect(() => { be.maskSeen(be.alloc('f32', 6), 3, be.upload('i32', [0, 1]), seen); }, name).toThrow(/seen must have items = 3 columns, has 2/);
    }
  });
});

describe('topk', () => {
  // [rows, cols, k]
  const shapes: [number, number, number][] = [
    [0, 5, 3], [3, 0, 0], [2, 7, 0], [1, 1, 1], [4, 3, 3], [5, 10, 4], [3, 17, 5], [6, 101, 20], [3, 1000, 100], [4, 1003, 20], [2, 40_000, 20],
  ];
  for (const name of UNDER_TEST) {
    for (const [rows, cols, k] of shapes) {
      it(`${name} ${rows}x${cols} k=${k}, ties, NaN and -Infinity`, () => {
        const x = tiedScores(rows * cols, rows + cols + k);
        const want = runTopk(B.reference, rows, cols, x, k);
        const got = runTopk(B[name], rows, cols, x, k);
        expectBitExact(got.idx, want.idx, `${name} idx`);
        expectBitExact(got.val, want.val, `${name} val`);
      });
    }
  }

  it('hand-computed: descending, ties by lower index, NaN as -Infinity ranked by index', () => {
    const x = Float32Array.from([3, 1, 3, NaN, -Infinity, 2, NaN]);
    for (const name of ALL) {
      const { idx, val } = runTopk(B[name], 1, 7, x, 7);
      expect([...idx], name).toEqual([0, 2, 5, 1, 3, 4, 6]);
      expect([...val], name).toEqual([3, 3, 2, 1, -Infinity, -Infinity, -Infinity]);
      expect([...runTopk(B[name], 1, 7, x, 2).idx], name).toEqual([0, 2]);
    }
  });

  it('keeps the lower index among ties at the heap root while better entries keep arriving', () => {
    // k = 3: the heap holds 5@0, 1@1, 1@2; the SIMD group [1@3, 3@4, 1@5, 0@6] must not let the
    // later 1s displace 1@1.
    const hand = Float32Array.from([5, 1, 1, 1, 3, 1, 0]);
    // Rising scores with runs of equal values: the k-th value keeps changing, ties everywhere.
    const rising = Float32Array.from(randomFloats(3 * 4000, 21), (v, j) => Math.floor(((j % 4000) + 20 * v) / 5));
    for (const name of UNDER_TEST) {
      expect([...runTopk(B[name], 1, 7, hand, 3).idx], name).toEqual([0, 4, 1]);
      for (const k of [7, 20, 100]) {
        const want = runTopk(B.reference, 3, 4000, rising, k);
        const got = runTopk(B[name], 3, 4000, rising, k);
        expectBitExact(got.idx, want.idx, `${name} k=${k} idx`);
        expectBitExact(got.val, want.val, `${name} k=${k} val`);
      }
    }
  });

  it('handles ascending and descending rows (every entry, or none, enters the heap)', () => {
    const cols = 5000;
    const up = Float32Array.from({ length: cols }, (_, j) => j);
    const down = Float32Array.from({ length: cols }, (_, j) => -j);
    for (const name of UNDER_TEST) {
      const a = runTopk(B[name], 1, cols, up, 100);
      expect([...a.idx], name).toEqual(Array.from({ length: 100 }, (_, t) => cols - 1 - t));
      const d = runTopk(B[name], 1, cols, down, 100);
      expect([...d.idx], name).toEqual(Array.from({ length: 100 }, (_, t) => t));
      const flat = runTopk(B[name], 1, cols, new Float32Array(cols).fill(0.5), 20);
      expect([...flat.idx], name).toEqual(Array.from({ length: 20 }, (_, t) => t));
    }
  });

  it('is identical with 1 and 2 threads on a large batch', () => {
    const x = tiedScores(64 * 5000, 11);
    const one = runTopk(B.wasm, 64, 5000, x, 20);
    const two = runTopk(B.threaded, 64, 5000, x, 20);
    expectBitExact(two.idx, one.idx, 'idx');
    expectBitExact(two.val, one.val, 'val');
  });

  it('validates k and shapes', () => {
    const be = B.wasm;
    const x = be.alloc('f32', 2 * 200);
    expect(() => { be.topk(2, 200, x, 101, be.alloc('i32', 202), be.alloc('f32', 202)); }).toThrow(/topk: k = 101 exceeds the maximum 100/);
    expect(() => { be.topk(20, 20, be.alloc('f32', 400), 21, be.alloc('i32', 420), be.alloc('f32', 420)); }).toThrow(/topk: k = 21 exceeds cols = 20/);
    expect(() => { be.topk(2, 200, x, 5, be.alloc('i32', 9), be.alloc('f32', 10)); }).toThrow(/topk: outIdx must have 10 elements/);
    expect(() => { be.topk(2, 200, x, 5, be.alloc('i32', 10), be.alloc('i32', 10) as never); }).toThrow(/topk: outVal must be f32/);
    expect(() => { be.topk(2, 200, x, 1.5, be.alloc('i32', 3), be.alloc('f32', 3)); }).toThrow(/k must be a non-negative integer/);
  });
});
