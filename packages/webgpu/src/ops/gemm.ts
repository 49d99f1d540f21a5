/**
 * The tiled GEMM: each workgroup of 16 x 16 invocations computes a 64 x 64 tile of C, each
 * invocation a 4 x 4 block, staging 64 x 16 slices of op(A) and 16 x 64 of op(B) in
 * workgroup-shared memory. Every element is one f32 sum over k in increasing order.
 */
import type { Buf } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import type { KernelDef } from '../wgsl/codegen.js';

const TILE = 64;

/** The first and last tile (row, column) of workgroups [g0, g1). */
function tiles(g0: number, g1: number, p: Readonly<Record<string, number>>): { tm0: number; tn0: number; tm1: number; tn1: number } {
  const tilesN = Math.ceil(p.n / TILE);
  return { tm0: Math.floor(g0 / tilesN), tn0: g0 % tilesN, tm1: Math.floor((g1 - 1) / tilesN), tn1: (g1 - 1) % tilesN };
}

/** Elements of a row-major matrix of `width` columns that tiles [g0, g1) touch (C: also by columns). */
function tileSpan(g0: number, g1: number, p: Readonly<Record<string, number>>, width: number, byColumns: boolean): [number, number] {
  const t = tiles(g0, g1, p);
  const r0 = t.tm0 * TILE;
  const r1 = Math.min(p.m, (t.tm1 + 1) * TILE);
  if (!byColumns || t.tm0 !== t.tm1) return [r0 * width, r1 * width];
  return [r0 * width + t.tn0 * TILE, (r1 - 1) * width + Math.min(width, (t.tn1 + 1) * TILE)];
}

export const GEMM_KERNEL: KernelDef = {
  name: 'gemm',
  operands: { a: 'read', b: 'read', c: 'write' },
  params: { m: 'u32', n: 'u32', k: 'u32', alpha: 'f32', beta: 'f32', ta: 'u32', tb: 'u32' },
  workgroupSize: 256,
  mode: 'groups',
  spans: {
    // Workgroups [g0, g1) (tile-row major) cover the rows of their first and last tile: rows of
    // C, and of A when A is stored m x k; within one tile row also only some tile columns: of C,
    // and the rows of B when B is stored n x k (the scores' item table).
    c: (g0, g1, p) => tileSpan(g0, g1, p, p.n, true),
    a: (g0, g1, p) => (p.ta ? null : tileSpan(g0, g1, p, p.k, false)),
    b: (g0, g1, p) => {
      const t = tiles(g0, g1, p);
      return p.tb && t.tm0 === t.tm1 ? [t.tn0 * TILE * p.k, Math.min(p.n, (t.tn1 + 1) * TILE) * p.k] : null;
    },
  },
  helpers: `
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;`,
  body: `
  let tilesN = (P.n + 63u) / 64u;
  let tm = wgi / tilesN;
  let row0 = tm * 64u;
  let col0 = (wgi - tm * tilesN) * 64u;
  let tr = li / 16u;
  let tc = li % 16u;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < P.k; k0 += 16u) {
    for (var e = li; e < 1024u; e += 256u) {
      var r = e / 16u; var kk = e % 16u;
      if (P.ta != 0u) { r = e % 64u; kk = e / 64u; }
      let gr = row0 + r; let gk = k0 + kk;
      var v = 0.0;
      if (gr < P.m && gk < P.k) { v = a_ld(select(gr * P.k + gk, gk * P.m + gr, P.ta != 0u)); }
      As[kk * 64u + r] = v;
    }
    for (var e = li; e < 1024u; e += 256u) {
      var kk = e / 64u; var cc = e % 64u;
      if (P.tb != 0u) { kk = e % 16u; cc = e / 16u; }
      let gk = k0 + kk; let gc = col0 + cc;
      var v = 0.0;
      if (gk < P.k && gc < P.n) { v = b_ld(select(gk * P.n + gc, gc * P.k + gk, P.tb != 0u)); }
      Bs[kk * 64u + cc] = v;
    }
    workgroupBarrier();
    let kEnd = min(16u, P.k - k0);
    for (var kk = 0u; kk < kEnd; kk++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { av[i] = As[kk * 64u + tr * 4u + i]; bv[i] = Bs[kk * 64u + tc * 4u + i]; }
      for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] += av[i] * bv[j]; } }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + tr * 4u + i;
    if (r >= P.m) { break; }
    for (var j = 0u; j < 4u; j++) {
      let cc = col0 + tc * 4u + j;
      if (cc < P.n) {
        let at = r * P.n + cc;
        var v = P.alpha * acc[i * 4u + j];
        if (P.beta != 0.0) { v += P.beta * c_ld(at); }
        c_st(at, v);
      }
    }
  }`,
};

/** C = alpha op(A) op(B) + beta C (shapes checked by the caller). */
export function gemm(core: WebGpuCore, transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Buf, b: Buf, beta: number, c: Buf): void {
  const tiles = Math.ceil(m / TILE) * Math.ceil(n / TILE);
  core.dispatch(GEMM_KERNEL, { a, b, c }, { m, n, k, alpha, beta, ta: transA ? 1 : 0, tb: transB ? 1 : 0 }, tiles);
}
