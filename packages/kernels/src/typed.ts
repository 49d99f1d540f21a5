import { BYTES_PER_ELEMENT, type DType, type TypedArrayFor } from './types.js';

type TypedCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArrayFor[DType];

/** Typed-array constructor for each dtype (f16 is viewed as raw u16 bits). */
export const TYPED_CTOR: Readonly<Record<DType, TypedCtor>> = {
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  f16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
};

/** A typed array of `dtype` over [byteOffset, byteOffset + length * size) of `buffer`, no copy. */
export function typedView<D extends DType>(dtype: D, buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArrayFor[D] {
  return new TYPED_CTOR[dtype](buffer, byteOffset, length) as TypedArrayFor[D];
}

/** A new zero-filled host typed array of `dtype`. */
export function newTyped<D extends DType>(dtype: D, length: number): TypedArrayFor[D] {
  return new TYPED_CTOR[dtype](new ArrayBuffer(length * BYTES_PER_ELEMENT[dtype]), 0, length) as TypedArrayFor[D];
}
