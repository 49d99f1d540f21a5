// Tensor-train (TT-Rec) row reconstruction and its backward. Core k is [r_k, p_k, q_k, r_{k+1}]
// row-major; row x has mixed-radix digits i_k over p (first core most significant). The row is the
// chain T_1 = core_0[0, i_0] (q_0 x r_1), T_{k+1} = T_k * G_k with G_k = core_k[:, i_k] viewed as
// r_k x (q_k r_{k+1}) (rows ldb = p_k q_k r_{k+1} floats apart); the product, reshaped to
// (q_0 .. q_k) x r_{k+1}, is T_{k+1}, and T_K (prod q x 1) is the output row.
//
// The host describes the train in an i32 descriptor (TT_* offsets below, mirrored in
// src/wasm/ops/compression.ts) allocated from a scratch scope.
import { ldi } from './common';
import { gemmStrided, gemmStridedBackward } from './tt-blas';

const TT_K = 0; // number of cores, 2..4
const TT_P = 1; // p[0..K)
const TT_Q = 5; // q[0..K)
const TT_R = 9; // ranks[0..K]
const TT_CORE = 14; // byte address of core k
const TT_DCORE = 18; // byte address of the gradient of core k (backward only)
const TT_T = 22; // byte address of the saved T_k, k = 2..K-1 (backward only)
const TT_DT = 26; // two byte addresses of the dT ping-pong buffers (backward only)

// @ts-ignore: decorator
@inline function p_(d: usize, k: i32): i32 {
  return ldi(d, TT_P + k);
}
// @ts-ignore: decorator
@inline function q_(d: usize, k: i32): i32 {
  return ldi(d, TT_Q + k);
}
// @ts-ignore: decorator
@inline function r_(d: usize, k: i32): i32 {
  return ldi(d, TT_R + k);
}

/** Digit k of row id over p (first core most significant). */
function digit(d: usize, id: i32, k: i32): i32 {
  const K = ldi(d, TT_K);
  let x = id;
  for (let j = K - 1; j > k; j--) x /= p_(d, j);
  return x % p_(d, k);
}

/** Byte address of the slice core_k[0, i_k] (G_k's first row). */
// @ts-ignore: decorator
@inline function slice(d: usize, base: i32, k: i32, ik: i32): usize {
  return <usize>ldi(d, base + k) + (<usize>(ik * q_(d, k) * r_(d, k + 1)) << 2);
}

/** Reconstructs row id into pout, with two scratch buffers s0, s1 for T_2 .. T_{K-1}. */
function ttRow(d: usize, id: i32, pout: usize, s0: usize, s1: usize): void {
  const K = ldi(d, TT_K);
  let pa = slice(d, TT_CORE, 0, digit(d, id, 0));
  let m = q_(d, 0);
  for (let k = 1; k < K; k++) {
    const n = q_(d, k) * r_(d, k + 1);
    const pc = k == K - 1 ? pout : k & 1 ? s0 : s1;
    gemmStrided(m, n, r_(d, k), pa, slice(d, TT_CORE, k, digit(d, id, k)), p_(d, k) * n, pc);
    pa = pc;
    m *= q_(d, k);
  }
}

/**
 * Rows ids[i] of the TT table into out (n x prod q), in the order of positions `porder` (ttOrder).
 * The order is split into `chunks` equal parts; chunk c uses scratch slot c (slotBytes each, two
 * halves), and [r0, r1) is a range of chunks, so a row is computed the same way whatever the
 * thread split. Ids were checked by the host.
 */
export function ttRows(d: usize, pids: usize, porder: usize, n: i32, pout: usize, pscratch: usize, slotBytes: i32, chunks: i32, r0: i32, r1: i32): void {
  const K = ldi(d, TT_K);
  let width = 1;
  for (let k = 0; k < K; k++) width *= q_(d, k);
  const rowBytes = <usize>width << 2;
  for (let c = r0; c < r1; c++) {
    const i0 = <i32>((<i64>n * c) / chunks);
    const i1 = <i32>((<i64>n * (c + 1)) / chunks);
    const s0 = pscratch + <usize>c * <usize>slotBytes;
    const s1 = s0 + (<usize>slotBytes >> 1);
    for (let j = i0; j < i1; j++) {
      const i = ldi(porder, j);
      ttRow(d, ldi(pids, i), pout + <usize>i * rowBytes, s0, s1);
    }
  }
}

/**
 * Backward: for each id in the order of positions `porder` (ttOrder), recomputes T_2 .. T_{K-1}
 * into the descriptor's T buffers, then walks the chain back from dT_K = dOut row:
 * dG_k += T_k^T dT_{k+1}, dT_k = dT_{k+1} G_k^T, and finally dG_0 += dT_1. Single-threaded:
 * different ids accumulate into the same core slices.
 */
export function ttRowsBackward(d: usize, pids: usize, porder: usize, n: i32, pdout: usize): void {
  const K = ldi(d, TT_K);
  let width = 1;
  for (let k = 0; k < K; k++) width *= q_(d, k);
  for (let j = 0; j < n; j++) {
    const i = ldi(porder, j);
    const id = ldi(pids, i);
    // Forward, keeping T_k (T_1 is the core slice itself).
    let m = q_(d, 0);
    for (let k = 1; k < K - 1; k++) {
      const nn = q_(d, k) * r_(d, k + 1);
      const pa = k == 1 ? slice(d, TT_CORE, 0, digit(d, id, 0)) : <usize>ldi(d, TT_T + k);
      gemmStrided(m, nn, r_(d, k), pa, slice(d, TT_CORE, k, digit(d, id, k)), p_(d, k) * nn, <usize>ldi(d, TT_T + k + 1));
      m *= q_(d, k);
    }
    // Backward; m = prod q_<k on entry to step k.
    let pdc = pdout + (<usize>i * <usize>width << 2);
    for (let k = K - 1; k >= 1; k--) {
      const nn = q_(d, k) * r_(d, k + 1);
      const ik = digit(d, id, k);
      const pa = k == 1 ? slice(d, TT_CORE, 0, digit(d, id, 0)) : <usize>ldi(d, TT_T + k);
      const pda = <usize>ldi(d, TT_DT + (k & 1));
      gemmStridedBackward(m, nn, r_(d, k), pa, slice(d, TT_CORE, k, ik), p_(d, k) * nn, pdc, slice(d, TT_DCORE, k, ik), pda);
      pdc = pda;
      if (k > 1) m /= q_(d, k - 1);
    }
    // dG_0 slice (q_0 x r_1, contiguous) += dT_1.
    const dg0 = slice(d, TT_DCORE, 0, digit(d, id, 0));
    const len = q_(d, 0) * r_(d, 1);
    for (let j = 0; j < len; j++) store<f32>(dg0 + (<usize>j << 2), load<f32>(dg0 + (<usize>j << 2)) + load<f32>(pdc + (<usize>j << 2)));
  }
}
