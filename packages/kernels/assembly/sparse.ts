// Sparse (CSR) kernels: SpMM (threaded over output rows, SIMD over the dense columns), dense rows
// of a CSR, and the two passes of dense -> CSR (count per row, then fill).
import { firstBadId, ldf, ldi, stf, sti } from './common';

/** Index of the first row id outside [0, rows), or -1 (the host throws before csrGatherRows). */
export function csrBadRow(ids: usize, n: i32, rows: i32): i32 {
  return firstBadId(ids, n, rows);
}

// ---------------------------------------------------------------------------------------------
// SpMM, out (rows x n) = alpha * A * B (cols x n) + beta * C, rows [r0, r1) of out; C (at pc) is
// out itself or a separate addend of the same shape (it is not read when beta = 0).
// Columns are processed in blocks of 16 (4 v128 accumulators kept in registers while the row's
// non-zeros stream by, two non-zeros per loop step), then 4, then one at a time; each output
// element is a plain sequential sum over the row's non-zeros, whichever block it falls in.
// Why 16 and not 32 or 64: V8's x64 code loads a step's B vectors before its arithmetic, so
// a step holds accumulators + loaded vectors + splats in the 15 usable XMM registers. With 8
// accumulators (32 columns) one accumulator spills and its add chain goes through the stack;
// 16 spill badly. 4 accumulators x 2 non-zeros is 4 + 8 + 2 = 14 registers, no spill. Measured on
// a 30k x 41k graph at d 64 (862k non-zeros, one thread): 0.87-0.89x the 32-column time.

// @ts-ignore: decorator
@inline function finish(pout: usize, pc: usize, alpha: f32, beta: f32, acc: v128): void {
  const va = f32x4.splat(alpha);
  if (beta == 0) v128.store(pout, f32x4.mul(acc, va));
  else v128.store(pout, f32x4.add(f32x4.mul(acc, va), f32x4.mul(v128.load(pc), f32x4.splat(beta))));
}

export function spmmRows(indptr: usize, indices: usize, values: usize, pb: usize, n: i32, alpha: f32, beta: f32, pout: usize, pc: usize, r0: i32, r1: i32): void {
  const ldb = <usize>n << 2;
  for (let r = r0; r < r1; r++) {
    const s = ldi(indptr, r);
    const e = ldi(indptr, r + 1);
    const orow = pout + (<usize>r * ldb);
    const crow = pc + (<usize>r * ldb);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 16 <= n; j += 16) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        const colOff = <usize>j << 2;
        let p = s;
        // Two non-zeros per step, added in CSR order (p, then p + 1).
        for (; p + 2 <= e; p += 2) {
          const v = v128.load32_splat(values + (<usize>p << 2));
          const w = v128.load32_splat(values + (<usize>p << 2), 4);
          const bp = pb + <usize>ldi(indices, p) * ldb + colOff;
          const bq = pb + <usize>ldi(indices, p + 1) * ldb + colOff;
          a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bp)));
          a1 = f32x4.add(a1, f32x4.mul(v, v128.load(bp, 16)));
          a2 = f32x4.add(a2, f32x4.mul(v, v128.load(bp, 32)));
          a3 = f32x4.add(a3, f32x4.mul(v, v128.load(bp, 48)));
          a0 = f32x4.add(a0, f32x4.mul(w, v128.load(bq)));
          a1 = f32x4.add(a1, f32x4.mul(w, v128.load(bq, 16)));
          a2 = f32x4.add(a2, f32x4.mul(w, v128.load(bq, 32)));
          a3 = f32x4.add(a3, f32x4.mul(w, v128.load(bq, 48)));
        }
        if (p < e) {
          const v = v128.load32_splat(values + (<usize>p << 2));
          const bp = pb + <usize>ldi(indices, p) * ldb + colOff;
          a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bp)));
          a1 = f32x4.add(a1, f32x4.mul(v, v128.load(bp, 16)));
          a2 = f32x4.add(a2, f32x4.mul(v, v128.load(bp, 32)));
          a3 = f32x4.add(a3, f32x4.mul(v, v128.load(bp, 48)));
        }
        const po = orow + colOff;
        const pi = crow + colOff;
        finish(po, pi, alpha, beta, a0); finish(po + 16, pi + 16, alpha, beta, a1);
        finish(po + 32, pi + 32, alpha, beta, a2); finish(po + 48, pi + 48, alpha, beta, a3);
      }
      for (; j + 4 <= n; j += 4) {
        let a0 = f32x4.splat(0);
        const colOff = <usize>j << 2;
        for (let p = s; p < e; p++) {
          const v = v128.load32_splat(values + (<usize>p << 2));
          a0 = f32x4.add(a0, f32x4.mul(v, v128.load(pb + <usize>ldi(indices, p) * ldb + colOff)));
        }
        finish(orow + colOff, crow + colOff, alpha, beta, a0);
      }
    }
    for (; j < n; j++) {
      let acc: f32 = 0;
      const colOff = <usize>j << 2;
      for (let p = s; p < e; p++) acc += ldf(values, p) * load<f32>(pb + <usize>ldi(indices, p) * ldb + colOff);
      if (beta == 0) store<f32>(orow + colOff, alpha * acc);
      else store<f32>(orow + colOff, alpha * acc + beta * load<f32>(crow + colOff));
    }
  }
}

/** out[i, :] = row ids[i] of A (cols wide; duplicate column entries add up), i in [r0, r1). */
export function csrGatherRows(indptr: usize, indices: usize, values: usize, cols: i32, ids: usize, out: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const row = ldi(ids, i);
    const dst = out + (<usize>i * <usize>cols << 2);
    memory.fill(dst, 0, <usize>cols << 2);
    const e = ldi(indptr, row + 1);
    for (let p = ldi(indptr, row); p < e; p++) {
      const c = ldi(indices, p);
      stf(dst, c, ldf(dst, c) + ldf(values, p));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dense -> CSR. An entry is kept when |x| > threshold (useMask = 0) or its mask byte is non-zero
// (useMask != 0). Pass 1 writes each row's count to indptr[r + 1]; csrPrefixSum turns the counts
// into offsets; pass 2 writes the kept columns and values of each row at its offset.

/** Number of kept entries among the cols entries at x (and mask bytes at m). */
// @ts-ignore: decorator
@inline function countKept(x: usize, m: usize, cols: i32, threshold: f32, useMask: i32): i32 {
  let j = 0;
  let count = 0;
  if (ASC_FEATURE_SIMD) {
    if (useMask != 0) {
      // One bit per non-zero mask byte, 16 bytes at a time.
      const zero = i8x16.splat(0);
      for (; j + 16 <= cols; j += 16) count += <i32>popcnt(i8x16.bitmask(i8x16.ne(v128.load(m + <usize>j), zero)));
    } else {
      // Lanes of a comparison are 0 or -1, so subtracting them counts the kept lanes.
      let acc = i32x4.splat(0);
      const t = f32x4.splat(threshold);
      for (; j + 4 <= cols; j += 4) acc = i32x4.sub(acc, f32x4.gt(f32x4.abs(v128.load(x + (<usize>j << 2))), t));
      count = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    }
  }
  for (; j < cols; j++) {
    if (useMask != 0 ? load<u8>(m + <usize>j) != 0 : Mathf.abs(ldf(x, j)) > threshold) count++;
  }
  return count;
}

/** Pass 1 for rows [r0, r1): indptr[r + 1] = kept entries of row r. */
export function csrCountKept(cols: i32, x: usize, mask: usize, threshold: f32, useMask: i32, indptr: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const off = <usize>r * <usize>cols;
    sti(indptr, r + 1, countKept(x + (off << 2), mask + off, cols, threshold, useMask));
  }
}

/** indptr[0] = 0 and indptr[r + 1] += indptr[r]: counts to offsets. Returns the total. */
export function csrPrefixSum(indptr: usize, rows: i32): i32 {
  sti(indptr, 0, 0);
  let total = 0;
  for (let r = 1; r <= rows; r++) {
    total += ldi(indptr, r);
    sti(indptr, r, total);
  }
  return total;
}

/** Pass 2 for rows [r0, r1): the kept entries' columns and values, in column order. */
export function csrFillKept(cols: i32, x: usize, mask: usize, threshold: f32, useMask: i32, indptr: usize, indices: usize, values: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const off = <usize>r * <usize>cols;
    const xr = x + (off << 2);
    const mr = mask + off;
    let p = ldi(indptr, r);
    for (let j = 0; j < cols; j++) {
      const v = ldf(xr, j);
      if (useMask != 0 ? load<u8>(mr + <usize>j) != 0 : Mathf.abs(v) > threshold) {
        sti(indices, p, j);
        stf(values, p, v);
        p++;
      }
    }
  }
}
