import { BYTES_PER_ELEMENT } from '../../types.js';
import type { DenseOps } from '../../ops/dense.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';

const BINARY_ADD = 0;
const BINARY_SUB = 1;
const BINARY_MUL = 2;
/** copyBytes splits its range into blocks of this many bytes (one cache line), as in assembly. */
const COPY_BLOCK = 64;
/**
 * Estimated ns per element of the memory-bound ops, by the number of f32 streams they read or
 * write: with PARALLEL_MIN_NS they use the pool from about 290K-860K elements.
 */
const ONE_STREAM = NS.stream;
const TWO_STREAMS = 2 * NS.stream;
const THREE_STREAMS = 3 * NS.stream;
/**
 * When op(B) is packed into panels first (measured on a 2-core EPYC against transposing A and B
 * and one unblocked pass): it pays once B no longer fits L2 (1024^3: 2.0x), and from 256 KB when
 * the panels save the transpose of a large A as well (A^T B, 400x400x2048: 1.2x at 1 thread, 1.4x
 * at 2; 624x64x2048: 2.1x and 3.8x); it costs 5-15% when B is in cache anyway or when too few rows
 * of C repay the O(kn) pass (64x624x2048), and narrower products would pad their last panel to 16
 * columns for much of their work.
 */
function packsB(transA: boolean, m: number, n: number, k: number): boolean {
  const bBytes = 4 * k * n;
  return m >= 128 && n >= 64 && bBytes >= (transA ? 256 << 10 : 1 << 20);
}

/**
 * Dense kernels on WASM: one SIMD GEMM micro-kernel threaded over rows of C; the elementwise and
 * row-wise ops threaded over elements / rows once large; dot and sumSquares (one ordered sum) not.
 */
export function wasmDense(core: WasmCore): DenseOps {
  const k = {
    dot: core.fn('dot'),
    copyBytes: core.fn('copyBytes'),
    sumSquares: core.fn('sumSquares'),
  };
  const p = (b: Parameters<WasmCore['ptr']>[0]) => core.ptr(b);
  const packs = core.kind === 'wasm'; // the packed GEMM kernels need SIMD
  return {
    gemm(transA, transB, m, n, kk, alpha, a, b, beta, c) {
      if (m === 0 || n === 0) return;
      const scratch = core.uninitializedScope();
      try {
        if (kk > 0 && packs && packsB(transA, m, n, kk)) {
          // Large products: op(B) packed into 16-column panels that stay in cache, A or A^T read
          // in place (assembly/dense.ts).
          const panels = Math.ceil(n / 16);
          const packed = scratch.alloc('f32', panels * 16 * kk);
          core.parallel('gemm_pack_b', [kk, n, p(b), transB ? 1 : 0, p(packed)], panels, 16 * kk * TWO_STREAMS);
          core.parallel(transA ? 'gemm_tn_packed' : 'gemm_nn_packed', [m, n, kk, alpha, p(a), p(packed), beta, p(c)], m, 2 * n * kk * NS.gemmFlop);
          return;
        }
        // Otherwise transposed operands are packed into scratch once (O(mk + kn)) so that one
        // register-blocked kernel serves all four cases.
        let pa = p(a);
        let pb = p(b);
        if (transA && kk > 0) {
          const packed = scratch.alloc('f32', m * kk);
          core.parallel('transpose', [kk, m, pa, p(packed)], kk, m * TWO_STREAMS);
          pa = p(packed);
        }
        if (transB && kk > 0) {
          const packed = scratch.alloc('f32', kk * n);
          core.parallel('transpose', [n, kk, pb, p(packed)], n, kk * TWO_STREAMS);
          pb = p(packed);
        }
        core.parallel('gemm_nn', [m, n, kk, alpha, pa, pb, beta, p(c)], m, 2 * n * kk * NS.gemmFlop);
      } finally {
        scratch.release();
      }
    },
    gemv(trans, m, n, alpha, a, x, beta, y) {
      if (trans) core.parallel('gemv_t', [m, n, alpha, p(a), p(x), beta, p(y)], n, m * ONE_STREAM);
      else core.parallel('gemv_n', [m, n, alpha, p(a), p(x), beta, p(y)], m, n * ONE_STREAM);
    },
    dot(x, y, out) {
      k.dot(p(x), p(y), x.length, p(out));
    },
    axpy(alpha, x, y) {
      core.parallel('axpy', [alpha, p(x), p(y)], x.length, THREE_STREAMS);
    },
    scale(alpha, x, out) {
      core.parallel('scale', [alpha, p(x), p(out)], x.length, TWO_STREAMS);
    },
    add(a, b, out) {
      core.parallel('binary', [BINARY_ADD, p(a), p(b), p(out)], a.length, THREE_STREAMS);
    },
    sub(a, b, out) {
      core.parallel('binary', [BINARY_SUB, p(a), p(b), p(out)], a.length, THREE_STREAMS);
    },
    mul(a, b, out) {
      core.parallel('binary', [BINARY_MUL, p(a), p(b), p(out)], a.length, THREE_STREAMS);
    },
    reciprocal(x, floor, out) {
      core.parallel('reciprocal', [p(x), floor, p(out)], x.length, TWO_STREAMS);
    },
    fill(x, value) {
      core.parallel('fill', [p(x), value], x.length, ONE_STREAM);
    },
    copy(src, dst) {
      const bytes = src.length * BYTES_PER_ELEMENT[src.dtype];
      const from = p(src);
      const to = p(dst);
      const blocks = Math.ceil(bytes / COPY_BLOCK);
      // memory.copy handles overlap within one call only: overlapping buffers stay on one thread.
      const overlap = from !== to && from < to + bytes && to < from + bytes;
      if (overlap) k.copyBytes(from, to, bytes, 0, blocks);
      else core.parallel('copyBytes', [from, to, bytes], blocks, (COPY_BLOCK / 4) * TWO_STREAMS);
    },
    addRowVector(rows, cols, x, bias, out) {
      core.parallel('addRowVector', [rows, cols, p(x), p(bias), p(out)], rows, cols * THREE_STREAMS);
    },
    rowSum(rows, cols, x, out) {
      core.parallel('rowSum', [rows, cols, p(x), p(out)], rows, cols * ONE_STREAM);
    },
    colSum(rows, cols, x, beta, out) {
      core.parallel('colSum', [rows, cols, p(x), beta, p(out)], cols, rows * ONE_STREAM);
    },
    rowL2Norm(rows, cols, x, out) {
      core.parallel('rowL2Norm', [rows, cols, p(x), p(out)], rows, cols * ONE_STREAM);
    },
    sumSquares(x, out) {
      k.sumSquares(p(x), x.length, p(out));
    },
  };
}
