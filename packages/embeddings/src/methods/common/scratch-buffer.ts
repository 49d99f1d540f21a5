import type { Backend, Buf, DType } from '@lers/kernels';

/**
 * A reusable backend buffer for per-batch scratch data (split ids, gathered rows, activations):
 * allocated for the largest size seen, handed out as a slice of the requested length. Growing
 * frees the old storage, so a handle from an earlier `take` is invalid after a larger one.
 */
export class ScratchBuffer<D extends DType> {
  private storage: Buf<D> | null = null;

  /** An empty buffer of `dtype` elements on `backend`. */
  constructor(
    private readonly backend: Backend,
    private readonly dtype: D,
  ) {}

  /** A buffer of exactly `length` elements (contents unspecified). */
  take(length: number): Buf<D> {
    if (this.storage === null || this.storage.length < length) {
      if (this.storage !== null) this.backend.free(this.storage);
      // Grow geometrically so that slowly increasing batch sizes do not reallocate every call.
      const capacity = Math.max(1, length, this.storage === null ? 0 : Math.ceil(this.storage.length * 1.5));
      this.storage = this.backend.alloc(this.dtype, capacity);
    }
    return length === this.storage.length ? this.storage : this.backend.slice(this.storage, 0, length);
  }

  /** Frees the storage. */
  dispose(): void {
    if (this.storage !== null) this.backend.free(this.storage);
    this.storage = null;
  }
}
