import type { DenseOps } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { gemm } from './gemm.js';
import { ELEMENT, elementSpans, kernel, reduceSum, rowsOf, sumKernel } from './shared.js';

const GEMV = kernel('gemv', { a: 'read', x: 'read', y: 'write' }, { m: 'u32', n: 'u32', tr: 'u32', inLen: 'u32', alpha: 'f32', beta: 'f32' }, `
  var s = 0.0;
  for (var p = 0u; p < P.inLen; p++) { s += select(a_ld(gi * P.n + p), a_ld(p * P.n + gi), P.tr != 0u) * x_ld(p); }
  var v = P.alpha * s;
  if (P.beta != 0.0) { v += P.beta * y_ld(gi); }
  y_st(gi, v);`, undefined, { y: ELEMENT, a: (g0, g1, p) => (p.tr ? null : [g0 * p.n, g1 * p.n]) });
const DOT = sumKernel('dot', { x: 'read', y: 'read' }, 'return x_ld(i) * y_ld(i);');
const SUM_SQUARES = sumKernel('sumSquares', { x: 'read' }, 'let v = x_ld(i); return v * v;');
const AXPY = kernel('axpy', { x: 'read', y: 'write' }, { alpha: 'f32' }, 'y_st(gi, y_ld(gi) + P.alpha * x_ld(gi));', undefined, elementSpans('x', 'y'));
const SCALE = kernel('scale', { x: 'read', out: 'write' }, { alpha: 'f32' }, 'out_st(gi, P.alpha * x_ld(gi));', undefined, elementSpans('x', 'out'));
const ADD = kernel('add', { a: 'read', b: 'read', out: 'write' }, {}, 'out_st(gi, a_ld(gi) + b_ld(gi));', undefined, elementSpans('a', 'b', 'out'));
const SUB = kernel('sub', { a: 'read', b: 'read', out: 'write' }, {}, 'out_st(gi, a_ld(gi) - b_ld(gi));', undefined, elementSpans('a', 'b', 'out'));
const MUL = kernel('mul', { a: 'read', b: 'read', out: 'write' }, {}, 'out_st(gi, a_ld(gi) * b_ld(gi));', undefined, elementSpans('a', 'b', 'out'));
// 1 / max(x, floor) correctly rounded (div_rn: WGSL's / is 2.5 ULP), NaN kept (WGSL's max may drop it).
const RECIPROCAL = kernel('reciprocal', { x: 'read', out: 'write' }, { floor: 'f32' }, `
  let v = x_ld(gi);
  out_st(gi, select(div_rn(1.0, max(v, P.floor)), v, is_nan(v)));`, undefined, elementSpans('x', 'out'));
const FILL = kernel('fill', { x: 'write' }, { value: 'f32' }, 'x_st(gi, P.value);', undefined, elementSpans('x'));
const ADD_ROW_VECTOR = kernel('addRowVector', { x: 'read', bias: 'read', out: 'write' }, { cols: 'u32' }, 'out_st(gi, x_ld(gi) + bias_ld(gi % P.cols));', undefined, elementSpans('x', 'out'));
const ROW_SUM = kernel('rowSum', { x: 'read', out: 'write' }, { cols: 'u32' }, `
  var s = 0.0;
  for (var c = 0u; c < P.cols; c++) { s += x_ld(gi * P.cols + c); }
  out_st(gi, s);`, undefined, { x: rowsOf('cols'), out: ELEMENT });
const ROW_L2 = kernel('rowL2Norm', { x: 'read', out: 'write' }, { cols: 'u32' }, `
  var s = 0.0;
  for (var c = 0u; c < P.cols; c++) { let v = x_ld(gi * P.cols + c); s += v * v; }
  out_st(gi, sqrt(s));`, undefined, { x: rowsOf('cols'), out: ELEMENT });
const COL_SUM = kernel('colSum', { x: 'read', out: 'write' }, { rows: 'u32', cols: 'u32', beta: 'f32' }, `
  var s = 0.0;
  for (var r = 0u; r < P.rows; r++) { s += x_ld(r * P.cols + gi); }
  if (P.beta != 0.0) { s = P.beta * out_ld(gi) + s; }
  out_st(gi, s);`, undefined, { out: ELEMENT });

/** Dense kernels on WebGPU: the tiled GEMM, one invocation per output element or row elsewhere. */
export function webgpuDense(core: WebGpuCore): DenseOps {
  return {
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      gemm(core, transA, transB, m, n, k, alpha, a, b, beta, c);
    },
    gemv(trans, m, n, alpha, a, x, beta, y) {
      core.dispatch(GEMV, { a, x, y }, { m, n, tr: trans ? 1 : 0, inLen: trans ? m : n, alpha, beta }, trans ? n : m);
    },
    dot(x, y, out) {
      reduceSum(core, DOT, { x, y }, x.length, 1, out);
    },
    axpy(alpha, x, y) {
      core.dispatch(AXPY, { x, y }, { alpha }, x.length);
    },
    scale(alpha, x, out) {
      core.dispatch(SCALE, { x, out }, { alpha }, x.length);
    },
    add(a, b, out) {
      core.dispatch(ADD, { a, b, out }, {}, a.length);
    },
    sub(a, b, out) {
      core.dispatch(SUB, { a, b, out }, {}, a.length);
    },
    mul(a, b, out) {
      core.dispatch(MUL, { a, b, out }, {}, a.length);
    },
    reciprocal(x, floor, out) {
      core.dispatch(RECIPROCAL, { x, out }, { floor: Math.fround(floor) }, x.length);
    },
    fill(x, value) {
      core.dispatch(FILL, { x }, { value }, x.length);
    },
    copy(src, dst) {
      copyBuffer(core, src, dst);
    },
    addRowVector(rows, cols, x, bias, out) {
      core.dispatch(ADD_ROW_VECTOR, { x, bias, out }, { cols }, rows * cols);
    },
    rowSum(rows, cols, x, out) {
      core.dispatch(ROW_SUM, { x, out }, { cols }, rows);
    },
    colSum(rows, cols, x, beta, out) {
      core.dispatch(COL_SUM, { x, out }, { rows, cols, beta }, cols);
    },
    rowL2Norm(rows, cols, x, out) {
      core.dispatch(ROW_L2, { x, out }, { cols }, rows);
    },
    sumSquares(x, out) {
      reduceSum(core, SUM_SQUARES, { x }, x.length, 1, out);
    },
  };
}

/**
 * copy(src, dst): a buffer-to-buffer copy when both ranges are whole words, else the element
 * kernel; overlapping slices of one allocation go through a temporary (copy semantics of
 * TypedArray.set). The host shadow of an integer dst follows src's.
 */
function copyBuffer(core: WebGpuCore, src: Parameters<DenseOps['copy']>[0], dst: Parameters<DenseOps['copy']>[1]): void {
  const s = core.handle(src);
  const d = core.handle(dst);
  if (s.length === 0) return;
  const from = s.storage.shadow;
  const to = d.storage.shadow;
  if (s.storage === d.storage) {
    const tmp = core.alloc(s.dtype, s.length);
    copyBuffer(core, s, tmp);
    copyBuffer(core, tmp, d);
    core.free(tmp);
    return;
  }
  if (s.byteOffset % 4 === 0 && d.byteOffset % 4 === 0 && s.byteLength % 4 === 0) core.copyBytes(s.storage, s.byteOffset, d.storage, d.byteOffset, s.byteLength);
  else core.dispatch(core.copyKernel(), { src: s, dst: d }, {}, s.length);
  if (to && from) {
    to.set(from.subarray(s.offset, s.offset + s.length), d.offset);
    d.storage.shadow = to;
  } else {
    d.storage.shadow = null;
  }
}
