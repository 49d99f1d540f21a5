/**
 * Two-phase top-k: each workgroup selects the top k of a 2048-element segment of a row (k rounds
 * of a workgroup arg-max over the elements after the previous pick in the order (value desc,
 * column asc)); then the same kernel merges the candidates of all segments, until one segment is
 * left. Values are ordered through integer keys: NaN counts as -Infinity, -0 as +0 (the
 * reference's rules), with no float comparison that a GPU compiler could fold.
 */
import type { Buf } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import type { KernelDef, Span } from '../wgsl/codegen.js';
import { withScope } from './shared.js';

const SEGMENT = 2048;

/** Elements of the input that workgroups [g0, g1) read (row r = g / segs, segment g % segs). */
const SEGMENT_SPAN: Span = (g0, g1, p) => [Math.floor(g0 / p.segs) * p.len + (g0 % p.segs) * SEGMENT, Math.floor((g1 - 1) / p.segs) * p.len + Math.min(p.len, ((g1 - 1) % p.segs + 1) * SEGMENT)];
/** Candidates they write. */
const OUT_SPAN: Span = (g0, g1, p) => [Math.floor(g0 / p.segs) * p.outStride + (g0 % p.segs) * p.k, Math.floor((g1 - 1) / p.segs) * p.outStride + ((g1 - 1) % p.segs + 1) * p.k];

function selectKernel(first: boolean): KernelDef {
  const load = first
    ? 'v = x_ld(r * P.len + c); id = i32(c);'
    : 'v = cv_ld(r * P.len + c); id = ci_ld(r * P.len + c);';
  return {
    name: first ? 'topkSegments' : 'topkMerge',
    operands: first ? { x: 'read', ov: 'write', oi: 'write' } : { cv: 'read', ci: 'read', ov: 'write', oi: 'write' },
    params: { len: 'u32', segs: 'u32', k: 'u32', outStride: 'u32' },
    workgroupSize: 256,
    mode: 'groups',
    spans: first ? { x: SEGMENT_SPAN, ov: OUT_SPAN, oi: OUT_SPAN } : { cv: SEGMENT_SPAN, ci: SEGMENT_SPAN, ov: OUT_SPAN, oi: OUT_SPAN },
    helpers: `
var<workgroup> rk: array<u32, 256>;
var<workgroup> ri: array<i32, 256>;
var<workgroup> rv: array<f32, 256>;
fn better(k: u32, id: i32, bk: u32, bi: i32) -> bool { return bi < 0 || k > bk || (k == bk && id < bi); }`,
    body: `
  let r = wgi / P.segs;
  let sg = wgi - r * P.segs;
  var keys: array<u32, 8>;
  var ids: array<i32, 8>;
  var vals: array<f32, 8>;
  for (var e = 0u; e < 8u; e++) {
    let c = sg * ${SEGMENT}u + e * 256u + li;
    ids[e] = -1;
    if (c < P.len) {
      var v = 0.0;
      var id = -1;
      ${load}
      if (is_nan(v)) { v = neg_inf(); }
      var b = bitcast<u32>(v);
      if (b == 0x80000000u) { b = 0u; }
      keys[e] = order_key(bitcast<f32>(b));
      ids[e] = id;
      vals[e] = v;
    }
  }
  var pk = 0u;
  var pi = -1;
  var first = true;
  for (var t = 0u; t < P.k; t++) {
    var bk = 0u;
    var bi = -1;
    var bv = 0.0;
    for (var e = 0u; e < 8u; e++) {
      let id = ids[e];
      let k = keys[e];
      if (id >= 0 && (first || k < pk || (k == pk && id > pi)) && better(k, id, bk, bi)) { bk = k; bi = id; bv = vals[e]; }
    }
    rk[li] = bk; ri[li] = bi; rv[li] = bv;
    workgroupBarrier();
    for (var st = 128u; st > 0u; st = st >> 1u) {
      if (li < st) {
        let ok = rk[li + st];
        let oid = ri[li + st];
        if (oid >= 0 && better(ok, oid, rk[li], ri[li])) { rk[li] = ok; ri[li] = oid; rv[li] = rv[li + st]; }
      }
      workgroupBarrier();
    }
    let wk = rk[0];
    let wi = ri[0];
    let wv = rv[0];
    workgroupBarrier();
    if (li == 0u) {
      let at = r * P.outStride + sg * P.k + t;
      ov_st(at, select(wv, neg_inf(), wi < 0));
      oi_st(at, wi);
    }
    pk = wk; pi = wi; first = false;
  }`,
  };
}

const FIRST = selectKernel(true);
const MERGE = selectKernel(false);

/** Top-k of each row of x (rows x cols) into outIdx/outVal (rows x k). */
export function topk(core: WebGpuCore, rows: number, cols: number, x: Buf, k: number, outIdx: Buf, outVal: Buf): void {
  if (rows === 0 || k === 0) return;
  withScope(core, (scope) => {
    let len = cols;
    let input: Record<string, Buf> = { x };
    let kernel = FIRST;
    for (;;) {
      const segs = Math.ceil(len / SEGMENT);
      if (segs <= 1) {
        core.dispatch(kernel, { ...input, ov: outVal, oi: outIdx }, { len, segs: 1, k, outStride: k }, rows);
        return;
      }
      const cv = scope.alloc('f32', rows * segs * k);
      const ci = scope.alloc('i32', rows * segs * k);
      core.dispatch(kernel, { ...input, ov: cv, oi: ci }, { len, segs, k, outStride: segs * k }, rows * segs);
      input = { cv, ci };
      kernel = MERGE;
      len = segs * k;
    }
  });
}
