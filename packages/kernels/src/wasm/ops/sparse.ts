import { csrArrays } from '../../csr-arrays.js';
import type { SparseOps } from '../../ops/sparse.js';
import type { Buf, Csr } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';

/**
 * CSR kernels on WASM: spmm and csrGatherRows threaded over output rows (split by non-zeros);
 * denseToCsr as a threaded count pass, a prefix sum, then a threaded fill pass into buffers sized
 * by the count.
 */
export function wasmSparse(core: WasmCore): SparseOps {
  const badRow = core.fn('csrBadRow');
  const prefixSum = core.fn('csrPrefixSum');
  const p = (b: Buf) => core.ptr(b);
  return {
    ...csrArrays(core),
    spmm(a, b, n, alpha, beta, out, addend, options) {
      if (n === 0) return;
      // Row r costs 2n flops per non-zero plus n for its output row; split by that, not by row
      // count (a users-first bipartite adjacency holds most non-zeros in a few rows). Pinned: in a
      // chain of products (LightGCN's layers, forward and backward) each core computes the same
      // rows every time, so it reads its share of the addend and writes its share of the output
      // where it left them last time.
      const indptr = core.view(a.indptr);
      const start = indptr[0];
      const rotation = options?.swapHalves === true ? Math.floor(core.threads / 2) : 0;
      core.parallelPinnedByCost('spmmRows', [p(a.indptr), p(a.indices), p(a.values), p(b), n, alpha, beta, p(out), p(addend ?? out)], a.rows, (r) => NS.sparseFlop * (2 * n * (indptr[r] - start) + n * r), rotation);
    },
    csrGatherRows(a, ids, out) {
      const at = badRow(p(ids), ids.length, a.rows);
      if (at >= 0) throw idOutOfRange('csrGatherRows', at, core.view(ids)[at], a.rows);
      let prefix: Float64Array | null = null; // built only when the split needs it
      const prefixCost = (i: number) => (prefix ??= gatherPrefixCost(core.view(a.indptr), core.view(ids), a.cols))[i];
      core.parallelByCost('csrGatherRows', [p(a.indptr), p(a.indices), p(a.values), a.cols, p(ids), p(out)], ids.length, prefixCost);
    },
    denseToCsr(rows, cols, x, keep) {
      const useMask = 'mask' in keep;
      const mask = useMask ? p(keep.mask) : 0;
      const threshold = useMask ? 0 : keep.threshold;
      const flag = useMask ? 1 : 0;
      const indptr = core.alloc('i32', rows + 1);
      let indices: Buf<'i32'> | null = null;
      let values: Buf<'f32'> | null = null;
      try {
        core.parallel('csrCountKept', [cols, p(x), mask, threshold, flag, p(indptr)], rows, cols * NS.stream);
        const nnz = prefixSum(p(indptr), rows);
        indices = core.alloc('i32', nnz);
        values = core.alloc('f32', nnz);
        core.parallel('csrFillKept', [cols, p(x), mask, threshold, flag, p(indptr), p(indices), p(values)], rows, 3 * cols * NS.stream);
      } catch (e) {
        // Allocation failure (memory exhausted): release what this call allocated.
        for (const b of [indptr, indices, values]) if (b) core.free(b);
        throw e;
      }
      const csr: Csr = { rows, cols, indptr, indices, values };
      return Promise.resolve(csr);
    },
  };
}

/** Prefix costs of csrGatherRows' output rows: row i clears `cols` floats and adds row ids[i]'s non-zeros. */
function gatherPrefixCost(indptr: Int32Array, ids: Int32Array, cols: number): Float64Array {
  const prefix = new Float64Array(ids.length + 1);
  for (let i = 0; i < ids.length; i++) prefix[i + 1] = prefix[i] + NS.sparseFlop * (cols + indptr[ids[i] + 1] - indptr[ids[i]]);
  return prefix;
}
