// Small dense products for tensor-train rows. The right-hand operand is a slice of a TT core:
// r rows of n contiguous floats each, consecutive rows `ldb` floats apart (the other row digits of
// the core lie in between), so these take a row stride that the dense GEMM does not.
import { hsum, ldf, stf } from './common';
import { axpyRange, dotRange } from './vector';

/** C (m x n, contiguous) = A (m x kd, contiguous) * B (kd x n, row stride ldb floats). */
export function gemmStrided(m: i32, n: i32, kd: i32, pa: usize, pb: usize, ldb: i32, pc: usize): void {
  const bStride = <usize>ldb << 2;
  const aStride = <usize>kd << 2;
  const cStride = <usize>n << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // 4 rows x 16 columns of C in 16 registers; each step of kd loads 4 vectors of B once.
    for (; i + 4 <= m; i += 4) {
      const a0 = pa + <usize>i * aStride;
      const a1 = a0 + aStride;
      const a2 = a1 + aStride;
      const a3 = a2 + aStride;
      const c0 = pc + <usize>i * cStride;
      const c1 = c0 + cStride;
      const c2 = c1 + cStride;
      const c3 = c2 + cStride;
      let j = 0;
      for (; j + 16 <= n; j += 16) {
        let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
        let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
        let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s22 = f32x4.splat(0), s23 = f32x4.splat(0);
        let s30 = f32x4.splat(0), s31 = f32x4.splat(0), s32 = f32x4.splat(0), s33 = f32x4.splat(0);
        let bp = pb + (<usize>j << 2);
        for (let p = 0; p < kd; p++) {
          const b0 = v128.load(bp);
          const b1 = v128.load(bp, 16);
          const b2 = v128.load(bp, 32);
          const b3 = v128.load(bp, 48);
          const off = <usize>p << 2;
          let a = v128.load32_splat(a0 + off);
          s00 = f32x4.add(s00, f32x4.mul(a, b0)); s01 = f32x4.add(s01, f32x4.mul(a, b1));
          s02 = f32x4.add(s02, f32x4.mul(a, b2)); s03 = f32x4.add(s03, f32x4.mul(a, b3));
          a = v128.load32_splat(a1 + off);
          s10 = f32x4.add(s10, f32x4.mul(a, b0)); s11 = f32x4.add(s11, f32x4.mul(a, b1));
          s12 = f32x4.add(s12, f32x4.mul(a, b2)); s13 = f32x4.add(s13, f32x4.mul(a, b3));
          a = v128.load32_splat(a2 + off);
          s20 = f32x4.add(s20, f32x4.mul(a, b0)); s21 = f32x4.add(s21, f32x4.mul(a, b1));
          s22 = f32x4.add(s22, f32x4.mul(a, b2)); s23 = f32x4.add(s23, f32x4.mul(a, b3));
          a = v128.load32_splat(a3 + off);
          s30 = f32x4.add(s30, f32x4.mul(a, b0)); s31 = f32x4.add(s31, f32x4.mul(a, b1));
          s32 = f32x4.add(s32, f32x4.mul(a, b2)); s33 = f32x4.add(s33, f32x4.mul(a, b3));
          bp += bStride;
        }
        const o = <usize>j << 2;
        v128.store(c0 + o, s00); v128.store(c0 + o, s01, 16); v128.store(c0 + o, s02, 32); v128.store(c0 + o, s03, 48);
        v128.store(c1 + o, s10); v128.store(c1 + o, s11, 16); v128.store(c1 + o, s12, 32); v128.store(c1 + o, s13, 48);
        v128.store(c2 + o, s20); v128.store(c2 + o, s21, 16); v128.store(c2 + o, s22, 32); v128.store(c2 + o, s23, 48);
        v128.store(c3 + o, s30); v128.store(c3 + o, s31, 16); v128.store(c3 + o, s32, 32); v128.store(c3 + o, s33, 48);
      }
      for (; j + 4 <= n; j += 4) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let bp = pb + (<usize>j << 2);
        for (let p = 0; p < kd; p++) {
          const b = v128.load(bp);
          const off = <usize>p << 2;
          s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(a0 + off), b));
          s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(a1 + off), b));
          s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(a2 + off), b));
          s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(a3 + off), b));
          bp += bStride;
        }
        const o = <usize>j << 2;
        v128.store(c0 + o, s0);
        v128.store(c1 + o, s1);
        v128.store(c2 + o, s2);
        v128.store(c3 + o, s3);
      }
      for (; j < n; j++) {
        let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
        let bp = pb + (<usize>j << 2);
        for (let p = 0; p < kd; p++) {
          const b = load<f32>(bp);
          s0 += ldf(a0, p) * b;
          s1 += ldf(a1, p) * b;
          s2 += ldf(a2, p) * b;
          s3 += ldf(a3, p) * b;
          bp += bStride;
        }
        stf(c0, j, s0);
        stf(c1, j, s1);
        stf(c2, j, s2);
        stf(c3, j, s3);
      }
    }
  }
  // Remaining rows (every row in the scalar build): C row = sum_p A[i, p] * B row p.
  for (; i < m; i++) {
    const arow = pa + <usize>i * aStride;
    const crow = pc + <usize>i * cStride;
    memory.fill(crow, 0, cStride);
    for (let p = 0; p < kd; p++) axpyRange(ldf(arow, p), pb + <usize>p * bStride, crow, n);
  }
}

/**
 * Backward of C = A * B for the strided B: dB (kd x n, row stride ldb) += A^T dC and
 * dA (m x kd, contiguous) = dC B^T, with dC m x n contiguous. Row p of B at a time, four rows of
 * dC per pass: each pass updates the dB row once and forms four dot products, sharing the loads.
 */
export function gemmStridedBackward(m: i32, n: i32, kd: i32, pa: usize, pb: usize, ldb: i32, pdc: usize, pdb: usize, pda: usize): void {
  const bStride = <usize>ldb << 2;
  const cStride = <usize>n << 2;
  for (let p = 0; p < kd; p++) {
    const brow = pb + <usize>p * bStride;
    const dbrow = pdb + <usize>p * bStride;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= m; i += 4) {
        const c0 = pdc + <usize>i * cStride;
        const c1 = c0 + cStride;
        const c2 = c1 + cStride;
        const c3 = c2 + cStride;
        const a0 = ldf(pa, i * kd + p), a1 = ldf(pa, (i + 1) * kd + p), a2 = ldf(pa, (i + 2) * kd + p), a3 = ldf(pa, (i + 3) * kd + p);
        const va0 = f32x4.splat(a0), va1 = f32x4.splat(a1), va2 = f32x4.splat(a2), va3 = f32x4.splat(a3);
        let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
        let j = 0;
        for (; j + 4 <= n; j += 4) {
          const o = <usize>j << 2;
          const b = v128.load(brow + o);
          const g0 = v128.load(c0 + o), g1 = v128.load(c1 + o), g2 = v128.load(c2 + o), g3 = v128.load(c3 + o);
          const db = f32x4.add(f32x4.add(f32x4.mul(va0, g0), f32x4.mul(va1, g1)), f32x4.add(f32x4.mul(va2, g2), f32x4.mul(va3, g3)));
          v128.store(dbrow + o, f32x4.add(v128.load(dbrow + o), db));
          d0 = f32x4.add(d0, f32x4.mul(g0, b));
          d1 = f32x4.add(d1, f32x4.mul(g1, b));
          d2 = f32x4.add(d2, f32x4.mul(g2, b));
          d3 = f32x4.add(d3, f32x4.mul(g3, b));
        }
        let s0 = hsum(d0), s1 = hsum(d1), s2 = hsum(d2), s3 = hsum(d3);
        for (; j < n; j++) {
          const b = ldf(brow, j);
          const g0 = ldf(c0, j), g1 = ldf(c1, j), g2 = ldf(c2, j), g3 = ldf(c3, j);
          stf(dbrow, j, ldf(dbrow, j) + ((a0 * g0 + a1 * g1) + (a2 * g2 + a3 * g3)));
          s0 += g0 * b;
          s1 += g1 * b;
          s2 += g2 * b;
          s3 += g3 * b;
        }
        stf(pda, i * kd + p, s0);
        stf(pda, (i + 1) * kd + p, s1);
        stf(pda, (i + 2) * kd + p, s2);
        stf(pda, (i + 3) * kd + p, s3);
      }
    }
    // Remaining rows of dC (every row in the scalar build).
    for (; i < m; i++) {
      const dcrow = pdc + <usize>i * cStride;
      axpyRange(ldf(pa, i * kd + p), dcrow, dbrow, n);
      stf(pda, i * kd + p, dotRange(dcrow, brow, n));
    }
  }
}
