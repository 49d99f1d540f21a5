import type { ScratchScope } from '../backend.js';
import { BufferHandle, checkAllocLength, checkReinterpret, checkSlice, newBackendId, ownedHandle, scratchScope } from '../buffer.js';
import type { AnyTypedArray, Buf, DType, TypedArrayFor } from '../types.js';
import { newTyped, typedView } from '../typed.js';

/** A reference-backend buffer: a plain typed array (a subarray for slices). */
export class RefBuf<D extends DType = DType> extends BufferHandle<D> {
  constructor(
    dtype: D,
    backendId: number,
    root: RefBuf | null,
    readonly data: TypedArrayFor[D],
  ) {
    super(dtype, data.length, backendId, root);
  }
}

/** Buffer management of the plain TypeScript reference backend. */
export class ReferenceCore {
  readonly kind = 'reference' as const;
  readonly id = newBackendId();
  readonly threads = 1;
  readonly hostVisible = true as const;

  /** The typed array behind a buffer of this backend (validates ownership and liveness). */
  data<D extends DType>(buf: Buf<D>): TypedArrayFor[D] {
    return ownedHandle(buf, this.id, RefBuf).data;
  }

  alloc<D extends DType>(dtype: D, length: number): RefBuf<D> {
    checkAllocLength(length);
    return new RefBuf(dtype, this.id, null, newTyped(dtype, length));
  }

  upload<D extends DType>(dtype: D, data: ArrayLike<number>): RefBuf<D> {
    const buf = this.alloc(dtype, data.length);
    buf.data.set(data);
    return buf;
  }

  write(buf: Buf, data: ArrayLike<number>, offset = 0): void {
    const view = this.data(buf);
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > view.length) {
      throw new RangeError(`write of ${data.length} elements at ${offset} overflows a ${buf.dtype}[${buf.length}] buffer`);
    }
    view.set(data, offset);
  }

  read<D extends DType>(buf: Buf<D>): Promise<TypedArrayFor[D]> {
    return Promise.resolve(this.data(buf).slice() as TypedArrayFor[D]);
  }

  view<D extends DType>(buf: Buf<D>): TypedArrayFor[D] {
    return this.data(buf);
  }

  slice<D extends DType>(buf: Buf<D>, start: number, length: number): RefBuf<D> {
    const parent = ownedHandle(buf, this.id, RefBuf);
    checkSlice(buf, start, length);
    const root = (parent.root as RefBuf | null) ?? parent;
    return new RefBuf(buf.dtype, this.id, root, (parent.data as AnyTypedArray).subarray(start, start + length) as TypedArrayFor[D]);
  }

  reinterpret<D extends DType>(bytes: Buf<'u8'>, byteOffset: number, dtype: D, length: number): RefBuf<D> {
    const parent = ownedHandle(bytes, this.id, RefBuf) as RefBuf<'u8'>;
    const at = parent.data.byteOffset + byteOffset;
    checkReinterpret(bytes, byteOffset, dtype, length, at);
    const root = (parent.root as RefBuf | null) ?? parent;
    return new RefBuf(dtype, this.id, root, typedView(dtype, parent.data.buffer, at, length));
  }

  free(buf: Buf): void {
    ownedHandle(buf, this.id, RefBuf, true).markFreed();
  }

  scope(): ScratchScope {
    return scratchScope(this);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): void {
    /* nothing to release: the arrays are garbage-collected */
  }
}
