/**
 * How a row range is cut into chunks for the pool: non-decreasing boundaries from 0 to the row
 * count, chunk c being rows [b[c], b[c + 1]). Chunks follow guided scheduling: each takes a fixed
 * share of the work still left, so the first are large and the last small, and a thread that runs
 * out of chunks waits at most for a small one. Work is the row count, or a cost known through its
 * prefix sums (e.g. the non-zeros of CSR rows, read off indptr).
 */

/**
 * Cumulative shares of the work at which the chunks for `threads` threads end: each chunk takes
 * 1 / (2 threads) of what is left but at least 1 / (16 threads) of the whole (a remainder under
 * half of that joins the last chunk), about 6 chunks per thread in all.
 */
export function guidedFractions(threads: number): number[] {
  const minChunk = 1 / (16 * threads);
  const f = [0];
  let done = 0;
  while (done < 1) {
    const left = 1 - done;
    const size = Math.max(left / (2 * threads), minChunk);
    done = size >= left - minChunk / 2 ? 1 : done + size;
    f.push(done);
  }
  return f;
}

/**
 * Chunk boundaries where the work reaches each share in `fractions` (from guidedFractions): b[c]
 * is the first row r with prefixCost(r) >= fractions[c] of the total, by binary search
 * (O(chunks log rows) calls); empty chunks are dropped. `prefixCost(r)` is the cost of rows
 * [0, r): 0 at r = 0 and non-decreasing (default: the row count).
 */
export function boundariesAt(rows: number, fractions: readonly number[], prefixCost: (r: number) => number = (r) => r): number[] {
  const total = prefixCost(rows);
  const b = [0];
  let lo = 0;
  for (let c = 1; c < fractions.length - 1; c++) {
    const target = total * fractions[c];
    let hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (prefixCost(mid) < target) lo = mid + 1;
      else hi = mid;
    }
    if (lo > b[b.length - 1] && lo < rows) b.push(lo);
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

/** Cumulative shares [0, 1/k, 2/k, ..., 1] of k equal chunks. */
export function equalFractions(k: number): number[] {
  return Array.from({ length: k + 1 }, (_, c) => c / k);
}
