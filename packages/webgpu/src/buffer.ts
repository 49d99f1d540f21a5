import { BufferHandle } from '@lers/kernels/backend-kit';
import { BYTES_PER_ELEMENT, type DType } from '@lers/kernels';

/**
 * The GPU memory behind one allocation: `pages`, each a GPUBuffer of at most `pageBytes` (the
 * last one shorter), so that an allocation larger than one storage binding (or than
 * maxBufferSize) is split transparently; kernels bind the pages an operand covers.
 */
export class GpuStorage {
  /**
   * A host copy of an integer buffer's contents while every write to it came from the host
   * (upload/write): ids are then checked on the host, at once. null once a kernel wrote it.
   */
  shadow: Int32Array | Uint32Array | null = null;

  constructor(
    readonly pages: readonly GPUBuffer[],
    readonly byteLength: number,
    readonly pageBytes: number,
  ) {}

  /** Size in bytes of page p. */
  pageSize(p: number): number {
    return this.pages[p].size;
  }
}

/** A WebGPU buffer handle: an element range of a GpuStorage. */
export class GpuBuf<D extends DType = DType> extends BufferHandle<D> {
  constructor(
    dtype: D,
    length: number,
    backendId: number,
    root: GpuBuf | null,
    readonly storage: GpuStorage,
    /** First element of this handle within the storage (0 for an allocation). */
    readonly offset: number,
  ) {
    super(dtype, length, backendId, root);
  }

  /** Byte offset of element 0 within the storage. */
  get byteOffset(): number {
    return this.offset * BYTES_PER_ELEMENT[this.dtype];
  }

  get byteLength(): number {
    return this.length * BYTES_PER_ELEMENT[this.dtype];
  }
}

/** True for the dtypes whose contents the host may shadow (ids, offsets, hash parameters). */
export function isShadowed(dtype: DType): dtype is 'i32' | 'u32' {
  return dtype === 'i32' || dtype === 'u32';
}
