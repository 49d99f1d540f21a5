import type { ScratchScope } from './backend.js';
import { BYTES_PER_ELEMENT, type Buf, type DType } from './types.js';

let nextBackendId = 1;

/** A fresh id for a backend instance. */
export function newBackendId(): number {
  return nextBackendId++;
}

/**
 * Bookkeeping shared by the buffer handles of every backend: dtype, length, owner, and whether the
 * allocation behind it (the root of a slice chain) was freed.
 */
export abstract class BufferHandle<D extends DType = DType> implements Buf<D> {
  private freedFlag = false;

  protected constructor(
    readonly dtype: D,
    readonly length: number,
    readonly backendId: number,
    /** The owning allocation for slices; null for an allocation itself. */
    readonly root: BufferHandle | null,
  ) {}

  get isSlice(): boolean {
    return this.root !== null;
  }

  get freed(): boolean {
    return this.root ? this.root.freed : this.freedFlag;
  }

  /** Marks the allocation freed; throws on slices and on a second free. */
  markFreed(): void {
    if (this.root) throw new Error('free() of a slice: free the buffer it was sliced from');
    if (this.freedFlag) throw new Error(`double free of a ${this.dtype}[${this.length}] buffer`);
    this.freedFlag = true;
  }
}

/**
 * Checks that `buf` belongs to backend `id` and is of `Handle` type, and (unless `allowFreed`, for
 * free() itself, which reports double frees) that it is not freed.
 */
export function ownedHandle<H extends BufferHandle>(buf: Buf, id: number, Handle: abstract new (...args: never[]) => H, allowFreed = false): H {
  if (!(buf instanceof Handle) || buf.backendId !== id) {
    throw new TypeError(`buffer ${buf.dtype}[${buf.length}] belongs to another backend (${buf.backendId}, expected ${id})`);
  }
  if (!allowFreed && buf.freed) throw new Error(`use of a freed ${buf.dtype}[${buf.length}] buffer`);
  return buf;
}

/** Validates a slice request against the buffer's length. */
export function checkSlice(buf: Buf, start: number, length: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > buf.length) {
    throw new RangeError(`slice(${start}, ${length}) out of bounds of a ${buf.dtype}[${buf.length}] buffer`);
  }
}

/** Validates a reinterpret request (a u8 source, an in-bounds byte range, an aligned offset); returns its bytes. */
export function checkReinterpret(bytes: Buf, byteOffset: number, dtype: DType, length: number, absoluteOffset: number): number {
  if (bytes.dtype !== 'u8') throw new TypeError(`reinterpret: the source must be a u8 buffer, got ${bytes.dtype}`);
  const size = BYTES_PER_ELEMENT[dtype];
  if (!Number.isInteger(byteOffset) || !Number.isInteger(length) || byteOffset < 0 || length < 0 || byteOffset + length * size > bytes.length) {
    throw new RangeError(`reinterpret: ${length} x ${dtype} at byte ${byteOffset} is out of bounds of a u8[${bytes.length}] buffer`);
  }
  if (absoluteOffset % size !== 0) throw new RangeError(`reinterpret: byte address ${absoluteOffset} is not aligned to ${dtype} (${size} bytes)`);
  return length * size;
}

/** Validates an allocation length. */
export function checkAllocLength(length: number): void {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`alloc: length must be a non-negative integer, got ${length}`);
}

/** A scratch scope over any allocator: buffers allocated through it are freed together. */
export function scratchScope(core: { alloc<D extends DType>(dtype: D, length: number): Buf<D>; free(buf: Buf): void }): ScratchScope {
  const owned: Buf[] = [];
  return {
    alloc: <D extends DType>(dtype: D, length: number) => {
      const b = core.alloc(dtype, length);
      owned.push(b);
      return b;
    },
    release: () => {
      for (const b of owned.splice(0)) core.free(b);
    },
  };
}
