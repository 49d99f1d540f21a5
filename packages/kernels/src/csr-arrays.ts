import type { SparseOps } from './ops/sparse.js';
import type { Buf, Csr, DType } from './types.js';

/** What uploading and freeing a CSR's three arrays needs of a backend. */
interface Allocator {
  upload<D extends DType>(dtype: D, data: ArrayLike<number>): Buf<D>;
  free(buf: Buf): void;
}

/** uploadCsr and freeCsr of every backend: the three arrays as i32 / i32 / f32 buffers. */
export function csrArrays(core: Allocator): Pick<SparseOps, 'uploadCsr' | 'freeCsr'> {
  return {
    uploadCsr(csr): Csr {
      return { rows: csr.rows, cols: csr.cols, indptr: core.upload('i32', csr.indptr), indices: core.upload('i32', csr.indices), values: core.upload('f32', csr.values) };
    },
    freeCsr(csr) {
      core.free(csr.indptr);
      core.free(csr.indices);
      core.free(csr.values);
    },
  };
}
