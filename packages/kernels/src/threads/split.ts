/**
 * How a row range is split between threads: `parts + 1` non-decreasing boundaries from 0 to the
 * row count, thread w taking rows [b[w], b[w + 1]). Either evenly by count, or balanced by a
 * cost known through its prefix sums (e.g. the non-zeros of CSR rows, read off indptr).
 */

/** Boundaries that give each of `parts` threads the same number of rows (within one). */
export function evenBoundaries(rows: number, parts: number): number[] {
  const used = Math.min(parts, Math.max(1, rows));
  const b: number[] = [];
  for (let w = 0; w <= parts; w++) b.push(w < used ? Math.floor((rows * w) / used) : rows);
  return b;
}

/**
 * Boundaries that give each of `parts` threads about the same cost: b[w] is the first row r with
 * prefixCost(r) >= w / parts of the total, found by binary search (O(parts log rows) calls).
 * `prefixCost(r)` is the cost of rows [0, r): 0 at r = 0 and non-decreasing in r.
 */
export function balancedBoundaries(rows: number, parts: number, prefixCost: (r: number) => number): number[] {
  const total = prefixCost(rows);
  const b = [0];
  let lo = 0;
  for (let w = 1; w < parts; w++) {
    const target = (total * w) / parts;
    let hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (prefixCost(mid) < target) lo = mid + 1;
      else hi = mid;
    }
    b.push(lo);
  }
  b.push(rows);
  return b;
}

/** Throws unless `b` holds parts + 1 non-decreasing integers from 0 to rows. */
export function checkBoundaries(b: ArrayLike<number>, rows: number, parts: number): void {
  let ok = b.length === parts + 1 && b[0] === 0 && b[parts] === rows;
  for (let w = 0; ok && w < parts; w++) ok = Number.isInteger(b[w]) && b[w] <= b[w + 1];
  if (!ok) throw new RangeError(`ThreadPool: boundaries must be ${parts + 1} non-decreasing integers from 0 to ${rows}, got [${Array.from(b).join(', ')}]`);
}
