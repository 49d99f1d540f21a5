/**
 * How a row range is cut into chunks for the pool: non-decreasing boundaries from 0 to the row
 * count, chunk c being rows [b[c], b[c + 1]). Either evenly by count, or balanced by a cost known
 * through its prefix sums (e.g. the non-zeros of CSR rows, read off indptr).
 */

/** Boundaries of min(parts, rows) chunks (at least one) with the same number of rows (within one). */
export function evenBoundaries(rows: number, parts: number): number[] {
  const used = Math.max(1, Math.min(parts, rows));
  const b: number[] = [];
  for (let c = 0; c <= used; c++) b.push(Math.floor((rows * c) / used));
  return b;
}

/**
 * Boundaries of `parts` chunks of about the same cost: b[c] is the first row r with
 * prefixCost(r) >= c / parts of the total, found by binary search (O(parts log rows) calls).
 * `prefixCost(r)` is the cost of rows [0, r): 0 at r = 0 and non-decreasing in r.
 */
export function balancedBoundaries(rows: number, parts: number, prefixCost: (r: number) => number): number[] {
  const total = prefixCost(rows);
  const b = [0];
  let lo = 0;
  for (let c = 1; c < parts; c++) {
    const target = (total * c) / parts;
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

/** Throws unless `b` holds 2 to maxParts + 1 non-decreasing integers from 0 to rows. */
export function checkBoundaries(b: ArrayLike<number>, rows: number, maxParts: number): void {
  const n = b.length;
  let ok = n >= 2 && n <= maxParts + 1 && b[0] === 0 && b[n - 1] === rows;
  for (let c = 0; ok && c < n - 1; c++) ok = Number.isInteger(b[c]) && b[c] <= b[c + 1];
  if (!ok) throw new RangeError(`ThreadPool: boundaries must be 2 to ${maxParts + 1} non-decreasing integers from 0 to ${rows}, got [${Array.from(b).join(', ')}]`);
}
