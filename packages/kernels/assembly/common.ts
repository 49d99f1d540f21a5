// Shared helpers for the kernels. Every kernel takes byte addresses (usize) into linear memory
// that the JS host allocated; kernels never allocate. Row-partitioned kernels take their row
// range [r0, r1) as the last two arguments so that the thread pool can split them.

/** Address of element i of an f32/i32 array at p. */
// @ts-ignore: decorator
@inline export function at4(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Address of element i of a 16-bit array at p. */
// @ts-ignore: decorator
@inline export function at2(p: usize, i: i32): usize {
  return p + (<usize>i << 1);
}

// @ts-ignore: decorator
@inline export function ldf(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function stf(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

// @ts-ignore: decorator
@inline export function ldi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function sti(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

/** Sum of the four lanes of an f32x4. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Index of the first id outside [0, rows), or -1 when all are valid. Embedding kernels call it
 * before writing anything so that a bad id is reported instead of reading stray memory.
 */
export function firstBadId(ids: usize, n: i32, rows: i32): i32 {
  for (let i = 0; i < n; i++) {
    const id = ldi(ids, i);
    if (<u32>id >= <u32>rows) return i;
  }
  return -1;
}

/** The module's first free byte: the JS heap starts here. */
export function heapBase(): usize {
  return __heap_base;
}
