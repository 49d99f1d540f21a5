import type { RankingOps } from '../../ops/ranking.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';

/**
 * Ranking kernels on WASM. scores is a dedicated U * I^T kernel (no transpose of I) threaded over
 * item ranges, which gives the same scores as any other split; topk is threaded over rows.
 */
export function wasmRanking(core: WasmCore): RankingOps {
  const badUser = core.fn('rankBadUser');
  const maskSeen = core.fn('rankMaskSeen');
  const p = (b: Buf) => core.ptr(b);
  return {
    scores(users, items, dim, u, it, out) {
      if (users === 0) return;
      core.parallel('rankScores', [users, items, dim, p(u), p(it), p(out)], items, 2 * users * dim * NS.gemmFlop);
    },
    maskSeen(scores, items, userIds, seen) {
      const at = badUser(p(userIds), userIds.length, seen.rows);
      if (at >= 0) throw idOutOfRange('maskSeen', at, core.view(userIds)[at], seen.rows);
      maskSeen(p(scores), items, p(userIds), userIds.length, p(seen.indptr), p(seen.indices));
    },
    topk(rows, cols, x, k, outIdx, outVal) {
      if (k === 0) return;
      core.parallel('rankTopk', [cols, p(x), k, p(outIdx), p(outVal)], rows, cols * NS.stream);
    },
  };
}
