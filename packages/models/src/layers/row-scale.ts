import type { Backend, Buf, Csr } from '@lers/kernels';

/**
 * Row scaling out = diag(s) X + beta out (each row of X times its own scalar), done as a sparse
 * product with a diagonal CSR whose values are `s` itself: the kernels have no row-scale op, and
 * spmm with one entry per row is a single SIMD pass. The CSR index arrays (0..n) are built once
 * for the largest batch and sliced for smaller ones.
 */
export class RowScaler {
  private indptr: Buf<'i32'> | null = null;
  private indices: Buf<'i32'> | null = null;
  private capacity = 0;

  /** A scaler on `backend` (index arrays grow on demand). */
  constructor(private readonly backend: Backend) {}

  /** out (rows x cols) = diag(s) x + beta * out; s has `rows` entries; out must not alias x. */
  scale(rows: number, cols: number, s: Buf<'f32'>, x: Buf<'f32'>, beta: number, out: Buf<'f32'>): void {
    this.backend.spmm(this.diagonal(rows, s), x, cols, 1, beta, out);
  }

  private diagonal(rows: number, s: Buf<'f32'>): Csr {
    if (rows > this.capacity || this.indptr === null || this.indices === null) {
      this.dispose();
      const iota = Int32Array.from({ length: rows + 1 }, (_, i) => i);
      this.indptr = this.backend.upload('i32', iota);
      this.indices = this.backend.upload('i32', iota.subarray(0, rows));
      this.capacity = rows;
    }
    const full = rows === this.capacity;
    return {
      rows,
      cols: rows,
      indptr: full ? this.indptr : this.backend.slice(this.indptr, 0, rows + 1),
      indices: full ? this.indices : this.backend.slice(this.indices, 0, rows),
      values: s,
    };
  }

  /** Frees the index arrays. */
  dispose(): void {
    if (this.indptr) this.backend.free(this.indptr);
    if (this.indices) this.backend.free(this.indices);
    this.indptr = null;
    this.indices = null;
    this.capacity = 0;
  }
}
