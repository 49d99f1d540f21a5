import { describe, expect, it } from 'vitest';
import { csrColumnCounts, csrFromPairs, csrHas, csrNnz, csrOverlap, csrRow, csrTranspose, emptyCsr, validateCsr } from '../src/index.js';

const pairs = (list: [number, number][]): [Int32Array, Int32Array] => [Int32Array.from(list, (p) => p[0]), Int32Array.from(list, (p) => p[1])];

describe('csrFromPairs', () => {
  const [r, c] = pairs([
    [0, 2],
    [0, 1],
    [2, 3],
    [0, 2],
    [1, 0],
    [2, 3],
    [2, 1],
  ]);
  const { matrix, duplicates } = csrFromPairs(3, 4, r, c);

  it('groups by row, sorts each row and keeps repeated pairs once, counting them', () => {
    expect(Array.from(matrix.indptr)).toEqual([0, 2, 3, 5]);
    expect(Array.from(matrix.indices)).toEqual([1, 2, 0, 1, 3]);
    expect(duplicates).toBe(2);
    expect(csrNnz(matrix)).toBe(5);
    expect(Array.from(csrRow(matrix, 2))).toEqual([1, 3]);
    expect(() => {
      validateCsr(matrix);
    }).not.toThrow();
  });

  it('answers membership, column counts, transpose and overlap', () => {
    expect(csrHas(matrix, 0, 2)).toBe(true);
    expect(csrHas(matrix, 0, 3)).toBe(false);
    expect(csrHas(matrix, 1, 0)).toBe(true);
    expect(csrHas(matrix, 1, 1)).toBe(false);
    expect(Array.from(csrColumnCounts(matrix))).toEqual([1, 2, 1, 1]);
    const t = csrTranspose(matrix);
    expect(t.rows).toBe(4);
    expect(Array.from(t.indptr)).toEqual([0, 1, 3, 4, 5]);
    expect(Array.from(t.indices)).toEqual([1, 0, 2, 0, 2]);
    const [r2, c2] = pairs([
      [0, 2],
      [0, 3],
      [2, 1],
    ]);
    expect(csrOverlap(matrix, csrFromPairs(3, 4, r2, c2).matrix)).toBe(2);
  });

  it('rejects pairs outside the shape and invalid matrices', () => {
    expect(() => csrFromPairs(2, 2, Int32Array.of(0, 2), Int32Array.of(0, 0))).toThrow(RangeError);
    expect(() => csrFromPairs(2, 2, Int32Array.of(0), Int32Array.of(-1))).toThrow(RangeError);
    expect(() => {
      validateCsr({ rows: 1, cols: 3, indptr: Int32Array.of(0, 2), indices: Int32Array.of(2, 1) });
    }).toThrow(/not sorted/);
    expect(csrNnz(emptyCsr(4, 5))).toBe(0);
  });
});
