// Dense linear algebra: GEMM (one register-blocked SIMD kernel; the host packs transposed
// operands first, and large products into cache-sized panels), GEMV, and the BLAS-1 style
// elementwise ops.
import { at4, hsum, ldf, stf } from './common';
import { axpyRange, dotRange } from './vector';

// ---------------------------------------------------------------------------------------------
// GEMM, C (m x n) = alpha * A (m x k) * B (k x n) + beta * C, rows [r0, r1) of C.
// Micro-kernel: 2 rows x 16 columns of C in 8 v128 accumulators; per step of k it loads 4 vectors
// of B and broadcasts 2 scalars of A. 2x16 keeps every value in the 16 x64 vector registers
// (4x16 spilled and ran at half the speed: 26 vs 50 GFLOP/s measured on 1024x64x1024).
// Edges fall back to a 2x4 path and a 2x1 path; the scalar build goes one row at a time.

// @ts-ignore: decorator
@inline function storeC(pc: usize, alpha: f32, beta: f32, acc: v128): void {
  const va = f32x4.splat(alpha);
  if (beta == 0) v128.store(pc, f32x4.mul(acc, va));
  else v128.store(pc, f32x4.add(f32x4.mul(acc, va), f32x4.mul(v128.load(pc), f32x4.splat(beta))));
}

// @ts-ignore: decorator
@inline function storeScalar(pc: usize, alpha: f32, beta: f32, acc: f32): void {
  if (beta == 0) store<f32>(pc, alpha * acc);
  else store<f32>(pc, alpha * acc + beta * load<f32>(pc));
}

/** Stores the first `count` (< 4) lanes of alpha * acc + beta * c at pc. */
// @ts-ignore: decorator
@inline function storeLanes(pc: usize, alpha: f32, beta: f32, acc: v128, count: i32): void {
  if (count > 0) storeScalar(pc, alpha, beta, f32x4.extract_lane(acc, 0));
  if (count > 1) storeScalar(pc + 4, alpha, beta, f32x4.extract_lane(acc, 1));
  if (count > 2) storeScalar(pc + 8, alpha, beta, f32x4.extract_lane(acc, 2));
}

/** Stores the first w (1..16) columns of a 16-wide accumulator row. */
// @ts-ignore: decorator
@inline function storeRow16(pc: usize, alpha: f32, beta: f32, s0: v128, s1: v128, s2: v128, s3: v128, w: i32): void {
  if (w == 16) {
    storeC(pc, alpha, beta, s0); storeC(pc + 16, alpha, beta, s1);
    storeC(pc + 32, alpha, beta, s2); storeC(pc + 48, alpha, beta, s3);
    return;
  }
  if (w >= 4) storeC(pc, alpha, beta, s0); else { storeLanes(pc, alpha, beta, s0, w); return; }
  if (w >= 8) storeC(pc + 16, alpha, beta, s1); else { storeLanes(pc + 16, alpha, beta, s1, w - 4); return; }
  if (w >= 12) storeC(pc + 32, alpha, beta, s2); else { storeLanes(pc + 32, alpha, beta, s2, w - 8); return; }
  storeLanes(pc + 48, alpha, beta, s3, w - 12);
}

/**
 * A 2 x 16 tile of C: rows a0 and a1 of op(A) (elements aStep bytes apart) times 16 columns of B
 * starting at bp (rows bStep bytes apart), into c0 and c1 (c1 only when `both`; then a1 may be a0
 * again), the first w columns stored. Each element is the sequential sum ((a_0 b_0 + a_1 b_1) + ...)
 * then alpha * sum + beta * c, as in every other GEMM path.
 */
// @ts-ignore: decorator
@inline function tile2x16(k: i32, alpha: f32, beta: f32, a0: usize, a1: usize, aStep: usize, bp: usize, bStep: usize, c0: usize, c1: usize, both: bool, w: i32): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bp, 32);
    const b3 = v128.load(bp, 48);
    const off = <usize>p * aStep;
    const x0 = v128.load32_splat(a0 + off);
    s00 = f32x4.add(s00, f32x4.mul(x0, b0)); s01 = f32x4.add(s01, f32x4.mul(x0, b1));
    s02 = f32x4.add(s02, f32x4.mul(x0, b2)); s03 = f32x4.add(s03, f32x4.mul(x0, b3));
    const x1 = v128.load32_splat(a1 + off);
    s10 = f32x4.add(s10, f32x4.mul(x1, b0)); s11 = f32x4.add(s11, f32x4.mul(x1, b1));
    s12 = f32x4.add(s12, f32x4.mul(x1, b2)); s13 = f32x4.add(s13, f32x4.mul(x1, b3));
    bp += bStep;
  }
  storeRow16(c0, alpha, beta, s00, s01, s02, s03, w);
  if (both) storeRow16(c1, alpha, beta, s10, s11, s12, s13, w);
}

/**
 * Rows a0 and a1 of A times B into rows c0 and c1 of C (only c0 when `both` is false; then a1 is
 * a0 again and its sums are dropped). Every element of C is the same sequential sum over k,
 * sum = ((a_0 b_0 + a_1 b_1) + ...), then alpha * sum + beta * c, in the 16-, 4- and 1-column
 * paths alike, so a row gets the same bits whether it is computed in a pair or alone.
 */
// @ts-ignore: decorator
@inline function gemmRowPair(n: i32, k: i32, alpha: f32, a0: usize, a1: usize, pb: usize, beta: f32, c0: usize, c1: usize, both: bool): void {
  const ldb = <usize>n << 2;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const o = <usize>j << 2;
    tile2x16(k, alpha, beta, a0, a1, 4, pb + o, ldb, c0 + o, c1 + o, both, 16);
  }
  for (; j + 4 <= n; j += 4) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let bp = pb + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      const b = v128.load(bp);
      const off = <usize>p << 2;
      s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(a0 + off), b));
      s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(a1 + off), b));
      bp += ldb;
    }
    const o = <usize>j << 2;
    storeC(c0 + o, alpha, beta, s0);
    if (both) storeC(c1 + o, alpha, beta, s1);
  }
  for (; j < n; j++) {
    let s0: f32 = 0, s1: f32 = 0;
    let bp = pb + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      const b = load<f32>(bp);
      s0 += ldf(a0, p) * b;
      s1 += ldf(a1, p) * b;
      bp += ldb;
    }
    const o = <usize>j << 2;
    storeScalar(c0 + o, alpha, beta, s0);
    if (both) storeScalar(c1 + o, alpha, beta, s1);
  }
}

export function gemm_nn(m: i32, n: i32, k: i32, alpha: f32, pa: usize, pb: usize, beta: f32, pc: usize, r0: i32, r1: i32): void {
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    // Rows in pairs, and an odd last row through the same kernel: which rows pair up depends on
    // where the thread's range starts, but each row's result does not.
    for (; i < r1; i += 2) {
      const a0 = pa + (<usize>i * <usize>k << 2);
      const c0 = pc + (<usize>i * <usize>n << 2);
      const both = i + 1 < r1;
      gemmRowPair(n, k, alpha, a0, both ? a0 + (<usize>k << 2) : a0, pb, beta, c0, c0 + (<usize>n << 2), both);
    }
    return;
  }
  // The scalar build: one row at a time, k-outer so that the row of C streams over contiguous
  // rows of B.
  for (; i < r1; i++) {
    const arow = pa + (<usize>i * <usize>k << 2);
    const crow = pc + (<usize>i * <usize>n << 2);
    if (beta == 0) memory.fill(crow, 0, <usize>n << 2);
    else if (beta != 1) for (let j = 0; j < n; j++) stf(crow, j, beta * ldf(crow, j));
    for (let p = 0; p < k; p++) {
      const av = alpha * ldf(arow, p);
      const brow = pb + (<usize>p * <usize>n << 2);
      axpyRange(av, brow, crow, n);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Packed GEMM for large products: the host first packs op(B) into panels of 16 columns, each
// k x 16 floats contiguous (zeros past column n), then every thread sweeps groups of its rows
// over one panel at a time. A panel (k x 64 bytes) and a group of rows of op(A) stay in L2 while
// they are reused; unpacked, every row pair streamed all of B from L3, and B's rows n floats apart
// fell into a few cache sets (1024^3: 25 GFLOP/s unpacked). Each element of C is still the same
// sequential sum over k as in gemmRowPair, so both paths give the same bits.

/** Bytes of op(A) a group of rows may span (with one panel: about half a 512 KB L2). */
const GROUP_BYTES: usize = 128 << 10;

/**
 * Packs op(B) (k x n: B itself, or B^T of B stored n x k when transB is 1) into 16-column panels,
 * panels [r0, r1); panel jb holds op(B)[p][16 jb + c] at (jb k + p) 16 + c.
 */
export function gemm_pack_b(k: i32, n: i32, pb: usize, transB: i32, pout: usize, r0: i32, r1: i32): void {
  for (let jb = r0; jb < r1; jb++) {
    const j0 = jb << 4;
    const w = min(16, n - j0);
    let out = pout + (<usize>jb * <usize>k << 6);
    for (let p = 0; p < k; p++) {
      if (ASC_FEATURE_SIMD && transB == 0 && w == 16) {
        const src = pb + ((<usize>p * <usize>n + <usize>j0) << 2);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        v128.store(out, v128.load(src, 32), 32);
        v128.store(out, v128.load(src, 48), 48);
      } else {
        for (let c = 0; c < 16; c++) {
          let v: f32 = 0;
          if (c < w) v = transB == 0 ? ldf(pb, p * n + j0 + c) : ldf(pb, (j0 + c) * k + p);
          stf(out, c, v);
        }
      }
      out += 64;
    }
  }
}

/** Rows [r0, r1) of C = alpha * op(A) op(B) + beta * C with op(B) packed by gemm_pack_b. */
// @ts-ignore: decorator
@inline function gemmRowsPacked(n: i32, k: i32, alpha: f32, pa: usize, aRow: usize, aStep: usize, pp: usize, beta: f32, pc: usize, r0: i32, r1: i32): void {
  // The host packs only for SIMD builds; in the scalar build this kernel traps.
  if (!ASC_FEATURE_SIMD) unreachable();
  else {
    const panels = (n + 15) >> 4;
    const panelBytes = <usize>k << 6;
    // Rows per group, spanning about GROUP_BYTES: a row of A is k floats; rows of A^T share their
    // cache lines 16 at a time (one line per step of k), so they come in 16s and count 4k bytes each.
    const kBytes = <usize>k << 2;
    const group = aStep == 4 ? <i32>max<usize>(2, (GROUP_BYTES / kBytes) & ~1) : <i32>max<usize>(16, (GROUP_BYTES / (kBytes << 2)) & ~1);
    for (let g = r0; g < r1; g += group) {
      const g1 = min(g + group, r1);
      for (let jb = 0; jb < panels; jb++) {
        const w = min(16, n - (jb << 4));
        for (let i = g; i < g1; i += 2) {
          const a0 = pa + <usize>i * aRow;
          const a1 = i + 1 < g1 ? a0 + aRow : a0;
          const c0 = pc + ((<usize>i * <usize>n + (<usize>jb << 4)) << 2);
          tile2x16(k, alpha, beta, a0, a1, aStep, pp + <usize>jb * panelBytes, 64, c0, c0 + (<usize>n << 2), i + 1 < g1, w);
        }
      }
    }
  }
}

/** gemm_nn with op(B) packed by gemm_pack_b (SIMD builds only). */
export function gemm_nn_packed(m: i32, n: i32, k: i32, alpha: f32, pa: usize, pp: usize, beta: f32, pc: usize, r0: i32, r1: i32): void {
  gemmRowsPacked(n, k, alpha, pa, <usize>k << 2, 4, pp, beta, pc, r0, r1);
}

/** gemm_tn with op(B) packed by gemm_pack_b (SIMD builds only). */
export function gemm_tn_packed(m: i32, n: i32, k: i32, alpha: f32, pa: usize, pp: usize, beta: f32, pc: usize, r0: i32, r1: i32): void {
  gemmRowsPacked(n, k, alpha, pa, 4, <usize>m << 2, pp, beta, pc, r0, r1);
}

/**
 * out (cols x rows) = transpose of x (rows x cols), for rows [r0, r1) of x (columns of out); used
 * to pack transposed GEMM operands.
 */
export function transpose(rows: i32, cols: i32, px: usize, pout: usize, r0: i32, r1: i32): void {
  // 8x8 tiles keep both sides within a few cache lines.
  for (let i0 = r0; i0 < r1; i0 += 8) {
    const i1 = min(i0 + 8, r1);
    for (let j0 = 0; j0 < cols; j0 += 8) {
      const j1 = min(j0 + 8, cols);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) stf(pout, j * rows + i, ldf(px, i * cols + j));
      }
    }
  }
}

/** y = alpha * A x + beta * y for rows [r0, r1) of A (m x n). */
export function gemv_n(m: i32, n: i32, alpha: f32, pa: usize, px: usize, beta: f32, py: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const s = alpha * dotRange(pa + (<usize>i * <usize>n << 2), px, n);
    stf(py, i, beta == 0 ? s : s + beta * ldf(py, i));
  }
}

/** y = alpha * A^T x + beta * y, A m x n, y has n entries; columns [r0, r1) of A. */
export function gemv_t(m: i32, n: i32, alpha: f32, pa: usize, px: usize, beta: f32, py: usize, r0: i32, r1: i32): void {
  for (let j = r0; j < r1; j++) stf(py, j, beta == 0 ? 0 : beta * ldf(py, j));
  const w = r1 - r0;
  for (let i = 0; i < m; i++) {
    axpyRange(alpha * ldf(px, i), pa + ((<usize>i * <usize>n + <usize>r0) << 2), py + (<usize>r0 << 2), w);
  }
}

export function dot(px: usize, py: usize, n: i32, pout: usize): void {
  stf(pout, 0, dotRange(px, py, n));
}

// The elementwise and row-wise ops below take an element (or row) range [r0, r1) so that the host
// can thread them; each element is computed the same way whatever the range.

/** y += alpha * x over elements [r0, r1). */
export function axpy(alpha: f32, px: usize, py: usize, r0: i32, r1: i32): void {
  axpyRange(alpha, at4(px, r0), at4(py, r0), r1 - r0);
}

/** out = alpha * x over elements [r0, r1). */
export function scale(alpha: f32, px: usize, pout: usize, r0: i32, r1: i32): void {
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (; i + 4 <= r1; i += 4) v128.store(at4(pout, i), f32x4.mul(va, v128.load(at4(px, i))));
  }
  for (; i < r1; i++) stf(pout, i, alpha * ldf(px, i));
}

/** Elementwise binary op over elements [r0, r1): op 0 = add, 1 = sub, 2 = mul. */
export function binary(op: i32, pa: usize, pb: usize, pout: usize, r0: i32, r1: i32): void {
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= r1; i += 4) {
      const a = v128.load(at4(pa, i));
      const b = v128.load(at4(pb, i));
      v128.store(at4(pout, i), op == 0 ? f32x4.add(a, b) : op == 1 ? f32x4.sub(a, b) : f32x4.mul(a, b));
    }
  }
  for (; i < r1; i++) {
    const a = ldf(pa, i);
    const b = ldf(pb, i);
    stf(pout, i, op == 0 ? a + b : op == 1 ? a - b : a * b);
  }
}

/** out = 1 / max(x, floor) over elements [r0, r1); NaN stays NaN (f32.max and f32x4.max propagate it). */
export function reciprocal(px: usize, floor: f32, pout: usize, r0: i32, r1: i32): void {
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    const lo = f32x4.splat(floor);
    const one = f32x4.splat(1);
    for (; i + 4 <= r1; i += 4) v128.store(at4(pout, i), f32x4.div(one, f32x4.max(v128.load(at4(px, i)), lo)));
  }
  for (; i < r1; i++) stf(pout, i, f32(1) / max(ldf(px, i), floor));
}

/** x = value over elements [r0, r1). */
export function fill(px: usize, value: f32, r0: i32, r1: i32): void {
  let i = r0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= r1; i += 4) v128.store(at4(px, i), v);
  }
  for (; i < r1; i++) stf(px, i, value);
}

/** Bytes per block of copyBytes' range: one cache line. */
const COPY_BLOCK: i32 = 64;

/** Copies bytes [r0 * 64, min(r1 * 64, bytes)) of src to dst (blocks of one cache line). */
export function copyBytes(src: usize, dst: usize, bytes: i32, r0: i32, r1: i32): void {
  const b0 = r0 * COPY_BLOCK;
  const b1 = min(r1 * COPY_BLOCK, bytes);
  if (b0 < b1) memory.copy(dst + <usize>b0, src + <usize>b0, <usize>(b1 - b0));
}

/** out = x + bias (a row vector) over rows [r0, r1) of a rows x cols matrix. */
export function addRowVector(rows: i32, cols: i32, px: usize, pbias: usize, pout: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * <usize>cols << 2;
    binary(0, px + o, pbias, pout + o, 0, cols);
  }
}

/** out[r] = sum of row r, rows [r0, r1). */
export function rowSum(rows: i32, cols: i32, px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = px + (<usize>r * <usize>cols << 2);
    let i = 0;
    let s: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (; i + 4 <= cols; i += 4) acc = f32x4.add(acc, v128.load(at4(row, i)));
      s = hsum(acc);
    }
    for (; i < cols; i++) s += ldf(row, i);
    stf(pout, r, s);
  }
}

/** out[c] = beta * out[c] + sum_r x[r, c] for columns [c0, c1): rows added in order for any split. */
export function colSum(rows: i32, cols: i32, px: usize, beta: f32, pout: usize, c0: i32, c1: i32): void {
  const w = c1 - c0;
  const out = at4(pout, c0);
  if (beta == 0) memory.fill(out, 0, <usize>w << 2);
  else if (beta != 1) scale(beta, out, out, 0, w);
  for (let r = 0; r < rows; r++) axpyRange(1, px + ((<usize>r * <usize>cols + <usize>c0) << 2), out, w);
}

/** out[r] = |row r|, rows [r0, r1). */
export function rowL2Norm(rows: i32, cols: i32, px: usize, pout: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = px + (<usize>r * <usize>cols << 2);
    stf(pout, r, Mathf.sqrt(dotRange(row, row, cols)));
  }
}

export function sumSquares(px: usize, n: i32, pout: usize): void {
  stf(pout, 0, dotRange(px, px, n));
}
