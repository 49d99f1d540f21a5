// k-th smallest |x|: introselect over the bit patterns of |x| (for non-negative floats the u32 order
// is the value order, with NaN above +Infinity, so the selection is a total order). Quickselect with
// a median-of-3 pivot from pseudo-random positions and a three-way partition (many equal keys, e.g.
// pruned zeros, cost one pass); a heapsort fallback bounds the worst case.

// @ts-ignore: decorator
@inline function key(p: usize, i: i32): u32 {
  return load<u32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function swap(p: usize, i: i32, j: i32): void {
  const a = p + (<usize>i << 2);
  const b = p + (<usize>j << 2);
  const t = load<u32>(a);
  store<u32>(a, load<u32>(b));
  store<u32>(b, t);
}

// @ts-ignore: decorator
@inline function median3(a: u32, b: u32, c: u32): u32 {
  return max(min(a, b), min(max(a, b), c));
}

/** Sorts keys [lo, hi) in place (heapsort: the fallback when partitions keep going badly). */
function heapSort(p: usize, lo: i32, hi: i32): void {
  const n = hi - lo;
  const base = p + (<usize>lo << 2);
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(base, i, n);
  for (let end = n - 1; end > 0; end--) {
    swap(base, 0, end);
    siftDown(base, 0, end);
  }
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

/** out[0] = the k-th smallest |x_i| (1 <= k <= n); pkeys is scratch for n u32 (x is not modified). */
export function kthSmallestAbs(px: usize, n: i32, k: i32, pkeys: usize, pout: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const magnitude = i32x4.splat(0x7fffffff);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(pkeys + o, v128.and(v128.load(px + o), magnitude));
    }
  }
  for (; i < n; i++) store<u32>(pkeys + (<usize>i << 2), load<u32>(px + (<usize>i << 2)) & 0x7fffffff);

  const target = k - 1;
  let lo = 0;
  let hi = n - 1;
  let budget = 2 * (32 - clz(n)) + 8;
  let rng: u32 = 0x9e3779b9;
  let found = false;
  let result: u32 = 0;
  while (lo < hi) {
    if (budget-- == 0) {
      heapSort(pkeys, lo, hi + 1);
      break;
    }
    const span = <u32>(hi - lo + 1);
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    const a = key(pkeys, lo + <i32>(rng % span));
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    const b = key(pkeys, lo + <i32>(rng % span));
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    const pivot = median3(a, b, key(pkeys, lo + <i32>(rng % span)));
    // Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot.
    let lt = lo;
    let gt = hi;
    let j = lo;
    while (j <= gt) {
      const v = key(pkeys, j);
      if (v < pivot) swap(pkeys, lt++, j++);
      else if (v > pivot) swap(pkeys, j, gt--);
      else j++;
    }
    if (target < lt) hi = lt - 1;
    else if (target > gt) lo = gt + 1;
    else {
      result = pivot;
      found = true;
      break;
    }
  }
  store<u32>(pout, found ? result : key(pkeys, target));
}
