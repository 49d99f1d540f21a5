// Full-ranking kernels: user x item scores, masking of seen items, and per-row top-k.
import { firstBadId, ldf, ldi, stf, sti } from './common';

/** Index of the first user id outside [0, rows) of the seen matrix, or -1. */
export function rankBadUser(userIds: usize, n: i32, rows: i32): i32 {
  return firstBadId(userIds, n, rows);
}

// ---------------------------------------------------------------------------------------------
// Scores, out (users x items) = U (users x dim) * I (items x dim)^T, for items [r0, r1).
// Both operands are read along dim, so no transpose is needed: a 2-user x 4-item tile keeps 8
// v128 accumulators (lane l sums the products at k = 4m + l), then a shuffle-based reduction turns
// four accumulators into the four scores of one user, stored as one v128. Every score is
// (l0 + l2) + (l1 + l3) plus the sequential sum over the dim % 4 tail, in every path (tile, lone
// user, lone item), so a score does not depend on how the items are split between threads.
// Items are the partitioned dimension: each thread streams its part of I once while U (small)
// stays in cache.

/** [(a0+a2)+(a1+a3), (b0+b2)+(b1+b3), (c0+c2)+(c1+c3), (d0+d2)+(d1+d3)] */
// @ts-ignore: decorator
@inline function reduce4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** (a0+a2)+(a1+a3): the same order as one lane of reduce4. */
// @ts-ignore: decorator
@inline function reduce1(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 2)) + (f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 3));
}

/** Sequential dot product over k in [from, dim). */
// @ts-ignore: decorator
@inline function dotFrom(pu: usize, pi: usize, from: i32, dim: i32): f32 {
  let s: f32 = 0;
  for (let k = from; k < dim; k++) s += ldf(pu, k) * ldf(pi, k);
  return s;
}

/** Adds the dim % 4 tail to the four scores of user row pu at out[j .. j + 4). */
// @ts-ignore: decorator
@inline function addTails(pu: usize, i0: usize, rowBytes: usize, d4: i32, dim: i32, pc: usize): void {
  for (let q = 0; q < 4; q++) {
    stf(pc, q, ldf(pc, q) + dotFrom(pu, i0 + <usize>q * rowBytes, d4, dim));
  }
}

export function rankScores(users: i32, items: i32, dim: i32, pu: usize, pi: usize, pout: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>dim << 2;
  const outStride = <usize>items << 2;
  const d4 = dim & ~3;
  let j = r0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= r1; j += 4) {
      const i0 = pi + <usize>j * rowBytes;
      const i1 = i0 + rowBytes;
      const i2 = i1 + rowBytes;
      const i3 = i2 + rowBytes;
      const col = <usize>j << 2;
      let u = 0;
      for (; u + 2 <= users; u += 2) {
        const u0 = pu + <usize>u * rowBytes;
        const u1 = u0 + rowBytes;
        let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
        let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
        for (let k = 0; k < d4; k += 4) {
          const o = <usize>k << 2;
          const x0 = v128.load(i0 + o), x1 = v128.load(i1 + o), x2 = v128.load(i2 + o), x3 = v128.load(i3 + o);
          const a = v128.load(u0 + o);
          s00 = f32x4.add(s00, f32x4.mul(a, x0)); s01 = f32x4.add(s01, f32x4.mul(a, x1));
          s02 = f32x4.add(s02, f32x4.mul(a, x2)); s03 = f32x4.add(s03, f32x4.mul(a, x3));
          const b = v128.load(u1 + o);
          s10 = f32x4.add(s10, f32x4.mul(b, x0)); s11 = f32x4.add(s11, f32x4.mul(b, x1));
          s12 = f32x4.add(s12, f32x4.mul(b, x2)); s13 = f32x4.add(s13, f32x4.mul(b, x3));
        }
        const c0 = pout + <usize>u * outStride + col;
        const c1 = c0 + outStride;
        v128.store(c0, reduce4(s00, s01, s02, s03));
        v128.store(c1, reduce4(s10, s11, s12, s13));
        if (d4 < dim) {
          addTails(u0, i0, rowBytes, d4, dim, c0);
          addTails(u1, i0, rowBytes, d4, dim, c1);
        }
      }
      for (; u < users; u++) {
        const u0 = pu + <usize>u * rowBytes;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        for (let k = 0; k < d4; k += 4) {
          const o = <usize>k << 2;
          const a = v128.load(u0 + o);
          s0 = f32x4.add(s0, f32x4.mul(a, v128.load(i0 + o))); s1 = f32x4.add(s1, f32x4.mul(a, v128.load(i1 + o)));
          s2 = f32x4.add(s2, f32x4.mul(a, v128.load(i2 + o))); s3 = f32x4.add(s3, f32x4.mul(a, v128.load(i3 + o)));
        }
        const c0 = pout + <usize>u * outStride + col;
        v128.store(c0, reduce4(s0, s1, s2, s3));
        if (d4 < dim) addTails(u0, i0, rowBytes, d4, dim, c0);
      }
    }
    for (; j < r1; j++) {
      const i0 = pi + <usize>j * rowBytes;
      for (let u = 0; u < users; u++) {
        const u0 = pu + <usize>u * rowBytes;
        let s = f32x4.splat(0);
        for (let k = 0; k < d4; k += 4) {
          const o = <usize>k << 2;
          s = f32x4.add(s, f32x4.mul(v128.load(u0 + o), v128.load(i0 + o)));
        }
        let v = reduce1(s);
        if (d4 < dim) v += dotFrom(u0, i0, d4, dim);
        store<f32>(pout + <usize>u * outStride + (<usize>j << 2), v);
      }
    }
  }
  // Scalar build: one sequential dot product per score.
  for (; j < r1; j++) {
    const i0 = pi + <usize>j * rowBytes;
    for (let u = 0; u < users; u++) {
      store<f32>(pout + <usize>u * outStride + (<usize>j << 2), dotFrom(pu + <usize>u * rowBytes, i0, 0, dim));
    }
  }
}

/** scores[b, j] = -Infinity for every column j of row userIds[b] of the seen CSR. */
export function rankMaskSeen(scores: usize, items: i32, userIds: usize, batch: i32, indptr: usize, indices: usize): void {
  for (let b = 0; b < batch; b++) {
    const row = scores + (<usize>b * <usize>items << 2);
    const u = ldi(userIds, b);
    const e = ldi(indptr, u + 1);
    for (let p = ldi(indptr, u); p < e; p++) stf(row, ldi(indices, p), -Infinity);
  }
}

// ---------------------------------------------------------------------------------------------
// Top-k of each row, kept in a binary min-heap of k (value, index) pairs that lives in the row's
// own output slots (so the kernel needs no scratch): the root is the worst kept entry. Entries
// arrive in increasing column order, so a later entry beats the root only with a strictly greater
// value (equal values keep the lower index). A SIMD pre-test skips 4 columns at a time when none
// beats the root, which is almost always once the heap holds good values. A final in-place
// heapsort leaves the slots sorted best first.

/** True when (va, ia) ranks below (vb, ib): a smaller value, or an equal value at a higher index. */
// @ts-ignore: decorator
@inline function worse(va: f32, ia: i32, vb: f32, ib: i32): bool {
  return va < vb || (va == vb && ia > ib);
}

function siftDown(hv: usize, hi: usize, start: i32, size: i32): void {
  let i = start;
  const v = ldf(hv, i);
  const id = ldi(hi, i);
  for (;;) {
    let c = 2 * i + 1;
    if (c >= size) break;
    if (c + 1 < size && worse(ldf(hv, c + 1), ldi(hi, c + 1), ldf(hv, c), ldi(hi, c))) c++;
    if (!worse(ldf(hv, c), ldi(hi, c), v, id)) break;
    stf(hv, i, ldf(hv, c));
    sti(hi, i, ldi(hi, c));
    i = c;
  }
  stf(hv, i, v);
  sti(hi, i, id);
}

function siftUp(hv: usize, hi: usize, at: i32): void {
  let i = at;
  const v = ldf(hv, i);
  const id = ldi(hi, i);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!worse(v, id, ldf(hv, p), ldi(hi, p))) break;
    stf(hv, i, ldf(hv, p));
    sti(hi, i, ldi(hi, p));
    i = p;
  }
  stf(hv, i, v);
  sti(hi, i, id);
}

/** Replaces the root by (v, j) and restores the heap. */
// @ts-ignore: decorator
@inline function replaceRoot(hv: usize, hi: usize, k: i32, v: f32, j: i32): void {
  stf(hv, 0, v);
  sti(hi, 0, j);
  siftDown(hv, hi, 0, k);
}

export function rankTopk(cols: i32, x: usize, k: i32, outIdx: usize, outVal: usize, r0: i32, r1: i32): void {
  if (k == 0) return;
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>r * <usize>cols << 2);
    const hv = outVal + (<usize>r * <usize>k << 2);
    const hi = outIdx + (<usize>r * <usize>k << 2);
    for (let j = 0; j < k; j++) {
      const v = ldf(xr, j);
      stf(hv, j, v != v ? -Infinity : v); // NaN ranks as -Infinity
      sti(hi, j, j);
      siftUp(hv, hi, j);
    }
    let worst = ldf(hv, 0);
    let j = k;
    if (ASC_FEATURE_SIMD) {
      let vw = f32x4.splat(worst);
      for (; j + 4 <= cols; j += 4) {
        if (!v128.any_true(f32x4.gt(v128.load(xr + (<usize>j << 2)), vw))) continue;
        for (let q = j; q < j + 4; q++) {
          const v = ldf(xr, q);
          if (v > worst) {
            replaceRoot(hv, hi, k, v, q);
            worst = ldf(hv, 0);
          }
        }
        vw = f32x4.splat(worst);
      }
    }
    for (; j < cols; j++) {
      const v = ldf(xr, j);
      if (v > worst) {
        replaceRoot(hv, hi, k, v, j);
        worst = ldf(hv, 0);
      }
    }
    // Heapsort: move the worst to the end, shrink, repeat.
    for (let end = k - 1; end > 0; end--) {
      const v = ldf(hv, 0);
      const id = ldi(hi, 0);
      stf(hv, 0, ldf(hv, end));
      sti(hi, 0, ldi(hi, end));
      stf(hv, end, v);
      sti(hi, end, id);
      siftDown(hv, hi, 0, end);
    }
  }
}
