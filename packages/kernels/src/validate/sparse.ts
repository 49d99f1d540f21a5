import type { SparseOps } from '../ops/sparse.js';
import type { Csr } from '../types.js';
import { dims, dtypeOf, ensure, exactly } from './common.js';

/**
 * Wraps a SparseOps implementation with shape and dtype checks. uploadCsr validates the host
 * arrays completely (offsets, column range, column order); the ids of csrGatherRows live in a
 * buffer and are checked by each implementation.
 */
export function checkedSparse(impl: SparseOps): SparseOps {
  return {
    uploadCsr(csr) {
      checkHostCsr(csr);
      return impl.uploadCsr(csr);
    },
    freeCsr(csr) {
      impl.freeCsr(csr);
    },
    spmm(a, b, n, alpha, beta, out, addend, options) {
      csrShape('spmm', a);
      dims('spmm', { n });
      exactly('spmm', 'B', b, a.cols * n, 'f32');
      exactly('spmm', 'out', out, a.rows * n, 'f32');
      ensure('spmm', out !== b, 'out must not alias B');
      if (addend !== undefined) exactly('spmm', 'addend', addend, a.rows * n, 'f32');
      impl.spmm(a, b, n, alpha, beta, out, addend, options);
    },
    csrGatherRows(a, ids, out) {
      csrShape('csrGatherRows', a);
      dtypeOf('csrGatherRows', 'ids', ids, 'i32');
      exactly('csrGatherRows', 'out', out, ids.length * a.cols, 'f32');
      impl.csrGatherRows(a, ids, out);
    },
    async denseToCsr(rows, cols, x, keep) {
      dims('denseToCsr', { rows, cols });
      exactly('denseToCsr', 'x', x, rows * cols, 'f32');
      if ('mask' in keep) exactly('denseToCsr', 'mask', keep.mask, rows * cols, 'u8');
      else ensure('denseToCsr', !Number.isNaN(keep.threshold), 'threshold must be a number, got NaN');
      return await impl.denseToCsr(rows, cols, x, keep);
    },
  };
}

/** Checks the shape and dtypes of a backend CSR's arrays (not their contents). */
export function csrShape(op: string, a: Csr): void {
  dims(op, { rows: a.rows, cols: a.cols });
  exactly(op, 'indptr', a.indptr, a.rows + 1, 'i32');
  dtypeOf(op, 'indices', a.indices, 'i32');
  exactly(op, 'values', a.values, a.indices.length, 'f32');
}

/**
 * Checks a host CSR: offsets rising from 0 to nnz, columns in [0, cols) and ascending in each row.
 * uploadCsr runs it; so does a CSR used in place in a host backend's memory (a model file's
 * sections, read through views), which uploadCsr never sees. Throws KernelArgumentError naming `op`.
 */
export function checkHostCsr(csr: Parameters<SparseOps['uploadCsr']>[0], op = 'uploadCsr'): void {
  const { rows, cols, indptr, indices, values } = csr;
  dims(op, { rows, cols });
  ensure(op, indptr.length === rows + 1, `indptr must have rows + 1 = ${rows + 1} entries, has ${indptr.length}`);
  ensure(op, values.length === indices.length, `indices and values differ in length (${indices.length} and ${values.length})`);
  ensure(op, indptr[0] === 0, `indptr[0] must be 0, got ${indptr[0]}`);
  ensure(op, indptr[rows] === indices.length, `indptr[rows] must equal the number of entries ${indices.length}, got ${indptr[rows]}`);
  // Plain tests per entry, the message built only on failure: this runs over every entry of a
  // graph being loaded (millions), where building the message each time cost more than the check.
  for (let r = 0; r < rows; r++) {
    const s = indptr[r];
    const e = indptr[r + 1];
    if (!(Number.isInteger(e) && e >= s)) ensure(op, false, `indptr must be non-decreasing integers: indptr[${r + 1}] = ${e} after ${s}`);
    for (let p = s; p < e; p++) {
      const c = indices[p];
      if (!(Number.isInteger(c) && c >= 0 && c < cols)) ensure(op, false, `column ${c} at entry ${p} (row ${r}) is out of range [0, ${cols})`);
      if (p !== s && c < indices[p - 1]) ensure(op, false, `columns must be ascending within a row: entry ${p} (row ${r}) has ${c} after ${indices[p - 1]}`);
    }
  }
}
