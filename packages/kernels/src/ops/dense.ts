import type { Buf } from '../types.js';

/**
 * Dense linear algebra. Matrices are row-major and contiguous. `out` may alias an input unless a
 * comment says otherwise. Threaded on the WASM backend: everything but dot and sumSquares.
 */
export interface DenseOps {
  /**
   * C = alpha * op(A) * op(B) + beta * C, with op(A) m x k and op(B) k x n.
   * A is stored m x k (transA = false) or k x m (transA = true); B is k x n or n x k; C is m x n.
   * beta = 0 ignores C's previous contents (NaNs included). C must not alias A or B.
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Buf<'f32'>, b: Buf<'f32'>, beta: number, c: Buf<'f32'>): void;
  /** y = alpha * op(A) x + beta * y, A stored m x n; op(A) = A (y has m rows) or A^T (y has n rows). */
  gemv(trans: boolean, m: number, n: number, alpha: number, a: Buf<'f32'>, x: Buf<'f32'>, beta: number, y: Buf<'f32'>): void;
  /** out[0] = sum_i x[i] * y[i] over x.length elements. */
  dot(x: Buf<'f32'>, y: Buf<'f32'>, out: Buf<'f32'>): void;
  /** y += alpha * x (x.length elements). */
  axpy(alpha: number, x: Buf<'f32'>, y: Buf<'f32'>): void;
  /** out = alpha * x. */
  scale(alpha: number, x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** out = a + b (elementwise). */
  add(a: Buf<'f32'>, b: Buf<'f32'>, out: Buf<'f32'>): void;
  /** out = a - b (elementwise). */
  sub(a: Buf<'f32'>, b: Buf<'f32'>, out: Buf<'f32'>): void;
  /** Hadamard product out = a * b (elementwise). */
  mul(a: Buf<'f32'>, b: Buf<'f32'>, out: Buf<'f32'>): void;
  /**
   * out = 1 / max(x, floor) (elementwise, correctly rounded; floor rounded to f32, NaN stays NaN):
   * e.g. the inverse row norms of torch.nn.functional.normalize with floor = its eps.
   */
  reciprocal(x: Buf<'f32'>, floor: number, out: Buf<'f32'>): void;
  /** Sets every element of x to value. */
  fill(x: Buf<'f32'>, value: number): void;
  /** Copies src into dst (src.length elements; same dtype, any dtype). */
  copy(src: Buf, dst: Buf): void;
  /** out[r, c] = x[r, c] + bias[c] for an rows x cols matrix (a Linear layer's bias). */
  addRowVector(rows: number, cols: number, x: Buf<'f32'>, bias: Buf<'f32'>, out: Buf<'f32'>): void;
  /** out[r] = sum_c x[r, c]. */
  rowSum(rows: number, cols: number, x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** out[c] = beta * out[c] + sum_r x[r, c] (beta = 0 overwrites; bias gradients use beta = 1). */
  colSum(rows: number, cols: number, x: Buf<'f32'>, beta: number, out: Buf<'f32'>): void;
  /** out[r] = sqrt(sum_c x[r, c]^2). */
  rowL2Norm(rows: number, cols: number, x: Buf<'f32'>, out: Buf<'f32'>): void;
  /** out[0] = sum_i x[i]^2 (an L2 regulariser's value). */
  sumSquares(x: Buf<'f32'>, out: Buf<'f32'>): void;
}
