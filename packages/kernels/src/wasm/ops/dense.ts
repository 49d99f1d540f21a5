import { BYTES_PER_ELEMENT } from '../../types.js';
import type { DenseOps } from '../../ops/dense.js';
import type { WasmCore } from '../core.js';

const BINARY_ADD = 0;
const BINARY_SUB = 1;
const BINARY_MUL = 2;

/** Dense kernels on WASM: one SIMD GEMM micro-kernel, threaded over rows of C. */
export function wasmDense(core: WasmCore): DenseOps {
  const k = {
    transpose: core.fn('transpose'),
    dot: core.fn('dot'),
    axpy: core.fn('axpy'),
    scale: core.fn('scale'),
    binary: core.fn('binary'),
    fill: core.fn('fill'),
    copyBytes: core.fn('copyBytes'),
    addRowVector: core.fn('addRowVector'),
    rowSum: core.fn('rowSum'),
    colSum: core.fn('colSum'),
    rowL2Norm: core.fn('rowL2Norm'),
    sumSquares: core.fn('sumSquares'),
  };
  const p = (b: Parameters<WasmCore['ptr']>[0]) => core.ptr(b);
  return {
    gemm(transA, transB, m, n, kk, alpha, a, b, beta, c) {
      if (m === 0 || n === 0) return;
      // Transposed operands are packed into scratch once (O(mk + kn)) so that one register-blocked
      // kernel serves all four cases; the pack is small next to the O(mnk) product.
      const scratch = core.scope();
      try {
        let pa = p(a);
        let pb = p(b);
        if (transA && kk > 0) {
          const packed = scratch.alloc('f32', m * kk);
          k.transpose(kk, m, pa, p(packed));
          pa = p(packed);
        }
        if (transB && kk > 0) {
          const packed = scratch.alloc('f32', kk * n);
          k.transpose(n, kk, pb, p(packed));
          pb = p(packed);
        }
        core.parallel('gemm_nn', [m, n, kk, alpha, pa, pb, beta, p(c)], m, 2 * n * kk);
      } finally {
        scratch.release();
      }
    },
    gemv(trans, m, n, alpha, a, x, beta, y) {
      if (trans) core.parallel('gemv_t', [m, n, alpha, p(a), p(x), beta, p(y)], n, 2 * m);
      else core.parallel('gemv_n', [m, n, alpha, p(a), p(x), beta, p(y)], m, 2 * n);
    },
    dot(x, y, out) {
      k.dot(p(x), p(y), x.length, p(out));
    },
    axpy(alpha, x, y) {
      k.axpy(alpha, p(x), p(y), x.length);
    },
    scale(alpha, x, out) {
      k.scale(alpha, p(x), p(out), x.length);
    },
    add(a, b, out) {
      k.binary(BINARY_ADD, p(a), p(b), p(out), a.length);
    },
    sub(a, b, out) {
      k.binary(BINARY_SUB, p(a), p(b), p(out), a.length);
    },
    mul(a, b, out) {
      k.binary(BINARY_MUL, p(a), p(b), p(out), a.length);
    },
    fill(x, value) {
      k.fill(p(x), x.length, value);
    },
    copy(src, dst) {
      k.copyBytes(p(src), p(dst), src.length * BYTES_PER_ELEMENT[src.dtype]);
    },
    addRowVector(rows, cols, x, bias, out) {
      k.addRowVector(rows, cols, p(x), p(bias), p(out));
    },
    rowSum(rows, cols, x, out) {
      k.rowSum(rows, cols, p(x), p(out));
    },
    colSum(rows, cols, x, beta, out) {
      k.colSum(rows, cols, p(x), beta, p(out));
    },
    rowL2Norm(rows, cols, x, out) {
      k.rowL2Norm(rows, cols, p(x), p(out));
    },
    sumSquares(x, out) {
      k.sumSquares(p(x), x.length, p(out));
    },
  };
}
