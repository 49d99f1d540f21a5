import type { Buf, Csr, SparseOps } from '@lers/kernels';
import { csrArrays } from '@lers/kernels/backend-kit';
import type { WebGpuCore } from '../core.js';
import { checkIds, dispatchGuarded } from '../ids.js';
import { ELEMENT, elementSpans, kernel, rowsOf } from './shared.js';

const SPMM = kernel('spmm', { indptr: 'read', indices: 'read', values: 'read', b: 'read', addend: 'read', out: 'write' }, { n: 'u32', alpha: 'f32', beta: 'f32' }, `
  let r = gi / P.n;
  let j = gi - r * P.n;
  var s = 0.0;
  let p1 = u32(indptr_ld(r + 1u));
  for (var p = u32(indptr_ld(r)); p < p1; p++) { s += values_ld(p) * b_ld(u32(indices_ld(p)) * P.n + j); }
  var v = P.alpha * s;
  if (P.beta != 0.0) { v += P.beta * addend_ld(gi); }
  out_st(gi, v);`, undefined, { out: ELEMENT, addend: ELEMENT, indptr: (g0, g1, p) => [Math.floor(g0 / p.n), Math.ceil(g1 / p.n) + 1] });
const ZERO = kernel('zero', { x: 'write' }, {}, 'x_st(gi, 0.0);', undefined, elementSpans('x'));
const GATHER_ROWS = kernel('csrGatherRows', { indptr: 'read', indices: 'read', values: 'read', ids: 'read', out: 'write' }, { cols: 'u32' }, `
  let r = u32(ids_ld(gi));
  let p1 = u32(indptr_ld(r + 1u));
  for (var p = u32(indptr_ld(r)); p < p1; p++) {
    let at = gi * P.cols + u32(indices_ld(p));
    out_st(at, out_ld(at) + values_ld(p));
  }`, undefined, { ids: ELEMENT, out: rowsOf('cols') });
const KEEP = {
  threshold: 'abs(x_ld(at)) > P.threshold',
  mask: 'mask_ld(at) != 0u',
};
const countKept = (mode: keyof typeof KEEP) =>
  kernel(`csrCount.${mode}`, mode === 'mask' ? { x: 'read', mask: 'read', counts: 'write' } : { x: 'read', counts: 'write' }, { cols: 'u32', threshold: 'f32' }, `
  var k = 0;
  for (var c = 0u; c < P.cols; c++) { let at = gi * P.cols + c; if (${KEEP[mode]}) { k++; } }
  counts_st(gi, k);`, undefined, { x: rowsOf('cols'), mask: rowsOf('cols'), counts: ELEMENT });
const fillKept = (mode: keyof typeof KEEP) =>
  kernel(`csrFill.${mode}`, { x: 'read', ...(mode === 'mask' ? { mask: 'read' as const } : {}), indptr: 'read', indices: 'write', values: 'write' }, { cols: 'u32', threshold: 'f32' }, `
  var q = u32(indptr_ld(gi));
  for (var c = 0u; c < P.cols; c++) {
    let at = gi * P.cols + c;
    if (${KEEP[mode]}) { indices_st(q, i32(c)); values_st(q, x_ld(at)); q++; }
  }`, undefined, { x: rowsOf('cols'), mask: rowsOf('cols'), indptr: (g0, g1) => [g0, g1 + 1] });
const COUNT = { threshold: countKept('threshold'), mask: countKept('mask') };
const FILL = { threshold: fillKept('threshold'), mask: fillKept('mask') };

/**
 * CSR kernels on WebGPU: spmm one invocation per output element, csrGatherRows one per requested
 * row (its entries added in order, so duplicates sum as on the host), denseToCsr a count pass, a
 * read-back of the counts (the size is data-dependent: the op is async), and a fill pass.
 */
export function webgpuSparse(core: WebGpuCore): SparseOps {
  return {
    ...csrArrays(core),
    spmm(a, b, n, alpha, beta, out, addend) {
      core.dispatch(SPMM, { indptr: a.indptr, indices: a.indices, values: a.values, b, addend: addend ?? out, out }, { n, alpha, beta }, a.rows * n);
    },
    csrGatherRows(a, ids, out) {
      const guard = checkIds(core, 'csrGatherRows', ids, a.rows);
      dispatchGuarded(core, guard, ZERO, { x: out }, {}, out.length);
      dispatchGuarded(core, guard, GATHER_ROWS, { indptr: a.indptr, indices: a.indices, values: a.values, ids, out }, { cols: a.cols }, ids.length);
    },
    async denseToCsr(rows, cols, x, keep) {
      const mode = 'mask' in keep ? 'mask' : 'threshold';
      const extra: Record<string, Buf> = 'mask' in keep ? { mask: keep.mask } : {};
      const params = { cols, threshold: 'mask' in keep ? 0 : f32Threshold(keep.threshold) };
      const counts = core.alloc('i32', rows);
      core.dispatch(COUNT[mode], { x, ...extra, counts }, params, rows);
      const host = await core.read(counts);
      core.free(counts);
      const indptr = new Int32Array(rows + 1);
      for (let r = 0; r < rows; r++) indptr[r + 1] = indptr[r] + host[r];
      const csr: Csr = { rows, cols, indptr: core.upload('i32', indptr), indices: core.alloc('i32', indptr[rows]), values: core.alloc('f32', indptr[rows]) };
      core.dispatch(FILL[mode], { x, ...extra, indptr: csr.indptr, indices: csr.indices, values: csr.values }, params, rows);
      return csr;
    },
  };
}

/**
 * The f32 T with |x| > T exactly when |x| > t for every f32 x (t an f64): fround(t) itself, or the
 * f32 just below it when rounding went up.
 */
function f32Threshold(t: number): number {
  const r = Math.fround(t);
  if (!(r > t)) return r;
  if (r === 0) return -Math.pow(2, -149); // the f32 just below zero
  const bits = new Float32Array([r]);
  new Int32Array(bits.buffer)[0] += r > 0 ? -1 : 1;
  return bits[0];
}
