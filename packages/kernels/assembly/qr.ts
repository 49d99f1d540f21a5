// Quotient-remainder embedding lookup: out[i] = op(R[id mod m], Q[id / m]) with op = mult (0),
// add (1) or concat (2), and its backward. Ids are checked by the host before these run.
import { ldf, ldi, stf } from './common';

const QR_MULT = 0;
const QR_ADD = 1;

/** out[0..n) = a * b (op 0) or a + b (op 1). */
// @ts-ignore: decorator
@inline function combineRange(op: i32, pa: usize, pb: usize, pout: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    if (op == QR_MULT) {
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(pout + o, f32x4.mul(v128.load(pa + o), v128.load(pb + o)));
      }
    } else {
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(pout + o, f32x4.add(v128.load(pa + o), v128.load(pb + o)));
      }
    }
  }
  for (; j < n; j++) stf(pout, j, op == QR_MULT ? ldf(pa, j) * ldf(pb, j) : ldf(pa, j) + ldf(pb, j));
}

/** Forward for ids [r0, r1): out rows of partDim (mult, add) or 2 * partDim (concat). */
export function qrCombine(op: i32, pr: usize, m: i32, pq: usize, partDim: i32, pids: usize, pout: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>partDim << 2;
  const outBytes = op == QR_MULT || op == QR_ADD ? rowBytes : rowBytes << 1;
  for (let i = r0; i < r1; i++) {
    const id = <u32>ldi(pids, i);
    const rrow = pr + <usize>(id % <u32>m) * rowBytes;
    const qrow = pq + <usize>(id / <u32>m) * rowBytes;
    const orow = pout + <usize>i * outBytes;
    if (op == QR_MULT || op == QR_ADD) {
      combineRange(op, rrow, qrow, orow, partDim);
    } else {
      memory.copy(orow, rrow, rowBytes);
      memory.copy(orow + rowBytes, qrow, rowBytes);
    }
  }
}

/** y[0..n) += a[0..n) * b[0..n) */
// @ts-ignore: decorator
@inline function addProduct(pa: usize, pb: usize, py: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(py + o, f32x4.add(v128.load(py + o), f32x4.mul(v128.load(pa + o), v128.load(pb + o))));
    }
  }
  for (; j < n; j++) stf(py, j, ldf(py, j) + ldf(pa, j) * ldf(pb, j));
}

/** y[0..n) += x[0..n) */
// @ts-ignore: decorator
@inline function addTo(px: usize, py: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(py + o, f32x4.add(v128.load(py + o), v128.load(px + o)));
    }
  }
  for (; j < n; j++) stf(py, j, ldf(py, j) + ldf(px, j));
}

/**
 * Backward: accumulates into dR and dQ, ids in order (single-threaded: duplicate ids and ids that
 * share a remainder or quotient row accumulate into the same rows).
 */
export function qrCombineBackward(op: i32, pr: usize, m: i32, pq: usize, partDim: i32, pids: usize, n: i32, pdout: usize, pdr: usize, pdq: usize): void {
  const rowBytes = <usize>partDim << 2;
  const outBytes = op == QR_MULT || op == QR_ADD ? rowBytes : rowBytes << 1;
  for (let i = 0; i < n; i++) {
    const id = <u32>ldi(pids, i);
    const rOff = <usize>(id % <u32>m) * rowBytes;
    const qOff = <usize>(id / <u32>m) * rowBytes;
    const g = pdout + <usize>i * outBytes;
    if (op == QR_MULT) {
      addProduct(g, pq + qOff, pdr + rOff, partDim);
      addProduct(g, pr + rOff, pdq + qOff, partDim);
    } else if (op == QR_ADD) {
      addTo(g, pdr + rOff, partDim);
      addTo(g, pdq + qOff, partDim);
    } else {
      addTo(g, pdr + rOff, partDim);
      addTo(g + rowBytes, pdq + qOff, partDim);
    }
  }
}
