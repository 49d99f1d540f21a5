import type { DenseOps } from '../ops/dense.js';
import { atLeast, dims, ensure, exactly } from './common.js';

/** Wraps a DenseOps implementation with shape and dtype checks. */
export function checkedDense(impl: DenseOps): DenseOps {
  return {
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      dims('gemm', { m, n, k });
      exactly('gemm', 'A', a, m * k, 'f32');
      exactly('gemm', 'B', b, k * n, 'f32');
      exactly('gemm', 'C', c, m * n, 'f32');
      ensure('gemm', c !== a && c !== b, 'C must not alias A or B');
      impl.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    },
    gemv(trans, m, n, alpha, a, x, beta, y) {
      dims('gemv', { m, n });
      exactly('gemv', 'A', a, m * n, 'f32');
      exactly('gemv', 'x', x, trans ? m : n, 'f32');
      exactly('gemv', 'y', y, trans ? n : m, 'f32');
      impl.gemv(trans, m, n, alpha, a, x, beta, y);
    },
    dot(x, y, out) {
      exactly('dot', 'y', y, x.length, 'f32');
      atLeast('dot', 'out', out, 1, 'f32');
      impl.dot(x, y, out);
    },
    axpy(alpha, x, y) {
      exactly('axpy', 'y', y, x.length, 'f32');
      impl.axpy(alpha, x, y);
    },
    scale(alpha, x, out) {
      exactly('scale', 'out', out, x.length, 'f32');
      impl.scale(alpha, x, out);
    },
    add(a, b, out) {
      sameLength('add', a.length, b.length, out.length);
      impl.add(a, b, out);
    },
    sub(a, b, out) {
      sameLength('sub', a.length, b.length, out.length);
      impl.sub(a, b, out);
    },
    mul(a, b, out) {
      sameLength('mul', a.length, b.length, out.length);
      impl.mul(a, b, out);
    },
    reciprocal(x, floor, out) {
      exactly('reciprocal', 'out', out, x.length, 'f32');
      ensure('reciprocal', Number.isFinite(floor), `floor must be finite, got ${floor}`);
      impl.reciprocal(x, floor, out);
    },
    fill(x, value) {
      impl.fill(x, value);
    },
    copy(src, dst) {
      exactly('copy', 'dst', dst, src.length, src.dtype);
      impl.copy(src, dst);
    },
    addRowVector(rows, cols, x, bias, out) {
      dims('addRowVector', { rows, cols });
      exactly('addRowVector', 'x', x, rows * cols, 'f32');
      exactly('addRowVector', 'bias', bias, cols, 'f32');
      exactly('addRowVector', 'out', out, rows * cols, 'f32');
      impl.addRowVector(rows, cols, x, bias, out);
    },
    rowSum(rows, cols, x, out) {
      dims('rowSum', { rows, cols });
      exactly('rowSum', 'x', x, rows * cols, 'f32');
      exactly('rowSum', 'out', out, rows, 'f32');
      impl.rowSum(rows, cols, x, out);
    },
    colSum(rows, cols, x, beta, out) {
      dims('colSum', { rows, cols });
      exactly('colSum', 'x', x, rows * cols, 'f32');
      exactly('colSum', 'out', out, cols, 'f32');
      impl.colSum(rows, cols, x, beta, out);
    },
    rowL2Norm(rows, cols, x, out) {
      dims('rowL2Norm', { rows, cols });
      exactly('rowL2Norm', 'x', x, rows * cols, 'f32');
      exactly('rowL2Norm', 'out', out, rows, 'f32');
      impl.rowL2Norm(rows, cols, x, out);
    },
    sumSquares(x, out) {
      atLeast('sumSquares', 'out', out, 1, 'f32');
      impl.sumSquares(x, out);
    },
  };
}

function sameLength(op: string, a: number, b: number, out: number): void {
  if (a !== b || a !== out) throw new RangeError(`${op}: lengths differ (a ${a}, b ${b}, out ${out})`);
}
