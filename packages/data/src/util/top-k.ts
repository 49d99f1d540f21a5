/**
 * Indices of the `k` largest scores, best first (ties: lower index first), with a size-k min-heap:
 * O(n log k). Entries whose `skip(i)` is true are ignored (e.g. a user's train items).
 */
export function topK(scores: ArrayLike<number>, k: number, skip?: (index: number) => boolean): Int32Array {
  const heap = new Int32Array(Math.max(0, k));
  let size = 0;
  // "a ranks below b": lower score, or equal score and higher index.
  const below = (a: number, b: number): boolean => scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
  const siftDown = (from: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && below(heap[l], heap[m])) m = l;
      if (r < size && below(heap[r], heap[m])) m = r;
      if (m === i) return;
      const t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    if (skip?.(i)) continue;
    if (size < k) {
      let c = size++;
      heap[c] = i;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!below(heap[c], heap[p])) break;
        const t = heap[c];
        heap[c] = heap[p];
        heap[p] = t;
        c = p;
      }
    } else if (k > 0 && below(heap[0], i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  const out = heap.slice(0, size);
  const byRank = Array.from(out).sort((a, b) => (below(a, b) ? 1 : below(b, a) ? -1 : 0));
  return Int32Array.from(byRank);
}
