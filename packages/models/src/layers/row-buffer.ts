import type { Backend, Buf, DType } from '@lers/kernels';

/**
 * A per-batch buffer of `rows x width` elements, allocated once for the largest batch seen and
 * handed out as a slice for smaller ones (the last batch of an epoch). Growing frees the old
 * storage, so handles from before a larger `take` must not be used afterwards.
 */
export class RowBuffer<D extends DType = 'f32'> {
  private storage: Buf<D> | null = null;
  private capacity = 0;
  private lastRows = -1;
  private last: Buf<D> | null = null;

  /** A buffer of `width` elements per row on `backend`. */
  constructor(
    private readonly backend: Backend,
    private readonly dtype: D,
    readonly width: number,
  ) {}

  /** The first `rows` rows (rows x width elements), growing the storage when needed. */
  take(rows: number): Buf<D> {
    if (rows > this.capacity || this.storage === null) {
      if (this.storage !== null) this.backend.free(this.storage);
      this.storage = this.backend.alloc(this.dtype, Math.max(1, rows * this.width));
      this.capacity = rows;
      this.lastRows = -1;
    }
    if (rows !== this.lastRows || this.last === null) {
      const n = rows * this.width;
      this.last = n === this.storage.length ? this.storage : this.backend.slice(this.storage, 0, n);
      this.lastRows = rows;
    }
    return this.last;
  }

  /** Frees the storage. */
  dispose(): void {
    if (this.storage !== null) this.backend.free(this.storage);
    this.storage = null;
    this.last = null;
    this.capacity = 0;
    this.lastRows = -1;
  }
}
