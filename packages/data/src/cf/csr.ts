/** Compressed sparse row matrices of ids: the in-memory form of user -> items interaction lists. */

/** A sparse 0/1 matrix: row r holds `indices[indptr[r] .. indptr[r+1])`, sorted ascending, no repeats. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
}

/** A CSR matrix with one value per stored entry. */
export interface WeightedCsrMatrix extends CsrMatrix {
  values: Float32Array;
}

/** An all-empty `rows x cols` matrix. */
export function emptyCsr(rows: number, cols: number): CsrMatrix {
  return { rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(0) };
}

/** Number of stored entries. */
export function csrNnz(m: CsrMatrix): number {
  return m.indptr[m.rows];
}

/** The column ids of row `r` (a view, not a copy). */
export function csrRow(m: CsrMatrix, r: number): Int32Array {
  return m.indices.subarray(m.indptr[r], m.indptr[r + 1]);
}

/** Whether entry (r, c) is stored; binary search in the sorted row. */
export function csrHas(m: CsrMatrix, r: number, c: number): boolean {
  let lo = m.indptr[r];
  let hi = m.indptr[r + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = m.indices[mid];
    if (v === c) return true;
    if (v < c) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** How many entries each column has (item popularity for a user -> item matrix). */
export function csrColumnCounts(m: CsrMatrix): Int32Array {
  const counts = new Int32Array(m.cols);
  const nnz = csrNnz(m);
  for (let k = 0; k < nnz; k++) counts[m.indices[k]]++;
  return counts;
}

/** Turns per-row counts (in `indptr[1..rows]`) into offsets in place: an exclusive prefix sum. */
function prefixSumInPlace(indptr: Int32Array): void {
  for (let r = 1; r < indptr.length; r++) indptr[r] += indptr[r - 1];
}

/** Sorts each row ascending and drops repeats in place; returns the compacted nnz. */
function sortAndDedupeRows(indptr: Int32Array, indices: Int32Array): number {
  let write = 0;
  let rowStart = 0;
  for (let r = 0; r + 1 < indptr.length; r++) {
    const end = indptr[r + 1];
    const row = indices.subarray(rowStart, end);
    row.sort();
    const rowWrite = write;
    for (let k = 0; k < row.length; k++) {
      const v = row[k];
      if (write === rowWrite || indices[write - 1] !== v) indices[write++] = v;
    }
    rowStart = end;
    indptr[r + 1] = write;
  }
  return write;
}

/**
 * Builds a CSR matrix from (row, col) pairs in linear time plus a per-row sort (counting sort by
 * row, no per-pair objects). Repeated pairs are stored once and counted in `duplicates`.
 */
export function csrFromPairs(
  rows: number,
  cols: number,
  pairRows: Int32Array,
  pairCols: Int32Array,
): { matrix: CsrMatrix; duplicates: number } {
  if (pairRows.length !== pairCols.length) throw new RangeError('csrFromPairs: pair arrays differ in length');
  const n = pairRows.length;
  const indptr = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) {
    const r = pairRows[k];
    const c = pairCols[k];
    if (!(r >= 0 && r < rows) || !(c >= 0 && c < cols)) {
      throw new RangeError(`csrFromPairs: pair (${r}, ${c}) outside ${rows} x ${cols}`);
    }
    indptr[r + 1]++;
  }
  prefixSumInPlace(indptr);
  const cursor = indptr.slice(0, rows);
  const indices = new Int32Array(n);
  for (let k = 0; k < n; k++) indices[cursor[pairRows[k]]++] = pairCols[k];
  const nnz = sortAndDedupeRows(indptr, indices);
  return {
    matrix: { rows, cols, indptr, indices: nnz === n ? indices : indices.slice(0, nnz) },
    duplicates: n - nnz,
  };
}

/** The transpose, in linear time (counting sort by column); its rows come out sorted. */
export function csrTranspose(m: CsrMatrix): CsrMatrix {
  const indptr = new Int32Array(m.cols + 1);
  const nnz = csrNnz(m);
  for (let k = 0; k < nnz; k++) indptr[m.indices[k] + 1]++;
  prefixSumInPlace(indptr);
  const cursor = indptr.slice(0, m.cols);
  const indices = new Int32Array(nnz);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) indices[cursor[m.indices[k]]++] = r;
  }
  return { rows: m.cols, cols: m.rows, indptr, indices };
}

/** Number of entries stored in both matrices (rows must be sorted, as everywhere here). */
export function csrOverlap(a: CsrMatrix, b: CsrMatrix): number {
  let overlap = 0;
  const rows = Math.min(a.rows, b.rows);
  for (let r = 0; r < rows; r++) {
    let i = a.indptr[r];
    let j = b.indptr[r];
    const iEnd = a.indptr[r + 1];
    const jEnd = b.indptr[r + 1];
    while (i < iEnd && j < jEnd) {
      const x = a.indices[i];
      const y = b.indices[j];
      if (x === y) {
        overlap++;
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
  }
  return overlap;
}

/** Same shape, sorted, within bounds: throws a RangeError naming the first violation. */
export function validateCsr(m: CsrMatrix, name = 'matrix'): void {
  if (m.indptr.length !== m.rows + 1 || m.indptr[0] !== 0) throw new RangeError(`${name}: indptr has the wrong shape`);
  if (m.indices.length < m.indptr[m.rows]) throw new RangeError(`${name}: indices shorter than indptr says`);
  for (let r = 0; r < m.rows; r++) {
    const start = m.indptr[r];
    const end = m.indptr[r + 1];
    if (end < start) throw new RangeError(`${name}: indptr decreases at row ${r}`);
    for (let k = start; k < end; k++) {
      const c = m.indices[k];
      if (c < 0 || c >= m.cols) throw new RangeError(`${name}: row ${r} has column ${c} outside [0, ${m.cols})`);
      if (k > start && m.indices[k - 1] >= c) throw new RangeError(`${name}: row ${r} is not sorted and unique`);
    }
  }
}
