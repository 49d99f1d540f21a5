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
 * A random CSR for large shapes: `perRow` distinct random columns per row (sorted), built without
 * visiting every cell.
 */
export function randomSparseCsr(rows: number, cols: number, perRow: number, seed: number): HostCsr {
  const rng = new Rng(seed);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rows * perRow);
  const values = new Float32Array(rows * perRow);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const picked = new Set<number>();
    while (picked.size < Math.min(perRow, cols)) picked.add(rng.nextInt(cols));
    for (const c of [...picked].sort((a, b) => a - b)) {
      indices[nnz] = c;
      values[nnz] = 2 * rng.nextFloat() - 1;
      nnz++;
    }
    indptr[r + 1] = nnz;
  }
  return { rows, cols, indptr, indices: indices.subarray(0, nnz), values: values.subarray(0, nnz) };
}

/** The dense row-major form of a host CSR (duplicates add up). */
export function denseOf(csr: HostCsr): Float64Array {
  const out = new Float64Array(csr.rows * csr.cols);
  for (let r = 0; r < csr.rows; r++) {
    for (let p = csr.indptr[r]; p < csr.indptr[r + 1]; p++) out[r * csr.cols + csr.indices[p]] += csr.values[p];
  }
  return out;
}
