/** Test helpers for the sparse and ranking tests: random host CSR matrices and their dense form. */
import { Rng, type HostCsr } from '../src/index.js';

/**
 * A random rows x cols CSR with about density * cols entries per row (columns ascending, no
 * duplicates, some rows empty when the density is low), values uniform in [-1, 1).
 */
export function randomHostCsr(rows: number, cols: number, density: number, seed: number): HostCsr {
  const rng = new Rng(seed);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (rng.nextFloat() < density) {
        indices.push(c);
        values.push(2 * rng.nextFloat() - 1);
      }
    }
    indptr[r + 1] = indices.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/**
 * A random CSR for large shapes: `perRow` distinct random columns per row (sorted), or perRow(r)
 * for row r (skewed matrices), built without visiting every cell.
 */
export function randomSparseCsr(rows: number, cols: number, perRow: number | ((row: number) => number), seed: number): HostCsr {
  const rng = new Rng(seed);
  const count = (r: number) => Math.min(typeof perRow === 'number' ? perRow : perRow(r), cols);
  const indptr = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) indptr[r + 1] = indptr[r] + count(r);
  const nnz = indptr[rows];
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let r = 0; r < rows; r++) {
    const picked = new Set<number>();
    while (picked.size < count(r)) picked.add(rng.nextInt(cols));
    let p = indptr[r];
    for (const c of [...picked].sort((a, b) => a - b)) {
      indices[p] = c;
      values[p] = 2 * rng.nextFloat() - 1;
      p++;
    }
  }
  return { rows, cols, indptr, indices, values };
}

/** A users-first bipartite-like CSR: the first tenth of the rows holds most of the non-zeros. */
export function skewedSparseCsr(rows: number, cols: number, seed: number): HostCsr {
  return randomSparseCsr(rows, cols, (r) => (r < rows / 10 ? 60 : 2), seed);
}

/** The dense row-major form of a host CSR (duplicates add up). */
export function denseOf(csr: HostCsr): Float64Array {
  const out = new Float64Array(csr.rows * csr.cols);
  for (let r = 0; r < csr.rows; r++) {
    for (let p = csr.indptr[r]; p < csr.indptr[r + 1]; p++) out[r * csr.cols + csr.indices[p]] += csr.values[p];
  }
  return out;
}
