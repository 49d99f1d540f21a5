/** Element types a backend buffer can hold. `f16` is stored as raw IEEE half bits (u16). */
export type DType = 'f32' | 'i32' | 'u32' | 'i16' | 'u16' | 'f16' | 'i8' | 'u8';

/** The typed array that views a buffer of each dtype on host-visible backends. */
export interface TypedArrayFor {
  f32: Float32Array;
  i32: Int32Array;
  u32: Uint32Array;
  i16: Int16Array;
  u16: Uint16Array;
  f16: Uint16Array;
  i8: Int8Array;
  u8: Uint8Array;
}

export type AnyTypedArray = TypedArrayFor[DType];

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  f32: 4,
  i32: 4,
  u32: 4,
  i16: 2,
  u16: 2,
  f16: 2,
  i8: 1,
  u8: 1,
};

/**
 * A handle to a buffer that lives on a backend (WASM linear memory, a GPU buffer, or a JS array for
 * the reference backend). Handles are opaque: read them with `backend.read` (async, any backend) or
 * `backend.view` (zero-copy, host-visible backends only).
 */
export interface Buf<D extends DType = DType> {
  readonly dtype: D;
  /** Number of elements. */
  readonly length: number;
  /** The backend that owns the storage; kernels reject buffers of another backend. */
  readonly backendId: number;
}

/** Compressed sparse row matrix whose arrays live on a backend. */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  /** rows + 1 offsets into indices/values. */
  readonly indptr: Buf<'i32'>;
  /** Column of each stored value, sorted ascending within a row. */
  readonly indices: Buf<'i32'>;
  readonly values: Buf<'f32'>;
}

/** Host-side CSR (plain typed arrays), e.g. as produced by the data package. */
export interface HostCsr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}
