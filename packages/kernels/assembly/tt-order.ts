// Processing order of the ids of a TT batch: ids that share the slices of the middle cores (the
// big r x q x r ones) run back to back, so each slice comes from memory once per group instead of
// once per id. Every id's row is computed the same way in any order, so results do not change.
import { ldi } from './common';

// @ts-ignore: decorator
@inline function key(p: usize, i: i32): u64 {
  return load<u64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function swap(p: usize, i: i32, j: i32): void {
  const a = p + (<usize>i << 3);
  const b = p + (<usize>j << 3);
  const t = load<u64>(a);
  store<u64>(a, load<u64>(b));
  store<u64>(b, t);
}

/** Restores the max-heap property below `root` in a heap of n keys. */
function siftDown(p: usize, root: i32, n: i32): void {
  let i = root;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) return;
    if (child + 1 < n && key(p, child + 1) > key(p, child)) child++;
    if (key(p, i) >= key(p, child)) return;
    swap(p, i, child);
    i = child;
  }
}

/** Sorts n distinct u64 keys at p ascending (heapsort: in place, no allocation). */
function heapSort(p: usize, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(p, i, n);
  for (let end = n - 1; end > 0; end--) {
    swap(p, 0, end);
    siftDown(p, 0, end);
  }
}

/**
 * order[0..n) = the positions 0..n-1 sorted by the digits i_1 .. i_{K-2} of their ids, ties by
 * position (K = 2 keeps the identity: its two slices are small). porder is scratch for n u64 and
 * receives the n i32 positions. pdesc is the TT descriptor (see assembly/tt.ts).
 */
export function ttOrder(pdesc: usize, pids: usize, n: i32, porder: usize): void {
  const K = ldi(pdesc, 0);
  if (K <= 2) {
    for (let i = 0; i < n; i++) store<i32>(porder + (<usize>i << 2), i);
    return;
  }
  let middle: i32 = 1;
  for (let k = 1; k < K - 1; k++) middle *= ldi(pdesc, 1 + k);
  const last = ldi(pdesc, K); // p[K-1]
  for (let i = 0; i < n; i++) {
    const digits = <u64>((ldi(pids, i) / last) % middle);
    store<u64>(porder + (<usize>i << 3), (digits << 32) | <u64>i);
  }
  heapSort(porder, n);
  // Compact the positions (the low halves) to i32 in place: entry i is read before it is overwritten.
  for (let i = 0; i < n; i++) store<i32>(porder + (<usize>i << 2), <i32>key(porder, i));
}
