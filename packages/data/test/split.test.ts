import { describe, expect, it } from 'vitest';
import { Rng } from '@lers/kernels/random';
import { carveValidation, csrFromPairs, csrNnz, csrRow, splitCounts, splitPerUser, splitRows, splitSizes, type CsrMatrix } from '../src/index.js';

const ratio = { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1 } as const;

function randomLists(users: number, items: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < users; u++) {
    const n = rng.nextInt(30);
    for (let k = 0; k < n; k++) {
      r.push(u);
      c.push(rng.nextInt(items));
    }
  }
  return csrFromPairs(users, items, Int32Array.from(r), Int32Array.from(c)).matrix;
}

describe('per-user CF splits', () => {
  it('computes split sizes by hand-checked rules', () => {
    expect(splitCounts(ratio, 0)).toEqual([0, 0, 0]);
    expect(splitCounts(ratio, 1)).toEqual([1, 0, 0]);
    expect(splitCounts(ratio, 3)).toEqual([3, 0, 0]);
    expect(splitCounts(ratio, 5)).toEqual([3, 1, 1]);
    expect(splitCounts(ratio, 10)).toEqual([8, 1, 1]);
    // No train fraction: one interaction is still kept for training, taken from valid first.
    expect(splitCounts({ kind: 'ratio', train: 0, valid: 0.5, test: 0.5 }, 4)).toEqual([1, 1, 2]);
    const loo = { kind: 'leave-k-out', k: 1 } as const;
    expect(splitCounts(loo, 1)).toEqual([1, 0, 0]);
    expect(splitCounts(loo, 2)).toEqual([1, 0, 1]);
    expect(splitCounts(loo, 5)).toEqual([3, 1, 1]);
    expect(splitCounts({ kind: 'leave-k-out', k: 2, validK: 0 }, 5)).toEqual([3, 0, 2]);
  });

  it('partitions every user list exactly, deterministically per seed', () => {
    const lists = randomLists(50, 40, 1);
    const a = splitPerUser(lists, null, ratio, 11);
    const b = splitPerUser(lists, null, ratio, 11);
    const c = splitPerUser(lists, null, ratio, 12);
    expect(a).toEqual(b);
    expect(a.test.indices).not.toEqual(c.test.indices);
    for (let u = 0; u < lists.rows; u++) {
      const parts = [a.train, a.valid, a.test].map((m) => Array.from(csrRow(m, u)));
      const union = parts.flat().sort((x, y) => x - y);
      expect(union).toEqual(Array.from(csrRow(lists, u)));
      expect(parts.map((p) => p.length)).toEqual(splitCounts(ratio, csrRow(lists, u).length));
      for (const p of parts) expect(p).toEqual([...p].sort((x, y) => x - y));
    }
    expect(csrNnz(a.train) + csrNnz(a.valid) + csrNnz(a.test)).toBe(csrNnz(lists));
  });

  it('puts the newest interactions in test with order "time"', () => {
    // One user with items 0..5 at times 50, 10, 40, 20, 60, 30: newest is item 4, then item 0.
    const lists: CsrMatrix = { rows: 1, cols: 6, indptr: Int32Array.of(0, 6), indices: Int32Array.of(0, 1, 2, 3, 4, 5) };
    const times = Float64Array.of(50, 10, 40, 20, 60, 30);
    const s = splitPerUser(lists, times, { kind: 'leave-k-out', k: 1, order: 'time' }, 0);
    expect(Array.from(s.test.indices)).toEqual([4]);
    expect(Array.from(s.valid.indices)).toEqual([0]);
    expect(Array.from(s.train.indices)).toEqual([1, 2, 3, 5]);
    expect(() => splitPerUser(lists, null, { kind: 'leave-k-out', k: 1, order: 'time' }, 0)).toThrow(/timestamps/);
  });

  it('carves about a fraction of train into valid, at least one, never the last', () => {
    const lists: CsrMatrix = {
      rows: 3,
      cols: 200,
      indptr: Int32Array.of(0, 1, 3, 103),
      indices: Int32Array.from({ length: 103 }, (_, k) => (k < 3 ? k : k - 3)),
    };
    const { train, valid } = carveValidation(lists, 0.09, 5);
    expect(Array.from(valid.indptr)).toEqual([0, 0, 1, 10]);
    expect(Array.from(train.indptr)).toEqual([0, 1, 2, 93]);
  });
});

describe('CTR row splits', () => {
  it('has exact sizes and covers every row once', () => {
    expect(splitSizes(10_000)).toEqual([8000, 1000, 1000]);
    expect(splitSizes(7, [1, 1, 1])).toEqual([2, 2, 3]);
    const s = splitRows(1003, { kind: 'random', seed: 3 });
    const all = [...s.train, ...s.valid, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1003 }, (_, k) => k));
    expect([s.train.length, s.valid.length, s.test.length]).toEqual(splitSizes(1003));
    expect(Array.from(s.train)).toEqual([...s.train].sort((a, b) => a - b));
    expect(splitRows(1003, { kind: 'random', seed: 3 })).toEqual(s);
    expect(splitRows(1003, { kind: 'random', seed: 4 }).test).not.toEqual(s.test);
  });

  it('keeps file order for the chronological split', () => {
    const s = splitRows(10, { kind: 'chronological' });
    expect(Array.from(s.train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(s.valid)).toEqual([8]);
    expect(Array.from(s.test)).toEqual([9]);
  });
});
