// Embedding-table kernels: gather, scatter-add, embedding bags (sum/mean) and their backward.
// Ids are validated by the host (embBadId) before any kernel writes. Threaded kernels that
// accumulate into the table are partitioned by destination row: every thread scans all ids and
// applies only those whose row lies in its range [r0, r1), in index order, so each table row sees
// the same additions in the same order whatever the split.
import { firstBadId, ldi } from './common';

/** Index of the first id outside [0, rows), or -1 (the host throws before calling a kernel). */
export function embBadId(ids: usize, n: i32, rows: i32): i32 {
  return firstBadId(ids, n, rows);
}

/**
 * First bag b whose offsets break 0 = offsets[0] <= ... <= offsets[bags] = n, or -1.
 * Reported as b (offsets[b] is the first wrong value).
 */
export function embBadOffsets(offsets: usize, bags: i32, n: i32): i32 {
  if (ldi(offsets, 0) != 0) return 0;
  for (let b = 0; b < bags; b++) {
    if (ldi(offsets, b + 1) < ldi(offsets, b)) return b + 1;
  }
  return ldi(offsets, bags) == n ? -1 : bags;
}

// Rows of at least this many bytes (dim >= 64) are copied with memory.copy, shorter rows with
// unrolled v128 moves. Measured on random rows of a 100k-row table: v128 wins at dim 16-32
// (~14 vs ~9 GB/s), memory.copy at dim 64-128 (~12 vs ~7 GB/s); (noisy, shared 2-core machine).
const BULK_COPY_BYTES: usize = 256;

/** dst[0..dim) = src[0..dim) */
// @ts-ignore: decorator
@inline function copyRow(src: usize, dst: usize, dim: i32): void {
  const bytes = <usize>dim << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    if (bytes >= BULK_COPY_BYTES) {
      memory.copy(dst, src, bytes);
      return;
    }
    for (; o + 64 <= bytes; o += 64) {
      const a = v128.load(src + o);
      const b = v128.load(src + o, 16);
      const c = v128.load(src + o, 32);
      const d = v128.load(src + o, 48);
      v128.store(dst + o, a);
      v128.store(dst + o, b, 16);
      v128.store(dst + o, c, 32);
      v128.store(dst + o, d, 48);
    }
    for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  }
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

/** y[0..dim) += a * x[0..dim) */
// @ts-ignore: decorator
@inline function axpyRow(a: f32, x: usize, y: usize, dim: i32): void {
  const bytes = <usize>dim << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; o + 32 <= bytes; o += 32) {
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
      v128.store(y + o, f32x4.add(v128.load(y + o, 16), f32x4.mul(va, v128.load(x + o, 16))), 16);
    }
    for (; o + 16 <= bytes; o += 16) v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; o < bytes; o += 4) store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
}

/** y[0..dim) += x[0..dim) */
// @ts-ignore: decorator
@inline function addRow(x: usize, y: usize, dim: i32): void {
  const bytes = <usize>dim << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 32 <= bytes; o += 32) {
      v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
      v128.store(y + o, f32x4.add(v128.load(y + o, 16), v128.load(x + o, 16)), 16);
    }
    for (; o + 16 <= bytes; o += 16) v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
  }
  for (; o < bytes; o += 4) store<f32>(y + o, load<f32>(y + o) + load<f32>(x + o));
}

/** y[0..dim) *= a */
// @ts-ignore: decorator
@inline function scaleRow(a: f32, y: usize, dim: i32): void {
  const bytes = <usize>dim << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; o + 16 <= bytes; o += 16) v128.store(y + o, f32x4.mul(va, v128.load(y + o)));
  }
  for (; o < bytes; o += 4) store<f32>(y + o, a * load<f32>(y + o));
}

// @ts-ignore: decorator
@inline function rowAddr(base: usize, row: i32, dim: i32): usize {
  return base + (<usize>row * <usize>dim << 2);
}

/** out[i, :] = table[ids[i], :] for i in [r0, r1). */
export function embGather(table: usize, dim: i32, ids: usize, out: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) copyRow(rowAddr(table, ldi(ids, i), dim), rowAddr(out, i, dim), dim);
}

/** table[ids[i], :] += alpha * src[i, :] for the ids whose row is in [r0, r1), in index order. */
export function embScatterAdd(src: usize, ids: usize, n: i32, alpha: f32, table: usize, dim: i32, r0: i32, r1: i32): void {
  for (let i = 0; i < n; i++) {
    const id = ldi(ids, i);
    if (id < r0 || id >= r1) continue;
    axpyRow(alpha, rowAddr(src, i, dim), rowAddr(table, id, dim), dim);
  }
}

/** Bags [r0, r1): out[b, :] = sum (mean when `mean` != 0) of table rows ids[offsets[b] .. offsets[b+1]). */
export function embBag(table: usize, dim: i32, ids: usize, offsets: usize, mean: i32, out: usize, r0: i32, r1: i32): void {
  for (let b = r0; b < r1; b++) {
    const start = ldi(offsets, b);
    const end = ldi(offsets, b + 1);
    const dst = rowAddr(out, b, dim);
    if (start == end) {
      memory.fill(dst, 0, <usize>dim << 2);
      continue;
    }
    copyRow(rowAddr(table, ldi(ids, start), dim), dst, dim);
    for (let i = start + 1; i < end; i++) addRow(rowAddr(table, ldi(ids, i), dim), dst, dim);
    if (mean != 0) scaleRow(<f32>1 / <f32>(end - start), dst, dim);
  }
}

/**
 * dTable[ids[i], :] += dOut[b, :] (times 1 / bag size when `mean` != 0) for the ids whose row is
 * in [r0, r1), bags and ids in order.
 */
export function embBagBackward(dOut: usize, ids: usize, offsets: usize, bags: i32, mean: i32, dTable: usize, dim: i32, r0: i32, r1: i32): void {
  for (let b = 0; b < bags; b++) {
    const start = ldi(offsets, b);
    const end = ldi(offsets, b + 1);
    const scale: f32 = mean != 0 && end > start ? <f32>1 / <f32>(end - start) : 1;
    const g = rowAddr(dOut, b, dim);
    for (let i = start; i < end; i++) {
      const id = ldi(ids, i);
      if (id < r0 || id >= r1) continue;
      if (mean != 0) axpyRow(scale, g, rowAddr(dTable, id, dim), dim);
      else addRow(g, rowAddr(dTable, id, dim), dim);
    }
  }
}
