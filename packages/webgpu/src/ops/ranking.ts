import type { RankingOps } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { checkIds, dispatchGuarded } from '../ids.js';
import { gemm } from './gemm.js';
import { topk } from './topk.js';
import type { KernelDef } from '../wgsl/codegen.js';

const MASK_SEEN = {
  name: 'maskSeen',
  operands: { scores: 'write', userIds: 'read', indptr: 'read', indices: 'read' },
  params: { items: 'u32' },
  mode: 'groups',
  spans: { userIds: (g0: number, g1: number) => [g0, g1], scores: (g0: number, g1: number, p: Readonly<Record<string, number>>) => [g0 * p.items, g1 * p.items] },
  body: `
  let u = u32(userIds_ld(wgi));
  let p1 = u32(indptr_ld(u + 1u));
  for (var p = u32(indptr_ld(u)) + li; p < p1; p += WG) { scores_st(wgi * P.items + u32(indices_ld(p)), neg_inf()); }`,
} satisfies KernelDef;

/** Ranking on WebGPU: scores by the tiled GEMM (U I^T), masking one workgroup per user, two-phase top-k. */
export function webgpuRanking(core: WebGpuCore): RankingOps {
  return {
    scores(users, items, dim, u, it, out) {
      gemm(core, false, true, users, items, dim, 1, u, it, 0, out);
    },
    maskSeen(scores, items, userIds, seen) {
      const guard = checkIds(core, 'maskSeen', userIds, seen.rows);
      dispatchGuarded(core, guard, MASK_SEEN, { scores, userIds, indptr: seen.indptr, indices: seen.indices }, { items }, userIds.length);
    },
    topk(rows, cols, x, k, outIdx, outVal) {
      topk(core, rows, cols, x, k, outIdx, outVal);
    },
  };
}
