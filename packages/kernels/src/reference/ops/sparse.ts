import { csrArrays } from '../../csr-arrays.js';
import type { SparseOps } from '../../ops/sparse.js';
import type { Buf, Csr } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { ReferenceCore } from '../core.js';

/** Plain TypeScript CSR kernels: row-by-row loops, sums in f64. */
export function referenceSparse(core: ReferenceCore): SparseOps {
  const f32 = (b: Buf) => core.data(b) as Float32Array;
  const i32 = (b: Buf) => core.data(b) as Int32Array;
  return {
    ...csrArrays(core),
    spmm(a, b, n, alpha, beta, out, addend) {
      const P = i32(a.indptr), C = i32(a.indices), V = f32(a.values), B = f32(b), O = f32(out);
      const Add = addend === undefined ? O : f32(addend);
      for (let r = 0; r < a.rows; r++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = P[r]; p < P[r + 1]; p++) s += V[p] * B[C[p] * n + j];
          O[r * n + j] = beta === 0 ? alpha * s : alpha * s + beta * Add[r * n + j];
        }
      }
    },
    csrGatherRows(a, ids, out) {
      const P = i32(a.indptr), C = i32(a.indices), V = f32(a.values), I = i32(ids), O = f32(out);
      for (let i = 0; i < I.length; i++) {
        if (I[i] < 0 || I[i] >= a.rows) throw idOutOfRange('csrGatherRows', i, I[i], a.rows);
      }
      O.fill(0);
      for (let i = 0; i < I.length; i++) {
        for (let p = P[I[i]]; p < P[I[i] + 1]; p++) O[i * a.cols + C[p]] += V[p];
      }
    },
    denseToCsr(rows, cols, x, keep) {
      const X = f32(x);
      const M = 'mask' in keep ? core.data(keep.mask) : null;
      const indptr = [0];
      const indices: number[] = [];
      const values: number[] = [];
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const at = r * cols + c;
          const kept = M ? M[at] !== 0 : Math.abs(X[at]) > (keep as { threshold: number }).threshold;
          if (kept) {
            indices.push(c);
            values.push(X[at]);
          }
        }
        indptr.push(indices.length);
      }
      const csr: Csr = { rows, cols, indptr: core.upload('i32', indptr), indices: core.upload('i32', indices), values: core.upload('f32', values) };
      return Promise.resolve(csr);
    },
  };
}
